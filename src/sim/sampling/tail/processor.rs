//! One tail sampling processor on the simulated clock: a circular buffer of
//! `num_traces` trace entries keyed by trace id, each decided at its first
//! span's arrival + `decision_wait`. A new trace arriving at a full buffer
//! evicts the oldest entry; if that one was still waiting, its spans are
//! lost ("dropped too early"). A span arriving after its trace's decision
//! follows that decision while the entry is still in the buffer. Decided
//! trace ids go into the decision caches when they are configured; a span
//! of a decided trace asks the sampled cache, then the non-sampled cache
//! (each look-up refreshes the id), then the buffer; when none knows the
//! trace, it starts a new entry and a new decision (README of
//! `tailsamplingprocessor`, "Late-Arriving Spans").

use std::collections::VecDeque;

use crate::sim::sampling::population::{LeanSpan, NO_PARENT, Templates};
use crate::sim::sampling::spec::{Policy, TailSpec};
use crate::sim::sampling::tail::cache::Lru;
use crate::sim::sampling::tail::decide::decide_all;
use crate::sim::sampling::tail::policy::{Agg, Compiled, TraceCtx, compile};
use crate::sim::sampling::tail::predicates::Predicates;
use crate::sim::sampling::tail::records::Records;
use crate::sim::scenario::topology::Scenario;

/// No entry yet for a trace id.
pub const NO_ENTRY: u64 = u64::MAX;

/// The trace id a span belongs to, as the flight knows it.
#[derive(Debug, Clone, Copy)]
pub struct TraceRef<'a> {
    /// Arrival of the trace id's first span, ns.
    pub first_arrival: u64,
    /// Its `probabilistic` hash ([`default_salted_hash`](crate::sim::sampling::tail::policy::default_salted_hash)).
    pub h: u64,
    /// The trace id.
    pub id: &'a [u8; 16],
    /// Its slot in [`Records`].
    pub record: u32,
}

/// A trace id waiting for its decision.
#[derive(Debug, Clone)]
struct Entry {
    record: u32,
    h: u64,
    id: [u8; 16],
    decision_at: u64,
    agg: Agg,
}

/// Counters a processor reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Spans that arrived after their trace's decision time.
    pub late_spans: u64,
    /// Entries evicted before their decision (an evicted trace's later
    /// spans make new entries, so this can exceed the traces).
    pub evicted: u64,
    /// Spans lost with them.
    pub lost_spans: u64,
    /// Most entries waiting for a decision at once.
    pub peak_traces: u64,
    /// Most spans held at once.
    pub peak_spans: u64,
    /// Decisions made.
    pub decisions: u64,
    /// Spans of decided traces answered by a decision cache.
    pub cache_hits: u64,
}

/// A processor and its buffer.
pub struct Processor {
    policies: Vec<Compiled>,
    first_match: bool,
    sampled_cache: Lru,
    non_sampled_cache: Lru,
    preds: Predicates,
    wait: u64,
    cap: usize,
    /// The buffer's decided entries, oldest first: entry
    /// `front_id() + i` was sampled when `decided[i]` is true. A decision
    /// is all the buffer still needs of a trace, so most of the
    /// `num_traces` entries take one byte and stay in cache.
    decided: VecDeque<bool>,
    /// The buffer's entries waiting for their decision, oldest first:
    /// entry `next_decide + i` is `waiting[i]`.
    waiting: VecDeque<Entry>,
    /// Id of the oldest waiting entry (entry ids count up from 0).
    next_decide: u64,
    /// The decision time of entry `next_decide` (`u64::MAX` when none
    /// waits): before it, an arrival decides nothing.
    next_at: u64,
    pending_spans: u64,
    /// The strategy this processor runs (its index in [`Records`]).
    strategy: usize,
    /// What happened so far.
    pub counters: Counters,
}

