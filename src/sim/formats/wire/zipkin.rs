//! Zipkin v2 JSON: a list of spans (`zipkin2.Span`, the `POST /api/v2/spans`
//! body and the `GET /api/v2/trace/{id}` response). Source: `zipkin-api`
//! `zipkin2-api.yaml`. Times are unix microseconds; `kind` is `CLIENT`,
//! `SERVER`, `PRODUCER` or `CONSUMER` (absent for local work); `shared`
//! marks a server span that reuses its client's span id (B3 single-host
//! span sharing).

use serde::{Deserialize, Serialize};

use crate::sim::formats::wire::{Ordered, Text, U64, null_default};

/// One span.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// 16 or 32 hex digits (shorter ids are left-padded).
    #[serde(default, deserialize_with = "null_default")]
    pub trace_id: String,
    /// Parent span id, absent for a root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Span id, 16 hex digits.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// `CLIENT`, `SERVER`, `PRODUCER`, `CONSUMER`; absent for local spans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Span name (lower case by convention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Start, unix microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<U64>,
    /// Duration, microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<U64>,
    /// Debug flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    /// True when this server span shares its id with the client span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
    /// The service that recorded the span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_endpoint: Option<Endpoint>,
    /// The other side of an RPC or messaging span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_endpoint: Option<Endpoint>,
    /// Timestamped annotations (span events).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub annotations: Vec<Annotation>,
    /// String tags, in file order (other JSON values read as their text).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "ordered_is_empty"
    )]
    pub tags: Ordered<Text>,
}

fn ordered_is_empty(o: &Ordered<Text>) -> bool {
    o.0.is_empty()
}

/// A network endpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// Service name (lower case by convention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// IPv4 address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<String>,
    /// IPv6 address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<String>,
    /// Port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

/// An annotation: an event at a time.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Annotation {
    /// Unix microseconds.
    #[serde(default, deserialize_with = "null_default")]
    pub timestamp: U64,
    /// What happened.
    #[serde(default, deserialize_with = "null_default")]
    pub value: String,
}
