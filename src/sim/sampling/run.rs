//! A lab run: stream the population once (or go through a fixed one of
//! existing traces), evaluate every strategy on each trace as it goes, and
//! report.

use std::ops::ControlFlow;

use crate::sim::generate::GeneratorVersion;
use crate::sim::sampling::head::{HeadSampler, Scratch};
use crate::sim::sampling::histogram::Histogram;
use crate::sim::sampling::outcome::{Facts, Tally};
use crate::sim::sampling::pipeline::Pipeline;
use crate::sim::sampling::population::parallel::{PopulationSpec, for_each_trace};
use crate::sim::sampling::population::stored::Stored;
use crate::sim::sampling::population::{LeanTrace, Population, Templates};
use crate::sim::sampling::report::{LabReport, StrategyReport, Totals, q_ms, strategy_report};
use crate::sim::sampling::spec::{Strategy, StrategyKind, TailSpec};
use crate::sim::sampling::tail::Flight;
use crate::sim::scenario::topology::Scenario;

/// Most traces in one run (the CLI's limit; the web sets a lower one).
pub const MAX_TRACES: u64 = 1_000_000;
/// Highest arrival rate, traces per second: spans in flight stay bounded.
pub const MAX_RATE: f64 = 10_000.0;
/// Most spans per second the population may offer (rate × expected spans
/// per trace): spans in flight to the tail processors stay bounded.
pub const MAX_SPAN_RATE: f64 = 500_000.0;
/// Most strategies side by side.
pub const MAX_STRATEGIES: usize = 8;
/// Longest SLO accepted, milliseconds (one hour).
pub const MAX_SLO_MS: f64 = 3_600_000.0;
/// Largest size per span accepted, bytes.
pub const MAX_BYTES_PER_SPAN: u64 = 1_000_000;

/// The population and accounting parameters of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct LabConfig {
    /// Number of traces.
    pub traces: u64,
    /// Arrival rate, traces per second.
    pub rate_per_sec: f64,
    /// Population seed.
    pub seed: u64,
    /// A trace longer than this (milliseconds) is slow.
    pub slo_ms: f64,
    /// Storage cost of one span, bytes.
    pub bytes_per_span: u64,
    /// The Collector replicas behind a load balancer that tail strategies
    /// run on (default: one Collector).
    pub pipeline: Pipeline,
}

impl LabConfig {
    /// Checks the bounds; the message says what to change.
    pub fn validate(&self) -> Result<(), String> {
        if self.traces == 0 || self.traces > MAX_TRACES {
            return Err(format!(
                "the number of traces must be between 1 and {MAX_TRACES}"
            ));
        }
        if !(self.rate_per_sec > 0.0 && self.rate_per_sec <= MAX_RATE) {
            return Err(format!(
                "the rate must be above 0 and at most {MAX_RATE} traces per second"
            ));
        }
        if !(self.slo_ms > 0.0 && self.slo_ms <= MAX_SLO_MS) {
            return Err("the SLO must be above 0 ms and at most one hour".to_string());
        }
        if self.bytes_per_span == 0 || self.bytes_per_span > MAX_BYTES_PER_SPAN {
            return Err(format!(
                "bytes per span must be between 1 and {MAX_BYTES_PER_SPAN}"
            ));
        }
        self.pipeline.validate()
    }
}

/// A default SLO: the 95th percentile of the first traces of the population
/// (up to 1,000, fewer for large traces), rounded to two significant digits.
pub fn suggest_slo_ms(sc: &Scenario, seed: u64) -> f64 {
    let n = (200_000.0 / sc.expected_spans.max(1.0)).clamp(50.0, 1_000.0) as u64;
    let mut pop = Population::new(sc, seed, sc.rate_per_sec, n);
    let mut t = LeanTrace::default();
    let mut h = Histogram::new();
    while pop.next_into(&mut t) {
        h.add(t.duration_ns(), 1.0);
    }
    round_slo(&h)
}

/// The 95th percentile of `h` (1 s when empty) in milliseconds, rounded to
/// two significant digits, within 1 ms and [`MAX_SLO_MS`].
fn round_slo(h: &Histogram) -> f64 {
    let p95 = h.quantile(0.95).unwrap_or(1_000_000_000) as f64 / 1e6;
    let magnitude = 10f64.powf(p95.max(1.0).log10().floor() - 1.0);
    ((p95 / magnitude).round() * magnitude).clamp(1.0, MAX_SLO_MS)
}

/// Runs `strategies` side by side over one population of `sc`, on the
/// calling thread. Stops early, with an error, when
/// [`crate::budget::cancelled`] says so.
pub fn run(sc: &Scenario, cfg: &LabConfig, strategies: &[Strategy]) -> Result<LabReport, String> {
    run_threads(sc, cfg, strategies, 1)
}

