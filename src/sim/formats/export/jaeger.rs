//! Jaeger JSON export through the [`crate::sim::formats::wire::jaeger`]
//! definition (the format the Jaeger UI uploads: `data[]` with `spans`,
//! `processes`, `references`, times in microseconds).

use crate::sim::formats::import::{SCOPE_NAME_TAG, SCOPE_VERSION_TAG, TRACE_STATE_TAG};
use std::collections::HashMap;
use std::sync::Arc;

use crate::sim::formats::wire::jaeger::{
    File, KeyValue, Log, Process, Reference, Span as WSpan, TagValue, Trace as WTrace,
};
use crate::sim::formats::wire::{Ordered, U32, U64};
use crate::sim::trace::{AttrValue, Span, Status, Trace, hex};

fn tag(k: &str, v: &AttrValue) -> KeyValue {
    let (ty, value) = match v {
        AttrValue::Str(s) => ("string", TagValue::Str(s.to_string())),
        AttrValue::Int(i) => ("int64", TagValue::Int(*i)),
        AttrValue::Float(x) => ("float64", TagValue::Float(*x)),
        AttrValue::Bool(b) => ("bool", TagValue::Bool(*b)),
    };
    KeyValue {
        key: k.to_string(),
        value_type: ty.to_string(),
        value,
    }
}

fn str_tag(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.to_string(),
        value_type: "string".into(),
        value: TagValue::Str(v.to_string()),
    }
}

fn tags(attrs: &[(Arc<str>, AttrValue)]) -> impl Iterator<Item = KeyValue> + '_ {
    attrs.iter().map(|(k, v)| tag(k, v))
}

fn span(s: &Span, process: usize) -> WSpan {
    let tid = hex(&s.trace_id);
    let mut references = Vec::with_capacity(s.links.len() + 1);
    if let Some(p) = &s.parent_span_id {
        references.push(Reference {
            ref_type: "CHILD_OF".into(),
            trace_id: tid.clone(),
            span_id: hex(p),
        });
    }
    references.extend(s.links.iter().map(|l| Reference {
        ref_type: "FOLLOWS_FROM".into(),
        trace_id: hex(&l.trace_id),
        span_id: hex(&l.span_id),
    }));
    let mut t = Vec::with_capacity(s.attributes.len() + 4);
    t.push(str_tag("span.kind", s.kind.as_str()));
    t.extend(tags(&s.attributes));
    if let Some(scope) = &s.scope {
        t.push(str_tag(SCOPE_NAME_TAG, &scope.name));
        if !scope.version.is_empty() {
            t.push(str_tag(SCOPE_VERSION_TAG, &scope.version));
        }
    }
    if let Some(state) = &s.trace_state {
        t.push(str_tag(TRACE_STATE_TAG, state));
    }
    match &s.status {
        Status::Unset => {}
        Status::Ok => t.push(str_tag("otel.status_code", "OK")),
        Status::Error { message } => {
            t.push(str_tag("otel.status_code", "ERROR"));
            if !message.is_empty() {
                t.push(str_tag("otel.status_description", message));
            }
            t.push(tag("error", &AttrValue::Bool(true)));
        }
    }
    let logs = s
        .events
        .iter()
        .map(|e| {
            let mut fields = vec![str_tag("event", &e.name)];
            fields.extend(tags(&e.attributes));
            Log {
                timestamp: U64(e.time_ns / 1000),
                fields,
            }
        })
        .collect();
    WSpan {
        trace_id: tid,
        span_id: hex(&s.span_id),
        flags: s.flags.map(|f| U32(Ok(f))),
        operation_name: s.name.to_string(),
        references,
        start_time: U64(s.start_ns / 1000),
        duration: U64(s.duration_ns() / 1000),
        tags: t,
        logs,
        process_id: Some(format!("p{}", process + 1)),
        process: None,
        warnings: (!s.warnings.is_empty()).then(|| s.warnings.clone()),
    }
}

/// The wire form: one `data[]` entry per trace id (in order of first
/// appearance); processes `p1`, `p2`, … numbered per entry by first use.
/// Heavy work that the budget cancels stops early with part of the spans
/// (see [`crate::budget::cancelled`]); its result is then discarded.
pub fn to_jaeger(trace: &Trace) -> File {
    let ids = trace.trace_ids();
    let slot: HashMap<[u8; 16], usize> = ids.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let mut by_trace: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for (i, s) in trace.spans.iter().enumerate() {
        if let Some(&k) = slot.get(&s.trace_id) {
            by_trace[k].push(i);
        }
    }
    let data = ids
        .iter()
        .zip(by_trace)
        .map(|(tid, members)| {
            let mut process_of: HashMap<usize, usize> = HashMap::new();
            let mut processes: Vec<usize> = Vec::new();
            let mut spans = Vec::with_capacity(members.len());
            for i in members {
                if crate::budget::cancelled() {
                    break;
                }
                let s = &trace.spans[i];
                if s.service >= trace.services.len() {
                    continue;
                }
                let p = *process_of.entry(s.service).or_insert_with(|| {
                    processes.push(s.service);
                    processes.len() - 1
                });
                spans.push(span(s, p));
            }
            let processes = processes
                .iter()
                .enumerate()
                .map(|(pi, &si)| {
                    let svc = &trace.services[si];
                    let process = Process {
                        service_name: svc.name.to_string(),
                        tags: tags(&svc.attributes).collect(),
                    };
                    (format!("p{}", pi + 1), process)
                })
                .collect();
            WTrace {
                trace_id: hex(tid),
                spans,
                processes: Ordered(processes),
                warnings: None,
            }
        })
        .collect();
    File { data }
}

/// Jaeger JSON of [`to_jaeger`], compact.
pub fn to_jaeger_json(trace: &Trace) -> String {
    serde_json::to_string(&to_jaeger(trace)).unwrap_or_default()
}
