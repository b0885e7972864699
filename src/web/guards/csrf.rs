//! CSRF protection for every state-changing request.
//!
//! Two independent checks, both required for POST/PUT/PATCH/DELETE:
//! 1. the request must come from this site: `Sec-Fetch-Site` (when the
//!    browser sends it) must be `same-origin` or `none`, and an `Origin`
//!    header must name the same host as `Host`;
//! 2. double-submit token: every visitor gets a random HttpOnly `sd_csrf`
//!    cookie; every form echoes it in a hidden `csrf` field (or, for file
//!    uploads, in the form action's `?csrf=` query). A page on another site
//!    can neither read nor set that cookie.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::accounts;
use crate::web::guards::cookies;
use crate::web::{AppError, AppState, MAX_BODY_BYTES};

/// The visitor's CSRF token, for templates to put in forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// How long the CSRF cookie lives.
const CSRF_MAX_AGE: i64 = 30 * 24 * 3600;

/// The middleware: checks unsafe requests, hands the token to handlers,
/// and sets the cookie for first-time visitors.
pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let existing = cookies::token(request.headers(), cookies::CSRF);
    let token = existing.clone().unwrap_or_else(accounts::new_token);
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut request = request;
    if unsafe_method {
        if let Err(reason) = same_origin(request.headers()) {
            return AppError::Forbidden(reason.into()).into_response();
        }
        let (supplied, rebuilt) = match supplied_token(request).await {
            Ok(found) => found,
            Err(err) => return err.into_response(),
        };
        request = rebuilt;
        let valid = existing.is_some()
            && supplied
                .as_deref()
                .is_some_and(|s| constant_time_eq(s, &token));
        if !valid {
            return AppError::Forbidden(
                "This form has expired or did not come from spandojo. Go back, reload the page and try again."
                    .into(),
            )
            .into_response();
        }
    }
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if existing.is_none() && !sets_csrf_cookie(&response) {
        let cookie = csrf_cookie(&state, &token);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn csrf_cookie(state: &AppState, token: &str) -> HeaderValue {
    cookies::set(
        cookies::CSRF,
        token,
        CSRF_MAX_AGE,
        state.config.cookies_secure(),
        "Strict",
    )
}

/// Whether a handler already set the CSRF cookie (a rotation).
fn sets_csrf_cookie(response: &Response) -> bool {
    let prefix = format!("{}=", cookies::CSRF);
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(prefix.as_bytes()))
}

/// A `Set-Cookie` value with a fresh CSRF token, sent when a session starts
/// or ends (login, setup, registration, logout, account deletion): a token
/// seen before the login (on a shared computer, in a page someone kept) is
/// no longer accepted after it, as OWASP's CSRF cheat sheet asks of
/// synchronizer tokens at session change.
pub fn rotated_cookie(state: &AppState) -> HeaderValue {
    csrf_cookie(state, &accounts::new_token())
}

/// Refuses requests a browser marks as coming from another site.
fn same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    const REFUSED: &str =
        "Cross-site requests are refused: spandojo only accepts forms sent from its own pages.";
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(REFUSED);
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        if origin_host.is_none() || origin_host != host {
            return Err(REFUSED);
        }
    }
    Ok(())
}

/// Finds the `csrf` value in the query string or an urlencoded body; the
/// body is read (bounded) and put back for the handler.
async fn supplied_token(request: Request) -> Result<(Option<String>, Request), AppError> {
    if let Some(token) = request.uri().query().and_then(|q| field(q, "csrf")) {
        return Ok((Some(token), request));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, request));
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let token = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|b| field(b, "csrf"));
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

fn field(urlencoded: &str, name: &str) -> Option<String> {
    urlencoded
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn origin_rules() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("dojo.local:8080"));
        assert!(same_origin(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://dojo.local:8080"),
        );
        assert!(same_origin(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(same_origin(&h).is_err());
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(same_origin(&h).is_err());
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(same_origin(&h).is_err());
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h).is_ok());
    }

    #[test]
    fn finds_fields() {
        assert_eq!(field("a=1&csrf=abc&b=2", "csrf"), Some("abc".into()));
        assert_eq!(field("a=1", "csrf"), None);
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd"));
    }
}
