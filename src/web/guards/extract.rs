//! Extractors that turn malformed input (a form, a path segment, a query
//! string) into a readable 400 page instead of axum's plain-text rejection.

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::web::AppError;

/// Like `axum::Form`, but a bad or oversized body becomes an [`AppError`].
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(FormRejection::BytesRejection(_)) => Err(AppError::PayloadTooLarge),
            Err(e) => Err(AppError::BadRequest(format!(
                "The form was incomplete or malformed ({}). Go back and try again.",
                e.body_text()
            ))),
        }
    }
}

/// Like `axum::extract::Path`, but a segment that does not parse (a
/// non-number id, a negative position) becomes a 400 page.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(_) => Err(AppError::BadRequest(
                "Part of this address is not valid here (for example a number that is not a whole number in range). Check the link.".into(),
            )),
        }
    }
}

/// Like `axum::extract::Query`, but a malformed query string becomes a 400 page.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(e) => Err(AppError::BadRequest(format!(
                "The address's query is not valid ({}). Check the link.",
                e.body_text()
            ))),
        }
    }
}

/// A yes/no form field sent as `1` or `0`; anything else is a 400 naming the field.
pub fn flag(value: &str, field: &str) -> Result<bool, AppError> {
    match value {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(AppError::BadRequest(format!("`{field}` must be 1 or 0."))),
    }
}

/// Percent-encodes `s` for use in a query string.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes() {
        assert_eq!(super::urlencode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
