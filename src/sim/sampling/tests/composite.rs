//! SDK settings, ProbabilitySampler and composite samplers over
//! fixed-seed populations.

use crate::sim::sampling::LeanTrace;
use crate::sim::sampling::composite::{CompositeSampler, SpanState};
use crate::sim::sampling::consistent;
use crate::sim::sampling::population::{NO_PARENT, Templates};
use crate::sim::sampling::spec::{HeadSpec, RootSampler, StrategyKind, parse_head, parse_strategy};
use crate::sim::sampling::tests::{lab, population_of};
use crate::sim::trace::SpanKind;

fn spec(text: &str) -> HeadSpec {
    match parse_strategy(text).map(|s| s.kind) {
        Ok(StrategyKind::Head(h)) => h,
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn env_values_are_the_sdk_samplers() {
    let cases = [
        ("env:always_on", HeadSpec::AlwaysOn),
        ("env:ALWAYS_OFF", HeadSpec::AlwaysOff),
        ("env:traceidratio=0.25", HeadSpec::Ratio(0.25)),
        ("env:traceidratio", HeadSpec::Ratio(1.0)),
        (
            "env:parentbased_always_on",
            HeadSpec::ParentBased(RootSampler::AlwaysOn),
        ),
        (
            "env:parentbased_always_off",
            HeadSpec::ParentBased(RootSampler::AlwaysOff),
        ),
        (
            "env:parentbased_traceidratio=0.1",
            HeadSpec::ParentBased(RootSampler::Ratio(0.1)),
        ),
        (
            "OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1",
            HeadSpec::ParentBased(RootSampler::Ratio(0.1)),
        ),
        (
            "export OTEL_TRACES_SAMPLER=\"traceidratio\"; export OTEL_TRACES_SAMPLER_ARG='0.5'",
            HeadSpec::Ratio(0.5),
        ),
        ("env:jaeger_remote", HeadSpec::Ratio(0.001)),
        (
            "env:parentbased_jaeger_remote=endpoint=http://j:14250,pollingIntervalMs=5000,initialSamplingRate=0.25",
            HeadSpec::ParentBased(RootSampler::Ratio(0.25)),
        ),
        ("probability=0.1", HeadSpec::Probability(0.1)),
        (
            "parent_based=probability:1%",
            HeadSpec::ParentBased(RootSampler::Probability(0.01)),
        ),
    ];
    for (text, want) in cases {
        assert_eq!(spec(text), want, "{text}");
    }
    let errors = [
        ("env:traceidratio=1.5", "outside [0, 1]"),
        ("env:traceidratio=ten", "as if it were unset"),
        ("env:always_on=0.5", "takes no OTEL_TRACES_SAMPLER_ARG"),
        ("env:xray", "AWS X-Ray"),
        ("env:sometimes", "unknown OTEL_TRACES_SAMPLER value"),
        (
            "OTEL_TRACES_SAMPLER_ARG=0.1",
            "only read with OTEL_TRACES_SAMPLER",
        ),
        (
            "env:jaeger_remote=initialSamplingRate=2",
            "initialSamplingRate",
        ),
        ("composite=probability(0.1", "unknown composable"),
        (
            "composite=rule_based(* probability(0.1))",
            "PREDICATE -> SAMPLER",
        ),
        (
            "composite=rule_based(kind=sever -> always_on)",
            "unknown span kind",
        ),
        ("probability=0", "always_off"),
    ];
    for (text, msg) in errors {
        match parse_head(text) {
            Err(e) => assert!(e.to_string().contains(msg), "{text}: {e}"),
            Ok(s) => panic!("{text} parsed: {s:?}"),
        }
    }
    // The tail policy `composite(…)` is still a tail strategy.
    assert!(matches!(
        parse_strategy("composite(max=10sps,always_sample@0%)").map(|s| s.kind),
        Ok(StrategyKind::Tail(_))
    ));
}

#[test]
fn env_strategies_run_like_their_sampler() {
    let r = lab(
        "study-sheet",
        5_000,
        &[
            "env:parentbased_traceidratio=0.2",
            "parent_based=ratio:0.2",
            "probability=0.2",
            "consistent=0.2",
            "composite=parent_threshold(probability(0.2))",
        ],
    );
    let s = &r.strategies;
    assert_eq!(s[0].traces_kept, s[1].traces_kept);
    assert_eq!(s[0].spans_kept, s[1].spans_kept);
    // ProbabilitySampler everywhere, ParentBased(ProbabilitySampler) and the
    // composite form decide the same trace ids.
    for other in &s[3..] {
        assert_eq!(s[2].traces_kept, other.traces_kept, "{}", other.name);
        assert_eq!(s[2].spans_kept, other.spans_kept, "{}", other.name);
        assert_eq!(other.broken_traces, 0, "{}", other.name);
        assert_eq!(other.tracestate.as_deref(), Some("ot=th:cccd"));
    }
    assert!(explain_mentions_deprecation(&r, 0));
}

fn explain_mentions_deprecation(r: &crate::sim::sampling::LabReport, i: usize) -> bool {
    let spec = parse_strategy(&r.strategies[i].name).unwrap_or_else(|e| panic!("{e}"));
    crate::sim::sampling::explain::note(r, &spec, &r.strategies[i]).contains("deprecated")
}

/// Runs composite sampler specs over a population and calls `f` with each
/// trace and the span states each sampler gave it.
fn each_decision(
    name: &str,
    n: u64,
    texts: &[&str],
    mut f: impl FnMut(&LeanTrace, &[Vec<SpanState>]),
) {
    let mut pop = population_of(name, n);
    let samplers: Vec<CompositeSampler> = texts
        .iter()
        .map(|t| match spec(t) {
            HeadSpec::Composite(c) => CompositeSampler::new(&c, pop.scenario(), pop.templates()),
            other => panic!("{t}: {other:?}"),
        })
        .collect();
    let mut t = LeanTrace::default();
    let mut states = vec![Vec::new(); samplers.len()];
    while pop.next_into(&mut t) {
        for (s, st) in samplers.iter().zip(states.iter_mut()) {
            s.decide(&t.trace_ids, &t.spans, st);
        }
        f(&t, &states);
    }
}

#[test]
fn chained_consistent_samplers_keep_nested_subsets() {
    // Several composite samplers with falling probabilities, and a rule-based
    // one where the API service samples at 10% and everything else at 50%:
    // whatever a lower probability keeps, a higher one keeps too.
    let texts = [
        "composite=probability(0.5)",
        "composite=parent_threshold(probability(0.25))",
        "composite=probability(0.1)",
        "composite=rule_based(attr:service.name=api -> probability(0.1), * -> probability(0.5))",
    ];
    let (mut traces, mut kept_api_only_partly) = (0u64, 0u64);
    let mut kept = [0u64; 4];
    each_decision("study-sheet", 5_000, &texts, |t, states| {
        traces += 1;
        for (i, st) in states.iter().enumerate() {
            kept[i] += u64::from(st.first().is_some_and(|s| s.sampled));
        }
        for (j, s) in t.spans.iter().enumerate() {
            let at = |i: usize| states[i][j].sampled;
            assert!(!at(2) || at(1), "kept at 10% but not at 25%");
            assert!(!at(1) || at(0), "kept at 25% but not at 50%");
            assert!(!at(2) || at(3), "kept at 10% but not by the rules");
            assert!(!at(3) || at(0), "rules keep within 50%");
            // Within the rule-based trace: a kept api span implies every
            // other span of its trace id is kept.
            if states[3][j].sampled {
                for (k, o) in t.spans.iter().enumerate() {
                    if o.group == s.group && !states[3][k].sampled {
                        assert_ne!(
                            t.spans[j].service, o.service,
                            "same service, same threshold, same decision"
                        );
                    }
                }
            }
        }
        let api = states[3]
            .iter()
            .zip(&t.spans)
            .any(|(st, s)| st.sampled && s.parent != NO_PARENT);
        if api && states[3].iter().any(|s| !s.sampled) {
            kept_api_only_partly += 1;
        }
    });
    for (i, p) in [0.5, 0.25, 0.1].iter().enumerate() {
        let (n, mean) = (traces as f64, traces as f64 * p);
        assert!(
            (kept[i] as f64 - mean).abs() <= 4.0 * (n * p * (1.0 - p)).sqrt(),
            "{}: {} of {traces}",
            texts[i],
            kept[i]
        );
    }
    // Rules with different thresholds per service keep traces in part.
    assert!(kept_api_only_partly > 0);
}

#[test]
fn parent_threshold_propagates_th_and_keeps_traces_whole() {
    let t1 = consistent::threshold(0.3, consistent::DEFAULT_PRECISION);
    let sc = crate::sim::testutil::scenario("checkout");
    let tm = Templates::new(&sc);
    let server: Vec<bool> = (0..tm.list.len() as u32)
        .map(|t| tm.kind(&sc, t) == SpanKind::Server)
        .collect();
    each_decision(
        "checkout",
        2_000,
        &[
            "composite=parent_threshold(probability(0.3))",
            "composite=parent_threshold(rule_based(root -> probability(0.3)))",
            "composite=rule_based(kind=server -> always_on)",
        ],
        |t, states| {
            let root = states[0][0];
            for st in &states[0] {
                assert_eq!(*st, root, "children follow the root");
            }
            assert_eq!(states[0], states[1]);
            if root.sampled {
                assert_eq!(root.th, Some(t1));
                assert!(consistent::randomness(&t.trace_ids[0]) >= t1);
            }
            // Only server spans match; the others get no threshold.
            for (s, st) in t.spans.iter().zip(&states[2]) {
                let server = server[s.template as usize];
                assert_eq!(st.sampled, server);
                assert_eq!(st.th, server.then_some(0));
            }
        },
    );
}
