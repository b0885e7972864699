//! Deterministic elementary functions built only from IEEE-754 basic
//! operations (+, −, ×, ÷, sqrt), so generated traces are bit-identical on
//! every platform and libm version.

const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
const LN2: f64 = core::f64::consts::LN_2;

/// e^x, accurate to a few ulps over the whole range.
pub(crate) fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.7 {
        return f64::INFINITY;
    }
    if x < -745.0 {
        return 0.0;
    }
    let k = (x / LN2).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r for |r| <= ~0.35, Horner form, degree 13.
    let mut p = 1.0;
    let mut i = 13.0_f64;
    while i >= 1.0 {
        p = 1.0 + p * r / i;
        i -= 1.0;
    }
    scale_pow2(p, k as i32)
}

fn scale_pow2(mut v: f64, mut k: i32) -> f64 {
    // Multiply by 2^k in steps that stay within the normal exponent range.
    while k > 1000 {
        v *= f64::from_bits(((1000 + 1023) as u64) << 52);
        k -= 1000;
    }
    while k < -1000 {
        v *= f64::from_bits(((-1000 + 1023) as u64) << 52);
        k += 1000;
    }
    v * f64::from_bits(((k + 1023) as u64) << 52)
}

/// Natural logarithm; NaN for x < 0 or NaN, −∞ for 0.
pub(crate) fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let mut x = x;
    let mut e: i64 = 0;
    if x < f64::MIN_POSITIVE {
        x *= f64::from_bits(((54 + 1023) as u64) << 52);
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    if m > core::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // ln m = 2s(1 + s²/3 + s⁴/5 + …); |s| <= 0.1716 so 13 terms suffice.
    let mut sum = 0.0;
    let mut n = 25.0_f64;
    while n >= 1.0 {
        sum = 1.0 / n + s2 * sum;
        n -= 2.0;
    }
    (e as f64) * LN2_HI + ((e as f64) * LN2_LO + 2.0 * s * sum)
}

/// Milliseconds (finite, ≥ 0) to whole nanoseconds, saturating.
pub(crate) fn ms_to_ns(ms: f64) -> u64 {
    if ms.is_nan() || ms <= 0.0 {
        return 0;
    }
    let ns = (ms * 1_000_000.0).round();
    if ns >= u64::MAX as f64 {
        u64::MAX
    } else {
        ns as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        ((a - b) / b).abs() < 1e-13
    }

    #[test]
    fn exp_matches_std() {
        for i in -700..700 {
            let x = i as f64 * 0.731;
            if x.abs() < 700.0 {
                assert!(close(exp(x), x.exp()), "exp({x})");
            }
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(1000.0), f64::INFINITY);
        assert_eq!(exp(-1000.0), 0.0);
    }

    #[test]
    fn ln_matches_std() {
        for i in 1..5000 {
            let x = i as f64 * 0.0137;
            assert!(
                (ln(x) - x.ln()).abs() < 1e-13 * (1.0 + x.ln().abs()),
                "ln({x})"
            );
        }
        assert!((ln(1e-310) - 1e-310_f64.ln()).abs() < 1e-10);
        assert!((ln(1e300) - 1e300_f64.ln()).abs() < 1e-10);
        assert_eq!(ln(1.0), 0.0);
        assert!(ln(-1.0).is_nan());
    }

    #[test]
    fn ms_conversion() {
        assert_eq!(ms_to_ns(1.5), 1_500_000);
        assert_eq!(ms_to_ns(-3.0), 0);
        assert_eq!(ms_to_ns(f64::NAN), 0);
    }
}
