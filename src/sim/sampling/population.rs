//! A streamed population of traces for the sampling lab.
//!
//! Trace `i` of a population with seed `s` is the trace
//! `generate(scenario, trace_seed(s, i))` (same ids, relative timings, errors
//! and codes), started at its arrival time: arrivals follow a Poisson
//! process at the population's rate. Each trace is produced into a reused
//! [`LeanTrace`], so memory does not grow with the population.

mod lean;
pub mod parallel;
pub mod stored;
pub mod templates;

use crate::sim::generate::{EPOCH_NS, GeneratorVersion};
use crate::sim::random::math;
use crate::sim::random::rng::{SimRng, fnv1a, splitmix64};
use crate::sim::scenario::topology::Scenario;
pub use templates::{Role, Template, Templates};

/// `LeanSpan::parent` of a span without a parent in its trace id.
pub const NO_PARENT: u32 = u32::MAX;
/// `LeanSpan::code` when the span carries no status code attribute.
pub const NO_CODE: u16 = u16::MAX;

/// Bits of [`LeanSpan::flags`].
pub mod flags {
    /// The span's status is ERROR.
    pub const ERROR: u8 = 1;
    /// The span was cut off by its caller's deadline (`error.type=timeout`).
    pub const TIMEOUT: u8 = 2;
    /// The operation failed by itself (not because of a dependency).
    pub const OWN: u8 = 4;
    /// The span was received, not generated: every attribute is its
    /// template's, as received, and none is derived from `code`, `attempt`
    /// or the other flags (see [`stored`](super::stored)).
    pub const LITERAL: u8 = 8;
    /// The span's status is OK (set explicitly; received spans only).
    pub const OK: u8 = 16;
}

/// One span as sampling sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeanSpan {
    /// Span id as a big-endian integer (the generated span id's bytes).
    pub span_id: u64,
    /// Start, nanoseconds on the population clock.
    pub start_ns: u64,
    /// End, nanoseconds on the population clock.
    pub end_ns: u64,
    /// Index of the parent in [`LeanTrace::spans`], or [`NO_PARENT`].
    pub parent: u32,
    /// Index into [`Templates::list`].
    pub template: u32,
    /// Index into [`LeanTrace::trace_ids`].
    pub group: u32,
    /// Scenario index of the emitting service.
    pub service: u32,
    /// HTTP status or gRPC code, [`NO_CODE`] when absent.
    pub code: u16,
    /// [`flags`] bits.
    pub flags: u8,
    /// `retry.attempt` (0 when the call has no retries).
    pub attempt: u8,
}

impl LeanSpan {
    /// True when the span's status is ERROR.
    pub fn is_error(&self) -> bool {
        self.flags & flags::ERROR != 0
    }
}

/// One trace of a population, overwritten by [`Population::next_into`].
#[derive(Debug, Clone, Default)]
pub struct LeanTrace {
    /// Position in the population (0-based).
    pub index: u64,
    /// The seed that reopens this trace with `generate`.
    pub seed: u64,
    /// Arrival (root start), nanoseconds on the population clock.
    pub start_ns: u64,
    /// Trace ids: more than one when a service lost the inbound context.
    pub trace_ids: Vec<[u8; 16]>,
    /// Spans in generation order; the root is span 0.
    pub spans: Vec<LeanSpan>,
}

impl LeanTrace {
    /// Earliest start to latest end, over all spans.
    pub fn duration_ns(&self) -> u64 {
        let start = self.spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
        let end = self.spans.iter().map(|s| s.end_ns).max().unwrap_or(0);
        end.saturating_sub(start)
    }

    /// True when some span failed.
    pub fn has_error(&self) -> bool {
        self.spans.iter().any(LeanSpan::is_error)
    }
}

/// The seed of trace `index` in a population with seed `population_seed`:
/// `generate(scenario, trace_seed(s, i))` reopens that trace.
pub fn trace_seed(population_seed: u64, index: u64) -> u64 {
    let mut state = population_seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03);
    let a = splitmix64(&mut state);
    a ^ splitmix64(&mut state).rotate_left(17)
}

