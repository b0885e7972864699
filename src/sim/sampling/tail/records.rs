//! Traces in flight through the tail processors: each remembers what every
//! processor kept so far and how many of its spans still have an unknown
//! fate; when all processors are done with it, its outcomes are tallied and
//! the slot is reused. Memory is bounded by the traces in flight. Each
//! trace also remembers which Collector replicas its spans reached, and each
//! strategy whether its decisions on the trace's parts disagreed.

use crate::sim::sampling::outcome::{Facts, Outcome, Tally};
use crate::sim::sampling::tail::policy::Agg;

#[derive(Debug, Clone, Copy)]
struct Acc {
    unknown: u32,
    out: Outcome,
    weighted: bool,
    /// Some part was decided "sampled".
    sampled: bool,
    /// Some part was decided "not sampled".
    dropped: bool,
}

/// The slab of in-flight traces and the tail strategies' tallies.
pub struct Records {
    k: usize,
    facts: Vec<Facts>,
    acc: Vec<Acc>,
    open: Vec<u32>,
    free: Vec<u32>,
    /// Replicas each trace's spans reached, one bit per replica.
    replicas: Vec<u64>,
    pub(crate) tallies: Vec<Tally>,
    /// Traces whose spans reached more than one replica.
    pub(crate) split: u64,
    /// Per strategy: traces some of whose parts were decided "sampled" and
    /// others "not sampled" (by different replicas, or anew after the
    /// decision was forgotten).
    pub(crate) disagreeing: Vec<u64>,
}

impl Records {
    /// Records for `k` tail strategies.
    pub fn new(k: usize) -> Records {
        Records {
            k,
            facts: Vec::new(),
            acc: Vec::new(),
            open: Vec::new(),
            free: Vec::new(),
            replicas: Vec::new(),
            tallies: vec![Tally::default(); k],
            split: 0,
            disagreeing: vec![0; k],
        }
    }

    /// A slot for a new trace.
    pub fn alloc(&mut self, f: Facts) -> u32 {
        let acc = Acc {
            unknown: f.spans,
            out: Outcome::new(1.0),
            weighted: false,
            sampled: false,
            dropped: false,
        };
        let k = self.k;
        if let Some(slot) = self.free.pop() {
            let i = slot as usize;
            self.facts[i] = f;
            self.open[i] = k as u32;
            self.replicas[i] = 0;
            self.acc[i * k..(i + 1) * k].fill(acc);
            return slot;
        }
        self.facts.push(f);
        self.open.push(k as u32);
        self.replicas.push(0);
        self.acc.extend(std::iter::repeat_n(acc, k));
        self.facts.len() as u32 - 1
    }

    /// A span of trace `slot` goes to replica `r` (below 64).
    pub fn route(&mut self, slot: u32, r: usize) {
        self.replicas[slot as usize] |= 1 << r;
    }

    /// Spans of trace `slot` were evicted under strategy `j` before a decision.
    pub fn lose(&mut self, slot: u32, j: usize, part: &Agg) {
        self.acc[slot as usize * self.k + j].out.lost = true;
        self.account(slot, j, part, None);
    }

    /// The fate of `part` (spans of trace `slot`) under strategy `j` is
    /// known: decided kept with adjusted count `kept`, or decided dropped.
    pub fn settle(&mut self, slot: u32, j: usize, part: &Agg, kept: Option<f64>) {
        let a = &mut self.acc[slot as usize * self.k + j];
        a.sampled |= kept.is_some();
        a.dropped |= kept.is_none();
        self.account(slot, j, part, kept);
    }

    fn account(&mut self, slot: u32, j: usize, part: &Agg, kept: Option<f64>) {
        let i = slot as usize;
        let a = &mut self.acc[i * self.k + j];
        if let Some(w) = kept {
            let o = &mut a.out;
            o.kept += part.spans;
            o.kept_errors += part.errors;
            o.root_kept |= part.root;
            o.min_start = o.min_start.min(part.min_start);
            o.max_end = o.max_end.max(part.max_end);
            if !a.weighted {
                o.weight = w;
                a.weighted = true;
            }
        }
        let before = a.unknown;
        a.unknown = a.unknown.saturating_sub(part.spans);
        if before > 0 && a.unknown == 0 {
            self.open[i] -= 1;
            if self.open[i] == 0 {
                let f = self.facts[i];
                for jj in 0..self.k {
                    let a = self.acc[i * self.k + jj];
                    self.tallies[jj].record(&f, &a.out);
                    self.disagreeing[jj] += u64::from(a.sampled && a.dropped);
                }
                self.split += u64::from(self.replicas[i].count_ones() > 1);
                self.free.push(slot);
            }
        }
    }

    /// Traces not yet tallied (0 once the stream is finished).
    pub fn in_flight(&self) -> usize {
        self.facts.len() - self.free.len()
    }
}
