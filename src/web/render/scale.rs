//! Shared scale helpers: a time axis with round ticks, duration formatting,
//! and percentages for SVG coordinates.

use std::fmt::Write;

/// A time axis from 0 to `max_ns`, divided into `ticks` equal round steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Axis {
    /// End of the axis (≥ the duration it was made for, ≥ 1).
    pub max_ns: u64,
    /// Distance between ticks.
    pub step_ns: u64,
    /// Number of steps (1..=8).
    pub ticks: u64,
}

impl Axis {
    /// The smallest axis of 1, 2 or 5 × 10ⁿ steps that covers `duration_ns`
    /// with at most 8 steps.
    pub fn for_duration(duration_ns: u64) -> Axis {
        let d = duration_ns.max(1);
        let mut power: u64 = 1;
        loop {
            for m in [1u64, 2, 5] {
                let Some(step) = power.checked_mul(m) else {
                    return Axis::single(d);
                };
                let ticks = d.div_ceil(step);
                if ticks <= 8 {
                    return match step.checked_mul(ticks) {
                        Some(max_ns) => Axis {
                            max_ns,
                            step_ns: step,
                            ticks,
                        },
                        None => Axis::single(d),
                    };
                }
            }
            match power.checked_mul(10) {
                Some(p) => power = p,
                None => return Axis::single(d),
            }
        }
    }

    fn single(d: u64) -> Axis {
        Axis {
            max_ns: d,
            step_ns: d,
            ticks: 1,
        }
    }

    /// Position of `ns` (from the axis start) as a percentage, clamped to 0..=100.
    pub fn pct(&self, ns: u64) -> f64 {
        (ns as f64 * 100.0 / self.max_ns as f64).clamp(0.0, 100.0)
    }

    /// An SVG axis (ticks and labels) spanning the width of its container.
    pub fn svg(&self) -> String {
        let mut out = String::from(
            r#"<svg class="axis" width="100%" height="22" role="img" aria-label="time axis">"#,
        );
        for t in 0..=self.ticks {
            let pct = t as f64 * 100.0 / self.ticks as f64;
            let anchor = match t {
                0 => "start",
                t if t == self.ticks => "end",
                _ => "middle",
            };
            let _ = write!(
                out,
                r#"<line x1="{pct:.3}%" x2="{pct:.3}%" y1="16" y2="22"/><text x="{pct:.3}%" y="12" text-anchor="{anchor}">{}</text>"#,
                fmt_ns(self.step_ns.saturating_mul(t))
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// A duration for people: `850 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`, `2.5 h`.
pub fn fmt_ns(ns: u64) -> String {
    let x = ns as f64;
    let (value, unit) = if ns < 1_000 {
        return format!("{ns} ns");
    } else if ns < 1_000_000 {
        (x / 1e3, "µs")
    } else if ns < 1_000_000_000 {
        (x / 1e6, "ms")
    } else if ns < 3_600_000_000_000 {
        (x / 1e9, "s")
    } else {
        (x / 3.6e12, "h")
    };
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let mut s = format!("{value:.digits$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    format!("{s} {unit}")
}

/// A share as a percentage with one decimal (0 when `whole` is 0).
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_uses_round_steps() {
        let a = Axis::for_duration(243_000_000);
        assert_eq!(a.step_ns, 50_000_000);
        assert_eq!(a.ticks, 5);
        assert_eq!(a.max_ns, 250_000_000);
        let a = Axis::for_duration(0);
        assert_eq!((a.max_ns, a.ticks), (1, 1));
        let a = Axis::for_duration(u64::MAX);
        assert!(a.max_ns >= u64::MAX / 2 && a.ticks >= 1);
        for d in [1, 7, 9, 10, 11, 99, 1_234, 8_000_001, 10u64.pow(15)] {
            let a = Axis::for_duration(d);
            assert!(a.max_ns >= d && (1..=8).contains(&a.ticks), "{d}: {a:?}");
            assert_eq!(a.step_ns * a.ticks, a.max_ns);
        }
        assert_eq!(a_pct(50), 50.0);
        assert!(Axis::for_duration(100).svg().contains("100 ns"));
    }

    fn a_pct(ns: u64) -> f64 {
        Axis::for_duration(100).pct(ns)
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_ns(850), "850 ns");
        assert_eq!(fmt_ns(12_300), "12.3 µs");
        assert_eq!(fmt_ns(4_560_000), "4.56 ms");
        assert_eq!(fmt_ns(50_000_000), "50 ms");
        assert_eq!(fmt_ns(123_456_789), "123 ms");
        assert_eq!(fmt_ns(1_230_000_000), "1.23 s");
        assert_eq!(fmt_ns(9_000_000_000_000), "2.5 h");
        assert_eq!(share(1, 4), 25.0);
        assert_eq!(share(1, 0), 0.0);
    }
}
