//! A lean span seen as the Collector sees the span it stands for: name,
//! kind, status, span and resource attributes kept apart, trace state and
//! span flags, and its events: for a generated span, those the generator
//! writes (an `exception` event on a span that failed by itself, and on a
//! client span cut off by its deadline); for a received one, those it
//! carried ([`Scenario::received`]).

use std::sync::Arc;

use crate::sim::sampling::attrs::{DYNAMIC_KEYS, dynamic_attr, dynamic_key};
use crate::sim::sampling::collector::ottl::{EventData, SpanData};
use crate::sim::sampling::population::{LeanSpan, Role, Templates, flags};
use crate::sim::scenario::topology::{Protocol, ReceivedEvent, Scenario};
use crate::sim::trace::{AttrValue, SpanKind};

/// Static facts of one template, resolved once.
#[derive(Debug, Clone)]
pub struct TemplateFacts {
    /// Span name.
    pub name: Arc<str>,
    /// `SPAN_KIND_*` number.
    pub kind: i64,
    /// Span attributes that do not depend on the execution.
    pub attrs: Vec<(Arc<str>, AttrValue)>,
    /// Resource attributes (`service.name` first).
    pub resource: Vec<(Arc<str>, AttrValue)>,
    /// W3C `tracestate` (empty for generated spans, which carry none).
    pub trace_state: Arc<str>,
    /// OTLP span `flags`: 0x01 (sampled) for generated spans, since only
    /// sampled spans are exported; as received otherwise.
    pub span_flags: u32,
    /// A received span's events (name, offset from its start, attributes).
    pub events: Vec<ReceivedEvent>,
}

/// Facts for every template of a scenario.
pub fn template_facts(sc: &Scenario, tm: &Templates) -> Vec<TemplateFacts> {
    (0..tm.list.len() as u32)
        .map(|t| {
            let tp = tm.list[t as usize];
            let op = &sc.operations[tp.op as usize];
            let mut attrs = tm.static_attrs(sc, t);
            let n_res = 1 + sc.services[tp.service as usize].resource.len();
            let resource = attrs.split_off(attrs.len().saturating_sub(n_res));
            let name: Arc<str> = match (tp.role, &op.protocol) {
                (Role::Producer, Protocol::Messaging { destination, .. }) => {
                    Arc::from(format!("publish {destination}").as_str())
                }
                (Role::Producer, _) => Arc::from("publish"),
                _ => op.name.clone(),
            };
            let kind = match tm.kind(sc, t) {
                SpanKind::Internal => 1,
                SpanKind::Server => 2,
                SpanKind::Client => 3,
                SpanKind::Producer => 4,
                SpanKind::Consumer => 5,
            };
            let received = sc.received.get(tp.op as usize);
            TemplateFacts {
                name,
                kind,
                attrs,
                resource,
                trace_state: received.map_or_else(|| Arc::from(""), |r| r.trace_state.clone()),
                span_flags: received.map_or(1, |r| r.span_flags),
                events: received.map(|r| r.events.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// One lean span with its template's facts.
pub struct View<'a> {
    /// The scenario.
    pub sc: &'a Scenario,
    /// Its templates.
    pub tm: &'a Templates,
    /// The template's facts.
    pub facts: &'a TemplateFacts,
    /// The span.
    pub span: &'a LeanSpan,
}

fn find(list: &[(Arc<str>, AttrValue)], key: &str) -> Option<AttrValue> {
    list.iter()
        .find(|(k, _)| &**k == key)
        .map(|(_, v)| v.clone())
}

impl View<'_> {
    /// The span's W3C `tracestate` (empty when none).
    pub fn trace_state(&self) -> &str {
        &self.facts.trace_state
    }

    /// The span's OTLP `flags`.
    pub fn span_flags(&self) -> u32 {
        self.facts.span_flags
    }
}

impl SpanData for View<'_> {
    fn name(&self) -> &str {
        &self.facts.name
    }

    fn kind(&self) -> i64 {
        self.facts.kind
    }

    fn status_code(&self) -> i64 {
        if self.span.is_error() {
            2
        } else if self.span.flags & flags::OK != 0 {
            1
        } else {
            0
        }
    }

    fn attr(&self, key: &str) -> Option<AttrValue> {
        match dynamic_key(key) {
            Some(i) if self.span.flags & flags::LITERAL == 0 => {
                dynamic_attr(self.sc, self.tm, self.span, i)
            }
            _ => find(&self.facts.attrs, key),
        }
    }

    fn resource_attr(&self, key: &str) -> Option<AttrValue> {
        find(&self.facts.resource, key)
    }

    fn times(&self) -> (u64, u64) {
        let origin = self.sc.received_origin_ns;
        (
            self.span.start_ns.saturating_add(origin),
            self.span.end_ns.saturating_add(origin),
        )
    }

    fn events(&self) -> Vec<EventData> {
        let s = self.span;
        if s.flags & flags::LITERAL != 0 {
            return self
                .facts
                .events
                .iter()
                .map(|(name, offset, attrs)| EventData {
                    name: name.to_string(),
                    time_ns: s
                        .start_ns
                        .saturating_add(self.sc.received_origin_ns)
                        .saturating_add_signed(*offset),
                    attrs: attrs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                })
                .collect();
        }
        let tp = self.tm.list[s.template as usize];
        let op = &self.sc.operations[tp.op as usize];
        let (ty, message) = if s.flags & flags::TIMEOUT != 0 {
            let ms = (s.end_ns - s.start_ns) as f64 / 1e6;
            let label = self.sc.op_label(tp.op as usize);
            (
                "timeout".to_string(),
                format!("deadline of {ms} ms exceeded calling {label}"),
            )
        } else if tp.role == Role::Op && s.is_error() && s.flags & flags::OWN != 0 {
            let ty = match self.attr(DYNAMIC_KEYS[2]) {
                Some(AttrValue::Str(t)) => t.to_string(),
                _ => "_OTHER".to_string(),
            };
            let msg = op
                .error_message
                .as_deref()
                .map_or_else(|| format!("{} failed", op.name), str::to_string);
            (ty, msg)
        } else {
            return Vec::new();
        };
        vec![EventData {
            name: "exception".to_string(),
            time_ns: s.end_ns,
            attrs: vec![
                (
                    "exception.type".to_string(),
                    AttrValue::Str(Arc::from(ty.as_str())),
                ),
                (
                    "exception.message".to_string(),
                    AttrValue::Str(Arc::from(message.as_str())),
                ),
            ],
        }]
    }
}
