//! The tail sampling processor model: policies, combining rules, buffer.

use crate::sim::sampling::spec::tail;
use crate::sim::sampling::tail::decide::decide_all;
use crate::sim::sampling::tail::policy::{Agg, Compiled, TraceCtx, compile};
use crate::sim::sampling::tests::{lab, lab_with, population_of};

#[test]
fn status_code_policy_keeps_every_error_trace() {
    for name in ["study-sheet", "retry-storm", "async-orders"] {
        let r = lab(name, 5_000, &["status_code=error"]);
        let s = &r.strategies[0];
        assert!(r.error_traces > 0, "{name} has errors");
        assert_eq!(s.error_traces_kept, r.error_traces, "{name}");
        assert_eq!(s.traces_kept, r.error_traces, "{name}: only error traces");
        assert_eq!(s.complete_traces, s.traces_kept, "{name}: kept whole");
        assert_eq!((s.late_spans, s.lost_traces), (0, 0), "{name}");
    }
}

#[test]
fn latency_policy_keeps_exactly_the_traces_over_the_threshold() {
    let mut pop = population_of("checkout", 5_000);
    let mut t = crate::sim::sampling::LeanTrace::default();
    let (mut over, mut band) = (0, 0);
    while pop.next_into(&mut t) {
        let ms = t.duration_ns() / 1_000_000;
        over += u64::from(ms >= 4_200);
        band += u64::from(ms > 4_000 && ms <= 4_500);
    }
    assert!(over > 100 && band > 100, "{over} {band}");
    let r = lab(
        "checkout",
        5_000,
        &["latency>=4200ms", "latency=(4s,4500ms]"],
    );
    assert_eq!(r.strategies[0].traces_kept, over);
    assert_eq!(r.strategies[0].complete_traces, over);
    assert_eq!(r.strategies[1].traces_kept, band);
}

pub(super) fn compiled(spec: &str) -> (Vec<Compiled>, usize) {
    let t = tail::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
    let mut attrs = Vec::new();
    let p = t
        .policies
        .iter()
        .map(|p| compile(&p.policy, &t, 500, &mut attrs))
        .collect();
    (p, attrs.len())
}

/// The processor's decision on `a` at `now` with default-salt hash `h`.
pub(super) fn dec(p: &mut [Compiled], a: &Agg, h: u64, now: u64) -> (bool, f64) {
    let t = TraceCtx {
        agg: a,
        h,
        id: &[0; 16],
        now_ns: now,
    };
    decide_all(p, false, &t)
}

pub(super) fn agg(spans: u32, errors: u32, ms: u64, mask: u64) -> Agg {
    Agg {
        oks: 0,
        spans,
        errors,
        min_start: 1_000,
        max_end: 1_000 + ms * 1_000_000,
        mask,
        root: true,
    }
}

#[test]
fn combining_rules_match_the_processor() {
    let ok = agg(10, 0, 100, 0);
    let err = agg(10, 2, 100, 0);
    let slow = agg(10, 0, 900, 0);
    let (mut p, _) = compiled("status_code=error,latency>=800ms");
    assert!(!dec(&mut p, &ok, 0, 0).0, "no policy samples");
    assert!(dec(&mut p, &err, 0, 0).0, "one policy samples");
    assert!(dec(&mut p, &slow, 0, 0).0);
    // Any drop wins over any sample; drop needs all its sub-policies.
    let (mut p, _) = compiled("always_sample,drop(status_code=error,latency>=800ms)");
    assert!(dec(&mut p, &err, 0, 0).0, "drop needs both");
    assert!(!dec(&mut p, &agg(10, 1, 900, 0), 0, 0).0, "drop wins");
    // and: every sub-policy must sample.
    let (mut p, n) = compiled("and(attr:http.route=/x,status_code=error)");
    assert_eq!(n, 1);
    assert!(!dec(&mut p, &err, 0, 0).0);
    assert!(dec(&mut p, &agg(10, 1, 5, 1), 0, 0).0);
    // and stops at the first "not sampled": the rate limit is not consulted.
    let (mut p, _) = compiled("and(status_code=error,rate_limit=10sps)");
    for i in 0..100 {
        assert!(!dec(&mut p, &ok, 0, i).0);
    }
    assert!(dec(&mut p, &err, 0, 100).0, "tokens were not spent");
    // A probabilistic policy compares the trace-id hash with p·2^64.
    let (mut p, _) = compiled("probabilistic=25%");
    assert!(dec(&mut p, &ok, u64::MAX / 4 - 1, 0).0);
    assert!(!dec(&mut p, &ok, u64::MAX / 4 + 2, 0).0);
    // Adjusted count: errors always (1), others at 25% (4).
    let (mut p, _) = compiled("status_code=error,probabilistic=25%");
    assert_eq!(dec(&mut p, &err, u64::MAX, 0), (true, 1.0));
    assert_eq!(dec(&mut p, &ok, 0, 0), (true, 4.0));
}

