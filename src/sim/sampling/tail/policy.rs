//! Compiled tail policies and their evaluation, following the Collector's
//! `tail_sampling` processor (opentelemetry-collector-contrib,
//! `processor/tailsamplingprocessor/internal/sampling`): `and` and `drop`
//! stop at the first sub-policy that does not sample (an inverted "not
//! sampled" counts as not sampled); a `composite` lets the first sampling
//! sub-policy (inverted "sampled" included) decide within its allocation of
//! spans per second. [`crate::sim::sampling::tail::decide`] combines the
//! top-level decisions.

use crate::sim::sampling::spec::model::composite_allocations;
use crate::sim::sampling::spec::{Policy, StatusCode, TailSpec};

/// What the processor knows about a buffered trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agg {
    /// Spans received.
    pub spans: u32,
    /// Spans with status ERROR.
    pub errors: u32,
    /// Spans with status OK.
    pub oks: u32,
    /// Earliest start.
    pub min_start: u64,
    /// Latest end.
    pub max_end: u64,
    /// Span predicates matched by some span (bit i = predicate i).
    pub mask: u64,
    /// The logical trace's root span is among them.
    pub root: bool,
}

impl Agg {
    /// Nothing received.
    pub const EMPTY: Agg = Agg {
        spans: 0,
        errors: 0,
        oks: 0,
        min_start: u64::MAX,
        max_end: 0,
        mask: 0,
        root: false,
    };

    /// Adds one span with its [`flags`](crate::sim::sampling::population::flags).
    pub fn add(&mut self, start: u64, end: u64, flags: u8, mask: u64, root: bool) {
        use crate::sim::sampling::population::flags::{ERROR, OK};
        self.spans += 1;
        self.errors += u32::from(flags & ERROR != 0);
        self.oks += u32::from(flags & OK != 0);
        self.min_start = self.min_start.min(start);
        self.max_end = self.max_end.max(end);
        self.mask |= mask;
        self.root |= root;
    }

    /// Whole milliseconds from the earliest start to the latest end
    /// (Go's `Duration.Milliseconds()`: truncated).
    pub fn duration_ms(&self) -> u64 {
        self.max_end.saturating_sub(self.min_start) / 1_000_000
    }
}

/// A policy's decision (the processor's `samplingpolicy.Decision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Keep.
    Sampled,
    /// No opinion to keep.
    NotSampled,
    /// Drop, whatever the others say.
    Dropped,
    /// Deprecated `invert_match` "sampled": keeps only if no policy said NotSampled.
    InvertSampled,
    /// Deprecated `invert_match` "not sampled": drops unless a drop already did.
    InvertNotSampled,
}

/// The trace under decision.
#[derive(Debug, Clone, Copy)]
pub struct TraceCtx<'a> {
    /// What arrived.
    pub agg: &'a Agg,
    /// FNV-1a of the default salt and the trace id.
    pub h: u64,
    /// The trace id.
    pub id: &'a [u8; 16],
    /// Decision time, ns on the simulated clock.
    pub now_ns: u64,
}

/// A policy ready to evaluate, with its state.
#[derive(Debug, Clone)]
pub enum Compiled {
    Always,
    Never,
    Latency {
        threshold: u64,
        upper: u64,
    },
    Status {
        error: bool,
        ok: bool,
        unset: bool,
    },
    Probabilistic {
        threshold: u64,
        salt: Option<Vec<u8>>,
    },
    Pred {
        bit: u32,
        invert: bool,
        plain: bool,
    },
    SpanCount {
        min: u32,
        max: u32,
    },
    Bucket {
        rate: f64,
        burst: f64,
        tokens: f64,
        last_ns: Option<u64>,
        per_span: f64,
    },
    And(Vec<Compiled>),
    Drop(Vec<Compiled>),
    Composite {
        max: i64,
        second: u64,
        subs: Vec<Sub>,
    },
}

/// A composite sub-policy with its allocation and use in the current second.
#[derive(Debug, Clone)]
pub struct Sub {
    policy: Compiled,
    allocated: i64,
    used: i64,
}

/// The processor's default `hash_salt`.
pub const DEFAULT_HASH_SALT: &str = "default-hash-seed";

/// FNV-1a (64 bit) of `salt` then `id`, as the probabilistic policy hashes.
pub fn salted_hash(salt: &[u8], id: &[u8; 16]) -> u64 {
    fnv1a_from(fnv1a_from(FNV_OFFSET, salt), id)
}

