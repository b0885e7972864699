//! Trace generation: deterministic from `(scenario, seed)`.
//!
//! The random source (ChaCha8 for generator versions 1 and 2, xoshiro256++
//! from version 3) is keyed from the seed mixed with an FNV-1a hash of the
//! scenario name; every random draw happens in a fixed order, and
//! all floating-point maths uses only IEEE basic operations, so the same
//! inputs give byte-identical traces on every machine.

use std::sync::Arc;

use crate::sim::canonical;
pub use crate::sim::random::GeneratorVersion;
use crate::sim::random::rng::{SimRng, fnv1a};
use crate::sim::scenario::topology::{Operation, Protocol, Scenario, Step};
use crate::sim::trace::{AttrValue, Event, Link, Span, SpanKind, Status, Trace};

pub(crate) mod attrs;
mod calls;

use attrs::{Keys, grpc_name, keys, op_attrs};

/// Hard cap on spans in one generated trace.
pub const MAX_SPANS: usize = 200_000;

/// 2025-01-01T00:00:00Z in unix nanoseconds; traces start within a year of it.
pub const EPOCH_NS: u64 = 1_735_689_600_000_000_000;

/// Latest accepted root start (year 2096), so span arithmetic cannot overflow.
pub const MAX_START_NS: u64 = 4_000_000_000_000_000_000;

/// Options for [`generate_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Keep repeating the root operation's calls (like a batch job working
    /// through pages) until the trace has at least this many spans (capped
    /// at [`MAX_SPANS`]). 0: no minimum.
    pub min_spans: usize,
    /// Start time of the root span; by default derived from the seed.
    pub start_unix_nano: Option<u64>,
    /// The generator version to draw with (default: the current one).
    pub version: GeneratorVersion,
}

/// Generates one trace of `scenario` for `seed`.
pub fn generate(scenario: &Scenario, seed: u64) -> Trace {
    generate_with(scenario, seed, &GenerateOptions::default())
}

/// Generates one trace with options (minimum span count, start time,
/// generator version).
pub fn generate_with(scenario: &Scenario, seed: u64, opts: &GenerateOptions) -> Trace {
    let mut rng = SimRng::with_version(seed, fnv1a(scenario.name.as_bytes()), opts.version);
    let epoch_offset_ms = rng.below(365 * 86_400 * 1000);
    let start = opts
        .start_unix_nano
        .unwrap_or(EPOCH_NS + epoch_offset_ms * 1_000_000)
        .min(MAX_START_NS);
    let trace_id = rng.trace_id();
    let mut g = Gen {
        sc: scenario,
        rng,
        k: keys(),
        spans: Vec::with_capacity(scenario.expected_spans.clamp(16.0, 4096.0) as usize),
        min_spans: opts.min_spans.min(MAX_SPANS),
        publish_names: vec![None; scenario.operations.len()],
    };
    let ctx = Ctx {
        trace_id,
        parent: None,
        parent_span_id: None,
    };
    g.run_op(scenario.entry, start, ctx, None, None, true);
    let mut spans = g.spans;
    apply_clock_offsets(scenario, &mut spans);
    canonical::finish_generated(scenario, seed, spans)
}

/// Shifts every timestamp a service recorded by its `clock_offset_ns`
/// (clamped at 0), after the walk, so no random draw changes. `span.service`
/// is still the scenario's service index here.
fn apply_clock_offsets(sc: &Scenario, spans: &mut [Span]) {
    if sc.services.iter().all(|s| s.clock_offset_ns == 0) {
        return;
    }
    for s in spans {
        let offset = sc.services.get(s.service).map_or(0, |x| x.clock_offset_ns);
        if offset != 0 {
            s.start_ns = shift(s.start_ns, offset);
            s.end_ns = shift(s.end_ns, offset);
            for e in &mut s.events {
                e.time_ns = shift(e.time_ns, offset);
            }
        }
    }
}

/// `t + offset` in nanoseconds, clamped to `0..=u64::MAX`.
pub(crate) fn shift(t: u64, offset: i64) -> u64 {
    t.saturating_add_signed(offset)
}

/// Where a new span hangs.
#[derive(Clone, Copy)]
struct Ctx {
    trace_id: [u8; 16],
    parent: Option<usize>,
    parent_span_id: Option<[u8; 8]>,
}

