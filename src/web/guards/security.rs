//! Security headers on every response, and the request body limit.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::web::{AppError, body_limit};

/// The Content-Security-Policy: no inline script, nothing from other origins.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Refuses a request whose declared body is over the limit with a 413 page,
/// before any handler reads it. The limit is 1 MiB except for the notes
/// import and the trace upload ([`super::body_limit`]). Bodies without a
/// length are capped by `DefaultBodyLimit` in the extractors (raised on
/// those two routes only).
pub async fn limit_body(request: Request, next: Next) -> Response {
    let limit = body_limit(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return AppError::PayloadTooLarge.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::web::MAX_BODY_BYTES;

    #[test]
    fn only_uploads_and_imports_may_send_more() {
        assert_eq!(body_limit("/login"), MAX_BODY_BYTES);
        assert_eq!(body_limit("/sim/upload/x"), MAX_BODY_BYTES);
        assert!(body_limit("/sim/upload") > 10 * 1024 * 1024);
        assert!(body_limit("/notes/import") >= 10 * 1024 * 1024);
    }
}
