//! The OTLP trace receiver's pure logic, shared by OTLP/HTTP
//! ([`crate::web::traces`]) and OTLP/gRPC ([`grpc`]): decoding a request body
//! ([`decode`]), checking each span and turning the request into rows for the
//! store ([`validate`]), the answers ([`reply`]), and reading stored spans
//! back as the viewer's model ([`assemble`]). [`receiver::Receiver`] ties
//! them to the store with a bounded write queue.
//!
//! It follows the OTLP specification (opentelemetry-proto
//! `docs/specification.md`): "OTLP/HTTP Request/Response", "Failures",
//! "Partial Success", "OTLP/gRPC Throttling". Protobuf comes from the
//! `opentelemetry-proto` crate's generated prost types.

pub mod assemble;
pub mod decode;
pub mod grpc;
mod json;
pub mod receiver;
pub mod reply;
pub mod validate;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};

/// Largest request body, compressed or not, and largest decompressed body
/// (16 MiB): a gzip body that expands beyond it is refused with 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most spans in one request (65,536); more is refused whole with 413
/// (HTTP) or INVALID_ARGUMENT (gRPC) before the spans are decoded.
pub const MAX_SPANS_PER_REQUEST: usize = 65_536;
/// The delay that 429/503 answers ask senders to wait (`Retry-After`, gRPC
/// `RetryInfo`).
pub const RETRY_AFTER: Duration = Duration::from_secs(2);

/// How a request body is encoded (OTLP/HTTP `Content-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/x-protobuf`: binary protobuf.
    Protobuf,
    /// `application/json`: the OTLP JSON mapping.
    Json,
}

impl Encoding {
    /// The encoding of a `Content-Type` value (parameters such as
    /// `charset` ignored), or None for any other type (415).
    pub fn from_content_type(value: &str) -> Option<Encoding> {
        let essence = value.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case("application/x-protobuf")
            || essence.eq_ignore_ascii_case("application/protobuf")
        {
            Some(Encoding::Protobuf)
        } else if essence.eq_ignore_ascii_case("application/json") {
            Some(Encoding::Json)
        } else {
            None
        }
    }

    /// The `Content-Type` of answers in this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// Why a whole request was refused; nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No token, an unknown or a revoked one: HTTP 401, gRPC UNAUTHENTICATED.
    Unauthenticated,
    /// Not decodable (garbage, truncated, wrong JSON types, bad gzip):
    /// HTTP 400, gRPC INVALID_ARGUMENT. Not retryable.
    Malformed(String),
    /// Too large (body, decompressed body, or spans per request): HTTP 413,
    /// gRPC INVALID_ARGUMENT. Not retryable.
    TooLarge(String),
    /// A content type other than protobuf or JSON: HTTP 415.
    UnsupportedType(String),
    /// A `Content-Encoding` other than gzip or identity: HTTP 415.
    UnsupportedEncoding(String),
    /// The write queue is full: HTTP 503 with `Retry-After`, gRPC
    /// UNAVAILABLE with `RetryInfo`. Retryable.
    Busy,
    /// This member already has a request in the queue's fair share: HTTP 429
    /// with `Retry-After`, gRPC RESOURCE_EXHAUSTED with `RetryInfo`. Retryable.
    Throttled,
    /// The database failed; logged, answered as 503 (retryable) so that no
    /// span is lost and no 5xx other than 503 is sent.
    Unavailable,
}

impl Failure {
    /// A sentence for the answer's `message`.
    pub fn message(&self) -> String {
        match self {
            Failure::Unauthenticated => "a valid ingest token is required: send `authorization: Bearer <token>` (create one on the My traces page or with `spandojo token create`)".into(),
            Failure::Malformed(m) => format!("malformed request: {m}"),
            Failure::TooLarge(m) => format!("request too large: {m}"),
            Failure::UnsupportedType(t) => format!("unsupported content type {t:?}: send application/x-protobuf or application/json"),
            Failure::UnsupportedEncoding(e) => format!("unsupported content encoding {e:?}: send gzip or identity"),
            Failure::Busy => "the server is busy writing other requests; retry later".into(),
            Failure::Throttled => "too many requests at once for this member; retry later".into(),
            Failure::Unavailable => "the store is unavailable; retry later".into(),
        }
    }
}

/// The token of an `authorization` header value `Bearer <token>` (scheme
/// case-insensitive), or None.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The OTLP/HTTP base URL to give senders: the `--otlp-http-addr` listener
/// (`http://127.0.0.1:4318`; an unspecified IP is replaced by the host of
/// `public_url`), or `public_url` itself when that listener is off (the
/// main server also serves `/v1/traces`).
pub fn endpoint(settings: &receiver::Settings, public_url: Option<&str>) -> String {
    let public = public_url
        .unwrap_or("http://127.0.0.1:8080")
        .trim_end_matches('/');
    match settings.http_addr {
        None => public.to_string(),
        Some(addr) if addr.ip().is_unspecified() => {
            let host = public
                .split_once("://")
                .map_or(public, |(_, rest)| rest)
                .split('/')
                .next()
                .unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            format!("http://{host}:{}", addr.port())
        }
        Some(addr) => format!("http://{addr}"),
    }
}

/// The two environment lines an OpenTelemetry SDK needs, as printed by
/// `spandojo token create`: `OTEL_EXPORTER_OTLP_ENDPOINT=<endpoint>` and
/// `OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>` (the value
/// of that variable is percent-encoded, so the space is `%20`).
pub fn env_lines(endpoint: &str, token: &str) -> [String; 2] {
    [
        format!("OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}"),
        format!("OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20{token}"),
    ]
}