/// Why a call or operation failed.
#[derive(Clone, Copy)]
struct Failure {
    timeout: bool,
    /// Operation that failed (for messages).
    op: usize,
}

struct Done {
    idx: usize,
    end: u64,
    code: Option<u16>,
    failure: Option<Failure>,
}

struct Gen<'a> {
    sc: &'a Scenario,
    rng: SimRng,
    k: &'static Keys,
    spans: Vec<Span>,
    min_spans: usize,
    publish_names: Vec<Option<Arc<str>>>,
}

impl Gen<'_> {
    fn push(
        &mut self,
        ctx: Ctx,
        service: usize,
        name: Arc<str>,
        kind: SpanKind,
        start: u64,
    ) -> usize {
        crate::budget::yield_point();
        let span_id = self.rng.span_id();
        self.spans.push(Span {
            trace_id: ctx.trace_id,
            span_id,
            parent: ctx.parent,
            parent_span_id: ctx.parent_span_id,
            service,
            name,
            kind,
            start_ns: start,
            end_ns: start,
            status: Status::Unset,
            attributes: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
            traceparent: None,
            flags: None,
            warnings: Vec::new(),
            scope: None,
            trace_state: None,
        });
        self.spans.len() - 1
    }

    fn child_ctx(&self, idx: usize) -> Ctx {
        let s = &self.spans[idx];
        Ctx {
            trace_id: s.trace_id,
            parent: Some(idx),
            parent_span_id: Some(s.span_id),
        }
    }

    fn full(&self) -> bool {
        self.spans.len() >= MAX_SPANS
    }

    /// Runs one operation as a span, with its calls, and returns how it ended.
    fn run_op(
        &mut self,
        op_id: usize,
        start: u64,
        ctx: Ctx,
        inbound: Option<String>,
        link: Option<Link>,
        root: bool,
    ) -> Done {
        let sc = self.sc;
        let op = &sc.operations[op_id];
        let idx = self.push(ctx, op.service, op.name.clone(), op.kind, start);
        self.spans[idx].traceparent = inbound;
        if let Some(l) = link {
            self.spans[idx].links.push(l);
        }
        let self_ns = op.self_time.sample_ns(&mut self.rng);
        let pre = pre_share(self_ns, self.rng.f64());
        let mut t = start + pre;
        let mut dep: Option<Failure> = None;
        let mut rounds: i64 = 0;
        loop {
            rounds += 1;
            let before = self.spans.len();
            for step in &op.steps {
                let (end, failure) = self.run_step(step, idx, t);
                t = end;
                if failure.is_some() {
                    dep = dep.or(failure);
                    break;
                }
            }
            let grew = self.spans.len() > before;
            if !(root && grew && self.spans.len() < self.min_spans && !self.full()) {
                break;
            }
        }
        if rounds > 1 {
            let k = self.k.rounds.clone();
            self.spans[idx].attributes.push((k, AttrValue::Int(rounds)));
        }
        let own_error = self.rng.chance(op.error_rate);
        let end = t + (self_ns - pre);
        self.finish_op(op_id, idx, end, own_error, dep)
    }

    /// Status, attributes and events of an operation's span.
    fn finish_op(
        &mut self,
        op_id: usize,
        idx: usize,
        end: u64,
        own: bool,
        dep: Option<Failure>,
    ) -> Done {
        let sc = self.sc;
        let op: &Operation = &sc.operations[op_id];
        let k = self.k;
        let mut attrs = std::mem::take(&mut self.spans[idx].attributes);
        attrs.reserve(7);
        op_attrs(k, op, &mut attrs);
        let failed = own || dep.is_some();
        let timeout = dep.is_some_and(|d| d.timeout);
        let code = response_code(op, own, dep.is_some(), timeout);
        match (&op.protocol, code) {
            (Protocol::Http { .. }, Some(c)) => {
                attrs.push((k.http_status.clone(), AttrValue::Int(i64::from(c))))
            }
            (Protocol::Rpc { .. }, Some(c)) => attrs.push((
                k.rpc_status.clone(),
                AttrValue::Str(Arc::from(grpc_name(c))),
            )),
            _ => {}
        }
        let span = &mut self.spans[idx];
        span.end_ns = end;
        if failed {
            let etype: Arc<str> = match (&op.error_type, &op.protocol, code) {
                (Some(t), _, _) if own => t.clone(),
                (_, Protocol::Rpc { .. }, Some(c)) => Arc::from(grpc_name(c)),
                (_, _, Some(c)) => Arc::from(c.to_string().as_str()),
                _ => k.other.clone(),
            };
            attrs.push((k.error_type.clone(), AttrValue::Str(etype.clone())));
            let message = if own {
                op.error_message
                    .as_deref()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{} failed", op.name))
            } else {
                let d = dep.map(|d| d.op).unwrap_or(op_id);
                let what = if timeout { "timed out" } else { "failed" };
                format!("call to {} {what}", sc.op_label(d))
            };
            if own {
                span.events.push(Event {
                    time_ns: end,
                    name: k.exception.clone(),
                    attributes: vec![
                        (k.exc_type.clone(), AttrValue::Str(etype)),
                        (
                            k.exc_message.clone(),
                            AttrValue::Str(Arc::from(message.as_str())),
                        ),
                    ],
                });
            }
            span.status = Status::Error { message };
        }
        span.attributes = attrs;
        Done {
            idx,
            end,
            code,
            failure: failed.then_some(Failure {
                timeout,
                op: if own {
                    op_id
                } else {
                    dep.map(|d| d.op).unwrap_or(op_id)
                },
            }),
        }
    }

    /// Runs one step (a call, or a parallel group) starting at `t`.
    fn run_step(&mut self, step: &Step, parent: usize, t: u64) -> (u64, Option<Failure>) {
        if !step.parallel {
            let mut t = t;
            for c in &step.calls {
                if !self.rng.chance(c.probability) {
                    continue;
                }
                for _ in 0..c.repeat {
                    if self.full() {
                        return (t, None);
                    }
                    let (end, failure) = self.do_call(c, parent, t);
                    t = end;
                    if failure.is_some() && !c.ignore_errors {
                        return (t, failure);
                    }
                }
            }
            return (t, None);
        }
        let mut end = t;
        let mut failed = None;
        for c in &step.calls {
            if !self.rng.chance(c.probability) {
                continue;
            }
            for _ in 0..c.repeat {
                if self.full() {
                    break;
                }
                // Parallel calls leave a few microseconds apart.
                let st = t + self.rng.below(200_000);
                let (e, failure) = self.do_call(c, parent, st);
                end = end.max(e);
                if failure.is_some() && !c.ignore_errors && failed.is_none() {
                    failed = failure;
                }
            }
        }
        (end, failed)
    }
}