/// Checks the number of strategies (1 to [`MAX_STRATEGIES`]).
fn check_strategies(strategies: &[Strategy]) -> Result<(), String> {
    if strategies.is_empty() || strategies.len() > MAX_STRATEGIES {
        return Err(format!("give between 1 and {MAX_STRATEGIES} strategies"));
    }
    Ok(())
}

/// Runs `strategies` as [`run`] does, generating the population on
/// `threads` threads while the calling thread evaluates every trace in
/// population order (so the report is the same for any thread count).
/// Cancellation is checked on the calling thread, as in [`run`].
pub fn run_threads(
    sc: &Scenario,
    cfg: &LabConfig,
    strategies: &[Strategy],
    threads: usize,
) -> Result<LabReport, String> {
    cfg.validate()?;
    check_strategies(strategies)?;
    let per_trace = sc.expected_spans.max(1.0);
    if cfg.rate_per_sec * per_trace > MAX_SPAN_RATE {
        return Err(format!(
            "at {} traces per second {} would send about {:.0} spans per second; the lab \
             simulates at most {MAX_SPAN_RATE}: use a rate of at most {:.0} traces per second",
            cfg.rate_per_sec,
            sc.name,
            cfg.rate_per_sec * per_trace,
            (MAX_SPAN_RATE / per_trace).floor()
        ));
    }
    let tm = Templates::new(sc);
    let version = GeneratorVersion::CURRENT;
    let spec = PopulationSpec {
        sc,
        seed: cfg.seed,
        rate_per_sec: cfg.rate_per_sec,
        traces: cfg.traces,
        version,
    };
    let accounting = Accounting {
        slo_ms: cfg.slo_ms,
        bytes_per_span: cfg.bytes_per_span,
        pipeline: cfg.pipeline,
    };
    let mut ev = Evaluator::new(sc, &tm, strategies, &accounting);
    let flow = for_each_trace(spec, threads, |trace| {
        if crate::budget::cancelled() {
            return ControlFlow::Break(());
        }
        ev.add(trace);
        ControlFlow::Continue(())
    });
    if flow.is_break() {
        return Err("the run was stopped before it finished".into());
    }
    Ok(ev.finish(cfg.traces, cfg.seed, version.number(), cfg.rate_per_sec))
}

/// What a run over existing traces counts with (the population itself is
/// fixed): the SLO, the size of a span, and the Collector tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Accounting {
    /// A trace longer than this (milliseconds) is slow.
    pub slo_ms: f64,
    /// Storage cost of one span, bytes.
    pub bytes_per_span: u64,
    /// The Collector replicas tail strategies run on.
    pub pipeline: Pipeline,
}

impl Accounting {
    /// Checks the bounds as [`LabConfig::validate`] does.
    pub fn validate(&self) -> Result<(), String> {
        LabConfig {
            traces: 1,
            rate_per_sec: 1.0,
            seed: 0,
            slo_ms: self.slo_ms,
            bytes_per_span: self.bytes_per_span,
            pipeline: self.pipeline,
        }
        .validate()
    }
}

/// Runs `strategies` side by side over a fixed population of existing
/// traces (see [`Stored`]), in arrival order, on the calling thread. The
/// report's `scenario` is the stored scenario's name, its `seed` and
/// `generator` are 0 and its rate is the observed one. Errors when the
/// population is empty, a bound is out of range, or the run is cancelled
/// ([`crate::budget::cancelled`]).
pub fn run_stored(
    pop: &Stored,
    acc: &Accounting,
    strategies: &[Strategy],
) -> Result<LabReport, String> {
    acc.validate()?;
    check_strategies(strategies)?;
    if pop.is_empty() {
        return Err("there are no traces to sample".into());
    }
    let mut ev = Evaluator::new(&pop.scenario, &pop.templates, strategies, acc);
    for trace in &pop.traces {
        if crate::budget::cancelled() {
            return Err("the run was stopped before it finished".into());
        }
        ev.add(trace);
    }
    let traces = pop.traces.len() as u64;
    Ok(ev.finish(traces, 0, 0, pop.rate_per_sec()))
}

/// A default SLO from trace durations (nanoseconds): their 95th percentile
/// in milliseconds, rounded to two significant digits, as
/// [`suggest_slo_ms`] rounds it; 1,000 ms when there are none.
pub fn suggest_slo_from_durations(durations: impl IntoIterator<Item = u64>) -> f64 {
    let mut h = Histogram::new();
    for d in durations {
        h.add(d, 1.0);
    }
    round_slo(&h)
}

