//! OTLP JSON import: one `ExportTraceServiceRequest`, or several (JSON
//! Lines, as the Collector's file exporter writes), merged.

use crate::sim::formats::export::{SCOPE_NAME, SCOPE_VERSION};
use std::sync::Arc;

use crate::sim::formats::import::{
    Collected, ImportError, Keys, MAX_IMPORT_SPANS, SpanRef, Warnings, flags, otlp_id, parse_stream,
};
use crate::sim::formats::wire::Enum;
use crate::sim::formats::wire::otlp::{AnyValue, KeyValue, TracesData};
use crate::sim::trace::{
    AttrValue, Event, Link, Scope, ServiceInfo, Span, SpanKind, Status, Trace,
};

/// An attribute value; arrays, key-value lists and bytes are kept as text:
/// arrays and lists as plain JSON (`["a","b"]`, `{"k":1}`), as the
/// Collector's `pcommon.Value.AsString` writes them for Jaeger and Zipkin,
/// and bytes as their base64.
fn any_value(v: AnyValue, keys: &mut Keys) -> AttrValue {
    if let Some(s) = v.string_value {
        keys.value(&s)
    } else if let Some(i) = v.int_value {
        AttrValue::Int(i.0)
    } else if let Some(d) = v.double_value {
        AttrValue::Float(d.0)
    } else if let Some(b) = v.bool_value {
        AttrValue::Bool(b)
    } else if let Some(x) = v.array_value {
        AttrValue::Str(Arc::from(plain_array(&x).to_string().as_str()))
    } else if let Some(x) = v.kvlist_value {
        AttrValue::Str(Arc::from(plain_kvlist(&x).to_string().as_str()))
    } else if let Some(b) = v.bytes_value {
        AttrValue::Str(Arc::from(b.as_str()))
    } else {
        AttrValue::Str(Arc::from(""))
    }
}

/// An OTLP JSON `ArrayValue` (`{"values":[AnyValue…]}`) as a plain JSON array.
fn plain_array(v: &serde_json::Value) -> serde_json::Value {
    let values = v.get("values").and_then(|x| x.as_array());
    serde_json::Value::Array(values.map_or_else(Vec::new, |l| l.iter().map(plain).collect()))
}

/// An OTLP JSON `KeyValueList` (`{"values":[{"key":…,"value":…}…]}`) as a
/// plain JSON object.
fn plain_kvlist(v: &serde_json::Value) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for kv in v
        .get("values")
        .and_then(|x| x.as_array())
        .into_iter()
        .flatten()
    {
        let key = kv.get("key").and_then(|k| k.as_str()).unwrap_or_default();
        let value = kv.get("value").map_or(serde_json::Value::Null, plain);
        out.insert(key.to_string(), value);
    }
    serde_json::Value::Object(out)
}

/// One OTLP JSON `AnyValue` as plain JSON: strings, numbers (64-bit
/// integers sent as strings become numbers), booleans, base64 bytes as a
/// string, arrays and lists recursively; an empty value is null.
fn plain(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let field = |names: [&str; 2]| names.iter().find_map(|n| v.get(*n));
    if let Some(s) = field(["stringValue", "string_value"]) {
        s.clone()
    } else if let Some(i) = field(["intValue", "int_value"]) {
        match i {
            Value::String(s) => s.parse::<i64>().map_or_else(|_| i.clone(), Value::from),
            _ => i.clone(),
        }
    } else if let Some(d) = field(["doubleValue", "double_value"]) {
        d.clone()
    } else if let Some(b) = field(["boolValue", "bool_value"]) {
        b.clone()
    } else if let Some(b) = field(["bytesValue", "bytes_value"]) {
        b.clone()
    } else if let Some(a) = field(["arrayValue", "array_value"]) {
        plain_array(a)
    } else if let Some(l) = field(["kvlistValue", "kvlist_value"]) {
        plain_kvlist(l)
    } else {
        Value::Null
    }
}

pub(super) fn attributes(list: Vec<KeyValue>, keys: &mut Keys) -> Vec<(Arc<str>, AttrValue)> {
    list.into_iter()
        .map(|kv| (keys.get(&kv.key), any_value(kv.value, keys)))
        .collect()
}

/// `SpanKind` by number or name; anything else is unspecified (internal).
fn kind(k: &Enum, at: &dyn Fn() -> String, w: &mut Warnings) -> SpanKind {
    let known = match k {
        Enum::Num(n) => SpanKind::from_otlp_code(*n),
        Enum::Name(n) => match n.as_str() {
            "SPAN_KIND_UNSPECIFIED" | "SPAN_KIND_INTERNAL" => Some(SpanKind::Internal),
            "SPAN_KIND_SERVER" => Some(SpanKind::Server),
            "SPAN_KIND_CLIENT" => Some(SpanKind::Client),
            "SPAN_KIND_PRODUCER" => Some(SpanKind::Producer),
            "SPAN_KIND_CONSUMER" => Some(SpanKind::Consumer),
            _ => None,
        },
    };
    known.unwrap_or_else(|| {
        w.add(
            format_args!("{}.kind", at()),
            format_args!("unknown span kind {}; read as unspecified", show(k)),
        );
        SpanKind::Internal
    })
}

fn show(e: &Enum) -> String {
    match e {
        Enum::Num(n) => n.to_string(),
        Enum::Name(n) => format!("{n:?}"),
    }
}

