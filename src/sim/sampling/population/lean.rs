//! The lean generator: the same walk of the scenario as
//! [`generate`](crate::sim::generate()) with the same random draws in the same
//! order, so a seed yields the same ids, timings and errors, but it only
//! records what sampling needs, into a reused buffer, with no per-span
//! allocation. `population::tests` checks the equivalence span by span.

use crate::sim::generate::MAX_SPANS;
use crate::sim::generate::{pre_share, response_code};
use crate::sim::random::rng::SimRng;
use crate::sim::sampling::population::templates::Templates;
use crate::sim::sampling::population::{LeanSpan, NO_CODE, NO_PARENT, flags};
use crate::sim::scenario::topology::{Call, CallMode, Scenario, Step};

/// Where a new span hangs.
#[derive(Clone, Copy)]
struct Ctx {
    group: u32,
    parent: u32,
}

/// Why something failed (only whether it was a deadline matters here).
#[derive(Clone, Copy)]
struct Failure {
    timeout: bool,
}

struct Done {
    idx: usize,
    end: u64,
    code: Option<u16>,
    failure: Option<Failure>,
}

/// Generator state for one trace.
pub(super) struct Lean<'a> {
    pub(super) sc: &'a Scenario,
    pub(super) tm: &'a Templates,
    pub(super) rng: SimRng,
    pub(super) spans: &'a mut Vec<LeanSpan>,
    pub(super) trace_ids: &'a mut Vec<[u8; 16]>,
}

