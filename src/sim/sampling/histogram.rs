//! A fixed-size log-bucketed histogram of durations (HDR-like): 128
//! sub-buckets per power of two, so any quantile is within 0.4% of a value
//! actually recorded, and memory does not depend on the number of values.

/// Sub-buckets per power of two (2^7).
const SUB_BITS: u32 = 7;
const SUB: usize = 1 << SUB_BITS;
/// Buckets covering every u64.
const BUCKETS: usize = SUB + (64 - SUB_BITS as usize) * SUB;

/// Weighted counts of nanosecond durations.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<f64>,
    total: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

fn bucket(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let e = 63 - v.leading_zeros();
    let shift = e - SUB_BITS;
    let m = ((v >> shift) as usize) & (SUB - 1);
    SUB + shift as usize * SUB + m
}

/// The middle of a bucket's range.
fn value(b: usize) -> u64 {
    if b < SUB {
        return b as u64;
    }
    let shift = ((b - SUB) / SUB) as u32;
    let m = ((b - SUB) % SUB) as u64;
    let low = (SUB as u64 + m) << shift;
    low + ((1u64 << shift) >> 1)
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0.0; BUCKETS],
            total: 0.0,
        }
    }

    /// Records `v` with weight `w` (ignored unless positive and finite).
    pub fn add(&mut self, v: u64, w: f64) {
        if w > 0.0 && w.is_finite() {
            self.counts[bucket(v)] += w;
            self.total += w;
        }
    }

    /// Sum of weights.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The `q` quantile (0 ≤ q ≤ 1); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total <= 0.0 {
            return None;
        }
        let target = q.clamp(0.0, 1.0) * self.total;
        let mut acc = 0.0;
        let mut last = None;
        for (b, &c) in self.counts.iter().enumerate() {
            if c <= 0.0 {
                continue;
            }
            acc += c;
            last = Some(b);
            if acc >= target {
                return Some(value(b));
            }
        }
        last.map(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotone_and_precise() {
        let mut prev = 0;
        for v in 0..200_000u64 {
            assert!(bucket(v) >= prev, "{v}");
            prev = bucket(v);
        }
        for v in (0..200_000u64).chain((18..64).map(|e| (1u64 << e) + 12345)) {
            let b = bucket(v);
            let mid = value(b) as f64;
            assert!(
                (mid - v as f64).abs() <= v as f64 / 250.0 + 0.5,
                "{v} -> {mid}"
            );
        }
        assert!(bucket(u64::MAX) < BUCKETS);
    }

    #[test]
    fn quantiles_of_uniform_values() {
        let mut h = Histogram::new();
        for v in 1..=10_000u64 {
            h.add(v * 1000, 1.0);
        }
        let p50 = h.quantile(0.5).unwrap_or(0) as f64;
        let p99 = h.quantile(0.99).unwrap_or(0) as f64;
        assert!((p50 - 5_000_000.0).abs() < 5_000_000.0 * 0.005, "{p50}");
        assert!((p99 - 9_900_000.0).abs() < 9_900_000.0 * 0.005, "{p99}");
        assert_eq!(Histogram::new().quantile(0.5), None);
        h.add(1, f64::NAN);
        assert_eq!(h.total(), 10_000.0);
    }
}
