//! Jaeger JSON: the Jaeger UI's format (the `/api/traces` response, which
//! the UI's "JSON file" upload reads): `data[]` of traces with `spans`,
//! `processes`, `references`, times in microseconds.
//! Source: `jaeger/model/json/model.go` (Jaeger v1).

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::sim::formats::wire::{F64, Ordered, U32, U64, null_default};

/// The whole file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct File {
    /// One entry per trace id.
    #[serde(deserialize_with = "null_default")]
    pub data: Vec<Trace>,
}

/// One trace.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Trace {
    /// Trace id: up to 32 hex digits (older Jaeger strips leading zeros).
    #[serde(rename = "traceID", default, deserialize_with = "null_default")]
    pub trace_id: String,
    /// The spans.
    #[serde(default, deserialize_with = "null_default")]
    pub spans: Vec<Span>,
    /// Processes by id (`p1`, `p2`, …), in file order.
    #[serde(default, deserialize_with = "null_default")]
    pub processes: Ordered<Process>,
    /// Warnings the backend attached to the trace.
    #[serde(default)]
    pub warnings: Option<Vec<String>>,
}

/// One span.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// Up to 32 hex digits.
    #[serde(rename = "traceID", default, deserialize_with = "null_default")]
    pub trace_id: String,
    /// Up to 16 hex digits.
    #[serde(rename = "spanID", default, deserialize_with = "null_default")]
    pub span_id: String,
    /// Jaeger flags (bit 0: sampled, bit 1: debug).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<U32>,
    /// Span name.
    #[serde(default, deserialize_with = "null_default")]
    pub operation_name: String,
    /// `CHILD_OF` / `FOLLOWS_FROM` references.
    #[serde(default, deserialize_with = "null_default")]
    pub references: Vec<Reference>,
    /// Start, unix microseconds.
    pub start_time: U64,
    /// Duration, microseconds.
    #[serde(default, deserialize_with = "null_default")]
    pub duration: U64,
    /// Tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<KeyValue>,
    /// Logs (span events).
    #[serde(default, deserialize_with = "null_default")]
    pub logs: Vec<Log>,
    /// Key into the trace's `processes`.
    #[serde(rename = "processID", default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<String>,
    /// An inline process (older files), instead of `processID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<Process>,
    /// Warnings the backend attached to the span (`null` when none).
    #[serde(default)]
    pub warnings: Option<Vec<String>>,
}

/// A reference to another span.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Reference {
    /// `CHILD_OF` or `FOLLOWS_FROM` (any case on input).
    #[serde(rename = "refType", default, deserialize_with = "null_default")]
    pub ref_type: String,
    /// Up to 32 hex digits.
    #[serde(rename = "traceID", default, deserialize_with = "null_default")]
    pub trace_id: String,
    /// Up to 16 hex digits.
    #[serde(rename = "spanID", default, deserialize_with = "null_default")]
    pub span_id: String,
}

/// A log (span event): fields, one of them usually `event`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Log {
    /// Unix microseconds.
    #[serde(default, deserialize_with = "null_default")]
    pub timestamp: U64,
    /// The fields.
    #[serde(default, deserialize_with = "null_default")]
    pub fields: Vec<KeyValue>,
}

/// A process (service).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Process {
    /// `service.name`.
    #[serde(default, deserialize_with = "null_default")]
    pub service_name: String,
    /// Other resource attributes.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<KeyValue>,
}

/// A tag: `type` is `string`, `bool`, `int64`, `float64` or `binary` (any
/// case on input); `value` a string, number or boolean.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeyValue {
    /// Tag key.
    #[serde(default, deserialize_with = "null_default")]
    pub key: String,
    /// Value type.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub value_type: String,
    /// The value.
    #[serde(default)]
    pub value: TagValue,
}

/// A tag value as it appears in the file.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TagValue {
    /// `null` or missing.
    #[default]
    Null,
    /// A JSON string.
    Str(String),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON integer.
    Int(i64),
    /// Any other JSON number (written as `"NaN"` etc. when not finite).
    Float(f64),
}

struct TagVisitor;

impl<'de> Visitor<'de> for TagVisitor {
    type Value = TagValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }

    fn visit_unit<E: de::Error>(self) -> Result<TagValue, E> {
        Ok(TagValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<TagValue, E> {
        Ok(TagValue::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<TagValue, E> {
        Ok(TagValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<TagValue, E> {
        Ok(TagValue::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<TagValue, E> {
        Ok(i64::try_from(v).map_or(TagValue::Float(v as f64), TagValue::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<TagValue, E> {
        Ok(TagValue::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<TagValue, E> {
        Ok(TagValue::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<TagValue, E> {
        Ok(TagValue::Str(v))
    }
}

impl<'de> Deserialize<'de> for TagValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TagValue, D::Error> {
        d.deserialize_any(TagVisitor)
    }
}

impl Serialize for TagValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TagValue::Null => s.serialize_unit(),
            TagValue::Str(v) => s.serialize_str(v),
            TagValue::Bool(b) => s.serialize_bool(*b),
            TagValue::Int(i) => s.serialize_i64(*i),
            TagValue::Float(x) => F64(*x).serialize(s),
        }
    }
}
