//! Spans in flight to the collector: each trace id's spans, sorted by their
//! arrival (the span's end), merged across traces with a min-heap of one
//! cursor per trace id, and fed to every tail processor in arrival order.
//! Memory holds only the traces still arriving or awaiting a decision.
//! Behind a load balancer ([`Pipeline`]) every tail strategy runs on N
//! replicas, and each span reaches the one replica its routing chooses.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use crate::sim::sampling::outcome::Facts;
use crate::sim::sampling::pipeline::{Pipeline, Router};
use crate::sim::sampling::population::{LeanSpan, LeanTrace, Templates};
use crate::sim::sampling::spec::TailSpec;
use crate::sim::sampling::tail::policy::default_salted_hash;
use crate::sim::sampling::tail::processor::{Counters, NO_ENTRY, Processor, TraceRef};
use crate::sim::sampling::tail::records::Records;
use crate::sim::scenario::topology::Scenario;

#[derive(Debug, Default)]
struct Group {
    record: u32,
    spans: Vec<LeanSpan>,
    next: usize,
    h: u64,
    id: [u8; 16],
    first: u64,
    /// The replica of the trace id under `traceID` routing.
    replica: u32,
}

/// The tail side of a lab run.
pub struct Flight<'a> {
    sc: &'a Scenario,
    tm: &'a Templates,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    groups: Vec<Group>,
    free: Vec<u32>,
    entries: Vec<u64>,
    slot_buf: Vec<usize>,
    router: Router,
    /// Whether a processor may take the rest of a run at once (always,
    /// except in the test that compares it with span by span delivery).
    runs_at_once: bool,
    /// In-flight traces and the tail strategies' tallies.
    pub records: Records,
    /// One processor per tail strategy and replica: strategy `j`'s replica
    /// `r` is `procs[j * replicas + r]`.
    pub procs: Vec<Processor>,
}

