//! Answers: `ExportTraceServiceResponse` (with `partial_success` when spans
//! were rejected) and, for failures, `google.rpc.Status`, each in the
//! request's encoding (OTLP/HTTP "Request/Response", "Failures").

use prost::Message;

use crate::otlp::{
    Encoding, ExportTracePartialSuccess, ExportTraceServiceResponse, Failure, RETRY_AFTER,
};

/// The success answer: `partial_success` is set only when `rejected` > 0
/// (OTLP "Partial Success": an empty one means full success).
pub fn response(rejected: u64, message: String) -> ExportTraceServiceResponse {
    ExportTraceServiceResponse {
        partial_success: (rejected > 0 || !message.is_empty()).then(|| ExportTracePartialSuccess {
            rejected_spans: i64::try_from(rejected).unwrap_or(i64::MAX),
            error_message: message,
        }),
    }
}

/// `response` encoded in `encoding` (JSON: the OTLP JSON mapping).
pub fn encode_response(response: &ExportTraceServiceResponse, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Protobuf => response.encode_to_vec(),
        // A full success is `{}`: proto3 JSON leaves unset fields out.
        Encoding::Json if response.partial_success.is_none() => b"{}".to_vec(),
        Encoding::Json => serde_json::to_vec(response).unwrap_or_else(|_| b"{}".to_vec()),
    }
}

/// `google.rpc.Status` (`google/rpc/status.proto`), the body of OTLP/HTTP
/// failures and the details of gRPC ones.
#[derive(Clone, PartialEq, Message, serde::Serialize)]
pub struct RpcStatus {
    /// A `google.rpc.Code`.
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// What went wrong, for the developer.
    #[prost(string, tag = "2")]
    pub message: String,
    /// Typed details (here at most one `google.rpc.RetryInfo`).
    #[prost(message, repeated, tag = "3")]
    #[serde(skip)]
    pub details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct Any {
    /// `type.googleapis.com/<message name>`.
    #[prost(string, tag = "1")]
    pub type_url: String,
    /// The encoded message.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo` (`google/rpc/error_details.proto`).
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    /// How long to wait before retrying.
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoDuration {
    /// Whole seconds.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds on top.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// The `google.rpc.Code` of a failure: UNAUTHENTICATED 16, INVALID_ARGUMENT
/// 3, RESOURCE_EXHAUSTED 8, UNAVAILABLE 14.
pub fn rpc_code(failure: &Failure) -> i32 {
    match failure {
        Failure::Unauthenticated => 16,
        Failure::Malformed(_)
        | Failure::TooLarge(_)
        | Failure::UnsupportedType(_)
        | Failure::UnsupportedEncoding(_) => 3,
        Failure::Throttled => 8,
        Failure::Busy | Failure::Unavailable => 14,
    }
}

/// True for failures the sender should retry after [`RETRY_AFTER`].
pub fn retryable(failure: &Failure) -> bool {
    matches!(
        failure,
        Failure::Busy | Failure::Throttled | Failure::Unavailable
    )
}

/// The `google.rpc.Status` of a failure, with a `RetryInfo` when retryable
/// (OTLP/gRPC "Throttling": RESOURCE_EXHAUSTED is retried only with it).
pub fn rpc_status(failure: &Failure) -> RpcStatus {
    let details = if retryable(failure) {
        vec![Any {
            type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
            value: RetryInfo {
                retry_delay: Some(ProtoDuration {
                    seconds: RETRY_AFTER.as_secs() as i64,
                    nanos: 0,
                }),
            }
            .encode_to_vec(),
        }]
    } else {
        Vec::new()
    };
    RpcStatus {
        code: rpc_code(failure),
        message: failure.message(),
        details,
    }
}

/// The HTTP status of a failure (OTLP/HTTP "Failures"): 401, 400, 413, 415,
/// 429, 503.
pub fn http_status(failure: &Failure) -> u16 {
    match failure {
        Failure::Unauthenticated => 401,
        Failure::Malformed(_) => 400,
        Failure::TooLarge(_) => 413,
        Failure::UnsupportedType(_) | Failure::UnsupportedEncoding(_) => 415,
        Failure::Throttled => 429,
        Failure::Busy | Failure::Unavailable => 503,
    }
}

/// The failure body in `encoding`: `google.rpc.Status` as protobuf, or as
/// JSON `{"code": …, "message": …}`.
pub fn encode_failure(failure: &Failure, encoding: Encoding) -> Vec<u8> {
    let status = rpc_status(failure);
    match encoding {
        Encoding::Protobuf => status.encode_to_vec(),
        Encoding::Json => serde_json::to_vec(&status).unwrap_or_else(|_| b"{}".to_vec()),
    }
}