impl Lean<'_> {
    /// Runs the entry operation as the root, starting at `start`.
    pub(super) fn run(&mut self, start: u64) {
        let id = self.rng.trace_id();
        self.trace_ids.push(id);
        let ctx = Ctx {
            group: 0,
            parent: NO_PARENT,
        };
        self.run_op(self.sc.entry, start, ctx);
    }

    #[inline]
    fn push(&mut self, ctx: Ctx, template: u32, service: u32, start: u64) -> usize {
        let span_id = loop {
            let v = self.rng.next_u64();
            if v != 0 {
                break v;
            }
        };
        self.spans.push(LeanSpan {
            span_id,
            start_ns: start,
            end_ns: start,
            parent: ctx.parent,
            template,
            group: ctx.group,
            service,
            code: NO_CODE,
            flags: 0,
            attempt: 0,
        });
        self.spans.len() - 1
    }

    fn child(&self, idx: usize) -> Ctx {
        Ctx {
            group: self.spans[idx].group,
            parent: idx as u32,
        }
    }

    /// A new trace id (a service that lost the inbound context).
    fn new_group(&mut self) -> Ctx {
        let id = self.rng.trace_id();
        self.trace_ids.push(id);
        Ctx {
            group: self.trace_ids.len() as u32 - 1,
            parent: NO_PARENT,
        }
    }

    fn full(&self) -> bool {
        self.spans.len() >= MAX_SPANS
    }

    fn run_op(&mut self, op_id: usize, start: u64, ctx: Ctx) -> Done {
        let sc = self.sc;
        let op = &sc.operations[op_id];
        let idx = self.push(ctx, self.tm.op[op_id], op.service as u32, start);
        let self_ns = op.self_time.sample_ns(&mut self.rng);
        let pre = pre_share(self_ns, self.rng.f64());
        let mut t = start + pre;
        let mut dep: Option<Failure> = None;
        let mut slot = self.tm.call_base[op_id] as usize;
        for step in &op.steps {
            let (end, failure) = self.run_step(step, slot, idx, t);
            slot += step.calls.len();
            t = end;
            if failure.is_some() {
                dep = dep.or(failure);
                break;
            }
        }
        let own = self.rng.chance(op.error_rate);
        let end = t + (self_ns - pre);
        let failed = own || dep.is_some();
        let timeout = dep.is_some_and(|d| d.timeout);
        let code = response_code(op, own, dep.is_some(), timeout);
        let s = &mut self.spans[idx];
        s.end_ns = end;
        s.code = code.unwrap_or(NO_CODE);
        if failed {
            s.flags |= flags::ERROR;
        }
        if own {
            s.flags |= flags::OWN;
        }
        Done {
            idx,
            end,
            code,
            failure: failed.then_some(Failure { timeout }),
        }
    }

    fn run_step(
        &mut self,
        step: &Step,
        slot: usize,
        parent: usize,
        t: u64,
    ) -> (u64, Option<Failure>) {
        if !step.parallel {
            let mut t = t;
            for (k, c) in step.calls.iter().enumerate() {
                if !self.rng.chance(c.probability) {
                    continue;
                }
                for _ in 0..c.repeat {
                    if self.full() {
                        return (t, None);
                    }
                    let (end, failure) = self.do_call(c, slot + k, parent, t);
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
        for (k, c) in step.calls.iter().enumerate() {
            if !self.rng.chance(c.probability) {
                continue;
            }
            for _ in 0..c.repeat {
                if self.full() {
                    break;
                }
                let st = t + self.rng.below(200_000);
                let (e, failure) = self.do_call(c, slot + k, parent, st);
                end = end.max(e);
                if failure.is_some() && !c.ignore_errors && failed.is_none() {
                    failed = failure;
                }
            }
        }
        (end, failed)
    }

    #[inline(always)]
    fn do_call(
        &mut self,
        c: &Call,
        slot: usize,
        parent: usize,
        start: u64,
    ) -> (u64, Option<Failure>) {
        let (end, failure) = self.attempt(c, slot, parent, start, 0);
        if failure.is_none() || c.retries == 0 || self.full() {
            return (end, failure);
        }
        self.retry(c, slot, parent, end)
    }

    /// The attempts after a failed first one, each `backoff_ns` after the
    /// last one ended, until one succeeds, the retries run out or the trace
    /// is full. Kept apart from [`Lean::do_call`] so that the common call,
    /// one attempt, stays short.
    #[inline(never)]
    fn retry(&mut self, c: &Call, slot: usize, parent: usize, end: u64) -> (u64, Option<Failure>) {
        let mut end = end;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (e, failure) = self.attempt(c, slot, parent, end + c.backoff_ns, attempt);
            if failure.is_none() || attempt >= c.retries || self.full() {
                return (e, failure);
            }
            end = e;
        }
    }

    fn attempt(
        &mut self,
        c: &Call,
        slot: usize,
        parent: usize,
        t: u64,
        attempt: u32,
    ) -> (u64, Option<Failure>) {
        let sc = self.sc;
        let target = &sc.operations[c.target];
        let retry_attr = if c.retries > 0 { attempt as u8 + 1 } else { 0 };
        match c.mode {
            CallMode::Local => {
                let ctx = self.child(parent);
                let done = self.run_op(c.target, t, ctx);
                self.spans[done.idx].attempt = retry_attr;
                match c.timeout_ns {
                    Some(to) if done.end > t + to => {
                        self.time_out(done.idx, t + to);
                        (t + to, Some(Failure { timeout: true }))
                    }
                    _ => (done.end, done.failure),
                }
            }
            CallMode::Remote => {
                let ctx = self.child(parent);
                let service = self.spans[parent].service;
                let client = self.push(ctx, self.tm.calls[slot], service, t);
                let net = c.network.sample_ns(&mut self.rng);
                let out = net / 2;
                let back = net - out;
                let ctx = if sc.services[target.service].drop_traceparent {
                    self.new_group()
                } else {
                    self.child(client)
                };
                let done = self.run_op(c.target, t + out, ctx);
                self.spans[client].attempt = retry_attr;
                let end = done.end + back;
                if let Some(to) = c.timeout_ns
                    && end > t + to
                {
                    self.time_out(client, t + to);
                    return (t + to, Some(Failure { timeout: true }));
                }
                let s = &mut self.spans[client];
                s.end_ns = end;
                s.code = done.code.unwrap_or(NO_CODE);
                if done.failure.is_some() {
                    s.flags |= flags::ERROR;
                }
                (end, done.failure)
            }
            CallMode::Async => {
                let ctx = self.child(parent);
                let service = self.spans[parent].service;
                let p = self.push(ctx, self.tm.calls[slot], service, t);
                let pend = t + 100_000 + self.rng.below(2_000_000);
                self.spans[p].end_ns = pend;
                let qd = c.queue_delay.sample_ns(&mut self.rng);
                let ctx = if sc.services[target.service].drop_traceparent {
                    self.new_group()
                } else {
                    self.child(p)
                };
                self.run_op(c.target, pend + qd, ctx);
                (pend, None)
            }
        }
    }

    /// A span cut off by the caller's deadline: it ends there, failed, and
    /// loses its status code (`error.type` becomes `timeout`).
    fn time_out(&mut self, idx: usize, deadline: u64) {
        let s = &mut self.spans[idx];
        s.end_ns = deadline;
        s.flags |= flags::ERROR | flags::TIMEOUT;
    }
}
