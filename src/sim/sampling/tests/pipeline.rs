//! Two-tier pipelines: tail sampling on Collector replicas behind a load
//! balancer. Routing by trace id never splits a trace; round robin splits a
//! trace of s spans over N replicas unless all its spans land on one
//! (probability about N^(1 − s) when traces overlap); routing by service
//! splits exactly the traces whose services map to different replicas.

use std::collections::BTreeSet;

use crate::sim::sampling::LeanTrace;
use crate::sim::sampling::pipeline::{Pipeline, Router, Routing};
use crate::sim::sampling::tests::{lab_on, population_of};
use crate::sim::testutil::scenario;

const TAILS: [&str; 3] = ["probabilistic=20%", "status_code=error", "latency>=400ms"];

fn on(collectors: u32, routing: Routing) -> Pipeline {
    Pipeline {
        collectors,
        routing,
    }
}

#[test]
fn trace_id_routing_never_splits_and_changes_nothing() {
    let one = lab_on("checkout", 3_000, 1000.0, None, Pipeline::SINGLE, &TAILS);
    let four = lab_on(
        "checkout",
        3_000,
        1000.0,
        None,
        on(4, Routing::TraceId),
        &TAILS,
    );
    assert_eq!(one.routed_apart_traces, 0);
    assert_eq!(four.routed_apart_traces, 0);
    for (a, b) in one.strategies.iter().zip(&four.strategies) {
        assert_eq!(
            (a.traces_kept, a.spans_kept, a.broken_traces),
            (b.traces_kept, b.spans_kept, b.broken_traces),
            "{}",
            a.name
        );
        assert_eq!(b.disagreeing_traces, Some(0), "{}", b.name);
    }
}

/// Expected split traces under round robin over `n` replicas, when the
/// spans of concurrent traces interleave: Σ 1 − n^(1 − s).
fn expected_round_robin_splits(name: &str, traces: u64, n: u32) -> f64 {
    let mut pop = population_of(name, traces);
    let mut t = LeanTrace::default();
    let mut sum = 0.0;
    while pop.next_into(&mut t) {
        sum += 1.0 - f64::from(n).powf(1.0 - t.spans.len() as f64);
    }
    sum
}

#[test]
fn round_robin_breaks_traces_at_the_expected_rate() {
    // At 2,000 traces a second many traces are in flight at once, so the
    // n-th span of a trace lands on an effectively random replica.
    let traces = 4_000;
    for n in [2, 3] {
        let r = lab_on(
            "async-orders",
            traces,
            1000.0,
            Some(2_000.0),
            on(n, Routing::RoundRobin),
            &TAILS,
        );
        let expected = expected_round_robin_splits("async-orders", traces, n);
        let got = r.routed_apart_traces as f64;
        assert!(
            (got - expected).abs() <= 0.02 * traces as f64,
            "{n} replicas: {got} split, expected about {expected:.0}"
        );
        assert!(got > 0.5 * traces as f64, "{got}");
        // probabilistic hashes the trace id: every replica agrees.
        assert_eq!(r.strategies[0].disagreeing_traces, Some(0));
        // status_code sees the error on one replica only: decisions differ,
        // and kept traces lose the parts other replicas dropped.
        let errors = &r.strategies[1];
        assert!(errors.disagreeing_traces.unwrap_or(0) > 0, "{errors:?}");
        assert!(errors.broken_traces > 0, "{errors:?}");
    }
}

#[test]
fn service_routing_splits_traces_whose_services_map_apart() {
    let (name, traces, n) = ("checkout", 2_000, 3);
    let sc = scenario(name);
    let mut router = Router::new(&sc, on(n, Routing::Service));
    let mut pop = population_of(name, traces);
    let mut t = LeanTrace::default();
    let mut expected = 0;
    while pop.next_into(&mut t) {
        let replicas: BTreeSet<u32> = t.spans.iter().map(|s| router.route(0, s.service)).collect();
        expected += u64::from(replicas.len() > 1);
    }
    let r = lab_on(name, traces, 1000.0, None, on(n, Routing::Service), &TAILS);
    assert_eq!(r.routed_apart_traces, expected);
    assert!(expected > 0);
}

#[test]
fn the_pipeline_is_bounded_and_parsed() {
    assert!(on(0, Routing::TraceId).validate().is_err());
    assert!(on(17, Routing::TraceId).validate().is_err());
    assert!(on(16, Routing::Service).validate().is_ok());
    assert_eq!(Routing::parse("traceID"), Ok(Routing::TraceId));
    assert_eq!(Routing::parse("round-robin"), Ok(Routing::RoundRobin));
    assert_eq!(Routing::parse("Service"), Ok(Routing::Service));
    let e = Routing::parse("random").unwrap_err();
    assert!(e.contains("`random`") && e.contains("round_robin"), "{e}");
    for r in Routing::ALL {
        assert_eq!(Routing::parse(r.name()), Ok(r));
    }
}