/// [`salted_hash`] with [`DEFAULT_HASH_SALT`], from the hash state after
/// the salt (computed at compile time).
pub fn default_salted_hash(id: &[u8; 16]) -> u64 {
    fnv1a_from(DEFAULT_SALT_STATE, id)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const DEFAULT_SALT_STATE: u64 = fnv1a_from(FNV_OFFSET, DEFAULT_HASH_SALT.as_bytes());

/// FNV-1a (64 bit) of `bytes`, continued from the state `h`.
const fn fnv1a_from(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// The probabilistic policy's threshold for a ratio: (2⁶⁴ − 1) × ratio,
/// rounded to 64 significant bits (Go `big.Float` precision) and truncated
/// to an integer, as the processor's `calculateThreshold`.
pub fn probabilistic_threshold(ratio: f64) -> u64 {
    if ratio.is_nan() || ratio <= 0.0 {
        return 0;
    }
    if ratio >= 1.0 {
        return u64::MAX;
    }
    let bits = ratio.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    let mut p = u128::from(u64::MAX) * u128::from(m);
    let nbits = 128 - p.leading_zeros();
    if nbits > 64 {
        let sh = nbits - 64;
        let q = p >> sh;
        let rem = p & ((1u128 << sh) - 1);
        let half = 1u128 << (sh - 1);
        let q = if rem > half || (rem == half && q & 1 == 1) {
            q + 1
        } else {
            q
        };
        p = q << sh;
    }
    let shift = (-e) as u32;
    if shift >= 128 {
        0
    } else {
        (p >> shift).min(u128::from(u64::MAX)) as u64
    }
}

/// Compiles a policy. Span predicates get bits in order of appearance and
/// are appended to `preds`; `bytes_per_span` sizes traces for
/// `bytes_limiting`; `spec` gives the invert feature gate.
pub fn compile(
    p: &Policy,
    spec: &TailSpec,
    bytes_per_span: u64,
    preds: &mut Vec<Policy>,
) -> Compiled {
    let plain = spec.disable_invert_decisions;
    let c = |q: &crate::sim::sampling::spec::Named, preds: &mut Vec<Policy>| {
        compile(&q.policy, spec, bytes_per_span, preds)
    };
    match p {
        Policy::AlwaysSample => Compiled::Always,
        Policy::Latency {
            threshold_ms,
            upper_threshold_ms,
        } => Compiled::Latency {
            threshold: *threshold_ms,
            upper: *upper_threshold_ms,
        },
        Policy::StatusCode(codes) => Compiled::Status {
            error: codes.contains(&StatusCode::Error),
            ok: codes.contains(&StatusCode::Ok),
            unset: codes.contains(&StatusCode::Unset),
        },
        Policy::Probabilistic {
            hash_salt,
            sampling_percentage,
        } => Compiled::Probabilistic {
            threshold: probabilistic_threshold(sampling_percentage / 100.0),
            salt: (!hash_salt.is_empty() && hash_salt != DEFAULT_HASH_SALT)
                .then(|| hash_salt.as_bytes().to_vec()),
        },
        Policy::StringAttribute { invert_match, .. }
        | Policy::NumericAttribute { invert_match, .. }
        | Policy::BooleanAttribute { invert_match, .. } => {
            preds.push(p.clone());
            Compiled::Pred {
                bit: preds.len() as u32 - 1,
                invert: *invert_match,
                plain,
            }
        }
        Policy::OttlCondition { .. } | Policy::TraceState { .. } | Policy::TraceFlags => {
            preds.push(p.clone());
            Compiled::Pred {
                bit: preds.len() as u32 - 1,
                invert: false,
                plain,
            }
        }
        Policy::SpanCount {
            min_spans,
            max_spans,
        } => Compiled::SpanCount {
            min: *min_spans,
            max: *max_spans,
        },
        Policy::RateLimiting { spans_per_second } => bucket(*spans_per_second as f64, 0.0, 1.0),
        Policy::BytesLimiting {
            bytes_per_second,
            burst_capacity,
        } => bucket(
            *bytes_per_second as f64,
            *burst_capacity as f64,
            bytes_per_span as f64,
        ),
        Policy::And(s) => Compiled::And(s.iter().map(|q| c(q, preds)).collect()),
        Policy::Drop(s) => Compiled::Drop(s.iter().map(|q| c(q, preds)).collect()),
        Policy::Composite {
            max_total_spans_per_second,
            subs,
            rate_allocation,
            ..
        } => {
            let alloc = composite_allocations(*max_total_spans_per_second, subs, rate_allocation);
            Compiled::Composite {
                max: *max_total_spans_per_second as i64,
                second: u64::MAX,
                subs: subs
                    .iter()
                    .zip(alloc)
                    .map(|(q, allocated)| Sub {
                        policy: c(q, preds),
                        allocated,
                        used: 0,
                    })
                    .collect(),
            }
        }
    }
}

/// A full token bucket (`golang.org/x/time/rate`); burst 0 means 2 × rate.
fn bucket(rate: f64, burst: f64, per_span: f64) -> Compiled {
    let burst = if burst > 0.0 { burst } else { 2.0 * rate };
    Compiled::Bucket {
        rate,
        burst,
        tokens: burst,
        last_ns: None,
        per_span,
    }
}

impl Compiled {
    /// True for a top-level `drop` policy.
    pub fn is_drop(&self) -> bool {
        matches!(self, Compiled::Drop(_))
    }

    /// The outcome of a stateless condition, `None` for the others.
    fn holds(&self, t: &TraceCtx) -> Option<bool> {
        let a = t.agg;
        Some(match self {
            Compiled::Always => a.spans > 0,
            Compiled::Never => false,
            Compiled::Latency { threshold, upper } => {
                let d = a.duration_ms();
                *threshold < d && (*upper == 0 || d <= *upper)
            }
            Compiled::Status { error, ok, unset } => {
                (*error && a.errors > 0)
                    || (*ok && a.oks > 0)
                    || (*unset && a.spans > a.errors + a.oks)
            }
            Compiled::Probabilistic { threshold, salt } => {
                let h = salt.as_ref().map_or(t.h, |s| salted_hash(s, t.id));
                h <= *threshold
            }
            Compiled::Pred { bit, .. } => a.mask & (1u64 << bit) != 0,
            Compiled::SpanCount { min, max } => a.spans >= *min && (*max == 0 || a.spans <= *max),
            _ => return None,
        })
    }

    /// The policy's decision, updating rate state.
    pub fn decide(&mut self, t: &TraceCtx) -> Decision {
        if let Compiled::Pred {
            invert: true,
            plain,
            ..
        } = *self
        {
            let matched = self.holds(t).unwrap_or(false);
            return match (matched, plain) {
                (true, false) => Decision::InvertNotSampled,
                (false, false) => Decision::InvertSampled,
                (true, true) => Decision::NotSampled,
                (false, true) => Decision::Sampled,
            };
        }
        if let Some(b) = self.holds(t) {
            return if b {
                Decision::Sampled
            } else {
                Decision::NotSampled
            };
        }
        let n = t.agg.spans;
        match self {
            Compiled::Bucket {
                rate,
                burst,
                tokens,
                last_ns,
                per_span,
            } => {
                if let Some(last) = *last_ns {
                    let dt = t.now_ns.saturating_sub(last) as f64 / 1e9;
                    *tokens = (*tokens + dt * *rate).min(*burst);
                }
                *last_ns = Some(t.now_ns.max(last_ns.unwrap_or(0)));
                let need = f64::from(n) * *per_span;
                if need <= *tokens {
                    *tokens -= need;
                    Decision::Sampled
                } else {
                    Decision::NotSampled
                }
            }
            Compiled::And(subs) | Compiled::Drop(subs) => {
                let all = subs.iter_mut().all(|s| {
                    !matches!(
                        s.decide(t),
                        Decision::NotSampled | Decision::InvertNotSampled
                    )
                });
                match (all, matches!(self, Compiled::Drop(_))) {
                    (false, _) => Decision::NotSampled,
                    (true, false) => Decision::Sampled,
                    (true, true) => Decision::Dropped,
                }
            }
            Compiled::Composite { max, second, subs } => {
                let sec = t.now_ns / 1_000_000_000;
                if *second != sec {
                    *second = sec;
                    subs.iter_mut().for_each(|s| s.used = 0);
                }
                for s in subs.iter_mut() {
                    if matches!(
                        s.policy.decide(t),
                        Decision::Sampled | Decision::InvertSampled
                    ) {
                        let after = s.used + i64::from(n);
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
    /// Rate and byte limits count as 1 (they record no probability).
    pub fn inclusion(&self, t: &TraceCtx) -> f64 {
        match self {
            Compiled::Probabilistic { threshold, .. } => {
                *threshold as f64 / 18_446_744_073_709_551_616.0
            }
            Compiled::Bucket { .. } => 1.0,
            Compiled::And(s) | Compiled::Drop(s) => {
                s.iter().map(|p| p.inclusion(t)).fold(1.0, f64::min)
            }
            Compiled::Composite { subs, .. } => subs
                .iter()
                .map(|s| s.policy.inclusion(t))
                .fold(0.0, f64::max),
            Compiled::Pred { invert: true, .. } => {
                if self.holds(t).unwrap_or(false) {
                    0.0
                } else {
                    1.0
                }
            }
            other => {
                if other.holds(t).unwrap_or(false) {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_salt_state_continues_the_salted_hash() {
        let id: [u8; 16] = *b"\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x36";
        let plain = crate::sim::random::rng::fnv1a(&[DEFAULT_HASH_SALT.as_bytes(), &id].concat());
        assert_eq!(salted_hash(DEFAULT_HASH_SALT.as_bytes(), &id), plain);
        assert_eq!(default_salted_hash(&id), plain);
        assert_ne!(salted_hash(b"other", &id), plain);
    }
}
