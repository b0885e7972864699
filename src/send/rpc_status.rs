//! The few googleapis messages a failed OTLP answer carries: the
//! `google.rpc.Status` body of an OTLP/HTTP error and the `RetryInfo` in a
//! gRPC status's details. Declared for prost's derive, which encodes and
//! decodes them; no protobuf is parsed by hand.

/// `google.rpc.Status` (googleapis `google/rpc/status.proto`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    /// A `google.rpc.Code`.
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// Developer-facing message.
    #[prost(string, tag = "2")]
    pub message: String,
    /// Details, such as `RetryInfo`.
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProtoAny {
    /// `type.googleapis.com/google.rpc.RetryInfo` etc.
    #[prost(string, tag = "1")]
    pub type_url: String,
    /// The encoded message.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo` (googleapis `google/rpc/error_details.proto`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RetryInfo {
    /// How long to wait before retrying.
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProtoDuration {
    /// Whole seconds.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds within the second.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}
