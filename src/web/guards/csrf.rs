//! CSRF protection for every state-changing request.
//!
//! Two independent checks, both required for POST/PUT/PATCH/DELETE:
//! 1. the request must come from this site: `Sec-Fetch-Site` (when the
//!    browser sends it) must be `same-origin` or `none`, and an `Origin`
//!    header must name the same host as `Host`;
//! 2. double-submit token: every visitor gets a random HttpOnly `sd_csrf`
//!    cookie; every form echoes it in a hidden `csrf` field. A page on
//!    another site can neither read nor set that cookie. In a
//!    `multipart/form-data` upload the `csrf` field must come first (browsers
//!    send fields in the form's order, RFC 7578 §5.2): the guard reads only
//!    the head of the body, never the file, and the token never appears in
//!    an address, a history entry or a log line.

use axum::body::{Body, Bytes, to_bytes};
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

/// How much of a multipart body the guard reads, at most, looking for the
/// end of the first part (plus the rest of the chunk that crosses it).
const MULTIPART_HEAD_BYTES: usize = 8 * 1024;

/// Finds the `csrf` value in an urlencoded body, or in the first part of a
/// multipart one; what was read is put back for the handler.
async fn supplied_token(request: Request) -> Result<(Option<String>, Request), AppError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        return multipart_token(&content_type, request).await;
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
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

/// The `csrf` field when it is the first part of a multipart body. Reads at
/// most [`MULTIPART_HEAD_BYTES`] (and the chunk that crosses it), then hands
/// the handler a body that replays those bytes before the unread rest.
async fn multipart_token(
    content_type: &str,
    request: Request,
) -> Result<(Option<String>, Request), AppError> {
    use futures_util::StreamExt as _;

    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Ok((None, request));
    };
    let (parts, body) = request.into_parts();
    let mut rest = body.into_data_stream();
    let end_of_first_part = format!("\r\n--{boundary}");
    let mut head = Vec::new();
    while head.len() < MULTIPART_HEAD_BYTES && !contains(&head, end_of_first_part.as_bytes()) {
        match rest.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(_)) => {
                return Err(AppError::BadRequest(
                    "The upload was interrupted. Try again.".into(),
                ));
            }
            None => break,
        }
    }
    let head = Bytes::from(head);
    let token = first_field_token(head.clone(), boundary).await;
    let replay = futures_util::stream::once(std::future::ready(Ok::<_, axum::Error>(head)));
    let body = Body::from_stream(replay.chain(rest));
    Ok((token, Request::from_parts(parts, body)))
}

/// The value of the first part of `head` when that part is named `csrf`.
async fn first_field_token(head: Bytes, boundary: String) -> Option<String> {
    let stream = futures_util::stream::once(std::future::ready(Ok::<_, std::io::Error>(head)));
    let mut multipart = multer::Multipart::new(stream, boundary);
    let field = multipart.next_field().await.ok()??;
    if field.name() != Some("csrf") {
        return None;
    }
    field.text().await.ok()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
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
