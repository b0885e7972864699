//! Each policy type at its edges: equal to the bound, just inside, just
//! outside, on the processor's own resolution.

use crate::sim::sampling::spec::tail;
use crate::sim::sampling::tail::decide::decide_all;
use crate::sim::sampling::tail::policy::{TraceCtx, compile, probabilistic_threshold};
use crate::sim::sampling::tests::tail::{agg, compiled, dec};

const MS: u64 = 1_000_000;

/// Decision of a one-policy spec on a trace of `spans`, `errors`, `ns` long.
fn keeps(spec: &str, spans: u32, errors: u32, ns: u64, mask: u64) -> bool {
    let (mut p, _) = compiled(spec);
    let mut a = agg(spans, errors, 0, mask);
    a.max_end = a.min_start + ns;
    dec(&mut p, &a, u64::MAX, 0).0
}

/// Decision with the spec's own processor settings (first match, gate).
fn keeps_with(spec: &str, errors: u32, mask: u64) -> bool {
    let t = tail::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
    let mut preds = Vec::new();
    let mut p: Vec<_> = t
        .policies
        .iter()
        .map(|q| compile(&q.policy, &t, 500, &mut preds))
        .collect();
    let a = agg(10, errors, 5, mask);
    let ctx = TraceCtx {
        agg: &a,
        h: u64::MAX,
        id: &[0; 16],
        now_ns: 0,
    };
    decide_all(&mut p, t.sample_on_first_match, &ctx).0
}

#[test]
fn latency_is_exclusive_over_whole_milliseconds() {
    let s = "latency>20ms";
    assert!(!keeps(s, 3, 0, 20 * MS, 0), "equal");
    assert!(
        !keeps(s, 3, 0, 21 * MS - 1, 0),
        "20.999999 ms is 20 whole ms"
    );
    assert!(keeps(s, 3, 0, 21 * MS, 0), "just above");
    assert!(!keeps(s, 3, 0, 19 * MS, 0), "below");
    assert!(keeps("latency>=21ms", 3, 0, 21 * MS, 0));
    assert!(!keeps("latency>=21ms", 3, 0, 21 * MS - 1, 0));
    let band = "latency=(20ms,30ms]";
    assert!(!keeps(band, 3, 0, 20 * MS + MS / 2, 0));
    assert!(keeps(band, 3, 0, 21 * MS, 0));
    assert!(
        keeps(band, 3, 0, 31 * MS - 1, 0),
        "30.999999 ms is 30 whole ms"
    );
    assert!(!keeps(band, 3, 0, 31 * MS, 0));
}

#[test]
fn span_count_bounds_are_inclusive() {
    let s = "span_count=[2,20]";
    assert!(!keeps(s, 1, 0, MS, 0));
    assert!(keeps(s, 2, 0, MS, 0));
    assert!(keeps(s, 20, 0, MS, 0));
    assert!(!keeps(s, 21, 0, MS, 0));
    assert!(!keeps("span_count>49", 49, 0, MS, 0));
    assert!(keeps("span_count>49", 50, 0, MS, 0));
}

#[test]
fn status_codes() {
    assert!(!keeps("status_code=error", 5, 0, MS, 0));
    assert!(keeps("status_code=error", 5, 1, MS, 0));
    assert!(
        !keeps("status_code=unset", 5, 5, MS, 0),
        "every span failed"
    );
    assert!(keeps("status_code=unset", 5, 4, MS, 0));
    assert!(
        !keeps("status_code=ok", 5, 0, MS, 0),
        "the generator never sets OK"
    );
}

#[test]
fn probabilistic_compares_the_hash_with_the_go_threshold() {
    let t = probabilistic_threshold(0.25);
    assert_eq!(t, 4_611_686_018_427_387_903, "floor((2^64-1)/4)");
    assert_eq!(probabilistic_threshold(1.0), u64::MAX);
    assert_eq!(probabilistic_threshold(0.0), 0);
    let (mut p, _) = compiled("probabilistic=25%");
    let a = agg(3, 0, 5, 0);
    assert!(dec(&mut p, &a, t, 0).0, "equal");
    assert!(dec(&mut p, &a, t - 1, 0).0, "below");
    assert!(!dec(&mut p, &a, t + 1, 0).0, "just above");
}

