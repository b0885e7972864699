//! Late spans (README of the processor, "Late-Arriving Spans"): they
//! inherit the decision while the trace is held; after it has left the
//! buffer, the decision caches answer; without them the late spans start a
//! new entry and a new decision.

use crate::sim::sampling::tests::lab;

/// Checkout traces last about 4 s and arrive 15 a second: with a 1 s wait,
/// 60 entries hold every trace until its decision but not until its end.
#[test]
fn late_spans_inherit_while_held_then_the_caches_answer() {
    let r = lab(
        "checkout",
        2_000,
        &[
            "latency>=2s,decision_wait=1s",
            "latency>=2s,decision_wait=1s,num_traces=60",
            "latency>=2s,decision_wait=1s,num_traces=60,non_sampled_cache=100000",
            "latency>=2s,decision_wait=1s,num_traces=60,sampled_cache=100000",
        ],
    );
    let s = &r.strategies;
    // Held: after 1 s no trace looks 2 s long, and late spans follow that.
    assert_eq!((s[0].traces_kept, s[0].broken_traces), (0, 0));
    assert!(s[0].late_spans > 10_000);
    assert_eq!(s[0].cache_hits, 0);
    // Released without a cache: the late spans are decided again on their
    // own, and the long ones among them now look slow.
    assert!(s[1].broken_traces > 1_000, "{:?}", s[1]);
    assert_eq!(s[1].complete_traces, 0);
    assert_eq!(s[1].cache_hits, 0);
    // The non-sampled cache remembers the first decision.
    assert_eq!(s[2].traces_kept, 0, "{:?}", s[2]);
    assert_eq!(s[2].cache_hits, s[2].late_spans);
    // A sampled cache alone cannot answer for traces that were dropped.
    assert_eq!(s[3].traces_kept, s[1].traces_kept);
    assert_eq!(s[3].cache_hits, 0);
}

#[test]
fn a_sampled_cache_keeps_late_spans_of_kept_traces() {
    let r = lab(
        "checkout",
        2_000,
        &[
            "always_sample,decision_wait=1s,num_traces=40",
            "always_sample,decision_wait=1s,num_traces=40,sampled_cache=100000",
        ],
    );
    let (none, cached) = (&r.strategies[0], &r.strategies[1]);
    // Without a cache, late spans make new entries that crowd the buffer.
    assert!(none.lost_traces > 0 && none.broken_traces > 0, "{none:?}");
    assert_eq!((cached.complete_traces, cached.lost_traces), (2_000, 0));
    assert_eq!(cached.cache_hits, cached.late_spans);
}