impl<'a> Flight<'a> {
    /// Processors for `specs`, each on every replica of `pipeline`;
    /// `bytes_per_span` sizes traces for `bytes_limiting`.
    pub fn new(
        sc: &'a Scenario,
        tm: &'a Templates,
        specs: &[&TailSpec],
        bytes_per_span: u64,
        pipeline: Pipeline,
    ) -> Flight<'a> {
        let router = Router::new(sc, pipeline);
        let replicas = router.replicas();
        Flight {
            sc,
            tm,
            heap: BinaryHeap::new(),
            groups: Vec::new(),
            free: Vec::new(),
            entries: Vec::new(),
            slot_buf: Vec::new(),
            router,
            runs_at_once: true,
            records: Records::new(specs.len()),
            procs: specs
                .iter()
                .enumerate()
                .flat_map(|s| std::iter::repeat_n(s, replicas))
                .map(|(j, s)| Processor::new(sc, tm, (j, s), bytes_per_span))
                .collect(),
        }
    }

    /// The same flight delivering every span on its own, for tests that
    /// compare it with run-at-once delivery.
    #[cfg(test)]
    pub(crate) fn span_by_span(mut self) -> Self {
        self.runs_at_once = false;
        self
    }

    /// Strategy `j`'s counters summed over its replicas (peaks too: the
    /// memory the whole tier needs at most).
    pub fn counters(&self, j: usize) -> Counters {
        let n = self.router.replicas();
        let mut c = Counters::default();
        for p in &self.procs[j * n..(j + 1) * n] {
            let q = p.counters;
            c.late_spans += q.late_spans;
            c.evicted += q.evicted;
            c.lost_spans += q.lost_spans;
            c.peak_traces += q.peak_traces;
            c.peak_spans += q.peak_spans;
            c.decisions += q.decisions;
            c.cache_hits += q.cache_hits;
        }
        c
    }

    fn new_group(&mut self, record: u32) -> usize {
        let k = self.procs.len();
        let slot = match self.free.pop() {
            Some(s) => s as usize,
            None => {
                self.groups.push(Group::default());
                self.entries.extend(std::iter::repeat_n(NO_ENTRY, k));
                self.groups.len() - 1
            }
        };
        self.entries[slot * k..(slot + 1) * k].fill(NO_ENTRY);
        let g = &mut self.groups[slot];
        g.record = record;
        g.spans.clear();
        g.next = 0;
        slot
    }

    /// Adds a trace whose root starts now; call [`Flight::advance`] to its
    /// start first.
    pub fn add(&mut self, trace: &LeanTrace, facts: Facts) {
        let record = self.records.alloc(facts);
        let mut slots = std::mem::take(&mut self.slot_buf);
        slots.clear();
        for id in &trace.trace_ids {
            let slot = self.new_group(record);
            self.groups[slot].h = default_salted_hash(id);
            self.groups[slot].id = *id;
            self.groups[slot].replica = self.router.by_trace_id(id);
            slots.push(slot);
        }
        // Spans come in pre-order; reversed, they are nearly in order of
        // their ends (children end before parents), which the sort below
        // then has little to do for.
        if let [only] = slots[..] {
            self.groups[only].spans.extend(trace.spans.iter().rev());
        } else {
            for s in trace.spans.iter().rev() {
                if let Some(&slot) = slots.get(s.group as usize) {
                    self.groups[slot].spans.push(*s);
                }
            }
        }
        for &slot in &slots {
            let g = &mut self.groups[slot];
            // Arrival order: by end, then span id.
            g.spans
                .sort_unstable_by_key(|s| (u128::from(s.end_ns) << 64) | u128::from(s.span_id));
            match g.spans.first() {
                Some(s) => {
                    g.first = s.end_ns;
                    self.heap.push(Reverse((s.end_ns, slot as u32)));
                }
                None => self.free.push(slot as u32),
            }
        }
        self.slot_buf = slots;
    }

    /// Delivers every span arriving before `limit`, in arrival order
    /// (ties: the trace id added first). The group at the top of the heap
    /// delivers a run of its spans at once, up to the next group's next
    /// span, so the heap moves once per run rather than once per span.
    pub fn advance(&mut self, limit: u64) {
        let k = self.procs.len();
        let Flight {
            sc,
            tm,
            heap,
            groups,
            free,
            entries,
            records,
            procs,
            router,
            runs_at_once,
            ..
        } = self;
        let n = router.replicas();
        while let Some(&Reverse((t, slot))) = heap.peek() {
            if t >= limit {
                break;
            }
            // The run ends before the next group's next span (the smaller
            // of the top's two children), or `limit`.
            let bound = heap.as_slice()[1..]
                .iter()
                .take(2)
                .map(|&Reverse(b)| b)
                .fold((limit, 0), std::cmp::min);
            let slot = slot as usize;
            let g = &mut groups[slot];
            let from = g.next;
            let run = g.spans[from..]
                .iter()
                .take_while(|s| (s.end_ns, slot as u32) < bound)
                .count();
            g.next = from + run;
            let g = &groups[slot];
            let entries = &mut entries[slot * k..(slot + 1) * k];
            let t = TraceRef {
                first_arrival: g.first,
                h: g.h,
                id: &g.id,
                record: g.record,
            };
            // Span by span, each to every strategy in turn (behind a load
            // balancer, to the replica its routing chooses), as the
            // processors would see them. With one Collector a strategy may
            // take the rest of the run at once (`Processor::take_rest`),
            // which touches nothing shared; bit i marks processor i then.
            let spans = &g.spans[from..from + run];
            let may_take = *runs_at_once && n == 1;
            let mut taken = 0u64;
            // Every processor's bit, when each has one (0: the loop never
            // stops early).
            let all = match k {
                _ if !may_take => 0,
                64 => u64::MAX,
                k if k < 64 => (1u64 << k) - 1,
                _ => 0,
            };
            for (x, s) in spans.iter().enumerate() {
                if all != 0 && taken == all {
                    break;
                }
                let r = if n == 1 {
                    0
                } else {
                    let r = router.route(g.replica, s.service) as usize;
                    records.route(g.record, r);
                    r
                };
                // Strategy j's replica r is processor j·n + r.
                let mut i = r;
                while let (Some(p), Some(entry)) = (procs.get_mut(i), entries.get_mut(i)) {
                    let bit = 1u64.checked_shl(i as u32).unwrap_or(0);
                    if taken & bit == 0 {
                        if may_take && bit != 0 && p.take_rest(sc, tm, &spans[x..], *entry, g.first)
                        {
                            taken |= bit;
                        } else {
                            p.arrive(sc, tm, s, entry, t, records);
                        }
                    }
                    i += n;
                }
            }
            // The group moves down the heap in place, or leaves it.
            let Some(mut top) = heap.peek_mut() else {
                break;
            };
            match g.spans.get(g.next) {
                Some(next) => *top = Reverse((next.end_ns, slot as u32)),
                None => {
                    PeekMut::pop(top);
                    free.push(slot as u32);
                }
            }
        }
    }

    /// Delivers everything and lets every processor decide what is left.
    pub fn finish(&mut self) {
        self.advance(u64::MAX);
        for p in self.procs.iter_mut() {
            p.finish(&mut self.records);
        }
        debug_assert_eq!(self.records.in_flight(), 0);
    }
}
