//! Spans in flight to the collector: each trace id's spans, sorted by their
//! arrival (the span's end), merged across traces with a min-heap of one
//! cursor per trace id, and fed to every tail processor in arrival order.
//! Memory holds only the traces still arriving or awaiting a decision.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use crate::sim::sampling::outcome::Facts;
use crate::sim::sampling::population::{LeanSpan, LeanTrace, Templates};
use crate::sim::sampling::spec::TailSpec;
use crate::sim::sampling::tail::policy::{DEFAULT_HASH_SALT, salted_hash};
use crate::sim::sampling::tail::processor::{NO_ENTRY, Processor};
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
    /// In-flight traces and the tail strategies' tallies.
    pub records: Records,
    /// One processor per tail strategy.
    pub procs: Vec<Processor>,
}

impl<'a> Flight<'a> {
    /// Processors for `specs`; `bytes_per_span` sizes traces for `bytes_limiting`.
    pub fn new(
        sc: &'a Scenario,
        tm: &'a Templates,
        specs: &[&TailSpec],
        bytes_per_span: u64,
    ) -> Flight<'a> {
        Flight {
            sc,
            tm,
            heap: BinaryHeap::new(),
            groups: Vec::new(),
            free: Vec::new(),
            entries: Vec::new(),
            slot_buf: Vec::new(),
            records: Records::new(specs.len()),
            procs: specs
                .iter()
                .map(|s| Processor::new(sc, tm, s, bytes_per_span))
                .collect(),
        }
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
            self.groups[slot].h = salted_hash(DEFAULT_HASH_SALT.as_bytes(), id);
            self.groups[slot].id = *id;
            slots.push(slot);
        }
        if let [only] = slots[..] {
            self.groups[only].spans.extend_from_slice(&trace.spans);
        } else {
            for s in &trace.spans {
                if let Some(&slot) = slots.get(s.group as usize) {
                    self.groups[slot].spans.push(*s);
                }
            }
        }
        for &slot in &slots {
            let g = &mut self.groups[slot];
            g.spans.sort_unstable_by_key(|s| (s.end_ns, s.span_id));
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

    /// Delivers every span arriving before `limit`, in arrival order.
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
            ..
        } = self;
        while let Some(mut top) = heap.peek_mut() {
            let Reverse((t, slot)) = *top;
            if t >= limit {
                break;
            }
            let slot = slot as usize;
            let g = &mut groups[slot];
            let s = g.spans[g.next];
            g.next += 1;
            for (j, p) in procs.iter_mut().enumerate() {
                let e = &mut entries[slot * k + j];
                p.arrive(
                    sc,
                    tm,
                    &s,
                    e,
                    g.first,
                    (g.h, &g.id),
                    g.record,
                    t,
                    records,
                    j,
                );
            }
            match g.spans.get(g.next) {
                Some(n) => *top = Reverse((n.end_ns, slot as u32)),
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
        for (j, p) in self.procs.iter_mut().enumerate() {
            p.finish(&mut self.records, j);
        }
        debug_assert_eq!(self.records.in_flight(), 0);
    }
}