impl Processor {
    /// A processor for `spec`, strategy `strategy` of the run, over the
    /// scenario's templates; a trace costs `bytes_per_span` bytes per span
    /// to `bytes_limiting`.
    pub fn new(
        sc: &Scenario,
        tm: &Templates,
        (strategy, spec): (usize, &TailSpec),
        bytes_per_span: u64,
    ) -> Processor {
        let mut attrs: Vec<Policy> = Vec::new();
        let policies = spec
            .policies
            .iter()
            .map(|p| compile(&p.policy, spec, bytes_per_span, &mut attrs))
            .collect();
        Processor {
            policies,
            first_match: spec.sample_on_first_match,
            sampled_cache: Lru::new(spec.sampled_cache_size),
            non_sampled_cache: Lru::new(spec.non_sampled_cache_size),
            preds: Predicates::new(sc, tm, &attrs),
            wait: spec.decision_wait_ns,
            cap: spec.num_traces.max(1),
            decided: VecDeque::new(),
            waiting: VecDeque::new(),
            next_decide: 0,
            next_at: u64::MAX,
            pending_spans: 0,
            strategy,
            counters: Counters::default(),
        }
    }

    /// Id of the oldest entry in the buffer.
    fn front_id(&self) -> u64 {
        self.next_decide - self.decided.len() as u64
    }

    /// Decides every waiting entry whose decision time is ≤ `now`.
    pub fn decide_until(&mut self, now: u64, rec: &mut Records) {
        if now < self.next_at {
            return;
        }
        while let Some(e) = self.waiting.front() {
            if e.decision_at > now {
                break;
            }
            let t = TraceCtx {
                agg: &e.agg,
                h: e.h,
                id: &e.id,
                now_ns: e.decision_at,
            };
            let (sampled, weight) = decide_all(&mut self.policies, self.first_match, &t);
            let key = self.next_decide;
            if sampled {
                self.sampled_cache.put(key);
            } else {
                self.non_sampled_cache.put(key);
            }
            self.pending_spans -= u64::from(e.agg.spans);
            self.counters.decisions += 1;
            rec.settle(e.record, self.strategy, &e.agg, sampled.then_some(weight));
            self.waiting.pop_front();
            self.decided.push_back(sampled);
            self.next_decide += 1;
        }
        self.refresh_next_at();
    }

    /// Recomputes [`Processor::next_at`] after the buffer changed.
    fn refresh_next_at(&mut self) {
        self.next_at = self.waiting.front().map_or(u64::MAX, |e| e.decision_at);
    }

    /// Takes `rest`, the remaining spans of a run of one trace id in
    /// arrival order, at once, if each of them would only join the trace's
    /// entry: the trace waits for its decision and no decision falls due
    /// before the last of them (the conditions are monotone in arrival
    /// time, so what holds at the last span held at every earlier one).
    /// Returns whether it took them; it touches nothing but the entry and
    /// its own counters, so the caller may skip these spans for this
    /// processor without changing the order of anything shared.
    pub fn take_rest(
        &mut self,
        sc: &Scenario,
        tm: &Templates,
        rest: &[LeanSpan],
        entry: u64,
        first_arrival: u64,
    ) -> bool {
        let Some(i) = rest
            .last()
            .and_then(|last| self.pending_entry(last.end_ns, entry, first_arrival))
        else {
            return false;
        };
        // Summed in a local, so the loop keeps it in registers.
        let e = &mut self.waiting[i];
        let mut agg = e.agg;
        for s in rest {
            let mask = self.preds.mask(sc, tm, s);
            let root = s.parent == NO_PARENT && s.group == 0;
            agg.add(s.start_ns, s.end_ns, s.flags, mask, root);
        }
        e.agg = agg;
        self.hold(rest.len() as u64);
        true
    }

    /// `spans` more spans are held waiting for a decision.
    #[inline]
    fn hold(&mut self, spans: u64) {
        self.pending_spans += spans;
        self.counters.peak_spans = self.counters.peak_spans.max(self.pending_spans);
    }

    /// Where entry `eid` is in [`Processor::waiting`] when a span arriving at
    /// `now` only joins it: it is still waiting, and neither it nor any
    /// other entry is due.
    #[inline]
    fn pending_entry(&self, now: u64, eid: u64, first_arrival: u64) -> Option<usize> {
        if now >= self.next_at
            || now >= first_arrival.saturating_add(self.wait)
            || eid == NO_ENTRY
            || eid < self.next_decide
        {
            return None;
        }
        let i = (eid - self.next_decide) as usize;
        (i < self.waiting.len()).then_some(i)
    }

