//! OTLP JSON export through the [`crate::sim::formats::wire::otlp`] definition.

use std::sync::Arc;

use crate::sim::formats::export::{SCOPE_NAME, SCOPE_VERSION};
use crate::sim::formats::wire::otlp::{
    AnyValue, Event, KeyValue, Link, Resource, ResourceSpans, Scope, ScopeSpans, Span as WSpan,
    Status as WStatus, TracesData,
};
use crate::sim::formats::wire::{Enum, F64, I64Str, U32, U64Str};
use crate::sim::trace::{AttrValue, Scope as TraceScope, Span, Status, Trace, hex};

fn any_value(v: &AttrValue) -> AnyValue {
    let mut out = AnyValue::default();
    match v {
        AttrValue::Str(s) => out.string_value = Some(s.to_string()),
        AttrValue::Int(i) => out.int_value = Some(I64Str(*i)),
        AttrValue::Float(x) => out.double_value = Some(F64(*x)),
        AttrValue::Bool(b) => out.bool_value = Some(*b),
    }
    out
}

pub(super) fn attributes(attrs: &[(Arc<str>, AttrValue)]) -> Vec<KeyValue> {
    attrs
        .iter()
        .map(|(k, v)| KeyValue {
            key: k.to_string(),
            value: any_value(v),
        })
        .collect()
}

fn span(s: &Span) -> WSpan {
    let (code, message) = match &s.status {
        Status::Unset => (0, String::new()),
        Status::Ok => (1, String::new()),
        Status::Error { message } => (2, message.clone()),
    };
    WSpan {
        trace_id: hex(&s.trace_id),
        span_id: hex(&s.span_id),
        parent_span_id: s.parent_span_id.map(|p| hex(&p)).unwrap_or_default(),
        trace_state: s.trace_state.as_deref().unwrap_or_default().to_string(),
        flags: s.flags.map(|f| U32(Ok(f))),
        name: s.name.to_string(),
        kind: Enum::Num(i64::from(s.kind.otlp_code())),
        start_time_unix_nano: U64Str(s.start_ns),
        end_time_unix_nano: U64Str(s.end_ns),
        attributes: attributes(&s.attributes),
        events: s
            .events
            .iter()
            .map(|e| Event {
                time_unix_nano: U64Str(e.time_ns),
                name: e.name.to_string(),
                attributes: attributes(&e.attributes),
            })
            .collect(),
        links: s
            .links
            .iter()
            .map(|l| Link {
                trace_id: hex(&l.trace_id),
                span_id: hex(&l.span_id),
                attributes: attributes(&l.attributes),
                ..Link::default()
            })
            .collect(),
        status: WStatus {
            code: Enum::Num(code),
            message,
        },
    }
}

/// The wire form of a trace: one `resourceSpans` entry per service (in
/// service order, services without spans left out), one `scopeSpans` per
/// instrumentation scope in order of first use (spandojo's own for spans
/// that came without one), spans in trace order (part of them when the budget cancels the work, see
/// [`crate::budget::cancelled`]).
pub fn to_otlp(trace: &Trace) -> TracesData {
    let mut by_service: Vec<Vec<usize>> = vec![Vec::new(); trace.services.len()];
    for (i, s) in trace.spans.iter().enumerate() {
        if let Some(v) = by_service.get_mut(s.service) {
            v.push(i);
        }
    }
    let resource_spans = trace
        .services
        .iter()
        .zip(&by_service)
        .filter(|(_, spans)| !spans.is_empty())
        .map(|(svc, spans)| {
            let mut attrs = vec![KeyValue {
                key: "service.name".into(),
                value: any_value(&AttrValue::Str(svc.name.clone())),
            }];
            attrs.extend(attributes(&svc.attributes));
            let mut scopes: Vec<(Option<&TraceScope>, Vec<usize>)> = Vec::new();
            for &i in spans {
                let scope = trace.spans[i].scope.as_deref();
                match scopes.iter_mut().find(|(s, _)| *s == scope) {
                    Some((_, list)) => list.push(i),
                    None => scopes.push((scope, vec![i])),
                }
            }
            ResourceSpans {
                resource: Resource { attributes: attrs },
                scope_spans: scopes
                    .into_iter()
                    .map(|(scope, list)| ScopeSpans {
                        scope: match scope {
                            Some(sc) => Scope {
                                name: sc.name.to_string(),
                                version: sc.version.to_string(),
                                attributes: attributes(&sc.attributes),
                            },
                            None => Scope {
                                name: SCOPE_NAME.into(),
                                version: SCOPE_VERSION.into(),
                                attributes: Vec::new(),
                            },
                        },
                        spans: list
                            .iter()
                            .take_while(|_| !crate::budget::cancelled())
                            .map(|&i| span(&trace.spans[i]))
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    TracesData { resource_spans }
}

/// OTLP JSON `ExportTraceServiceRequest` of [`to_otlp`], compact.
pub fn to_otlp_json(trace: &Trace) -> String {
    serde_json::to_string(&to_otlp(trace)).unwrap_or_default()
}
