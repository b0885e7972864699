//! The results of a lab run, per strategy, ready for a table or JSON.

use serde::Serialize;

use crate::sim::sampling::histogram::Histogram;
use crate::sim::sampling::outcome::{Example, Tally};
use crate::sim::sampling::pipeline::Pipeline;
use crate::sim::sampling::tail::processor::Counters;

/// Everything a lab run found.
#[derive(Debug, Clone, Serialize)]
pub struct LabReport {
    /// Scenario name.
    pub scenario: String,
    /// Traces in the population.
    pub traces: u64,
    /// Spans in the population.
    pub spans: u64,
    /// Population seed.
    pub seed: u64,
    /// Generator version that drew the population.
    pub generator: u32,
    /// Arrival rate, traces per second.
    pub rate_per_sec: f64,
    /// A trace slower than this is slow.
    pub slo_ms: f64,
    /// Storage size assumed per span.
    pub bytes_per_span: u64,
    /// Traces with an error span.
    pub error_traces: u64,
    /// Traces slower than the SLO.
    pub slow_traces: u64,
    /// Traces split into several trace ids (a service lost the context).
    pub split_traces: u64,
    /// The Collector tier the tail strategies ran on.
    pub pipeline: Pipeline,
    /// Traces whose spans the load balancer sent to more than one replica
    /// (0 without a tail strategy, which is where routing happens).
    pub routed_apart_traces: u64,
    /// True median trace duration.
    pub true_p50_ms: f64,
    /// True 95th percentile.
    pub true_p95_ms: f64,
    /// True 99th percentile.
    pub true_p99_ms: f64,
    /// One entry per strategy, in the order given.
    pub strategies: Vec<StrategyReport>,
}

/// What one strategy kept.
#[derive(Debug, Clone, Serialize)]
pub struct StrategyReport {
    /// The spec as written.
    pub name: String,
    /// `head` or `tail`.
    pub kind: &'static str,
    /// Traces with at least one kept span.
    pub traces_kept: u64,
    /// Spans kept.
    pub spans_kept: u64,
    /// Spans kept × bytes per span.
    pub bytes_kept: u64,
    /// Percentage of traces kept.
    pub traces_kept_pct: f64,
    /// Percentage of spans kept.
    pub spans_kept_pct: f64,
    /// Error traces with at least one kept error span.
    pub error_traces_kept: u64,
    /// Error traces in the population.
    pub error_traces_total: u64,
    /// Slow traces whose root span was kept.
    pub slow_traces_kept: u64,
    /// Slow traces in the population.
    pub slow_traces_total: u64,
    /// Traces kept whole.
    pub complete_traces: u64,
    /// Traces kept in part (some spans dropped): with several replicas,
    /// the partly kept traces.
    pub broken_traces: u64,
    /// Traces some of whose spans were decided "sampled" and others "not
    /// sampled" (tail: by different replicas, or anew after a decision was
    /// forgotten).
    pub disagreeing_traces: Option<u64>,
    /// Spans that reached the collector after their trace's decision time.
    pub late_spans: u64,
    /// Traces with spans evicted from the buffer before a decision (tail).
    pub lost_traces: u64,
    /// Spans evicted before a decision (tail).
    pub lost_spans: u64,
    /// Buffer entries evicted before a decision (tail).
    pub evicted_entries: u64,
    /// Spans of decided traces answered by a decision cache (tail only).
    pub cache_hits: u64,
    /// Median duration of kept traces (as the backend sees them).
    pub p50_ms: Option<f64>,
    /// 95th percentile of kept traces.
    pub p95_ms: Option<f64>,
    /// 99th percentile of kept traces.
    pub p99_ms: Option<f64>,
    /// Median weighted by adjusted count.
    pub p50_weighted_ms: Option<f64>,
    /// 95th percentile weighted by adjusted count.
    pub p95_weighted_ms: Option<f64>,
    /// 99th percentile weighted by adjusted count.
    pub p99_weighted_ms: Option<f64>,
    /// True median.
    pub true_p50_ms: f64,
    /// True 95th percentile.
    pub true_p95_ms: f64,
    /// True 99th percentile.
    pub true_p99_ms: f64,
    /// Most traces awaiting a decision at once (tail).
    pub peak_buffered_traces: Option<u64>,
    /// Most spans held at once (tail).
    pub peak_buffered_spans: Option<u64>,
    /// `decision_wait` (tail).
    pub decision_wait_ms: Option<f64>,
    /// `num_traces` (tail).
    pub num_traces: Option<usize>,
    /// `tracestate` written by the sampler (consistent probability).
    pub tracestate: Option<String>,
    /// Adjusted count of a kept trace, when it is a single number.
    pub adjusted_count: Option<f64>,
    /// Traces kept whole.
    pub kept_examples: Vec<Example>,
    /// Traces dropped entirely.
    pub dropped_examples: Vec<Example>,
    /// Traces kept in part.
    pub broken_examples: Vec<Example>,
}

