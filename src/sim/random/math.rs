//! Deterministic elementary functions built only from IEEE-754 basic
//! operations (+, −, ×, ÷, sqrt), so generated traces are bit-identical on
//! every platform and libm version.
//!
//! [`exp`] is generator version 1's (a 13-term series with one division per
//! term); [`exp_table`] is version 2's: a 64-entry table of 2^(j/64) and a
//! degree-5 polynomial, with multiplications only. Both stay, so traces of
//! either version can be regenerated exactly.

const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
const LN2: f64 = core::f64::consts::LN_2;

/// e^x where no reduction applies, the same for every version: NaN for
/// NaN, +∞ above 709.7, 0 below −745.
fn exp_outside(x: f64) -> Option<f64> {
    if x.is_nan() {
        Some(x)
    } else if x > 709.7 {
        Some(f64::INFINITY)
    } else if x < -745.0 {
        Some(0.0)
    } else {
        None
    }
}

/// e^x, accurate to a few ulps over the whole range.
pub(crate) fn exp(x: f64) -> f64 {
    if let Some(v) = exp_outside(x) {
        return v;
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

/// 2^(j/64) for j in 0..64, each correctly rounded (computed in 60-digit decimal).
const EXP2_TABLE: [u64; 64] = [
    0x3ff0000000000000,
    0x3ff02c9a3e778061,
    0x3ff059b0d3158574,
    0x3ff0874518759bc8,
    0x3ff0b5586cf9890f,
    0x3ff0e3ec32d3d1a2,
    0x3ff11301d0125b51,
    0x3ff1429aaea92de0,
    0x3ff172b83c7d517b,
    0x3ff1a35beb6fcb75,
    0x3ff1d4873168b9aa,
    0x3ff2063b88628cd6,
    0x3ff2387a6e756238,
    0x3ff26b4565e27cdd,
    0x3ff29e9df51fdee1,
    0x3ff2d285a6e4030b,
    0x3ff306fe0a31b715,
    0x3ff33c08b26416ff,
    0x3ff371a7373aa9cb,
    0x3ff3a7db34e59ff7,
    0x3ff3dea64c123422,
    0x3ff4160a21f72e2a,
    0x3ff44e086061892d,
    0x3ff486a2b5c13cd0,
    0x3ff4bfdad5362a27,
    0x3ff4f9b2769d2ca7,
    0x3ff5342b569d4f82,
    0x3ff56f4736b527da,
    0x3ff5ab07dd485429,
    0x3ff5e76f15ad2148,
    0x3ff6247eb03a5585,
    0x3ff6623882552225,
    0x3ff6a09e667f3bcd,
    0x3ff6dfb23c651a2f,
    0x3ff71f75e8ec5f74,
    0x3ff75feb564267c9,
    0x3ff7a11473eb0187,
    0x3ff7e2f336cf4e62,
    0x3ff82589994cce13,
    0x3ff868d99b4492ed,
    0x3ff8ace5422aa0db,
    0x3ff8f1ae99157736,
    0x3ff93737b0cdc5e5,
    0x3ff97d829fde4e50,
    0x3ff9c49182a3f090,
    0x3ffa0c667b5de565,
    0x3ffa5503b23e255d,
    0x3ffa9e6b5579fdbf,
    0x3ffae89f995ad3ad,
    0x3ffb33a2b84f15fb,
    0x3ffb7f76f2fb5e47,
    0x3ffbcc1e904bc1d2,
    0x3ffc199bdd85529c,
    0x3ffc67f12e57d14b,
    0x3ffcb720dcef9069,
    0x3ffd072d4a07897c,
    0x3ffd5818dcfba487,
    0x3ffda9e603db3285,
    0x3ffdfc97337b9b5f,
    0x3ffe502ee78b3ff6,
    0x3ffea4afa2a490da,
    0x3ffefa1bee615a27,
    0x3fff50765b6e4540,
    0x3fffa7c1819e90d8,
];

/// 64 / ln 2.
const INV_LN2_64: f64 = 92.332_482_616_893_66;
/// ln 2 / 64 split in a high part with 21 significant bits (so k·HI is
/// exact) and the rest.
const LN2_64_HI: f64 = 0.010_830_417_275_428_772;
const LN2_64_LO: f64 = 7.420_820_373_486_988e-9;

/// e^x for generator version 2: x = (64m + j)·ln2/64 + r with |r| ≤ ln2/128,
/// e^x = 2^m · 2^(j/64) · e^r, e^r − 1 by its degree-5 Taylor polynomial
/// (truncation below 4·10^-17). Within 2 ulps of the true value.
pub(crate) fn exp_table(x: f64) -> f64 {
    if let Some(v) = exp_outside(x) {
        return v;
    }
    let kf = (x * INV_LN2_64).round();
    let k = kf as i64;
    let r = (x - kf * LN2_64_HI) - kf * LN2_64_LO;
    const C3: f64 = 1.0 / 6.0;
    const C4: f64 = 1.0 / 24.0;
    const C5: f64 = 1.0 / 120.0;
    let p = r + r * r * (0.5 + r * (C3 + r * (C4 + r * C5)));
    let t = f64::from_bits(EXP2_TABLE[(k & 63) as usize]);
    scale_pow2(t + t * p, (k >> 6) as i32)
}

/// 1.5 · 2^52: adding and subtracting it rounds a double below 2^51 in
/// magnitude to an integer (ties to even) with two IEEE additions.
const ROUND_SHIFT: f64 = 6_755_399_441_055_744.0;

/// e^x for generator version 3: the reduction of [`exp_table`], with the
/// multiple of ln2/64 rounded by [`ROUND_SHIFT`] (no call to the C
/// library's `round`; a tie goes to the even multiple), and the same
/// degree-5 polynomial evaluated in Estrin's form (a shorter chain of
/// dependent operations). Within 2 ulps of the true value.
#[inline(always)]
pub(crate) fn exp_v3(x: f64) -> f64 {
    // Within ±600 no check of `exp_outside` applies and 2^(k>>6) is a
    // normal number, so `scale_pow2` is one multiplication: the same bits
    // as the general path, which the rest of the range takes.
    if x.abs() < 600.0 {
        let (v, m) = exp_v3_parts(x);
        return v * f64::from_bits(((m + 1023) as u64) << 52);
    }
    exp_v3_wide(x)
}

/// [`exp_v3`] outside ±600.
#[cold]
#[inline(never)]
fn exp_v3_wide(x: f64) -> f64 {
    if let Some(v) = exp_outside(x) {
        return v;
    }
    let (v, m) = exp_v3_parts(x);
    scale_pow2(v, m as i32)
}

/// e^x as 2^(j/64)·e^r and the power of two m, for [`exp_v3`]
/// (|x| ≤ 745, so |k| < 2^17).
#[inline(always)]
fn exp_v3_parts(x: f64) -> (f64, i64) {
    // k·ln2/64 nearest x: `shifted` is 1.5·2^52 + k exactly, so k is the
    // difference of the two bit patterns and kf its exact value.
    let shifted = x * INV_LN2_64 + ROUND_SHIFT;
    let kf = shifted - ROUND_SHIFT;
    let k = shifted.to_bits() as i64 - ROUND_SHIFT.to_bits() as i64;
    let r = (x - kf * LN2_64_HI) - kf * LN2_64_LO;
    const C3: f64 = 1.0 / 6.0;
    const C4: f64 = 1.0 / 24.0;
    const C5: f64 = 1.0 / 120.0;
    let r2 = r * r;
    let p = r + (r2 * (0.5 + r * C3) + (r2 * r2) * (C4 + r * C5));
    let t = f64::from_bits(EXP2_TABLE[(k & 63) as usize]);
    (t + t * p, k >> 6)
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
    // The reciprocals are folded at compile time: IEEE division is
    // correctly rounded, so this is the same value as dividing at run time.
    let mut sum = 0.0;
    for c in LN_SERIES {
        sum = c + s2 * sum;
    }
    (e as f64) * LN2_HI + ((e as f64) * LN2_LO + 2.0 * s * sum)
}

/// 1/25, 1/23, …, 1/1: the coefficients of the series in [`ln`].
const LN_SERIES: [f64; 13] = [
    1.0 / 25.0,
    1.0 / 23.0,
    1.0 / 21.0,
    1.0 / 19.0,
    1.0 / 17.0,
    1.0 / 15.0,
    1.0 / 13.0,
    1.0 / 11.0,
    1.0 / 9.0,
    1.0 / 7.0,
    1.0 / 5.0,
    1.0 / 3.0,
    1.0,
];

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

    /// `ln` as it was written before its coefficients were folded.
    fn ln_divided(x: f64) -> f64 {
        let bits = x.to_bits();
        let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
        if m > core::f64::consts::SQRT_2 {
            m /= 2.0;
            e += 1;
        }
        let s = (m - 1.0) / (m + 1.0);
        let s2 = s * s;
        let mut sum = 0.0;
        let mut n = 25.0_f64;
        while n >= 1.0 {
            sum = 1.0 / n + s2 * sum;
            n -= 2.0;
        }
        (e as f64) * LN2_HI + ((e as f64) * LN2_LO + 2.0 * s * sum)
    }

    #[test]
    fn folded_ln_is_bit_identical() {
        let mut state = 99u64;
        for i in 0..200_000 {
            let u = (crate::sim::random::rng::splitmix64(&mut state) >> 11) as f64
                / (1u64 << 53) as f64;
            let x = if i % 2 == 0 { u } else { u * 1e6 + 1e-3 };
            if x > 0.0 {
                assert_eq!(ln(x).to_bits(), ln_divided(x).to_bits(), "ln({x})");
            }
        }
    }

    /// `exp` against the standard library's over random arguments in
    /// [−30, 30] and [−700, 700] and at the edges of its range.
    fn exp_matches_std_as(name: &str, exp: fn(f64) -> f64, mut state: u64) {
        for i in 0..200_000 {
            let u = (crate::sim::random::rng::splitmix64(&mut state) >> 11) as f64
                / (1u64 << 53) as f64;
            let x = if i % 2 == 0 {
                u * 60.0 - 30.0
            } else {
                u * 1400.0 - 700.0
            };
            let (a, b) = (exp(x), x.exp());
            assert!(((a - b) / b).abs() < 5e-16, "{name}({x}) = {a}, std {b}");
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(1000.0), f64::INFINITY);
        assert_eq!(exp(-1000.0), 0.0);
        assert!(exp(f64::NAN).is_nan());
        // The table's points, and halfway between two of them (version 3
        // rounds that tie to the even multiple of ln2/64).
        for j in 0..128 {
            let x = j as f64 * 0.5 * core::f64::consts::LN_2 / 64.0;
            assert!((exp(x) - x.exp()).abs() <= 2.0 * f64::EPSILON * x.exp());
        }
    }

    #[test]
    fn exp_table_matches_std() {
        exp_matches_std_as("exp_table", exp_table, 5);
    }

    #[test]
    fn exp_v3_matches_std() {
        exp_matches_std_as("exp_v3", exp_v3, 11);
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
