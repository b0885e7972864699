//! What one strategy kept of one trace, and the per-strategy tallies.

use crate::sim::sampling::histogram::Histogram;
use crate::sim::sampling::population::LeanSpan;

/// How many examples of each kind a strategy remembers.
pub const EXAMPLES: usize = 3;

/// The kept part of one trace under one strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Spans kept.
    pub kept: u32,
    /// Error spans kept.
    pub kept_errors: u32,
    /// The trace's root span was kept.
    pub root_kept: bool,
    /// Earliest start of a kept span.
    pub min_start: u64,
    /// Latest end of a kept span.
    pub max_end: u64,
    /// Adjusted count (1 / inclusion probability) of the kept trace.
    pub weight: f64,
    /// Some spans were lost from a full tail-sampling buffer.
    pub lost: bool,
}

impl Outcome {
    /// Nothing kept yet; `weight` applies if something is.
    pub fn new(weight: f64) -> Outcome {
        Outcome {
            kept: 0,
            kept_errors: 0,
            root_kept: false,
            min_start: u64::MAX,
            max_end: 0,
            weight,
            lost: false,
        }
    }

    /// Records one kept span.
    pub fn keep(&mut self, s: &LeanSpan, root: bool) {
        self.kept += 1;
        self.kept_errors += u32::from(s.is_error());
        self.root_kept |= root;
        self.min_start = self.min_start.min(s.start_ns);
        self.max_end = self.max_end.max(s.end_ns);
    }

    /// Duration of the trace as the backend sees it (kept spans only).
    pub fn observed_ns(&self) -> u64 {
        self.max_end.saturating_sub(self.min_start)
    }
}

/// What is known about a trace regardless of sampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Position in the population.
    pub index: u64,
    /// Seed that reopens it in the viewer.
    pub seed: u64,
    /// Spans in the trace.
    pub spans: u32,
    /// Some span failed.
    pub error: bool,
    /// Longer than the SLO.
    pub slow: bool,
}

/// A trace the lab can link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Example {
    /// Position in the population.
    pub index: u64,
    /// Seed for `/sim/{scenario}/{seed}`.
    pub seed: u64,
    /// It had an error.
    pub error: bool,
    /// It was slower than the SLO.
    pub slow: bool,
}

/// Running tallies of one strategy (see `report::StrategyReport`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub(crate) traces_kept: u64,
    pub(crate) spans_kept: u64,
    pub(crate) complete: u64,
    pub(crate) broken: u64,
    pub(crate) error_kept: u64,
    pub(crate) slow_kept: u64,
    pub(crate) lost: u64,
    /// Observed durations of kept traces, one count each.
    pub(crate) raw: Histogram,
    /// The same, weighted by adjusted count.
    pub(crate) weighted: Histogram,
    pub(crate) kept_examples: Vec<Example>,
    pub(crate) dropped_examples: Vec<Example>,
    pub(crate) broken_examples: Vec<Example>,
}

impl Tally {
    /// Adds one trace's outcome.
    pub(crate) fn record(&mut self, f: &Facts, o: &Outcome) {
        let ex = Example {
            index: f.index,
            seed: f.seed,
            error: f.error,
            slow: f.slow,
        };
        self.lost += u64::from(o.lost);
        if o.kept == 0 {
            push_example(&mut self.dropped_examples, ex);
            return;
        }
        self.traces_kept += 1;
        self.spans_kept += u64::from(o.kept);
        if o.kept >= f.spans {
            self.complete += 1;
            push_example(&mut self.kept_examples, ex);
        } else {
            self.broken += 1;
            push_example(&mut self.broken_examples, ex);
        }
        if o.kept_errors > 0 {
            self.error_kept += 1;
        }
        if f.slow && o.root_kept {
            self.slow_kept += 1;
        }
        let d = o.observed_ns();
        self.raw.add(d, 1.0);
        self.weighted.add(d, o.weight);
    }
}

/// Keeps the first examples, preferring error and slow traces once there
/// are enough plain ones.
fn push_example(list: &mut Vec<Example>, ex: Example) {
    if list.len() < EXAMPLES {
        list.push(ex);
    } else if (ex.error || ex.slow) && !list.iter().any(|e| e.error || e.slow) {
        list[EXAMPLES - 1] = ex;
    }
}
