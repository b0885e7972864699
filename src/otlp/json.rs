//! OTLP JSON bodies. A conforming body (the OTLP JSON encoding: hex ids,
//! enums as numbers) is read by the generated types' own serde mapping,
//! which keeps every field. Otherwise the body is read as liberally as the
//! importer reads files ([`crate::sim::formats::wire::otlp`]: enums as names,
//! `null` fields, snake_case names) and converted to the generated types.

use base64ct::{Base64, Encoding as _};
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};

use crate::otlp::{ExportTraceServiceRequest, Failure};
use crate::sim::formats::wire::{Enum, otlp as wire};

/// Decodes a JSON body. The liberal reading decides what the request holds;
/// the strict reading (which silently skips names it does not know, such as
/// `resource_spans`) is used only when it agrees with it on every span's
/// ids, name, kind and times, so that what the liberal reading drops
/// (dropped counts and schema URLs) is kept. The liberal reading keeps
/// trace state, flags, events, links with their attributes, and scope
/// attributes. The error names the field that failed (e.g.
/// `resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano`); a `flags`
/// value that is not a 32-bit unsigned integer is such an error, as the
/// field is a `fixed32`.
pub(crate) fn request(body: &[u8]) -> Result<ExportTraceServiceRequest, Failure> {
    let liberal = liberal(body)?;
    if let Ok(strict) = serde_json::from_slice::<ExportTraceServiceRequest>(body)
        && agree(&strict, &liberal)
    {
        return Ok(strict);
    }
    Ok(liberal)
}

fn spans(r: &ExportTraceServiceRequest) -> impl Iterator<Item = &Span> {
    r.resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
}

fn agree(a: &ExportTraceServiceRequest, b: &ExportTraceServiceRequest) -> bool {
    let shape = |r: &ExportTraceServiceRequest| -> Vec<usize> {
        r.resource_spans
            .iter()
            .flat_map(|r| r.scope_spans.iter().map(|s| s.spans.len()))
            .collect()
    };
    shape(a) == shape(b)
        && spans(a).zip(spans(b)).all(|(x, y)| {
            x.trace_id == y.trace_id
                && x.span_id == y.span_id
                && x.parent_span_id == y.parent_span_id
                && x.name == y.name
                && x.kind == y.kind
                && x.start_time_unix_nano == y.start_time_unix_nano
                && x.end_time_unix_nano == y.end_time_unix_nano
                && x.status.clone().unwrap_or_default() == y.status.clone().unwrap_or_default()
                && x.attributes.len() == y.attributes.len()
        })
        && a.resource_spans
            .iter()
            .zip(&b.resource_spans)
            .all(|(x, y)| {
                x.resource.as_ref().map(|r| r.attributes.len())
                    == y.resource.as_ref().map(|r| r.attributes.len())
            })
}

fn liberal(body: &[u8]) -> Result<ExportTraceServiceRequest, Failure> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let liberal: wire::TracesData = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Failure::Malformed(if path.is_empty() || path == "." {
            format!("not OTLP JSON: {inner}")
        } else {
            format!("{path}: {inner}")
        })
    })?;
    for (i, r) in liberal.resource_spans.iter().enumerate() {
        for (j, ss) in r.scope_spans.iter().enumerate() {
            for (k, s) in ss.spans.iter().enumerate() {
                let at = format!("resourceSpans[{i}].scopeSpans[{j}].spans[{k}]");
                for (what, e, names) in [
                    ("kind", &s.kind, KINDS),
                    ("status.code", &s.status.code, CODES),
                ] {
                    if let Some(bad) = unknown_enum(e, names) {
                        return Err(Failure::Malformed(format!("{at}.{what}: {bad}")));
                    }
                }
                if let Some(crate::sim::formats::wire::U32(Err(v))) = &s.flags {
                    return Err(Failure::Malformed(format!(
                        "{at}.flags: {v} is not a fixed32 (a whole number from 0 to 4294967295)"
                    )));
                }
                for (l, link) in s.links.iter().enumerate() {
                    if let Some(crate::sim::formats::wire::U32(Err(v))) = &link.flags {
                        return Err(Failure::Malformed(format!(
                            "{at}.links[{l}].flags: {v} is not a fixed32 (a whole number from 0 to 4294967295)"
                        )));
                    }
                }
            }
        }
    }
    Ok(ExportTraceServiceRequest {
        resource_spans: liberal
            .resource_spans
            .into_iter()
            .map(resource_spans)
            .collect(),
    })
}

fn resource_spans(r: wire::ResourceSpans) -> ResourceSpans {
    ResourceSpans {
        resource: Some(Resource {
            attributes: attributes(r.resource.attributes),
            ..Resource::default()
        }),
        scope_spans: r.scope_spans.into_iter().map(scope_spans).collect(),
        schema_url: String::new(),
    }
}

