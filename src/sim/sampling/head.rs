//! Head samplers: decided when a root span starts and carried to children
//! in the sampled flag, except `alone`, where every span decides by itself.

use crate::sim::random::rng::splitmix64;
use crate::sim::sampling::consistent;
use crate::sim::sampling::outcome::Outcome;
use crate::sim::sampling::population::LeanTrace;
use crate::sim::sampling::spec::{HeadSpec, RootSampler};

/// How one trace id's root decides.
#[derive(Debug, Clone, Copy)]
enum Root {
    Always(bool),
    /// TraceIdRatioBased: the trace id's last 8 bytes, shifted right by one,
    /// below p·2^63 (the Go SDK's rule).
    Ratio {
        bound: u64,
    },
    /// Consistent: randomness ≥ threshold.
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
    /// Adjusted count of a kept trace (1/p).
    weight: f64,
    /// `ot=th:…` written into `tracestate` (consistent sampling only).
    pub tracestate: Option<String>,
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

impl HeadSampler {
    /// Compiles a head spec.
    pub fn new(spec: &HeadSpec) -> HeadSampler {
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
            RootSampler::Consistent(p) => {
                let t = consistent::threshold(p, consistent::DEFAULT_PRECISION);
                (
                    Root::Consistent { t },
                    consistent::adjusted_count(t),
                    Some(format!("ot=th:{}", consistent::th_value(t))),
                )
            }
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
            HeadSpec::Consistent(p) => {
                let (r, w, ts) = root_of(&RootSampler::Consistent(*p));
                (r, w, ts, None)
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
            weight,
            tracestate,
        }
    }

    /// Adjusted count of a kept trace (1/p; 1 for always_on).
    pub fn weight(&self) -> f64 {
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
    pub fn evaluate(&self, trace: &LeanTrace, groups: &mut Vec<bool>) -> Outcome {
        let mut o = Outcome::new(self.weight);
        if let Some(bound) = self.alone {
            for (i, s) in trace.spans.iter().enumerate() {
                if Self::span_keeps(bound, s.span_id) {
                    o.keep(s, i == 0);
                }
            }
            return o;
        }
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
