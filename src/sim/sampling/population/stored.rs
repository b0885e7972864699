//! A fixed population made of traces that already exist (a member's received
//! traces, read as the importer's [`Trace`] model), so that the lab's
//! strategies run over real ids, timings, errors and attributes.
//!
//! Generated spans refer to templates derived from a scenario; real spans
//! have arbitrary attributes, so [`StoredBuilder`] builds a synthetic
//! scenario with one service per distinct resource and one operation per
//! distinct span shape (service, name, kind and every attribute), and one
//! template per operation. Each span is marked [`flags::LITERAL`]: its
//! attributes are read from its template as they were received, none is
//! derived from a status code (see [`crate::sim::sampling::attrs`]).
//!
//! Times keep their real spacing: every timestamp is shifted so that the
//! earliest span start of the population is 0, and a trace arrives at its
//! earliest span start. Traces are in arrival order; [`Stored::ids`] gives
//! each one's trace id by [`LeanTrace::index`].
//!
//! A span shape also takes in what policies read besides attributes: the
//! span's `tracestate`, its `flags` and its events (name, attributes and
//! offset from the span's start), kept in [`Scenario::received`]; status OK
//! is told apart from UNSET by [`flags::OK`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::sim::sampling::population::{LeanSpan, LeanTrace, NO_CODE, NO_PARENT, Templates, flags};
use crate::sim::scenario::topology::{Dist, Operation, Protocol, ReceivedFacts, Scenario, Service};
use crate::sim::trace::{AttrValue, Status, Trace};

/// A population of existing traces, ready for
/// [`run_stored`](crate::sim::sampling::run_stored).
#[derive(Debug, Clone)]
pub struct Stored {
    /// The synthetic scenario: services are the distinct resources,
    /// operations the distinct span shapes (no calls between them).
    pub scenario: Scenario,
    /// Its templates: one `Op` template per operation.
    pub templates: Templates,
    /// The traces in arrival order; `index` is the position here.
    pub traces: Vec<LeanTrace>,
    /// The first trace id of each trace, by index.
    pub ids: Vec<[u8; 16]>,
    /// Earliest span start of the population, unix nanoseconds (0 when empty).
    pub first_start_ns: u64,
    /// Latest span end of the population, unix nanoseconds (0 when empty).
    pub last_end_ns: u64,
    /// Spans over all traces.
    pub spans: u64,
}

impl Stored {
    /// True when there is no trace.
    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    /// The observed arrival rate, traces per second: traces over the time
    /// from the first span start to the last one's end (1 when that time
    /// is zero).
    pub fn rate_per_sec(&self) -> f64 {
        let secs = self.last_end_ns.saturating_sub(self.first_start_ns) as f64 / 1e9;
        if secs > 0.0 {
            self.traces.len() as f64 / secs
        } else {
            1.0
        }
    }
}

/// Collects traces one by one (each may be dropped once added), then
/// [`StoredBuilder::finish`] makes the [`Stored`] population.
#[derive(Debug, Default)]
pub struct StoredBuilder {
    services: Vec<Service>,
    service_index: HashMap<String, u32>,
    operations: Vec<Operation>,
    received: Vec<ReceivedFacts>,
    op_index: HashMap<String, u32>,
    /// Traces with unix times; `template` holds the operation index.
    traces: Vec<(LeanTrace, [u8; 16])>,
    key: String,
}

/// Appends a length-prefixed, typed encoding of `attrs` to `out`, so that
/// two attribute lists encode alike only when they are equal.
fn encode_attrs(out: &mut String, attrs: &[(Arc<str>, AttrValue)]) {
    for (k, v) in attrs {
        let _ = write!(out, "{}:{k}", k.len());
        let _ = match v {
            AttrValue::Str(s) => write!(out, "s{}:{s}", s.len()),
            AttrValue::Int(i) => write!(out, "i{i};"),
            AttrValue::Float(x) => write!(out, "f{};", x.to_bits()),
            AttrValue::Bool(b) => write!(out, "b{b};"),
        };
    }
}