fn scope_spans(s: wire::ScopeSpans) -> ScopeSpans {
    ScopeSpans {
        scope: Some(InstrumentationScope {
            name: s.scope.name,
            version: s.scope.version,
            attributes: attributes(s.scope.attributes),
            ..InstrumentationScope::default()
        }),
        spans: s.spans.into_iter().map(one_span).collect(),
        schema_url: String::new(),
    }
}

/// Hex to bytes; text that is not hex becomes `bad` so that the span is
/// rejected as having a wrong-length id.
fn id(hex: &str, bad: Vec<u8>) -> Vec<u8> {
    let hex = hex.trim();
    if !hex.len().is_multiple_of(2) {
        return bad;
    }
    let digits: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
        })
        .collect();
    digits.unwrap_or(bad)
}

/// Why `e` is not one of the enum's values (`names`, by number), if it is not:
/// an unknown name, or a number outside the enum's 32-bit range (proto3
/// JSON keeps unknown numbers, so any `int32` is accepted).
fn unknown_enum(e: &Enum, names: &[&str]) -> Option<String> {
    match e {
        Enum::Num(n) => i32::try_from(*n)
            .is_err()
            .then(|| format!("{n} is not a 32-bit enum number")),
        Enum::Name(n) => (!names.iter().any(|k| k.eq_ignore_ascii_case(n)))
            .then(|| format!("\"{n}\" is none of {}", names.join(", "))),
    }
}

fn enum_number(e: &Enum, names: &[&str]) -> i32 {
    match e {
        Enum::Num(n) => i32::try_from(*n).unwrap_or(0),
        Enum::Name(n) => names
            .iter()
            .position(|k| k.eq_ignore_ascii_case(n))
            .and_then(|i| i32::try_from(i).ok())
            .unwrap_or(0),
    }
}

const KINDS: &[&str] = &[
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
];
const CODES: &[&str] = &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

fn one_span(s: wire::Span) -> Span {
    let parent = if s.parent_span_id.trim().is_empty() {
        Vec::new()
    } else {
        id(&s.parent_span_id, vec![0])
    };
    Span {
        trace_id: id(&s.trace_id, Vec::new()),
        span_id: id(&s.span_id, Vec::new()),
        parent_span_id: parent,
        trace_state: s.trace_state,
        flags: s.flags.and_then(|f| f.0.ok()).unwrap_or(0),
        name: s.name,
        kind: enum_number(&s.kind, KINDS),
        start_time_unix_nano: s.start_time_unix_nano.0,
        end_time_unix_nano: s.end_time_unix_nano.0,
        attributes: attributes(s.attributes),
        events: s
            .events
            .into_iter()
            .map(|e| span::Event {
                time_unix_nano: e.time_unix_nano.0,
                name: e.name,
                attributes: attributes(e.attributes),
                dropped_attributes_count: 0,
            })
            .collect(),
        links: s
            .links
            .into_iter()
            .map(|l| span::Link {
                trace_id: id(&l.trace_id, Vec::new()),
                span_id: id(&l.span_id, Vec::new()),
                trace_state: l.trace_state,
                attributes: attributes(l.attributes),
                flags: l.flags.and_then(|f| f.0.ok()).unwrap_or(0),
                dropped_attributes_count: 0,
            })
            .collect(),
        status: Some(Status {
            code: enum_number(&s.status.code, CODES),
            message: s.status.message,
        })
        .filter(|st| *st != Status::default()),
        ..Span::default()
    }
}

fn attributes(list: Vec<wire::KeyValue>) -> Vec<KeyValue> {
    list.into_iter()
        .map(|kv| KeyValue {
            key: kv.key,
            value: Some(value(kv.value)),
            ..KeyValue::default()
        })
        .collect()
}

fn value(v: wire::AnyValue) -> AnyValue {
    use any_value::Value;
    let value = if let Some(s) = v.string_value {
        Some(Value::StringValue(s))
    } else if let Some(b) = v.bool_value {
        Some(Value::BoolValue(b))
    } else if let Some(i) = v.int_value {
        Some(Value::IntValue(i.0))
    } else if let Some(d) = v.double_value {
        Some(Value::DoubleValue(d.0))
    } else if let Some(a) = v.array_value {
        Some(
            serde_json::from_value::<ArrayValue>(a.clone())
                .map(Value::ArrayValue)
                .unwrap_or_else(|_| Value::StringValue(a.to_string())),
        )
    } else if let Some(k) = v.kvlist_value {
        Some(
            serde_json::from_value::<KeyValueList>(k.clone())
                .map(Value::KvlistValue)
                .unwrap_or_else(|_| Value::StringValue(k.to_string())),
        )
    } else {
        v.bytes_value.map(|b| match Base64::decode_vec(&b) {
            Ok(bytes) => Value::BytesValue(bytes),
            Err(_) => Value::StringValue(b),
        })
    };
    AnyValue { value }
}