/// Milliseconds of a quantile.
pub(crate) fn q_ms(h: &Histogram, q: f64) -> Option<f64> {
    h.quantile(q).map(|ns| round3(ns as f64 / 1e6))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub(crate) fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        round3(part as f64 * 100.0 / whole as f64)
    }
}

/// Population-wide numbers a strategy report needs.
pub(crate) struct Totals {
    pub traces: u64,
    pub spans: u64,
    pub errors: u64,
    pub slow: u64,
    pub bytes_per_span: u64,
    pub truth: [f64; 3],
}

/// Builds a strategy's report from its tallies.
pub(crate) fn strategy_report(
    name: &str,
    kind: &'static str,
    t: &Tally,
    totals: &Totals,
    tail: Option<(&Counters, u64, usize)>,
) -> StrategyReport {
    StrategyReport {
        name: name.to_string(),
        kind,
        traces_kept: t.traces_kept,
        spans_kept: t.spans_kept,
        bytes_kept: t.spans_kept.saturating_mul(totals.bytes_per_span),
        traces_kept_pct: pct(t.traces_kept, totals.traces),
        spans_kept_pct: pct(t.spans_kept, totals.spans),
        error_traces_kept: t.error_kept,
        error_traces_total: totals.errors,
        slow_traces_kept: t.slow_kept,
        slow_traces_total: totals.slow,
        complete_traces: t.complete,
        broken_traces: t.broken,
        disagreeing_traces: None,
        late_spans: tail.map_or(0, |c| c.0.late_spans),
        lost_traces: t.lost,
        lost_spans: tail.map_or(0, |c| c.0.lost_spans),
        evicted_entries: tail.map_or(0, |c| c.0.evicted),
        cache_hits: tail.map_or(0, |c| c.0.cache_hits),
        p50_ms: q_ms(&t.raw, 0.5),
        p95_ms: q_ms(&t.raw, 0.95),
        p99_ms: q_ms(&t.raw, 0.99),
        p50_weighted_ms: q_ms(&t.weighted, 0.5),
        p95_weighted_ms: q_ms(&t.weighted, 0.95),
        p99_weighted_ms: q_ms(&t.weighted, 0.99),
        true_p50_ms: totals.truth[0],
        true_p95_ms: totals.truth[1],
        true_p99_ms: totals.truth[2],
        peak_buffered_traces: tail.map(|c| c.0.peak_traces),
        peak_buffered_spans: tail.map(|c| c.0.peak_spans),
        decision_wait_ms: tail.map(|c| c.1 as f64 / 1e6),
        num_traces: tail.map(|c| c.2),
        tracestate: None,
        adjusted_count: None,
        kept_examples: t.kept_examples.clone(),
        dropped_examples: t.dropped_examples.clone(),
        broken_examples: t.broken_examples.clone(),
    }
}

/// `1234567` → `1,234,567`: counts as the lab's table and notes write them.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` grouped by [`thousands`] with the noun in the number it needs:
/// "1 span", "1,500 spans".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod count_tests {
    use super::{counted, thousands};

    #[test]
    fn counts_are_grouped_and_nouns_agree() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(5_503), "5,503");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(11_015_024), "11,015,024");
        assert_eq!(counted(1, "span", "spans"), "1 span");
        assert_eq!(counted(0, "span", "spans"), "0 spans");
        assert_eq!(counted(5_503, "span", "spans"), "5,503 spans");
    }
}