/// Every strategy evaluated on traces given one by one, in arrival order.
struct Evaluator<'a> {
    sc: &'a Scenario,
    strategies: &'a [Strategy],
    acc: Accounting,
    heads: Vec<(usize, HeadSampler, Tally)>,
    tails: Vec<(usize, &'a TailSpec)>,
    flight: Option<Flight<'a>>,
    slo_ns: u64,
    truth: Histogram,
    spans: u64,
    errors: u64,
    slow: u64,
    split: u64,
    scratch: Scratch,
}

impl<'a> Evaluator<'a> {
    fn new(
        sc: &'a Scenario,
        tm: &'a Templates,
        strategies: &'a [Strategy],
        acc: &Accounting,
    ) -> Evaluator<'a> {
        let mut heads: Vec<(usize, HeadSampler, Tally)> = Vec::new();
        let mut tails: Vec<(usize, &TailSpec)> = Vec::new();
        for (i, s) in strategies.iter().enumerate() {
            match &s.kind {
                StrategyKind::Head(h) => {
                    heads.push((i, HeadSampler::new(h, sc, tm), Tally::default()))
                }
                StrategyKind::Tail(t) => tails.push((i, t)),
            }
        }
        let tail_specs: Vec<&TailSpec> = tails.iter().map(|(_, t)| *t).collect();
        let flight = (!tails.is_empty())
            .then(|| Flight::new(sc, tm, &tail_specs, acc.bytes_per_span, acc.pipeline));
        Evaluator {
            sc,
            strategies,
            acc: acc.clone(),
            heads,
            tails,
            flight,
            slo_ns: (acc.slo_ms * 1e6) as u64,
            truth: Histogram::new(),
            spans: 0,
            errors: 0,
            slow: 0,
            split: 0,
            scratch: Scratch::default(),
        }
    }

    /// Evaluates one trace; traces must come in order of `start_ns`.
    fn add(&mut self, trace: &LeanTrace) {
        let mut start = u64::MAX;
        let mut end = 0;
        let mut error = false;
        for s in &trace.spans {
            start = start.min(s.start_ns);
            end = end.max(s.end_ns);
            error |= s.is_error();
        }
        let d = end.saturating_sub(start);
        let facts = Facts {
            index: trace.index,
            seed: trace.seed,
            spans: trace.spans.len() as u32,
            error,
            slow: d > self.slo_ns,
        };
        self.truth.add(d, 1.0);
        self.spans += trace.spans.len() as u64;
        self.errors += u64::from(error);
        self.slow += u64::from(facts.slow);
        self.split += u64::from(trace.trace_ids.len() > 1);
        for (_, h, tally) in self.heads.iter_mut() {
            let o = h.evaluate(trace, &mut self.scratch);
            tally.record(&facts, &o);
        }
        if let Some(f) = self.flight.as_mut() {
            f.advance(trace.start_ns);
            f.add(trace, facts);
        }
    }

    /// The report of `traces` traces evaluated.
    fn finish(self, traces: u64, seed: u64, generator: u32, rate_per_sec: f64) -> LabReport {
        let Evaluator {
            sc,
            strategies,
            acc,
            heads,
            tails,
            flight,
            truth,
            spans,
            errors,
            slow,
            split,
            ..
        } = self;
        let q = |x| q_ms(&truth, x).unwrap_or(0.0);
        let totals = Totals {
            traces,
            spans,
            errors,
            slow,
            bytes_per_span: acc.bytes_per_span,
            truth: [q(0.5), q(0.95), q(0.99)],
        };
        let mut out: Vec<Option<StrategyReport>> = vec![None; strategies.len()];
        for (i, h, tally) in &heads {
            let mut r = strategy_report(&strategies[*i].name, "head", tally, &totals, None);
            r.tracestate = h.tracestate.clone();
            r.adjusted_count = h.weight();
            out[*i] = Some(r);
        }
        let mut routed_apart = 0;
        if let Some(mut f) = flight {
            f.finish();
            for (j, (i, spec)) in tails.iter().enumerate() {
                let c = f.counters(j);
                let tally = &f.records.tallies[j];
                let tail = Some((&c, spec.decision_wait_ns, spec.num_traces));
                let mut r = strategy_report(&strategies[*i].name, "tail", tally, &totals, tail);
                r.disagreeing_traces = Some(f.records.disagreeing[j]);
                out[*i] = Some(r);
            }
            routed_apart = f.records.split;
        }
        LabReport {
            scenario: sc.name.clone(),
            traces,
            spans,
            seed,
            generator,
            rate_per_sec,
            slo_ms: acc.slo_ms,
            bytes_per_span: acc.bytes_per_span,
            error_traces: errors,
            slow_traces: slow,
            split_traces: split,
            pipeline: acc.pipeline,
            routed_apart_traces: routed_apart,
            true_p50_ms: totals.truth[0],
            true_p95_ms: totals.truth[1],
            true_p99_ms: totals.truth[2],
            strategies: out.into_iter().flatten().collect(),
        }
    }
}