fn status(code: &Enum, message: String, at: &dyn Fn() -> String, w: &mut Warnings) -> Status {
    let c = match code {
        Enum::Num(n) => *n,
        Enum::Name(n) => match n.as_str() {
            "STATUS_CODE_UNSET" => 0,
            "STATUS_CODE_OK" => 1,
            "STATUS_CODE_ERROR" => 2,
            _ => -1,
        },
    };
    match c {
        0 => Status::Unset,
        1 => Status::Ok,
        2 => Status::Error { message },
        _ => {
            w.add(
                format_args!("{}.status.code", at()),
                format_args!("unknown status code {}; read as unset", show(code)),
            );
            Status::Unset
        }
    }
}

fn span(
    s: crate::sim::formats::wire::otlp::Span,
    at: SpanRef,
    service: usize,
    scope: Option<Arc<Scope>>,
    keys: &mut Keys,
    w: &mut Warnings,
) -> Result<Span, ImportError> {
    let here = || at.to_string();
    let f = |field: &'static str| move || format!("{at}.{field}");
    let trace_id = otlp_id::<16>(&s.trace_id, f("traceId"))?;
    let span_id = otlp_id::<8>(&s.span_id, f("spanId"))?;
    let parent_span_id = match s.parent_span_id.as_str() {
        "" => None,
        p => match otlp_id::<8>(p, f("parentSpanId")) {
            Ok(p) => Some(p),
            Err(e) => {
                w.add(e, "read as a root");
                None
            }
        },
    };
    let mut events = Vec::with_capacity(s.events.len());
    for e in s.events {
        events.push(Event {
            time_ns: e.time_unix_nano.0,
            name: keys.get(&e.name),
            attributes: attributes(e.attributes, keys),
        });
    }
    let mut links = Vec::with_capacity(s.links.len());
    for (i, l) in s.links.into_iter().enumerate() {
        let ids = otlp_id::<16>(&l.trace_id, || format!("{at}.links[{i}].traceId")).and_then(|t| {
            Ok((
                t,
                otlp_id::<8>(&l.span_id, || format!("{at}.links[{i}].spanId"))?,
            ))
        });
        match ids {
            Ok((trace_id, span_id)) => links.push(Link {
                trace_id,
                span_id,
                attributes: attributes(l.attributes, keys),
            }),
            Err(e) => w.add(e, "the link is left out"),
        }
    }
    Ok(Span {
        trace_id,
        span_id,
        parent: None,
        parent_span_id,
        service,
        name: keys.get(&s.name),
        kind: kind(&s.kind, &here, w),
        start_ns: s.start_time_unix_nano.0,
        end_ns: s.end_time_unix_nano.0,
        status: status(&s.status.code, s.status.message, &here, w),
        attributes: attributes(s.attributes, keys),
        events,
        links,
        traceparent: None,
        flags: flags(s.flags, f("flags"), w),
        warnings: Vec::new(),
        scope,
        trace_state: (!s.trace_state.is_empty()).then(|| Arc::from(s.trace_state.as_str())),
    })
}

/// Reads OTLP JSON: one `ExportTraceServiceRequest`, or JSON Lines of them.
pub fn from_otlp_json(text: &str) -> Result<Trace, ImportError> {
    collect(text, MAX_IMPORT_SPANS)?.finish().map(|(t, _)| t)
}

pub(crate) fn collect(text: &str, limit: usize) -> Result<Collected, ImportError> {
    collect_requests(parse_stream::<TracesData>(text)?, limit)
}

/// Collects already-parsed requests, each with its line (1-based).
pub(crate) fn collect_requests(
    requests: Vec<(usize, TracesData)>,
    limit: usize,
) -> Result<Collected, ImportError> {
    let single = requests.len() == 1;
    let mut keys = Keys::default();
    let mut c = Collected::new(limit);
    for (line, req) in requests {
        let line = if single { 0 } else { line };
        for (ri, rs) in req.resource_spans.into_iter().enumerate() {
            let mut attrs = attributes(rs.resource.attributes, &mut keys);
            let name = match attrs.iter().position(|(k, _)| &**k == "service.name") {
                Some(i) => match attrs.remove(i).1 {
                    AttrValue::Str(s) => s,
                    other => Arc::from(other.to_string().as_str()),
                },
                None => keys.get("unknown_service"),
            };
            let service = c.service(ServiceInfo {
                name,
                attributes: attrs,
            });
            for (si, ss) in rs.scope_spans.into_iter().enumerate() {
                let sc = ss.scope;
                // spandojo's own scope (what it writes for spans that came
                // without one) reads back as none.
                let own = sc.name == SCOPE_NAME && sc.version == SCOPE_VERSION;
                let named = !sc.name.is_empty() || !sc.version.is_empty();
                let scope = ((named && !own) || !sc.attributes.is_empty()).then(|| {
                    Arc::new(Scope {
                        name: keys.get(&sc.name),
                        version: keys.get(&sc.version),
                        attributes: attributes(sc.attributes, &mut keys),
                    })
                });
                for (i, s) in ss.spans.into_iter().enumerate() {
                    let at = SpanRef::Otlp(line, ri, si, i);
                    let span = span(s, at, service, scope.clone(), &mut keys, &mut c.warnings)?;
                    c.push(span, at)?;
                }
            }
        }
    }
    Ok(c)
}
