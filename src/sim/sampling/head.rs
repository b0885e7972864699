//! Head samplers: decided when a root span starts and carried to children
//! in the sampled flag, except `alone`, where every span decides by itself,
//! and composite samplers, which ask their composable sampler span by span
//! (see [`composite`](crate::sim::sampling::composite)).

use crate::sim::random::rng::splitmix64;
use crate::sim::sampling::composite::{CompositeSampler, SpanState, fixed_threshold};
use crate::sim::sampling::consistent;
use crate::sim::sampling::outcome::Outcome;
use crate::sim::sampling::population::{LeanTrace, Templates};
use crate::sim::sampling::spec::{HeadSpec, RootSampler};
use crate::sim::scenario::topology::Scenario;

/// How one trace id's root decides.
#[derive(Debug, Clone, Copy)]
enum Root {
    Always(bool),
    /// TraceIdRatioBased: the trace id's last 8 bytes, shifted right by one,
    /// below p·2^63 (the Go SDK's rule).
    Ratio {
        bound: u64,
    },
    /// Consistent (ProbabilitySampler): randomness ≥ threshold.
    Consistent {
        t: u64,
    },
}

/// A compiled head sampler.
#[derive(Debug, Clone)]
pub struct HeadSampler {
    root: Root,
    /// `Some(p)` for `alone`: each span keeps itself with probability p.
    alone: Option<u64>,
    /// A composite sampler decides span by span.
    composite: Option<CompositeSampler>,
    /// Adjusted count of a kept trace (1/p), when it is one number.
    weight: Option<f64>,
    /// `ot=th:…` written into `tracestate` (consistent sampling only).
    pub tracestate: Option<String>,
}

/// Buffers [`HeadSampler::evaluate`] reuses from trace to trace.
#[derive(Debug, Default)]
pub struct Scratch {
    groups: Vec<bool>,
    states: Vec<SpanState>,
}

fn ratio_bound(p: f64) -> u64 {
    if p >= 1.0 {
        1 << 63
    } else {
        (p * (1u64 << 63) as f64) as u64
    }
}

fn weight(p: f64) -> f64 {
    if p > 0.0 { 1.0 / p } else { 1.0 }
}

fn consistent_root(p: f64) -> (Root, f64, Option<String>) {
    let t = consistent::threshold(p, consistent::DEFAULT_PRECISION);
    (
        Root::Consistent { t },
        consistent::adjusted_count(t),
        Some(format!("ot=th:{}", consistent::th_value(t))),
    )
}

impl HeadSampler {
    /// Compiles a head spec; composite rules are resolved against the
    /// scenario's span templates.
    pub fn new(spec: &HeadSpec, sc: &Scenario, tm: &Templates) -> HeadSampler {
        let root_of = |r: &RootSampler| match *r {
            RootSampler::AlwaysOn => (Root::Always(true), 1.0, None),
            RootSampler::AlwaysOff => (Root::Always(false), 1.0, None),
            RootSampler::Ratio(p) => (
                Root::Ratio {
                    bound: ratio_bound(p),
                },
                weight(p),
                None,
            ),
            RootSampler::Consistent(p) | RootSampler::Probability(p) => consistent_root(p),
        };
        let (root, weight, tracestate, alone) = match spec {
            HeadSpec::AlwaysOn => (Root::Always(true), 1.0, None, None),
            HeadSpec::AlwaysOff => (Root::Always(false), 1.0, None, None),
            HeadSpec::Ratio(p) => {
                let (r, w, ts) = root_of(&RootSampler::Ratio(*p));
                (r, w, ts, None)
            }
            HeadSpec::ParentBased(r) => {
                let (r, w, ts) = root_of(r);
                (r, w, ts, None)
            }
            HeadSpec::Consistent(p) | HeadSpec::Probability(p) => {
                let (r, w, ts) = consistent_root(*p);
                (r, w, ts, None)
            }
            HeadSpec::Composite(c) => {
                let t = fixed_threshold(c);
                return HeadSampler {
                    root: Root::Always(true),
                    alone: None,
                    composite: Some(CompositeSampler::new(c, sc, tm)),
                    weight: t.map(consistent::adjusted_count),
                    tracestate: t.map(|t| format!("ot=th:{}", consistent::th_value(t))),
                };
            }
            HeadSpec::Alone(p) => {
                let bound = if *p >= 1.0 {
                    u64::MAX
                } else {
                    (p * 18_446_744_073_709_551_616.0) as u64
                };
                (Root::Always(true), weight(*p), None, Some(bound))
            }
        };
        HeadSampler {
            root,
            alone,
            composite: None,
            weight: Some(weight),
            tracestate,
        }
    }

    /// Adjusted count of a kept trace (1/p; 1 for always_on), when every
    /// kept trace has the same one.
    pub fn weight(&self) -> Option<f64> {
        self.weight
    }

    /// The decision of a root span with this trace id.
    pub fn root_keeps(&self, trace_id: &[u8; 16]) -> bool {
        match self.root {
            Root::Always(b) => b,
            Root::Ratio { bound } => {
                let mut low = [0u8; 8];
                low.copy_from_slice(&trace_id[8..]);
                (u64::from_be_bytes(low) >> 1) < bound
            }
            Root::Consistent { t } => consistent::keeps(trace_id, t),
        }
    }

    /// The decision of a span that ignores its parent (`alone`).
    fn span_keeps(bound: u64, span_id: u64) -> bool {
        let mut x = span_id ^ 0x5bd1_e995_7f4a_7c15;
        let h = splitmix64(&mut x);
        bound == u64::MAX || h < bound
    }

    /// Runs the sampler over a trace.
    pub fn evaluate(&self, trace: &LeanTrace, scratch: &mut Scratch) -> Outcome {
        if let Some(c) = &self.composite {
            let states = &mut scratch.states;
            c.decide(&trace.trace_ids, &trace.spans, states);
            // The trace's adjusted count is its root's.
            let w = states
                .first()
                .and_then(|s| s.th)
                .map_or(1.0, consistent::adjusted_count);
            let mut o = Outcome::new(w);
            for (i, (s, st)) in trace.spans.iter().zip(states.iter()).enumerate() {
                if st.sampled {
                    o.keep(s, i == 0);
                }
            }
            return o;
        }
        let mut o = Outcome::new(self.weight.unwrap_or(1.0));
        if let Some(bound) = self.alone {
            for (i, s) in trace.spans.iter().enumerate() {
                if Self::span_keeps(bound, s.span_id) {
                    o.keep(s, i == 0);
                }
            }
            return o;
        }
        let groups = &mut scratch.groups;
        groups.clear();
        groups.extend(trace.trace_ids.iter().map(|id| self.root_keeps(id)));
        for (i, s) in trace.spans.iter().enumerate() {
            if groups[s.group as usize] {
                o.keep(s, i == 0);
            }
        }
        o
    }
}