#[test]
fn rate_and_byte_buckets_at_their_capacity() {
    let (mut p, _) = compiled("rate_limit=20sps");
    assert!(dec(&mut p, &agg(40, 0, 5, 0), 0, 0).0, "the full burst");
    assert!(!dec(&mut p, &agg(1, 0, 5, 0), 0, 0).0, "one more");
    assert!(
        dec(&mut p, &agg(1, 0, 5, 0), 0, 50_000_000).0,
        "one token in 50 ms"
    );
    let (mut p, _) = compiled("rate_limit=20sps");
    assert!(!dec(&mut p, &agg(41, 0, 5, 0), 0, 0).0, "above the burst");
    // 1000 B/s, burst 2000 B, 500 B per span: four spans fit.
    let (mut p, _) = compiled("bytes_limit=1000");
    assert!(dec(&mut p, &agg(4, 0, 5, 0), 0, 0).0);
    assert!(!dec(&mut p, &agg(1, 0, 5, 0), 0, 0).0);
    let (mut p, _) = compiled("bytes_limit=1000/1500");
    assert!(
        !dec(&mut p, &agg(4, 0, 5, 0), 0, 0).0,
        "above the given burst"
    );
    assert!(dec(&mut p, &agg(3, 0, 5, 0), 0, 0).0);
}

#[test]
fn composite_allocations_at_their_edge() {
    let (mut p, _) = compiled("composite(max=100sps,status_code=error@20%,always_sample@0%)");
    let s = 3_000_000_000;
    assert!(
        dec(&mut p, &agg(20, 1, 5, 0), 0, s).0,
        "exactly the allocation"
    );
    assert!(!dec(&mut p, &agg(1, 1, 5, 0), 0, s).0, "one span over");
    assert!(
        dec(&mut p, &agg(50, 0, 5, 0), 0, s).0,
        "@0% gets max/n = 50"
    );
    assert!(!dec(&mut p, &agg(1, 0, 5, 0), 0, s).0);
    assert!(
        dec(&mut p, &agg(1, 1, 5, 0), 0, s + 1_000_000_000).0,
        "next second"
    );
}

#[test]
fn attribute_predicates_and_the_inverted_decisions() {
    // Bit 0 set: some span matched the attribute.
    assert!(keeps("attr:k=v", 3, 0, MS, 1));
    assert!(!keeps("attr:k=v", 3, 0, MS, 0));
    // Inverted "not sampled" beats a plain "sampled".
    assert!(!keeps_with("attr:k!=v,always_sample", 0, 1));
    assert!(keeps_with("attr:k!=v,always_sample", 0, 0));
    // Inverted "sampled" loses to any "not sampled".
    assert!(!keeps_with("attr:k!=v,status_code=error", 0, 0));
    assert!(keeps_with("attr:k!=v,status_code=error", 1, 0));
    // With the feature gate the inversion is a plain decision.
    assert!(keeps_with(
        "attr:k!=v,status_code=error,disable_invert_decisions",
        0,
        0
    ));
    assert!(keeps_with(
        "attr:k!=v,always_sample,disable_invert_decisions",
        0,
        1
    ));
    // Inside and, an inverted "sampled" counts as sampled.
    assert!(keeps_with("and(attr:k!=v,always_sample)", 0, 0));
    assert!(!keeps_with("and(attr:k!=v,always_sample)", 0, 1));
    assert!(keeps_with("bool:flag=true", 0, 1));
    assert!(keeps_with("trace_state:k=v", 0, 1));
    assert!(!keeps_with("trace_flags", 0, 0));
}

#[test]
fn generated_spans_are_sampled_and_carry_no_tracestate() {
    use crate::sim::sampling::population::{LeanSpan, NO_CODE, NO_PARENT, Templates};
    use crate::sim::sampling::tail::predicates::Predicates;
    let sc = crate::sim::testutil::scenario("checkout");
    let tm = Templates::new(&sc);
    let t = tail::parse("trace_state:ot=th:0,trace_flags").unwrap_or_else(|e| panic!("{e}"));
    let preds: Vec<_> = t.policies.iter().map(|q| q.policy.clone()).collect();
    let p = Predicates::new(&sc, &tm, &preds);
    for template in 0..tm.list.len() as u32 {
        let span = LeanSpan {
            span_id: 1,
            start_ns: 0,
            end_ns: 1,
            parent: NO_PARENT,
            template,
            group: 0,
            service: 0,
            code: NO_CODE,
            flags: 0,
            attempt: 0,
        };
        assert_eq!(p.mask(&sc, &tm, &span), 0b10, "template {template}");
    }
}

#[test]
fn drop_wins_unless_the_first_match_stops_first() {
    assert!(!keeps_with("always_sample,drop:status_code=error", 1, 0));
    assert!(keeps_with("always_sample,drop:status_code=error", 0, 0));
    assert!(keeps_with(
        "always_sample,drop:status_code=error,sample_on_first_match",
        1,
        0
    ));
    assert!(!keeps_with(
        "drop:status_code=error,always_sample,sample_on_first_match",
        1,
        0
    ));
}
