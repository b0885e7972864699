//! With one Collector the flight lets a tail processor take the rest of a
//! run of one trace id's spans at once (`Processor::take_rest`). These
//! tests check that the lab ends exactly as with every span delivered on
//! its own: the same counters, and the same tallies with their examples in
//! the same order, with several strategies sharing the records, in runs
//! that decide, evict, hit the caches and take late spans.

use crate::sim::sampling::outcome::Facts;
use crate::sim::sampling::pipeline::Pipeline;
use crate::sim::sampling::population::{LeanTrace, Population};
use crate::sim::sampling::spec::{StrategyKind, TailSpec, parse_strategy};
use crate::sim::sampling::tail::flight::Flight;
use crate::sim::testutil::scenario;

/// Runs the tail `specs` over `n` traces of `name` drawn with `seed`;
/// returns each strategy's counters and all tallies, as text.
fn run(name: &str, (n, seed): (u64, u64), specs: &[&str], at_once: bool) -> String {
    let tails: Vec<TailSpec> = specs
        .iter()
        .map(|s| match parse_strategy(s).map(|st| st.kind) {
            Ok(StrategyKind::Tail(t)) => t,
            _ => panic!("{s} is not a tail strategy"),
        })
        .collect();
    let refs: Vec<&TailSpec> = tails.iter().collect();
    let sc = scenario(name);
    let mut pop = Population::new(&sc, seed, sc.rate_per_sec, n);
    let tm = pop.templates().clone();
    let sc = &sc;
    let flight = Flight::new(sc, &tm, &refs, 500, Pipeline::SINGLE);
    let mut flight = if at_once {
        flight
    } else {
        flight.span_by_span()
    };
    let mut t = LeanTrace::default();
    while pop.next_into(&mut t) {
        let facts = Facts {
            index: t.index,
            seed: t.seed,
            spans: t.spans.len() as u32,
            error: t.spans.iter().any(|s| s.is_error()),
            slow: t.duration_ns() > 1_000_000_000,
        };
        flight.advance(t.start_ns);
        flight.add(&t, facts);
    }
    flight.finish();
    let counters: Vec<_> = (0..specs.len()).map(|j| flight.counters(j)).collect();
    format!("{counters:?}\n{:?}", flight.records.tallies)
}

#[test]
fn taking_the_rest_of_a_run_at_once_changes_nothing() {
    for (name, n, specs) in [
        (
            "study-sheet",
            500,
            &["status_code=error,latency>=50ms,probabilistic=10%"][..],
        ),
        // Two strategies with small buffers and short waits: decisions
        // and evictions of one strategy fall inside another's runs.
        (
            "retry-storm",
            100,
            &[
                "always_sample,decision_wait=100ms,num_traces=2",
                "always_sample,decision_wait=10ms,num_traces=5",
            ][..],
        ),
        // Decisions due inside runs, late spans, caches.
        (
            "checkout",
            200,
            &[
                "latency>=2s,decision_wait=1s",
                "always_sample,decision_wait=1s,num_traces=5",
                "latency>=2s,decision_wait=1s,num_traces=60,sampled_cache=1000,non_sampled_cache=1000",
            ][..],
        ),
        // Several trace ids per trace (lost context).
        (
            "broken-propagation",
            200,
            &[
                "status_code=error,decision_wait=50ms",
                "always_sample,decision_wait=20ms,num_traces=3",
            ][..],
        ),
    ] {
        for seed in 1..=20 {
            let at_once = run(name, (n, seed), specs, true);
            let one_by_one = run(name, (n, seed), specs, false);
            // The texts hold whole histograms: report only where.
            assert!(
                at_once == one_by_one,
                "{name}, seed {seed}: {specs:?} ends differently"
            );
        }
    }
}

/// `Flight::advance` takes the next group's key from the root's two
/// children in `BinaryHeap::as_slice`, which relies on the standard
/// library's heap being laid out as a binary heap (the documentation calls
/// the order arbitrary). This checks that layout after pushes, pops and
/// in-place changes of the top.
#[test]
fn the_second_smallest_key_is_a_child_of_the_heaps_root() {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    use std::collections::binary_heap::PeekMut;

    let mut heap = BinaryHeap::new();
    let mut x = 7u64;
    for round in 0..5_000u32 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        match x >> 62 {
            0 | 1 => heap.push(Reverse((x >> 40, round))),
            2 => {
                heap.pop();
            }
            _ => {
                if let Some(mut top) = heap.peek_mut() {
                    *top = Reverse((x >> 40, round));
                } else {
                    continue;
                }
            }
        }
        let mut keys: Vec<_> = heap.iter().map(|&Reverse(k)| k).collect();
        keys.sort_unstable();
        let children = heap.as_slice().get(1..).unwrap_or(&[]);
        let second = children.iter().take(2).map(|&Reverse(k)| k).min();
        assert_eq!(second, keys.get(1).copied(), "round {round}");
        // Keep the heap to a few dozen keys, as in a lab run.
        if heap.len() > 64
            && let Some(top) = heap.peek_mut()
        {
            PeekMut::pop(top);
        }
    }
}
