//! Zipkin v2 JSON export through the [`crate::sim::formats::wire::zipkin`]
//! definition, following the Collector's `zipkin` exporter translation:
//! kind upper case (absent for internal spans), `localEndpoint.serviceName`,
//! times in microseconds, attributes as string tags, status as
//! `otel.status_code` plus `error` (the description, or `true`), events as
//! annotations (`name`, or `name|{json attributes}`). Resource attributes
//! other than `service.name` and span links have no place in Zipkin v2 and
//! are left out.

use crate::sim::formats::import::{SCOPE_NAME_TAG, SCOPE_VERSION_TAG};
use std::sync::Arc;

use crate::sim::formats::wire::zipkin::{Annotation, Endpoint, Span as ZSpan};
use crate::sim::formats::wire::{Ordered, Text, U64};
use crate::sim::trace::{AttrValue, Span, SpanKind, Status, Trace, hex};

/// A tag's text: floats keep a decimal point so they read back as floats.
fn text(v: &AttrValue) -> String {
    match v {
        AttrValue::Float(x) if x.is_finite() => format!("{x:?}"),
        other => other.to_string(),
    }
}

fn annotation(name: &str, attrs: &[(Arc<str>, AttrValue)]) -> String {
    if attrs.is_empty() {
        return name.to_string();
    }
    let map = Ordered(
        attrs
            .iter()
            .map(|(k, v)| (k.to_string(), text(v)))
            .collect(),
    );
    format!(
        "{name}|{}",
        serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
    )
}

fn span(trace: &Trace, s: &Span) -> ZSpan {
    let mut tags: Vec<(String, String)> = s
        .attributes
        .iter()
        .map(|(k, v)| (k.to_string(), text(v)))
        .collect();
    if let Some(scope) = &s.scope {
        tags.push((SCOPE_NAME_TAG.into(), scope.name.to_string()));
        if !scope.version.is_empty() {
            tags.push((SCOPE_VERSION_TAG.into(), scope.version.to_string()));
        }
    }
    match &s.status {
        Status::Unset => {}
        Status::Ok => tags.push(("otel.status_code".into(), "OK".into())),
        Status::Error { message } => {
            tags.push(("otel.status_code".into(), "ERROR".into()));
            let m = if message.is_empty() { "true" } else { message };
            tags.push(("error".into(), m.to_string()));
        }
    }
    let kind = match s.kind {
        SpanKind::Internal => None,
        SpanKind::Server => Some("SERVER"),
        SpanKind::Client => Some("CLIENT"),
        SpanKind::Producer => Some("PRODUCER"),
        SpanKind::Consumer => Some("CONSUMER"),
    };
    ZSpan {
        trace_id: hex(&s.trace_id),
        parent_id: s.parent_span_id.map(|p| hex(&p)),
        id: hex(&s.span_id),
        kind: kind.map(str::to_string),
        name: Some(s.name.to_string()),
        timestamp: Some(U64(s.start_ns / 1000)),
        duration: Some(U64(s.duration_ns() / 1000)),
        debug: None,
        shared: None,
        local_endpoint: trace.services.get(s.service).map(|svc| Endpoint {
            service_name: Some(svc.name.to_string()),
            ..Endpoint::default()
        }),
        remote_endpoint: None,
        annotations: s
            .events
            .iter()
            .map(|e| Annotation {
                timestamp: U64(e.time_ns / 1000),
                value: annotation(&e.name, &e.attributes),
            })
            .collect(),
        tags: Ordered(tags.into_iter().map(|(k, v)| (k, Text::from(v))).collect()),
    }
}

/// The wire form: every span, in trace order (part of them when the budget
/// cancels the work, see [`crate::budget::cancelled`]).
pub fn to_zipkin(trace: &Trace) -> Vec<ZSpan> {
    trace
        .spans
        .iter()
        .take_while(|_| !crate::budget::cancelled())
        .map(|s| span(trace, s))
        .collect()
}

/// Zipkin v2 JSON of [`to_zipkin`], compact.
pub fn to_zipkin_json(trace: &Trace) -> String {
    serde_json::to_string(&to_zipkin(trace)).unwrap_or_default()
}
