//! Extractors that turn malformed input (a form, a path segment, a query
//! string) into a readable 4xx page instead of axum's plain-text rejection.
//! Each wraps the axum extractor of the same name (`derive(FromRequest)`
//! with `via`) and converts its rejection into a [`Rejection`].

use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection, RawFormRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::FormRejection as MultiValueFormRejection;

use crate::web::AppError;

/// Like `axum::Form`, but a bad body is a readable 400 and an oversized one 413.
#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(Rejection))]
pub struct Form<T>(pub T);

/// Like [`Form`], for forms whose keys repeat (checkboxes: `choice=0&choice=2`);
/// collect them into a `Vec` field with `#[serde(default)]`. Reads with
/// `axum_extra::extract::Form` (serde_html_form).
#[derive(FromRequest)]
#[from_request(via(axum_extra::extract::Form), rejection(Rejection))]
pub struct MultiValueForm<T>(pub T);

/// Like `axum::extract::Path`, but a segment that does not parse (a
/// non-number id, a negative position) becomes a 400 page.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Rejection))]
pub struct Path<T>(pub T);

/// Like `axum::extract::Query`, but a malformed query string becomes a 400 page.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Rejection))]
pub struct Query<T>(pub T);

/// Why one of these extractors refused a request, as the [`AppError`] page
/// to answer with. A type of its own because `AppError` converts every
/// `std::error::Error` (axum's rejections included) into a 500.
#[derive(Debug)]
pub struct Rejection(pub AppError);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// A 400 for a form that did not parse; `detail` is axum's own reason.
fn bad_form(detail: String) -> Rejection {
    Rejection(AppError::BadRequest(format!(
        "The form was incomplete or malformed ({detail}). Go back and try again."
    )))
}

impl From<FormRejection> for Rejection {
    fn from(err: FormRejection) -> Self {
        match err {
            FormRejection::BytesRejection(_) => Rejection(AppError::PayloadTooLarge),
            err => bad_form(err.body_text()),
        }
    }
}

impl From<MultiValueFormRejection> for Rejection {
    fn from(err: MultiValueFormRejection) -> Self {
        match err {
            MultiValueFormRejection::RawFormRejection(RawFormRejection::BytesRejection(_)) => {
                Rejection(AppError::PayloadTooLarge)
            }
            err => bad_form(err.body_text()),
        }
    }
}

impl From<PathRejection> for Rejection {
    fn from(_: PathRejection) -> Self {
        Rejection(AppError::BadRequest(
            "Part of this address is not valid here (for example a number that is not a whole number in range). Check the link.".into(),
        ))
    }
}

impl From<QueryRejection> for Rejection {
    fn from(err: QueryRejection) -> Self {
        Rejection(AppError::BadRequest(format!(
            "The address's query is not valid ({}). Check the link.",
            err.body_text()
        )))
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
