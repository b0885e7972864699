//! The flight hands a tail processor a run of one trace id's spans at once
//! (`Processor::arrive_run`). These tests check that it ends in the same
//! state as span by span, in runs that decide, evict, hit the caches and
//! take late spans.

use crate::sim::sampling::outcome::Facts;
use crate::sim::sampling::population::{LeanSpan, LeanTrace};
use crate::sim::sampling::spec::{StrategyKind, parse_strategy};
use crate::sim::sampling::tail::policy::default_salted_hash;
use crate::sim::sampling::tail::processor::{Counters, NO_ENTRY, Processor, TraceRef};
use crate::sim::sampling::tail::records::Records;
use crate::sim::sampling::tests::population_of;

/// One trace id's spans as the flight holds them.
struct Group {
    id: [u8; 16],
    record: u32,
    entry: u64,
    first: u64,
}

/// Every span of `n` traces in arrival order (by end, then trace id in
/// order of appearance), each with its trace id's group.
fn arrivals(name: &str, n: u64, rec: &mut Records) -> (Vec<Group>, Vec<(usize, LeanSpan)>) {
    let mut pop = population_of(name, n);
    let mut t = LeanTrace::default();
    let (mut groups, mut spans) = (Vec::new(), Vec::new());
    while pop.next_into(&mut t) {
        let error = t.spans.iter().any(|s| s.is_error());
        let record = rec.alloc(Facts {
            index: t.index,
            seed: t.seed,
            spans: t.spans.len() as u32,
            error,
            slow: false,
        });
        let base = groups.len();
        for id in &t.trace_ids {
            groups.push(Group {
                id: *id,
                record,
                entry: NO_ENTRY,
                first: u64::MAX,
            });
        }
        for s in &t.spans {
            spans.push((base + s.group as usize, *s));
        }
    }
    spans.sort_by_key(|&(g, s)| (s.end_ns, g, s.span_id));
    for &(g, s) in &spans {
        groups[g].first = groups[g].first.min(s.end_ns);
    }
    (groups, spans)
}

/// Runs `spec` over the arrivals, a run of one group at a time or one span
/// at a time; returns the counters and the tallies.
fn deliver(name: &str, spec: &str, runs: bool) -> (Counters, String) {
    let Ok(strategy) = parse_strategy(spec) else {
        panic!("{spec}");
    };
    let StrategyKind::Tail(tail) = &strategy.kind else {
        panic!("{spec} is not a tail strategy");
    };
    let pop = population_of(name, 1);
    let (sc, tm) = (pop.scenario(), pop.templates());
    let mut rec = Records::new(1);
    let (mut groups, spans) = arrivals(name, 400, &mut rec);
    let mut p = Processor::new(sc, tm, (0, tail), 500);
    let mut i = 0;
    while i < spans.len() {
        let g = spans[i].0;
        let len = if runs {
            spans[i..].iter().take_while(|(h, _)| *h == g).count()
        } else {
            1
        };
        let run: Vec<LeanSpan> = spans[i..i + len].iter().map(|(_, s)| *s).collect();
        let group = &mut groups[g];
        let t = TraceRef {
            first_arrival: group.first,
            h: default_salted_hash(&group.id),
            id: &group.id,
            record: group.record,
        };
        p.arrive_run(sc, tm, &run, &mut group.entry, t, &mut rec);
        i += len;
    }
    p.finish(&mut rec);
    (p.counters, format!("{:?}", rec.tallies))
}

#[test]
fn a_run_at_once_ends_as_span_by_span() {
    for (name, spec) in [
        (
            "study-sheet",
            "status_code=error,latency>=50ms,probabilistic=10%",
        ),
        // Decisions fall due inside runs.
        ("checkout", "latency>=2s,decision_wait=1s"),
        // A small buffer: entries are evicted before and after deciding.
        ("checkout", "always_sample,decision_wait=1s,num_traces=5"),
        // Late spans answered by the caches.
        (
            "checkout",
            "latency>=2s,decision_wait=1s,num_traces=60,sampled_cache=1000,non_sampled_cache=1000",
        ),
        // A trace split by lost context: several trace ids per trace.
        ("broken-propagation", "status_code=error,decision_wait=50ms"),
    ] {
        let (by_run, tallies_by_run) = deliver(name, spec, true);
        let (by_span, tallies_by_span) = deliver(name, spec, false);
        assert_eq!(by_run, by_span, "{name}: {spec}");
        assert_eq!(tallies_by_run, tallies_by_span, "{name}: {spec}");
        assert!(by_run.decisions > 0, "{name}: {spec}: {by_run:?}");
    }
}
