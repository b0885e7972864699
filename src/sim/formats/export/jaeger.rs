//! Jaeger JSON export (the format the Jaeger UI uploads: `data[]` with
//! `spans`, `processes`, `references`, times in microseconds).

use std::sync::Arc;

use crate::sim::formats::jsonw::{float, int, key, string, uint};
use crate::sim::trace::{AttrValue, Span, Status, Trace, push_hex};

fn hex_string(out: &mut String, bytes: &[u8]) {
    out.push('"');
    push_hex(out, bytes);
    out.push('"');
}

fn tag(out: &mut String, k: &str, v: &AttrValue) {
    out.push('{');
    key(out, "key");
    string(out, k);
    out.push(',');
    key(out, "type");
    match v {
        AttrValue::Str(s) => {
            out.push_str("\"string\",\"value\":");
            string(out, s);
        }
        AttrValue::Int(i) => {
            out.push_str("\"int64\",\"value\":");
            int(out, *i);
        }
        AttrValue::Float(f) => {
            out.push_str("\"float64\",\"value\":");
            float(out, *f);
        }
        AttrValue::Bool(b) => {
            out.push_str("\"bool\",\"value\":");
            out.push_str(if *b { "true" } else { "false" });
        }
    }
    out.push('}');
}

fn tags(out: &mut String, attrs: &[(Arc<str>, AttrValue)], first: bool) {
    for (i, (k, v)) in attrs.iter().enumerate() {
        if i > 0 || !first {
            out.push(',');
        }
        tag(out, k, v);
    }
}

fn span(out: &mut String, s: &Span, process: usize) {
    out.push('{');
    key(out, "traceID");
    hex_string(out, &s.trace_id);
    out.push(',');
    key(out, "spanID");
    hex_string(out, &s.span_id);
    out.push(',');
    key(out, "operationName");
    string(out, &s.name);
    out.push(',');
    key(out, "references");
    out.push('[');
    let mut n = 0;
    if let Some(p) = &s.parent_span_id {
        out.push_str("{\"refType\":\"CHILD_OF\",\"traceID\":");
        hex_string(out, &s.trace_id);
        out.push_str(",\"spanID\":");
        hex_string(out, p);
        out.push('}');
        n += 1;
    }
    for l in &s.links {
        if n > 0 {
            out.push(',');
        }
        out.push_str("{\"refType\":\"FOLLOWS_FROM\",\"traceID\":");
        hex_string(out, &l.trace_id);
        out.push_str(",\"spanID\":");
        hex_string(out, &l.span_id);
        out.push('}');
        n += 1;
    }
    out.push_str("],");
    key(out, "startTime");
    let start_us = s.start_ns / 1000;
    uint(out, start_us);
    out.push(',');
    key(out, "duration");
    uint(out, s.end_ns.saturating_sub(s.start_ns) / 1000);
    out.push(',');
    key(out, "tags");
    out.push('[');
    tag(
        out,
        "span.kind",
        &AttrValue::Str(Arc::from(s.kind.as_str())),
    );
    tags(out, &s.attributes, false);
    match &s.status {
        Status::Unset => {}
        Status::Ok => {
            out.push(',');
            tag(out, "otel.status_code", &AttrValue::Str(Arc::from("OK")));
        }
        Status::Error { message } => {
            out.push(',');
            tag(out, "otel.status_code", &AttrValue::Str(Arc::from("ERROR")));
            if !message.is_empty() {
                out.push(',');
                tag(
                    out,
                    "otel.status_description",
                    &AttrValue::Str(Arc::from(message.as_str())),
                );
            }
            out.push(',');
            tag(out, "error", &AttrValue::Bool(true));
        }
    }
    out.push_str("],");
    key(out, "logs");
    out.push('[');
    for (i, e) in s.events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        key(out, "timestamp");
        uint(out, e.time_ns / 1000);
        out.push(',');
        key(out, "fields");
        out.push('[');
        tag(out, "event", &AttrValue::Str(e.name.clone()));
        tags(out, &e.attributes, false);
        out.push_str("]}");
    }
    out.push_str("],");
    key(out, "processID");
    out.push_str("\"p");
    uint(out, process as u64 + 1);
    out.push_str("\",\"warnings\":null}");
}

/// Jaeger JSON: one `data[]` entry per trace id (in order of first
/// appearance); processes `p1`, `p2`, … numbered per entry by first use.
pub fn to_jaeger_json(trace: &Trace) -> String {
    let mut out = String::with_capacity(256 + trace.spans.len() * 700);
    out.push_str("{\"data\":[");
    for (ti, tid) in trace.trace_ids().iter().enumerate() {
        if ti > 0 {
            out.push(',');
        }
        out.push('{');
        key(&mut out, "traceID");
        hex_string(&mut out, tid);
        out.push_str(",\"spans\":[");
        let mut process_of = vec![usize::MAX; trace.services.len()];
        let mut processes: Vec<usize> = Vec::new();
        let mut first = true;
        for s in trace.spans.iter().filter(|s| &s.trace_id == tid) {
            let Some(slot) = process_of.get_mut(s.service) else {
                continue;
            };
            if *slot == usize::MAX {
                *slot = processes.len();
                processes.push(s.service);
            }
            if !first {
                out.push(',');
            }
            first = false;
            span(&mut out, s, *slot);
        }
        out.push_str("],\"processes\":{");
        for (pi, &si) in processes.iter().enumerate() {
            if pi > 0 {
                out.push(',');
            }
            out.push_str("\"p");
            uint(&mut out, pi as u64 + 1);
            out.push_str("\":{\"serviceName\":");
            let svc = &trace.services[si];
            string(&mut out, &svc.name);
            out.push_str(",\"tags\":[");
            tags(&mut out, &svc.attributes, true);
            out.push_str("]}");
        }
        out.push_str("},\"warnings\":null}");
    }
    out.push_str("]}");
    out
}
