//! OTLP JSON: `ExportTraceServiceRequest` / `TracesData` from
//! `opentelemetry/proto/trace/v1/trace.proto` (opentelemetry-proto v1),
//! in the JSON encoding of the OTLP specification: lowerCamelCase names,
//! ids as hex (either case on input, lower case on output), 64-bit integers
//! as strings on output, enums as numbers on output.
//!
//! Field order is the order written; empty lists and unset optional fields
//! are left out, as proto3 JSON encoders do.

use serde::{Deserialize, Serialize};

use crate::sim::formats::wire::{Enum, F64, I64Str, U32, U64Str, null_default};

/// The top-level message (`ExportTraceServiceRequest` and `TracesData` are
/// the same on the wire).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TracesData {
    /// One entry per resource (service).
    #[serde(default, deserialize_with = "null_default", alias = "resource_spans")]
    pub resource_spans: Vec<ResourceSpans>,
}

/// Spans of one resource.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpans {
    /// The resource (its attributes hold `service.name`).
    #[serde(default, deserialize_with = "null_default")]
    pub resource: Resource,
    /// Spans by instrumentation scope (`instrumentationLibrarySpans` before OTLP 0.15).
    #[serde(
        default,
        deserialize_with = "null_default",
        alias = "scope_spans",
        alias = "instrumentationLibrarySpans",
        alias = "instrumentation_library_spans"
    )]
    pub scope_spans: Vec<ScopeSpans>,
}

/// A resource.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Resource {
    /// Resource attributes.
    #[serde(default, deserialize_with = "null_default")]
    pub attributes: Vec<KeyValue>,
}

/// Spans of one instrumentation scope.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScopeSpans {
    /// The scope (`instrumentationLibrary` before OTLP 0.15).
    #[serde(
        default,
        deserialize_with = "null_default",
        alias = "instrumentationLibrary",
        alias = "instrumentation_library"
    )]
    pub scope: Scope,
    /// The spans.
    #[serde(default, deserialize_with = "null_default")]
    pub spans: Vec<Span>,
}

/// An instrumentation scope.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Scope {
    /// Scope name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Scope version.
    #[serde(default, deserialize_with = "null_default")]
    pub version: String,
    /// Scope attributes.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attributes: Vec<KeyValue>,
}

/// One span.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// 32 hex digits.
    #[serde(default, deserialize_with = "null_default", alias = "trace_id")]
    pub trace_id: String,
    /// 16 hex digits.
    #[serde(default, deserialize_with = "null_default", alias = "span_id")]
    pub span_id: String,
    /// 16 hex digits, or empty for a root.
    #[serde(
        default,
        deserialize_with = "null_default",
        alias = "parent_span_id",
        skip_serializing_if = "String::is_empty"
    )]
    pub parent_span_id: String,
    /// W3C `tracestate` of the span's context, or empty.
    #[serde(
        default,
        deserialize_with = "null_default",
        alias = "trace_state",
        skip_serializing_if = "String::is_empty"
    )]
    pub trace_state: String,
    /// `fixed32` flags (W3C trace flags in the low byte).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<U32>,
    /// Span name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// `SpanKind`, a number (0-5) or a `SPAN_KIND_*` name.
    #[serde(default, deserialize_with = "null_default")]
    pub kind: Enum,
    /// Start, unix nanoseconds.
    #[serde(
        default,
        deserialize_with = "null_default",
        alias = "start_time_unix_nano"
    )]
    pub start_time_unix_nano: U64Str,
    /// End, unix nanoseconds.
    #[serde(
        default,
        deserialize_with = "null_default",
        alias = "end_time_unix_nano"
    )]
    pub end_time_unix_nano: U64Str,
    /// Attributes.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attributes: Vec<KeyValue>,
    /// Events.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub events: Vec<Event>,
    /// Links.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub links: Vec<Link>,
    /// Status (always written).
    #[serde(default, deserialize_with = "null_default")]
    pub status: Status,
}

/// A span event.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Unix nanoseconds.
    #[serde(default, deserialize_with = "null_default", alias = "time_unix_nano")]
    pub time_unix_nano: U64Str,
    /// Event name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Attributes.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attributes: Vec<KeyValue>,
}

/// A span link.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    /// 32 hex digits.
    #[serde(default, deserialize_with = "null_default", alias = "trace_id")]
    pub trace_id: String,
    /// 16 hex digits.
    #[serde(default, deserialize_with = "null_default", alias = "span_id")]
    pub span_id: String,
    /// The linked context's W3C `tracestate`, or empty.
    #[serde(
        default,
        deserialize_with = "null_default",
        alias = "trace_state",
        skip_serializing_if = "String::is_empty"
    )]
    pub trace_state: String,
    /// `fixed32` flags of the linked context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<U32>,
    /// Link attributes.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attributes: Vec<KeyValue>,
}

/// Span status.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Status {
    /// `StatusCode`: 0 unset, 1 ok, 2 error, or a `STATUS_CODE_*` name.
    #[serde(default, deserialize_with = "null_default")]
    pub code: Enum,
    /// Description (errors only).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub message: String,
}

/// An attribute.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeyValue {
    /// Attribute key.
    #[serde(default, deserialize_with = "null_default")]
    pub key: String,
    /// Its value (`{}` when unset).
    #[serde(default, deserialize_with = "null_default")]
    pub value: AnyValue,
}

/// `AnyValue`: at most one field is set; `{}` is the empty value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnyValue {
    /// A string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "string_value"
    )]
    pub string_value: Option<String>,
    /// A boolean.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "bool_value")]
    pub bool_value: Option<bool>,
    /// A 64-bit integer (string on output).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "int_value")]
    pub int_value: Option<I64Str>,
    /// A double.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "double_value"
    )]
    pub double_value: Option<F64>,
    /// An array (kept as JSON text by the importer).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "array_value"
    )]
    pub array_value: Option<serde_json::Value>,
    /// A key-value list (kept as JSON text by the importer).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "kvlist_value"
    )]
    pub kvlist_value: Option<serde_json::Value>,
    /// Bytes, base64 (kept as text by the importer).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "bytes_value"
    )]
    pub bytes_value: Option<String>,
}
