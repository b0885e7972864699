//! Consistent probability sampling (OpenTelemetry "TraceState: Probability
//! Sampling"): randomness R is the lowest 56 bits of the trace id, the
//! rejection threshold is T = (1 − p)·2^56, a span is kept when R ≥ T, the
//! threshold travels as `ot=th:<hex>` (14 hex digits, trailing zeros
//! removed) and the adjusted count of a kept span is 2^56 / (2^56 − T).

/// 2^56: the size of the randomness space.
pub const MAX_THRESHOLD: u64 = 1 << 56;
/// The smallest probability a threshold can express: 2^-56.
pub const MIN_PROBABILITY: f64 = 1.0 / MAX_THRESHOLD as f64;
/// Hex digits of precision SDKs are recommended to use.
pub const DEFAULT_PRECISION: u32 = 4;

/// The rejection threshold for probability `p`, rounded to `precision` hex
/// digits (raised by one digit per four leading `f`s, as in the spec's
/// reference algorithm). `p ≥ 1` gives 0 (keep everything).
pub fn threshold(p: f64, precision: u32) -> u64 {
    if p.is_nan() || p >= 1.0 {
        return 0;
    }
    let p = p.max(MIN_PROBABILITY);
    // frexp: p = m·2^e with m in [0.5, 1); for p < 1, e ≤ 0.
    let e = ((p.to_bits() >> 52) & 0x7ff) as i32 - 1022;
    let digits = (precision as i32 + (-e) / 4).clamp(1, 12) as u32;
    let unit = 1u64 << (56 - 4 * digits);
    let max = MAX_THRESHOLD as f64;
    let units = ((max - p * max) / unit as f64).round();
    let t = (units as u64).saturating_mul(unit);
    t.min(MAX_THRESHOLD - unit)
}

/// The probability a threshold keeps: (2^56 − T) / 2^56.
pub fn probability(t: u64) -> f64 {
    (MAX_THRESHOLD - t.min(MAX_THRESHOLD)) as f64 / MAX_THRESHOLD as f64
}

/// The adjusted count of a span kept at threshold T: 2^56 / (2^56 − T).
pub fn adjusted_count(t: u64) -> f64 {
    MAX_THRESHOLD as f64 / (MAX_THRESHOLD - t.min(MAX_THRESHOLD - 1)) as f64
}

/// The `th` value: 14 hex digits with trailing zeros removed (`0` for T = 0).
pub fn th_value(t: u64) -> String {
    if t == 0 {
        return "0".to_string();
    }
    let s = format!("{:014x}", t & (MAX_THRESHOLD - 1));
    s.trim_end_matches('0').to_string()
}

/// Parses a `th` value (1 to 14 hex digits, implicitly padded with zeros).
pub fn parse_th(v: &str) -> Option<u64> {
    if v.is_empty() || v.len() > 14 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let padded = format!("{v:0<14}");
    u64::from_str_radix(&padded, 16).ok()
}

/// The randomness of a trace id: its lowest 56 bits.
pub fn randomness(trace_id: &[u8; 16]) -> u64 {
    let mut low = [0u8; 8];
    low.copy_from_slice(&trace_id[8..]);
    u64::from_be_bytes(low) & (MAX_THRESHOLD - 1)
}

/// The consistent decision: keep when R ≥ T.
pub fn keeps(trace_id: &[u8; 16], t: u64) -> bool {
    randomness(trace_id) >= t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_match_the_spec_table() {
        // 1-in-N rows of the spec's table, precision 4.
        let rows = [
            (1.0, "0"),
            (0.5, "8"),
            (1.0 / 3.0, "aaab"),
            (0.25, "c"),
            (0.2, "cccd"),
            (0.125, "e"),
            (0.1, "e666"),
            (0.0625, "f"),
            (0.01, "fd70a"),
            (0.001, "ffbe77"),
            (0.0001, "fff9724"),
            (0.00001, "ffff583a"),
            (0.000001, "ffffef39"),
        ];
        for (p, th) in rows {
            let t = threshold(p, DEFAULT_PRECISION);
            assert_eq!(th_value(t), th, "p = {p}");
            assert_eq!(parse_th(th), Some(t), "{th}");
        }
        // A small threshold keeps its leading zero.
        assert_eq!(th_value(threshold(0.99, 4)), "028f");
        assert!((adjusted_count(threshold(0.1, 4)) - 9.99938968568813).abs() < 1e-9);
        assert_eq!(adjusted_count(0), 1.0);
        assert!((probability(threshold(0.25, 4)) - 0.25).abs() < 1e-15);
    }

    #[test]
    fn thresholds_are_monotone_and_parse_rejects_junk() {
        let mut last = 0;
        for i in (1..=1000).rev() {
            let t = threshold(i as f64 / 1000.0, 4);
            assert!(t >= last, "p = {i}/1000");
            last = t;
        }
        assert_eq!(parse_th(""), None);
        assert_eq!(parse_th("123456789012345"), None);
        assert_eq!(parse_th("xyz"), None);
        let mut id = [0u8; 16];
        id[8..].copy_from_slice(&0xffff_ffff_ffff_ffffu64.to_be_bytes());
        assert_eq!(randomness(&id), MAX_THRESHOLD - 1);
        assert!(keeps(&id, threshold(0.0001, 4)));
    }
}