    /// One span arrives at its end. `entry` is the processor's entry id
    /// for the span's trace id (updated here).
    #[inline]
    pub fn arrive(
        &mut self,
        sc: &Scenario,
        tm: &Templates,
        s: &LeanSpan,
        entry: &mut u64,
        t: TraceRef<'_>,
        rec: &mut Records,
    ) {
        if let Some(i) = self.pending_entry(s.end_ns, *entry, t.first_arrival) {
            let mask = self.preds.mask(sc, tm, s);
            let root = s.parent == NO_PARENT && s.group == 0;
            self.waiting[i]
                .agg
                .add(s.start_ns, s.end_ns, s.flags, mask, root);
            self.hold(1);
            return;
        }
        self.arrive_slow(sc, tm, s, entry, t, rec);
    }

    /// [`Processor::arrive`] in full: decisions due, late spans, caches,
    /// decided entries, new entries and eviction.
    fn arrive_slow(
        &mut self,
        sc: &Scenario,
        tm: &Templates,
        s: &LeanSpan,
        entry: &mut u64,
        t: TraceRef<'_>,
        rec: &mut Records,
    ) {
        let TraceRef {
            first_arrival,
            h,
            id,
            record,
        } = t;
        let now = s.end_ns;
        self.decide_until(now, rec);
        if now >= first_arrival.saturating_add(self.wait) {
            self.counters.late_spans += 1;
        }
        let root = s.parent == NO_PARENT && s.group == 0;
        let eid = *entry;
        // Entries before `next_decide` were decided (or evicted waiting).
        if eid != NO_ENTRY && eid < self.next_decide {
            let cached = if self.sampled_cache.get(eid) {
                Some(true)
            } else if self.non_sampled_cache.get(eid) {
                Some(false)
            } else {
                None
            };
            if let Some(keep) = cached {
                self.counters.cache_hits += 1;
                let mut one = Agg::EMPTY;
                one.add(s.start_ns, s.end_ns, s.flags, 0, root);
                rec.settle(record, self.strategy, &one, keep.then_some(1.0));
                return;
            }
        }
        if eid != NO_ENTRY && eid >= self.front_id() {
            if eid < self.next_decide {
                // Decided and still in the buffer: the span follows the
                // decision.
                if let Some(&sampled) = self.decided.get((eid - self.front_id()) as usize) {
                    let mut one = Agg::EMPTY;
                    one.add(s.start_ns, s.end_ns, s.flags, 0, root);
                    rec.settle(record, self.strategy, &one, sampled.then_some(1.0));
                }
            } else if let Some(e) = self.waiting.get_mut((eid - self.next_decide) as usize) {
                let mask = self.preds.mask(sc, tm, s);
                e.agg.add(s.start_ns, s.end_ns, s.flags, mask, root);
                self.hold(1);
            }
            return;
        }
        if self.decided.len() + self.waiting.len() >= self.cap {
            self.evict(rec);
        }
        let mut agg = Agg::EMPTY;
        agg.add(
            s.start_ns,
            s.end_ns,
            s.flags,
            self.preds.mask(sc, tm, s),
            root,
        );
        *entry = self.next_decide + self.waiting.len() as u64;
        self.waiting.push_back(Entry {
            record,
            h,
            id: *id,
            decision_at: now.saturating_add(self.wait),
            agg,
        });
        self.hold(1);
        let waiting = self.waiting.len() as u64;
        self.counters.peak_traces = self.counters.peak_traces.max(waiting);
        self.refresh_next_at();
    }

    /// Removes the oldest entry; a waiting one is lost with its spans.
    fn evict(&mut self, rec: &mut Records) {
        if self.decided.pop_front().is_some() {
            return;
        }
        if let Some(e) = self.waiting.pop_front() {
            self.next_decide += 1;
            self.pending_spans -= u64::from(e.agg.spans);
            self.counters.evicted += 1;
            self.counters.lost_spans += u64::from(e.agg.spans);
            rec.lose(e.record, self.strategy, &e.agg);
            self.refresh_next_at();
        }
    }

    /// Decides everything still waiting (the end of the stream).
    pub fn finish(&mut self, rec: &mut Records) {
        self.decide_until(u64::MAX, rec);
    }
}