/// Nanoseconds from `start` to `time`, negative when the event came first
/// (saturating at ±2^63).
fn event_offset(time: u64, start: u64) -> i64 {
    let d = i128::from(time) - i128::from(start);
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

impl StoredBuilder {
    /// An empty builder.
    pub fn new() -> StoredBuilder {
        StoredBuilder::default()
    }

    /// Traces added so far.
    pub fn len(&self) -> usize {
        self.traces.len()
    }

    /// True when no trace was added.
    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    fn service(&mut self, trace: &Trace, i: usize) -> u32 {
        let Some(info) = trace.services.get(i) else {
            return self.service_named("unknown_service", &[]);
        };
        let name = info.name.clone();
        let attrs = info.attributes.clone();
        self.service_named(&name, &attrs)
    }

    fn service_named(&mut self, name: &str, resource: &[(Arc<str>, AttrValue)]) -> u32 {
        self.key.clear();
        encode_attrs(&mut self.key, &[(Arc::from(name), AttrValue::Bool(true))]);
        encode_attrs(&mut self.key, resource);
        if let Some(&i) = self.service_index.get(&self.key) {
            return i;
        }
        let i = self.services.len() as u32;
        self.services.push(Service {
            name: Arc::from(name),
            resource: resource.to_vec(),
            drop_traceparent: false,
            clock_offset_ns: 0,
            operations: Vec::new(),
        });
        self.service_index.insert(self.key.clone(), i);
        i
    }

    fn operation(&mut self, service: u32, s: &crate::sim::trace::Span) -> u32 {
        self.key.clear();
        let _ = write!(
            self.key,
            "{service};{};{}:{};",
            s.kind.otlp_code(),
            s.name.len(),
            s.name
        );
        encode_attrs(&mut self.key, &s.attributes);
        let trace_state = s.trace_state.as_deref().unwrap_or("");
        let span_flags = s.flags.unwrap_or(0);
        let _ = write!(
            self.key,
            "|{}:{trace_state}|{span_flags}|{};",
            trace_state.len(),
            s.events.len()
        );
        for e in &s.events {
            let offset = event_offset(e.time_ns, s.start_ns);
            let _ = write!(self.key, "{}:{};{offset};", e.name.len(), e.name);
            encode_attrs(&mut self.key, &e.attributes);
        }
        if let Some(&i) = self.op_index.get(&self.key) {
            return i;
        }
        self.received.push(ReceivedFacts {
            trace_state: Arc::from(trace_state),
            span_flags,
            events: s
                .events
                .iter()
                .map(|e| {
                    (
                        e.name.clone(),
                        event_offset(e.time_ns, s.start_ns),
                        e.attributes.clone(),
                    )
                })
                .collect(),
        });
        let i = self.operations.len() as u32;
        self.operations.push(Operation {
            service: service as usize,
            name: s.name.clone(),
            kind: s.kind,
            self_time: Dist::Fixed { ns: 0 },
            error_rate: 0.0,
            error_type: None,
            error_status: None,
            error_message: None,
            protocol: Protocol::None,
            attributes: s.attributes.clone(),
            steps: Vec::new(),
        });
        self.services[service as usize].operations.push(i as usize);
        self.op_index.insert(self.key.clone(), i);
        i
    }

    /// Adds one trace (all its spans; several trace ids are kept apart as
    /// a generated trace whose context was lost keeps them). A trace
    /// without spans is skipped.
    pub fn add(&mut self, trace: &Trace) {
        if trace.spans.is_empty() {
            return;
        }
        let trace_ids = trace.trace_ids();
        let mut lean = LeanTrace {
            start_ns: u64::MAX,
            spans: Vec::with_capacity(trace.spans.len()),
            ..LeanTrace::default()
        };
        let mut services: Vec<Option<u32>> = vec![None; trace.services.len().max(1)];
        for s in &trace.spans {
            let service = match services.get(s.service).copied().flatten() {
                Some(i) => i,
                None => {
                    let i = self.service(trace, s.service);
                    if let Some(slot) = services.get_mut(s.service) {
                        *slot = Some(i);
                    }
                    i
                }
            };
            let op = self.operation(service, s);
            let group = trace_ids
                .iter()
                .position(|id| *id == s.trace_id)
                .unwrap_or(0) as u32;
            let parent = s
                .parent
                .filter(|&p| p < lean.spans.len())
                .map_or(NO_PARENT, |p| p as u32);
            let mut f = flags::LITERAL;
            match s.status {
                Status::Error { .. } => f |= flags::ERROR,
                Status::Ok => f |= flags::OK,
                Status::Unset => {}
            }
            lean.start_ns = lean.start_ns.min(s.start_ns);
            lean.spans.push(LeanSpan {
                span_id: u64::from_be_bytes(s.span_id),
                start_ns: s.start_ns,
                end_ns: s.end_ns.max(s.start_ns),
                parent,
                template: op,
                group,
                service,
                code: NO_CODE,
                flags: f,
                attempt: 0,
            });
        }
        let first = trace_ids.first().copied().unwrap_or([0; 16]);
        lean.trace_ids = trace_ids;
        self.traces.push((lean, first));
    }

    /// The population: traces sorted by arrival (then trace id), times
    /// shifted so the earliest start is 0; `name` and `title` name the
    /// synthetic scenario.
    pub fn finish(self, name: &str, title: &str) -> Stored {
        let StoredBuilder {
            services,
            operations,
            received,
            mut traces,
            ..
        } = self;
        traces.sort_by_key(|(t, id)| (t.start_ns, *id));
        let origin = traces.first().map_or(0, |(t, _)| t.start_ns);
        let last_end = traces
            .iter()
            .flat_map(|(t, _)| t.spans.iter().map(|s| s.end_ns))
            .max()
            .unwrap_or(0);
        let spans: u64 = traces.iter().map(|(t, _)| t.spans.len() as u64).sum();
        let scenario = Scenario {
            name: name.to_string(),
            title: title.to_string(),
            description: String::new(),
            rate_per_sec: 1.0,
            entry: 0,
            services,
            operations,
            faults: Vec::new(),
            expected_spans: if traces.is_empty() {
                1.0
            } else {
                spans as f64 / traces.len() as f64
            },
            max_depth: 0,
            generated: None,
            received,
            received_origin_ns: origin,
        };
        let templates = Templates::new(&scenario);
        let mut ids = Vec::with_capacity(traces.len());
        let mut out = Vec::with_capacity(traces.len());
        for (i, (mut t, id)) in traces.into_iter().enumerate() {
            t.index = i as u64;
            t.start_ns -= origin;
            for s in &mut t.spans {
                s.start_ns -= origin;
                s.end_ns -= origin;
                s.template = templates.op[s.template as usize];
            }
            ids.push(id);
            out.push(t);
        }
        let mut stored = Stored {
            scenario,
            templates,
            traces: out,
            ids,
            first_start_ns: origin,
            last_end_ns: last_end,
            spans,
        };
        stored.scenario.rate_per_sec = stored.rate_per_sec();
        stored
    }
}

#[cfg(test)]
#[path = "stored_tests.rs"]
mod tests;
