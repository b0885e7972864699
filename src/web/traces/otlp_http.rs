//! OTLP/HTTP: `POST /v1/traces` (OTLP specification, "OTLP/HTTP"), on the
//! main router and on the `--otlp-http-addr` listener. The answer is an
//! `ExportTraceServiceResponse` in the request's encoding; failures carry a
//! `google.rpc.Status` and the status codes 400, 401, 413, 415, 429 and 503
//! (the last two with `Retry-After`). No 5xx other than 503 is sent.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tower_http::timeout::RequestBodyDeadlineLayer;

use crate::otlp::{Encoding, Failure, MAX_BODY_BYTES, RETRY_AFTER, bearer, reply};
use crate::web::{AppState, BODY_READ_DEADLINE};

/// The OTLP/HTTP path for traces.
pub const PATH: &str = "/v1/traces";

/// A router with only [`PATH`]: none of the pages' layers (sessions, CSRF,
/// HTML error pages), its own body limit ([`MAX_BODY_BYTES`]) and body
/// read deadline.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(PATH, post(export))
        .layer(RequestBodyDeadlineLayer::new(BODY_READ_DEADLINE))
        .with_state(state)
}

/// The app of the OTLP/HTTP listener (`--otlp-http-addr`): [`router`],
/// and a plain-text 404 for any other path and 405 (with `Allow: POST`) for
/// any other method, so that a misconfigured exporter reads why.
pub fn listener(state: AppState) -> Router {
    router(state)
        .fallback(|| async {
            plain(
                StatusCode::NOT_FOUND,
                format!("this is an OTLP/HTTP traces receiver: send traces with POST {PATH}"),
            )
        })
        .method_not_allowed_fallback(|| async {
            let mut r = plain(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{PATH} takes POST with an OTLP ExportTraceServiceRequest"),
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            r
        })
}

/// A plain-text answer.
fn plain(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message + "\n",
    )
        .into_response()
}

fn failure(f: &Failure, encoding: Encoding) -> Response {
    let status =
        StatusCode::from_u16(reply::http_status(f)).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, encoding.content_type())],
        reply::encode_failure(f, encoding),
    )
        .into_response();
    if reply::retryable(f) {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(RETRY_AFTER.as_secs()),
        );
    }
    response
}

async fn export(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let content_type = text(header::CONTENT_TYPE).unwrap_or("").to_string();
    let encoding = Encoding::from_content_type(&content_type);
    let token = text(header::AUTHORIZATION)
        .and_then(bearer)
        .map(str::to_string);
    let user = match state.otlp.authenticate(token.as_deref()).await {
        Ok(user) => user,
        Err(f) => {
            return match encoding {
                Some(e) => failure(&f, e),
                None => plain(
                    StatusCode::from_u16(reply::http_status(&f))
                        .unwrap_or(StatusCode::UNAUTHORIZED),
                    f.message(),
                ),
            };
        }
    };
    // Neither protobuf nor JSON: the answer cannot be in the request's
    // encoding, so it is plain text, which any client can show.
    let Some(encoding) = encoding else {
        let f = Failure::UnsupportedType(content_type);
        return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE, f.message());
    };
    let content_encoding = text(header::CONTENT_ENCODING).map(str::to_string);
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            let f = if too_large {
                Failure::TooLarge(format!(
                    "the body is larger than {} MiB",
                    MAX_BODY_BYTES / (1024 * 1024)
                ))
            } else {
                Failure::Malformed(format!("the body could not be read: {e}"))
            };
            return failure(&f, encoding);
        }
    };
    match state
        .otlp
        .export_body(user, bytes.to_vec(), content_encoding, encoding)
        .await
    {
        Ok(response) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, encoding.content_type())],
            reply::encode_response(&response, encoding),
        )
            .into_response(),
        Err(f) => failure(&f, encoding),
    }
}