#[cfg(test)]
mod clock_tests;
#[cfg(test)]
mod tests;

/// The part of an operation's own time spent before its first call:
/// `self_ns × (0.2 + 0.5u)`, truncated, for both `generate` and the lab's
/// lean generator. Below 2^63 the conversions go through `i64`, which
/// x86-64 does in one instruction each way, with the same result.
#[inline]
pub(crate) fn pre_share(self_ns: u64, u: f64) -> u64 {
    let share = 0.2 + 0.5 * u;
    match i64::try_from(self_ns) {
        Ok(ns) => (ns as f64 * share) as i64 as u64,
        Err(_) => pre_share_wide(self_ns, share),
    }
}

/// [`pre_share`] of a time at or above 2^63 ns (only a fixed time can be).
#[cold]
#[inline(never)]
fn pre_share_wide(self_ns: u64, share: f64) -> u64 {
    (self_ns as f64 * share) as u64
}

/// The response code an operation reports: HTTP status or gRPC code, from
/// its own failure, a failed dependency and whether that was a timeout.
pub(crate) fn response_code(
    op: &Operation,
    own: bool,
    dep_failed: bool,
    timeout: bool,
) -> Option<u16> {
    let (own_default, timed_out, failed_dep, ok) = match &op.protocol {
        Protocol::Http { .. } => (500, 504, 500, 200),
        Protocol::Rpc { .. } => (13, 4, 14, 0),
        _ => return None,
    };
    Some(if own {
        op.error_status.unwrap_or(own_default)
    } else if dep_failed && timeout {
        timed_out
    } else if dep_failed {
        failed_dep
    } else {
        ok
    })
}
