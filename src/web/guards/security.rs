//! Security headers on every response, `no-store` on responses to members,
//! and the readable page for a body over the limit.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::web::AppError;
use crate::web::guards::session::MaybeMember;

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

/// Marks every response to a logged-in member `Cache-Control: no-store`
/// (unless the handler chose a cache policy), so that private pages are not
/// kept by the browser or a proxy. Runs inside the session layer.
pub async fn private_pages(request: Request, next: Next) -> Response {
    let member = request
        .extensions()
        .get::<MaybeMember>()
        .is_some_and(|m| m.0.is_some());
    let mut response = next.run(request).await;
    if member && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Gives every 413 the readable "Too much data" page: tower-http's
/// `RequestBodyLimitLayer` answers a declared length over the limit with a
/// plain-text one before any handler runs.
pub async fn readable_413(response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge.into_response()
    } else {
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use axum::body::to_bytes;

    #[tokio::test]
    async fn a_plain_413_becomes_the_readable_page() {
        let plain = (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
        let page = readable_413(plain).await;
        assert_eq!(page.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = to_bytes(page.into_body(), usize::MAX).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("Too much data"));
        let ok = readable_413(StatusCode::OK.into_response()).await;
        assert_eq!(ok.status(), StatusCode::OK);
    }
}
