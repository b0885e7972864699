//! Compiled tail policies and their evaluation, following the Collector's
//! `tail_sampling` processor: `and` and `drop` stop at the first sub-policy
//! that does not sample; a `composite` lets the first sampling sub-policy
//! decide within its share of spans per second; the processor samples when
//! no policy drops and at least one samples.

use crate::sim::sampling::spec::{Policy, StatusCode};

/// What the processor knows about a buffered trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agg {
    /// Spans received.
    pub spans: u32,
    /// Spans with status ERROR.
    pub errors: u32,
    /// Earliest start.
    pub min_start: u64,
    /// Latest end.
    pub max_end: u64,
    /// Attribute predicates matched by some span (bit i = predicate i).
    pub mask: u64,
    /// The logical trace's root span is among them.
    pub root: bool,
}

impl Agg {
    /// Nothing received.
    pub const EMPTY: Agg = Agg {
        spans: 0,
        errors: 0,
        min_start: u64::MAX,
        max_end: 0,
        mask: 0,
        root: false,
    };

    /// Adds one span.
    pub fn add(&mut self, start: u64, end: u64, error: bool, mask: u64, root: bool) {
        self.spans += 1;
        self.errors += u32::from(error);
        self.min_start = self.min_start.min(start);
        self.max_end = self.max_end.max(end);
        self.mask |= mask;
        self.root |= root;
    }

    /// Whole milliseconds from the earliest start to the latest end.
    pub fn duration_ms(&self) -> u64 {
        self.max_end.saturating_sub(self.min_start) / 1_000_000
    }
}

/// A policy's vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Keep.
    Sampled,
    /// No opinion to keep.
    NotSampled,
    /// Drop, whatever the others say.
    Dropped,
}

/// A policy ready to evaluate, with its state.
#[derive(Debug, Clone)]
pub enum Compiled {
    Always,
    Latency {
        threshold: u64,
        upper: Option<u64>,
    },
    Status {
        error: bool,
        unset: bool,
    },
    Probabilistic {
        threshold: u64,
        p: f64,
    },
    Attr {
        bit: u32,
    },
    SpanCount {
        min: u64,
        max: Option<u64>,
    },
    Rate {
        rate: f64,
        burst: f64,
        tokens: f64,
        last_ns: Option<u64>,
    },
    And(Vec<Compiled>),
    Drop(Vec<Compiled>),
    Composite {
        max: f64,
        second: u64,
        subs: Vec<Sub>,
    },
}

/// A composite sub-policy with its allocation and use in the current second.
#[derive(Debug, Clone)]
pub struct Sub {
    policy: Compiled,
    allocated: f64,
    used: f64,
}

/// Compiles a policy; attribute policies get bits in order of appearance
/// and are appended to `attrs`.
pub fn compile(p: &Policy, attrs: &mut Vec<Policy>) -> Compiled {
    match p {
        Policy::AlwaysSample => Compiled::Always,
        Policy::Latency {
            threshold_ms,
            upper_ms,
        } => Compiled::Latency {
            threshold: *threshold_ms,
            upper: *upper_ms,
        },
        Policy::StatusCode(codes) => Compiled::Status {
            error: codes.contains(&StatusCode::Error),
            unset: codes.contains(&StatusCode::Unset),
        },
        Policy::Probabilistic(p) => Compiled::Probabilistic {
            threshold: if *p >= 1.0 {
                u64::MAX
            } else {
                (p * 18_446_744_073_709_551_616.0) as u64
            },
            p: *p,
        },
        Policy::StringAttribute { .. } | Policy::NumericAttribute { .. } => {
            attrs.push(p.clone());
            Compiled::Attr {
                bit: attrs.len() as u32 - 1,
            }
        }
        Policy::SpanCount { min, max } => Compiled::SpanCount {
            min: *min,
            max: *max,
        },
        Policy::RateLimiting { spans_per_second } => Compiled::Rate {
            rate: *spans_per_second,
            burst: 2.0 * spans_per_second,
            tokens: 2.0 * spans_per_second,
            last_ns: None,
        },
        Policy::And(s) => Compiled::And(s.iter().map(|p| compile(p, attrs)).collect()),
        Policy::Drop(s) => Compiled::Drop(s.iter().map(|p| compile(p, attrs)).collect()),
        Policy::Composite {
            max_total_spans_per_second,
            subs,
        } => {
            let n = subs.len().max(1) as f64;
            Compiled::Composite {
                max: *max_total_spans_per_second,
                second: u64::MAX,
                subs: subs
                    .iter()
                    .map(|(p, share)| Sub {
                        policy: compile(p, attrs),
                        allocated: match share {
                            Some(pct) => pct / 100.0 * max_total_spans_per_second,
                            None => max_total_spans_per_second / n,
                        },
                        used: 0.0,
                    })
                    .collect(),
            }
        }
    }
}