/// Generates the lean form of `generate(scenario, seed)` (drawn as
/// generator `version` draws) into `out`, shifted so that the root starts
/// at `start_ns`.
pub fn lean_trace(
    sc: &Scenario,
    tm: &Templates,
    (seed, version): (u64, GeneratorVersion),
    start_ns: u64,
    out: &mut LeanTrace,
) {
    out.seed = seed;
    out.start_ns = start_ns;
    out.spans.clear();
    out.trace_ids.clear();
    let mut rng = SimRng::with_version(seed, tm.stream, version);
    // The draw `generate` uses for its start time; the population clock
    // replaces it, but it must be consumed to keep the stream aligned.
    let _ = rng.below(365 * 86_400 * 1000);
    let mut g = lean::Lean {
        sc,
        tm,
        rng,
        spans: &mut out.spans,
        trace_ids: &mut out.trace_ids,
    };
    g.run(start_ns);
    // Clock skew, as `generate` applies it: every timestamp a service records.
    if tm.skewed {
        for s in out.spans.iter_mut() {
            let offset = sc.services[s.service as usize].clock_offset_ns;
            s.start_ns = crate::sim::generate::shift(s.start_ns, offset);
            s.end_ns = crate::sim::generate::shift(s.end_ns, offset);
        }
    }
}

/// The random source of a population's arrival times.
fn arrivals(seed: u64, version: GeneratorVersion) -> SimRng {
    SimRng::with_version(seed, fnv1a(b"spandojo-lab-arrivals"), version)
}

/// A population: `traces` traces of one scenario arriving at `rate_per_sec`.
pub struct Population<'a> {
    sc: &'a Scenario,
    templates: Templates,
    seed: u64,
    rate_per_sec: f64,
    traces: u64,
    next: u64,
    clock_ns: f64,
    arrivals: SimRng,
    version: GeneratorVersion,
}

impl<'a> Population<'a> {
    /// A population of `traces` traces; `rate_per_sec` must be positive.
    pub fn new(sc: &'a Scenario, seed: u64, rate_per_sec: f64, traces: u64) -> Population<'a> {
        Population {
            templates: Templates::new(sc),
            sc,
            seed,
            rate_per_sec: if rate_per_sec > 0.0 {
                rate_per_sec
            } else {
                1.0
            },
            traces,
            next: 0,
            clock_ns: 0.0,
            arrivals: arrivals(seed, GeneratorVersion::CURRENT),
            version: GeneratorVersion::CURRENT,
        }
    }

    /// The same population drawn as generator `version` draws.
    pub fn with_version(mut self, version: GeneratorVersion) -> Population<'a> {
        self.version = version;
        self.arrivals = arrivals(self.seed, version);
        self
    }

    /// Traces not yet produced.
    pub fn remaining(&self) -> u64 {
        self.traces - self.next
    }

    /// Moves past the next `n` traces without generating them (their
    /// arrival times are still drawn, so later traces arrive as they would).
    pub fn skip(&mut self, n: u64) {
        for _ in 0..n.min(self.remaining()) {
            self.next_arrival();
            self.next += 1;
        }
    }

    /// Draws the next exponential inter-arrival time E / rate, E a standard
    /// exponential: −ln(1 − U) up to generator version 2; from version 3
    /// (Z₁² + Z₂²)/2 of two standard normals, which is exactly exponential
    /// (a χ² with two degrees of freedom, halved) and cheaper than a
    /// logarithm with the ziggurat.
    fn next_arrival(&mut self) -> u64 {
        let e = if self.version >= GeneratorVersion::V3 {
            let (a, b) = (self.arrivals.normal(), self.arrivals.normal());
            0.5 * (a * a + b * b)
        } else {
            -math::ln(1.0 - self.arrivals.f64())
        };
        self.clock_ns += e / self.rate_per_sec * 1e9;
        EPOCH_NS + self.clock_ns as u64
    }

    /// The scenario's span templates.
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// The scenario.
    pub fn scenario(&self) -> &'a Scenario {
        self.sc
    }

    /// Writes the next trace into `out`; false when the population is done.
    pub fn next_into(&mut self, out: &mut LeanTrace) -> bool {
        if self.next >= self.traces {
            return false;
        }
        let start = self.next_arrival();
        let index = self.next;
        self.next += 1;
        out.index = index;
        lean_trace(
            self.sc,
            &self.templates,
            (trace_seed(self.seed, index), self.version),
            start,
            out,
        );
        true
    }
}

#[cfg(test)]
mod tests;
