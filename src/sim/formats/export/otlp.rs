//! OTLP JSON export.

use crate::sim::formats::export::{SCOPE_NAME, SCOPE_VERSION};
use crate::sim::formats::jsonw::{float, int, key, string, uint};
use crate::sim::trace::{AttrValue, Span, Status, Trace, push_hex};
use std::sync::Arc;

fn hex_string(out: &mut String, bytes: &[u8]) {
    out.push('"');
    push_hex(out, bytes);
    out.push('"');
}

fn nanos(out: &mut String, n: u64) {
    out.push('"');
    uint(out, n);
    out.push('"');
}

fn any_value(out: &mut String, v: &AttrValue) {
    out.push('{');
    match v {
        AttrValue::Str(s) => {
            key(out, "stringValue");
            string(out, s);
        }
        AttrValue::Int(i) => {
            key(out, "intValue");
            out.push('"');
            int(out, *i);
            out.push('"');
        }
        AttrValue::Float(f) => {
            key(out, "doubleValue");
            float(out, *f);
        }
        AttrValue::Bool(b) => {
            key(out, "boolValue");
            out.push_str(if *b { "true" } else { "false" });
        }
    }
    out.push('}');
}

fn kv(out: &mut String, k: &str, v: &AttrValue) {
    out.push('{');
    key(out, "key");
    string(out, k);
    out.push(',');
    key(out, "value");
    any_value(out, v);
    out.push('}');
}

fn attributes(out: &mut String, attrs: &[(Arc<str>, AttrValue)]) {
    out.push('[');
    for (i, (k, v)) in attrs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        kv(out, k, v);
    }
    out.push(']');
}

fn span(out: &mut String, s: &Span) {
    out.push('{');
    key(out, "traceId");
    hex_string(out, &s.trace_id);
    out.push(',');
    key(out, "spanId");
    hex_string(out, &s.span_id);
    if let Some(p) = &s.parent_span_id {
        out.push(',');
        key(out, "parentSpanId");
        hex_string(out, p);
    }
    out.push(',');
    key(out, "name");
    string(out, &s.name);
    out.push(',');
    key(out, "kind");
    uint(out, u64::from(s.kind.otlp_code()));
    out.push(',');
    key(out, "startTimeUnixNano");
    nanos(out, s.start_ns);
    out.push(',');
    key(out, "endTimeUnixNano");
    nanos(out, s.end_ns);
    if !s.attributes.is_empty() {
        out.push(',');
        key(out, "attributes");
        attributes(out, &s.attributes);
    }
    if !s.events.is_empty() {
        out.push(',');
        key(out, "events");
        out.push('[');
        for (i, e) in s.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('{');
            key(out, "timeUnixNano");
            nanos(out, e.time_ns);
            out.push(',');
            key(out, "name");
            string(out, &e.name);
            if !e.attributes.is_empty() {
                out.push(',');
                key(out, "attributes");
                attributes(out, &e.attributes);
            }
            out.push('}');
        }
        out.push(']');
    }
    if !s.links.is_empty() {
        out.push(',');
        key(out, "links");
        out.push('[');
        for (i, l) in s.links.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('{');
            key(out, "traceId");
            hex_string(out, &l.trace_id);
            out.push(',');
            key(out, "spanId");
            hex_string(out, &l.span_id);
            out.push('}');
        }
        out.push(']');
    }
    out.push(',');
    key(out, "status");
    match &s.status {
        Status::Unset => out.push_str("{\"code\":0}"),
        Status::Ok => out.push_str("{\"code\":1}"),
        Status::Error { message } if message.is_empty() => out.push_str("{\"code\":2}"),
        Status::Error { message } => {
            out.push_str("{\"code\":2,\"message\":");
            string(out, message);
            out.push('}');
        }
    }
    out.push('}');
}

/// OTLP JSON `ExportTraceServiceRequest`: one `resourceSpans` entry per
/// service (in service order), one scope, spans in trace order.
pub fn to_otlp_json(trace: &Trace) -> String {
    let mut by_service: Vec<Vec<usize>> = vec![Vec::new(); trace.services.len()];
    for (i, s) in trace.spans.iter().enumerate() {
        if let Some(v) = by_service.get_mut(s.service) {
            v.push(i);
        }
    }
    let mut out = String::with_capacity(256 + trace.spans.len() * 600);
    out.push_str("{\"resourceSpans\":[");
    let mut first = true;
    for (si, svc) in trace.services.iter().enumerate() {
        if by_service[si].is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str("{\"resource\":{\"attributes\":[");
        kv(&mut out, "service.name", &AttrValue::Str(svc.name.clone()));
        for (k, v) in &svc.attributes {
            out.push(',');
            kv(&mut out, k, v);
        }
        out.push_str("]},\"scopeSpans\":[{\"scope\":{\"name\":");
        string(&mut out, SCOPE_NAME);
        out.push_str(",\"version\":");
        string(&mut out, SCOPE_VERSION);
        out.push_str("},\"spans\":[");
        for (n, &i) in by_service[si].iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            span(&mut out, &trace.spans[i]);
        }
        out.push_str("]}]}");
    }
    out.push_str("]}");
    out
}