#[test]
fn rate_limits_and_composite_allocation() {
    // Token bucket of 20 spans/s, burst 40: 10-span traces every 100 ms.
    let (mut p, _) = compiled("rate_limit=20sps");
    let kept = (0..100)
        .filter(|i| dec(&mut p, &agg(10, 0, 5, 0), 0, i * 100_000_000).0)
        .count();
    // 4 from the burst, then 2 per second over 9.9 s.
    assert!((22..=24).contains(&kept), "{kept}");
    // Composite: the first sampling sub-policy decides within its share.
    let (mut p, _) = compiled("composite(max=100sps,status_code=error@20%,always_sample@80%)");
    let second = 5_000_000_000;
    let errs = (0..5)
        .filter(|_| dec(&mut p, &agg(10, 1, 5, 0), 0, second).0)
        .count();
    assert_eq!(errs, 2, "errors get 20 spans per second");
    let oks = (0..10)
        .filter(|_| dec(&mut p, &agg(10, 0, 5, 0), 0, second).0)
        .count();
    assert_eq!(oks, 8, "the rest gets 80");
    assert!(
        dec(&mut p, &agg(10, 1, 5, 0), 0, second + 1_000_000_000).0,
        "a new second"
    );
}

#[test]
fn weighted_percentiles_beat_raw_ones_on_a_skewed_sample() {
    let r = lab_with(
        "checkout",
        20_000,
        4_500.0,
        &["latency>=4500ms,probabilistic=5%"],
    );
    let s = &r.strategies[0];
    let truth = [r.true_p50_ms, r.true_p95_ms, r.true_p99_ms];
    let raw = [s.p50_ms, s.p95_ms, s.p99_ms].map(|x| x.unwrap_or(0.0));
    let weighted =
        [s.p50_weighted_ms, s.p95_weighted_ms, s.p99_weighted_ms].map(|x| x.unwrap_or(0.0));
    for i in 0..3 {
        let (e_raw, e_w) = ((raw[i] - truth[i]).abs(), (weighted[i] - truth[i]).abs());
        assert!(
            e_w < e_raw,
            "quantile {i}: weighted {} raw {} true {}",
            weighted[i],
            raw[i],
            truth[i]
        );
    }
    assert!((weighted[0] - truth[0]).abs() / truth[0] < 0.03);
    assert_eq!(s.slow_traces_kept, s.slow_traces_total);
}

#[test]
fn short_decision_wait_makes_late_spans() {
    // Checkout traces last about 4 s; the cache read ends first.
    let r = lab(
        "checkout",
        2_000,
        &[
            "always_sample,decision_wait=500ms",
            "latency>=3s,decision_wait=1s",
        ],
    );
    let all = &r.strategies[0];
    assert!(all.late_spans > 2_000, "{}", all.late_spans);
    assert_eq!(
        all.complete_traces, 2_000,
        "late spans follow a keep decision"
    );
    let latency = &r.strategies[1];
    assert!(latency.late_spans > 0);
    assert_eq!(latency.traces_kept, 0, "after 1 s no trace looks slow yet");
}

#[test]
fn a_small_buffer_loses_traces_before_their_decision() {
    let r = lab(
        "checkout",
        2_000,
        &["always_sample,num_traces=20", "always_sample"],
    );
    let small = &r.strategies[0];
    assert!(
        small.lost_traces > 1_000 && small.lost_traces <= 2_000,
        "{}",
        small.lost_traces
    );
    assert!(small.evicted_entries >= small.lost_traces);
    assert!(small.peak_buffered_traces.unwrap_or(0) <= 20);
    assert!(small.traces_kept < 2_000 && small.broken_traces > 0);
    let big = &r.strategies[1];
    assert_eq!((big.lost_traces, big.complete_traces), (0, 2_000));
    // 15 traces/s for 30 s wait: about 450 traces in memory at peak.
    let peak = big.peak_buffered_traces.unwrap_or(0);
    assert!((380..=560).contains(&peak), "{peak}");
    assert!(big.peak_buffered_spans.unwrap_or(0) >= peak * 10);
}

#[test]
fn string_and_numeric_attributes_and_drop() {
    let r = lab(
        "study-sheet",
        5_000,
        &[
            "attr:service.name=cart",
            "attr:http.response.status_code>=500",
            "always_sample,drop:attr:http.response.status_code=503",
            "attr:error.type=401",
        ],
    );
    let s = &r.strategies;
    // Cart is reached unless auth or the api failed first.
    assert!(
        (4_900..5_000).contains(&s[0].traces_kept),
        "{}",
        s[0].traces_kept
    );
    // Every failure surfaces as a 5xx at the frontend; nothing else does.
    assert_eq!(s[1].traces_kept, r.error_traces);
    assert!(s[2].traces_kept < 5_000 && s[2].traces_kept > 4_800);
    assert!(s[3].traces_kept > 0, "auth's session errors");
}
