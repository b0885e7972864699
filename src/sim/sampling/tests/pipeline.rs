//! Two-tier pipelines: tail sampling on Collector replicas behind a load
//! balancer. Routing by trace id never splits a trace; round robin splits a
//! trace of s spans over N replicas unless all its spans land on one
//! (probability about N^(1 − s) when traces overlap); routing by service
//! splits exactly the traces whose services map to different replicas.

use std::collections::BTreeSet;

use crate::sim::sampling::LeanTrace;
use crate::sim::sampling::pipeline::{HashRing, Pipeline, Router, Routing};
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

#[test]
fn the_ring_places_keys_as_the_loadbalancing_exporter_does() {
    // CRC-32/IEEE's check value: the hash Go's crc32.NewIEEE computes.
    assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    // Expected replicas computed independently (Python's zlib.crc32 with
    // the exporter's algorithm) for 12 replicas `collector-1:4317` ….
    let ring = HashRing::new(12);
    let by_id: Vec<u32> = (1..=8u8).map(|b| ring.replica_for(&[b; 16])).collect();
    assert_eq!(by_id, [6, 9, 6, 8, 7, 0, 10, 0]);
    let by_service: Vec<u32> = ["frontend", "cart", "payment"]
        .iter()
        .map(|s| ring.replica_for(s.as_bytes()))
        .collect();
    assert_eq!(by_service, [11, 0, 0]);
}

#[test]
fn a_new_replica_takes_keys_only_for_itself() {
    // Consistent hashing: going from 4 to 5 replicas, a key stays where it
    // was or moves to the new replica, and about a fifth of them move.
    let (four, five) = (HashRing::new(4), HashRing::new(5));
    let mut rng = crate::sim::random::rng::SimRng::new(7, 7);
    let mut moved = 0u32;
    for _ in 0..20_000 {
        let id = rng.next_u64().to_be_bytes().repeat(2);
        let (a, b) = (four.replica_for(&id), five.replica_for(&id));
        if a != b {
            assert_eq!(b, 4, "a key only moves to the new replica");
            moved += 1;
        }
    }
    let share = f64::from(moved) / 20_000.0;
    assert!((0.1..0.3).contains(&share), "{share}");
}
