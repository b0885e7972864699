//! Head samplers over fixed-seed populations.

use crate::sim::sampling::head::HeadSampler;
use crate::sim::sampling::spec::{HeadSpec, RootSampler, StrategyKind, parse_head};
use crate::sim::sampling::tests::{lab, population_of};

fn head(spec: &str) -> HeadSampler {
    let sc = crate::sim::testutil::scenario("checkout");
    let tm = crate::sim::sampling::population::Templates::new(&sc);
    match parse_head(spec).map(|s| s.kind) {
        Ok(StrategyKind::Head(h)) => HeadSampler::new(&h, &sc, &tm),
        other => panic!("{spec}: {other:?}"),
    }
}

#[test]
fn ratio_keeps_p_within_four_sigma() {
    let n = 20_000u64;
    for p in [0.01, 0.1, 0.5] {
        let r = lab("study-sheet", n, &[&format!("ratio={p}")]);
        let kept = r.strategies[0].traces_kept as f64;
        let mean = n as f64 * p;
        let sigma = (n as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (kept - mean).abs() <= 4.0 * sigma,
            "p={p}: kept {kept}, expected {mean} ± {}",
            4.0 * sigma
        );
        assert_eq!(r.strategies[0].broken_traces, 0);
        assert_eq!(r.strategies[0].adjusted_count, Some(1.0 / p));
    }
    let r = lab(
        "study-sheet",
        2_000,
        &["always_on", "always_off", "ratio=0", "ratio=1"],
    );
    let kept: Vec<u64> = r.strategies.iter().map(|s| s.traces_kept).collect();
    assert_eq!(kept, [2_000, 0, 0, 2_000]);
}

#[test]
fn consistent_probability_keeps_nested_subsets() {
    let ps = [0.01, 0.05, 0.1, 0.25, 0.5, 0.9];
    let samplers: Vec<HeadSampler> = ps
        .iter()
        .map(|p| head(&format!("consistent={p}")))
        .collect();
    let mut counts = [0u64; 6];
    let mut pop = population_of("checkout", 20_000);
    let mut t = crate::sim::sampling::LeanTrace::default();
    while pop.next_into(&mut t) {
        let id = &t.trace_ids[0];
        let kept: Vec<bool> = samplers.iter().map(|s| s.root_keeps(id)).collect();
        for i in 0..ps.len() {
            counts[i] += u64::from(kept[i]);
            for j in i + 1..ps.len() {
                assert!(
                    !kept[i] || kept[j],
                    "kept at p={} but not at p={}",
                    ps[i],
                    ps[j]
                );
            }
        }
    }
    for (p, c) in ps.iter().zip(counts) {
        let (n, mean) = (20_000.0, 20_000.0 * p);
        assert!(
            (c as f64 - mean).abs() <= 4.0 * (n * p * (1.0 - p)).sqrt(),
            "p={p}: {c}"
        );
    }
    assert_eq!(samplers[2].tracestate.as_deref(), Some("ot=th:e666"));
    // ParentBased(consistent) is the same sampler.
    let sc = crate::sim::testutil::scenario("checkout");
    let tm = crate::sim::sampling::population::Templates::new(&sc);
    let pb = HeadSampler::new(
        &HeadSpec::ParentBased(RootSampler::Consistent(0.1)),
        &sc,
        &tm,
    );
    assert_eq!(pb.tracestate.as_deref(), Some("ot=th:e666"));
}

#[test]
fn parent_based_never_breaks_a_trace_id() {
    for name in ["checkout", "study-sheet", "retry-storm", "async-orders"] {
        let r = lab(
            name,
            3_000,
            &["parent_based=ratio:0.3", "consistent=0.3", "ratio=0.3"],
        );
        for s in &r.strategies {
            assert_eq!(s.broken_traces, 0, "{name} {}", s.name);
            assert_eq!(s.complete_traces, s.traces_kept, "{name} {}", s.name);
        }
    }
    // With broken propagation each trace id decides at its own root: a
    // logical trace may be split, but no trace id is ever cut.
    let sampler = head("parent_based=ratio:0.5");
    let mut pop = population_of("broken-propagation", 3_000);
    let mut t = crate::sim::sampling::LeanTrace::default();
    let mut scratch = crate::sim::sampling::head::Scratch::default();
    let mut split = 0;
    while pop.next_into(&mut t) {
        let o = sampler.evaluate(&t, &mut scratch);
        // Kept spans are exactly the spans of the trace ids whose root kept.
        let whole_groups: u32 = t
            .spans
            .iter()
            .filter(|s| sampler.root_keeps(&t.trace_ids[s.group as usize]))
            .count() as u32;
        assert_eq!(o.kept, whole_groups);
        if o.kept > 0 && (o.kept as usize) < t.spans.len() {
            split += 1;
        }
    }
    // Two independent halves at p = 0.5: about half the traces are split.
    assert!((1_200..1_800).contains(&split), "{split}");
}

#[test]
fn deciding_alone_breaks_traces_at_the_expected_rate() {
    let p: f64 = 0.3;
    let mut pop = population_of("study-sheet", 10_000);
    let mut t = crate::sim::sampling::LeanTrace::default();
    let (mut expected, mut var) = (0.0, 0.0);
    while pop.next_into(&mut t) {
        let n = t.spans.len() as i32;
        let q = 1.0 - p.powi(n) - (1.0 - p).powi(n);
        expected += q;
        var += q * (1.0 - q);
    }
    let r = lab(
        "study-sheet",
        10_000,
        &["alone=0.3", "parent_based=ratio:0.3"],
    );
    let broken = r.strategies[0].broken_traces as f64;
    assert!(
        (broken - expected).abs() <= 4.0 * var.sqrt() + 1.0,
        "broken {broken}, expected {expected}"
    );
    assert!(broken > 9_000.0, "nearly every trace is broken: {broken}");
    assert_eq!(r.strategies[1].broken_traces, 0);
    let spans = r.strategies[0].spans_kept as f64 / r.spans as f64;
    assert!((spans - 0.3).abs() < 0.01, "{spans}");
}

#[test]
fn head_sampling_is_blind_to_errors_and_unbiased() {
    let r = lab("study-sheet", 20_000, &["ratio=0.1"]);
    let s = &r.strategies[0];
    assert!(r.error_traces > 200, "{}", r.error_traces);
    let share = s.error_traces_kept as f64 / s.error_traces_total as f64;
    assert!((share - 0.1).abs() < 0.05, "kept {share} of error traces");
    let p50 = s.p50_ms.unwrap_or(0.0);
    assert!(
        (p50 - r.true_p50_ms).abs() / r.true_p50_ms < 0.05,
        "{p50} vs {}",
        r.true_p50_ms
    );
}
