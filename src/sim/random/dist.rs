//! Latency distributions: fixed, or log-normal from a median and a p99.

use crate::sim::random::GeneratorVersion;
use crate::sim::random::math;
use crate::sim::random::rng::SimRng;

/// A latency distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Fixed {
        /// Value in nanoseconds.
        ns: u64,
    },
    /// Log-normal given by its median and 99th percentile.
    LogNormal {
        /// Median in milliseconds.
        median_ms: f64,
        /// 99th percentile in milliseconds.
        p99_ms: f64,
        /// μ = ln(median in ns).
        mu: f64,
        /// σ = ln(p99/median) / 2.3263.
        sigma: f64,
    },
}

/// z-score of the 99th percentile of the standard normal.
pub const Z99: f64 = 2.326_347_874_040_841;

impl Dist {
    /// Fixed distribution from milliseconds.
    pub fn fixed_ms(ms: f64) -> Dist {
        Dist::Fixed {
            ns: math::ms_to_ns(ms),
        }
    }

    /// Log-normal from median and p99 (caller validated 0 < median ≤ p99).
    pub fn lognormal(median_ms: f64, p99_ms: f64) -> Dist {
        let mu = math::ln(median_ms * 1_000_000.0);
        let sigma = math::ln(p99_ms / median_ms) / Z99;
        Dist::LogNormal {
            median_ms,
            p99_ms,
            mu,
            sigma,
        }
    }

    /// Mean in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        match self {
            Dist::Fixed { ns } => *ns as f64 / 1e6,
            Dist::LogNormal {
                median_ms, sigma, ..
            } => median_ms * math::exp(sigma * sigma / 2.0),
        }
    }

    /// Median in milliseconds.
    pub fn median_ms(&self) -> f64 {
        match self {
            Dist::Fixed { ns } => *ns as f64 / 1e6,
            Dist::LogNormal { median_ms, .. } => *median_ms,
        }
    }

    /// The distribution scaled by `factor` and shifted by `add_ms`.
    pub fn adjusted(&self, factor: f64, add_ms: f64) -> Dist {
        match self {
            Dist::Fixed { ns } => Dist::fixed_ms(*ns as f64 / 1e6 * factor + add_ms),
            Dist::LogNormal {
                median_ms, p99_ms, ..
            } => {
                let m = median_ms * factor + add_ms;
                let p = p99_ms * factor + add_ms;
                if m > 0.0 {
                    Dist::lognormal(m, p.max(m))
                } else {
                    Dist::fixed_ms(0.0)
                }
            }
        }
    }

    #[inline(always)]
    pub(crate) fn sample_ns(&self, rng: &mut SimRng) -> u64 {
        match self {
            Dist::Fixed { ns } => *ns,
            Dist::LogNormal { mu, sigma, .. } => {
                let v = rng.lognormal(*mu, *sigma);
                // Cap at 1 hour so a wild draw cannot overflow timestamps.
                if rng.version() >= GeneratorVersion::V3 {
                    // v ≥ 0 (or +∞), so the sum is in [0.5, 3.6e12 + 0.5]:
                    // adding ½ and truncating needs no call to the C
                    // library's `round`, and through i64 the truncation is
                    // one instruction.
                    return (v.min(3.6e12) + 0.5) as i64 as u64;
                }
                if v.is_finite() {
                    v.clamp(0.0, 3.6e12).round() as u64
                } else {
                    3_600_000_000_000
                }
            }
        }
    }
}