impl Compiled {
    /// True for a top-level `drop` policy.
    pub fn is_drop(&self) -> bool {
        matches!(self, Compiled::Drop(_))
    }

    /// The outcome of a stateless condition, `None` for the others.
    fn holds(&self, a: &Agg, h: u64) -> Option<bool> {
        Some(match self {
            Compiled::Always => true,
            Compiled::Latency { threshold, upper } => {
                let d = a.duration_ms();
                match upper {
                    None => d >= *threshold,
                    Some(u) => *threshold < d && d <= *u,
                }
            }
            Compiled::Status { error, unset } => {
                (*error && a.errors > 0) || (*unset && a.spans > a.errors)
            }
            Compiled::Probabilistic { threshold, .. } => h <= *threshold,
            Compiled::Attr { bit } => a.mask & (1u64 << bit) != 0,
            Compiled::SpanCount { min, max } => {
                let n = u64::from(a.spans);
                n >= *min && max.is_none_or(|m| n <= m)
            }
            _ => return None,
        })
    }

    /// The policy's vote at simulated time `now_ns`, updating rate state.
    /// `h` is the trace id's probabilistic hash.
    pub fn decide(&mut self, a: &Agg, h: u64, now_ns: u64) -> Decision {
        if let Some(b) = self.holds(a, h) {
            return if b {
                Decision::Sampled
            } else {
                Decision::NotSampled
            };
        }
        let n = f64::from(a.spans);
        match self {
            Compiled::Rate {
                rate,
                burst,
                tokens,
                last_ns,
            } => {
                if let Some(last) = *last_ns {
                    let dt = now_ns.saturating_sub(last) as f64 / 1e9;
                    *tokens = (*tokens + dt * *rate).min(*burst);
                }
                *last_ns = Some(now_ns);
                if n <= *tokens {
                    *tokens -= n;
                    Decision::Sampled
                } else {
                    Decision::NotSampled
                }
            }
            Compiled::And(subs) => {
                for s in subs.iter_mut() {
                    if s.decide(a, h, now_ns) != Decision::Sampled {
                        return Decision::NotSampled;
                    }
                }
                Decision::Sampled
            }
            Compiled::Drop(subs) => {
                for s in subs.iter_mut() {
                    if s.decide(a, h, now_ns) != Decision::Sampled {
                        return Decision::NotSampled;
                    }
                }
                Decision::Dropped
            }
            Compiled::Composite { max, second, subs } => {
                let sec = now_ns / 1_000_000_000;
                if *second != sec {
                    *second = sec;
                    for s in subs.iter_mut() {
                        s.used = 0.0;
                    }
                }
                for s in subs.iter_mut() {
                    if s.policy.decide(a, h, now_ns) == Decision::Sampled {
                        let after = s.used + n;
                        if after <= s.allocated && after <= *max {
                            s.used = after;
                            return Decision::Sampled;
                        }
                        return Decision::NotSampled;
                    }
                }
                Decision::NotSampled
            }
            _ => Decision::NotSampled,
        }
    }

    /// The probability, over the trace-id hash, that this policy samples a
    /// trace with these contents. Probabilistic policies share one hash, so
    /// their events nest: `and` takes the minimum, alternatives the maximum.
    /// Rate limits count as 1 (they record no probability).
    pub fn inclusion(&self, a: &Agg) -> f64 {
        match self {
            Compiled::Probabilistic { p, .. } => *p,
            Compiled::Rate { .. } => 1.0,
            Compiled::And(s) | Compiled::Drop(s) => {
                s.iter().map(|p| p.inclusion(a)).fold(1.0, f64::min)
            }
            Compiled::Composite { subs, .. } => subs
                .iter()
                .map(|s| s.policy.inclusion(a))
                .fold(0.0, f64::max),
            other => {
                if other.holds(a, 0).unwrap_or(false) {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// The processor's decision over all policies, and the adjusted count of a
/// sampled trace: 1 / P(sampled), from the policies' inclusion probabilities.
pub fn decide_all(policies: &mut [Compiled], a: &Agg, h: u64, now_ns: u64) -> (bool, f64) {
    let mut dropped = false;
    let mut sampled = false;
    for p in policies.iter_mut() {
        match p.decide(a, h, now_ns) {
            Decision::Dropped => dropped = true,
            Decision::Sampled => sampled = true,
            Decision::NotSampled => {}
        }
    }
    if dropped || !sampled {
        return (false, 1.0);
    }
    let (mut keep, mut drop) = (0.0f64, 0.0f64);
    for p in policies.iter() {
        let q = p.inclusion(a);
        if p.is_drop() {
            drop = drop.max(q);
        } else {
            keep = keep.max(q);
        }
    }
    let prob = keep - drop;
    (true, if prob > 1e-12 { 1.0 / prob } else { 1.0 })
}
