use std::sync::Arc;

use crate::sim::analysis::*;
use crate::sim::testutil::scenario;
use crate::sim::trace::{Link, ServiceInfo, Status};

/// Builds a trace from (parent, start, end, kind, service, error).
fn mk(spec: &[(Option<usize>, u64, u64, SpanKind)]) -> Trace {
    let spans = spec
        .iter()
        .enumerate()
        .map(|(i, &(parent, start_ns, end_ns, kind))| Span {
            trace_id: [1; 16],
            span_id: [(i + 1) as u8; 8],
            parent,
            parent_span_id: parent.map(|p| [(p + 1) as u8; 8]),
            service: i % 2,
            name: Arc::from(format!("s{i}").as_str()),
            kind,
            start_ns,
            end_ns,
            status: Status::Unset,
            attributes: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
            traceparent: None,
            flags: None,
            warnings: Vec::new(),
            scope: None,
            trace_state: None,
        })
        .collect();
    Trace {
        scenario: "test".into(),
        seed: 0,
        services: vec![
            ServiceInfo {
                name: Arc::from("a"),
                attributes: Vec::new(),
            },
            ServiceInfo {
                name: Arc::from("b"),
                attributes: Vec::new(),
            },
        ],
        spans,
    }
}

fn path(t: &Trace) -> Vec<(usize, u64, u64)> {
    critical_path(t, 0)
        .iter()
        .map(|s| (s.span, s.start_ns, s.end_ns))
        .collect()
}

fn covers_root(t: &Trace) {
    let p = critical_path(t, 0);
    let mut at = t.spans[0].start_ns;
    for s in &p {
        assert_eq!(s.start_ns, at, "gap or overlap in {p:?}");
        assert!(s.end_ns > s.start_ns);
        at = s.end_ns;
    }
    assert_eq!(at, t.spans[0].end_ns);
}

const I: SpanKind = SpanKind::Internal;

#[test]
fn sequential_children() {
    let t = mk(&[
        (None, 0, 100, I),
        (Some(0), 10, 40, I),
        (Some(0), 50, 90, I),
    ]);
    assert_eq!(
        path(&t),
        vec![
            (0, 0, 10),
            (1, 10, 40),
            (0, 40, 50),
            (2, 50, 90),
            (0, 90, 100)
        ]
    );
    covers_root(&t);
}

#[test]
fn parallel_children_only_the_last_to_finish() {
    let t = mk(&[
        (None, 0, 100, I),
        (Some(0), 10, 80, I),
        (Some(0), 10, 60, I),
    ]);
    assert_eq!(path(&t), vec![(0, 0, 10), (1, 10, 80), (0, 80, 100)]);
    covers_root(&t);
}

#[test]
fn overlapping_children_are_cut_at_the_boundary() {
    let t = mk(&[
        (None, 0, 100, I),
        (Some(0), 10, 60, I),
        (Some(0), 40, 90, I),
    ]);
    assert_eq!(
        path(&t),
        vec![(0, 0, 10), (1, 10, 40), (2, 40, 90), (0, 90, 100)]
    );
    covers_root(&t);
}

#[test]
fn nested_children_recurse() {
    let t = mk(&[
        (None, 0, 100, I),
        (Some(0), 10, 90, I),
        (Some(1), 20, 50, I),
        (Some(1), 30, 70, I),
    ]);
    assert_eq!(
        path(&t),
        vec![
            (0, 0, 10),
            (1, 10, 20),
            (2, 20, 30),
            (3, 30, 70),
            (1, 70, 90),
            (0, 90, 100)
        ]
    );
    covers_root(&t);
}

#[test]
fn producer_consumer_edges_do_not_block() {
    let mut t = mk(&[
        (None, 0, 50, SpanKind::Server),
        (Some(0), 10, 12, SpanKind::Producer),
        (Some(1), 30, 200, SpanKind::Consumer),
    ]);
    let sid = t.spans[1].span_id;
    t.spans[2].links.push(Link {
        trace_id: [1; 16],
        span_id: sid,
        attributes: Vec::new(),
    });
    assert_eq!(path(&t), vec![(0, 0, 10), (1, 10, 12), (0, 12, 50)]);
    covers_root(&t);
    // A linked child is skipped even when the kinds are not producer/consumer.
    let mut u = mk(&[(None, 0, 50, I), (Some(0), 10, 40, I)]);
    let sid = u.spans[0].span_id;
    u.spans[1].links.push(Link {
        trace_id: [1; 16],
        span_id: sid,
        attributes: Vec::new(),
    });
    assert_eq!(path(&u), vec![(0, 0, 50)]);
}

#[test]
fn child_exceeding_parent_is_clipped() {
    // A client span that timed out at 60 while its server ran until 150.
    let t = mk(&[
        (None, 0, 100, SpanKind::Server),
        (Some(0), 10, 60, SpanKind::Client),
        (Some(1), 12, 150, SpanKind::Server),
    ]);
    assert_eq!(
        path(&t),
        vec![(0, 0, 10), (1, 10, 12), (2, 12, 60), (0, 60, 100)]
    );
    covers_root(&t);
    let selfs = self_time_ns(&t);
    assert_eq!(selfs, vec![50, 2, 138]);
}

#[test]
fn children_after_the_boundary_are_ignored() {
    // Child 2 starts after child 1 ends but child 1 finishes last? No: child 2
    // ends last; then child 1 (ends 30) is before the new boundary (60).
    let t = mk(&[
        (None, 0, 100, I),
        (Some(0), 5, 30, I),
        (Some(0), 60, 95, I),
        (Some(0), 70, 80, I),
    ]);
    assert_eq!(
        path(&t),
        vec![
            (0, 0, 5),
            (1, 5, 30),
            (0, 30, 60),
            (2, 60, 95),
            (0, 95, 100)
        ]
    );
    covers_root(&t);
}

#[test]
fn zero_length_root() {
    let t = mk(&[(None, 5, 5, I)]);
    assert_eq!(path(&t), vec![(0, 5, 5)]);
    assert!(critical_path(&t, 9).is_empty());
}

#[test]
fn self_time_subtracts_union_of_children() {
    let t = mk(&[
        (None, 0, 100, I),
        (Some(0), 10, 40, I),
        (Some(0), 30, 60, I),
        (Some(0), 90, 120, I),
    ]);
    assert_eq!(self_time_ns(&t), vec![100 - 50 - 10, 30, 30, 30]);
}

#[test]
fn breakdown_and_roots() {
    let mut t = mk(&[
        (None, 0, 100, I),
        (Some(0), 10, 40, I),
        (Some(0), 50, 90, I),
        (None, 200, 210, I),
    ]);
    t.spans[2].status = Status::Error {
        message: "x".into(),
    };
    assert_eq!(roots(&t), vec![0, 3]);
    let b = service_breakdown(&t);
    // Service 0: spans 0, 2; service 1: spans 1, 3.
    assert_eq!(b[0].span_count, 2);
    assert_eq!(b[0].error_count, 1);
    assert_eq!(b[0].self_ns, 30 + 40);
    assert_eq!(b[0].critical_ns, 30 + 40);
    assert_eq!(b[1].critical_ns, 30 + 10);
    assert_eq!(b[1].self_ns, 30 + 10);
}

#[test]
fn error_origin_is_the_deepest_failing_leaf() {
    let mut t = mk(&[
        (None, 0, 100, I),
        (Some(0), 10, 40, I),
        (Some(1), 12, 30, I),
        (Some(0), 50, 90, I),
    ]);
    assert_eq!(error_origin(&t), None);
    for i in [0, 1, 2, 3] {
        t.spans[i].status = Status::Error {
            message: "x".into(),
        };
    }
    assert_eq!(error_origin(&t), Some(2));
}

#[test]
fn generated_paths_cover_the_root() {
    for name in ["checkout", "retry-storm", "async-orders", "large-estate"] {
        let sc = scenario(name);
        for seed in 0..5 {
            let t = crate::sim::generate(&sc, seed);
            covers_root(&t);
        }
    }
}

#[test]
fn checkout_critical_path_runs_through_the_provider() {
    let t = crate::sim::generate(&scenario("checkout"), 11);
    let b = service_breakdown(&t);
    let pay = t
        .services
        .iter()
        .position(|s| &*s.name == "payment")
        .expect("payment");
    let total: u64 = b.iter().map(|x| x.critical_ns).sum();
    assert_eq!(total, t.spans[0].duration_ns());
    assert!(
        b[pay].critical_ns * 10 > total * 6,
        "payment should dominate"
    );
    let provider = t
        .spans
        .iter()
        .position(|s| &*s.name == "POST /v1/charges")
        .expect("provider");
    assert!(critical_path(&t, 0).iter().any(|s| s.span == provider));
}

#[test]
fn retry_storm_origin_is_a_timed_out_call() {
    let sc = scenario("retry-storm");
    let mut checked = 0;
    for seed in 0..20 {
        let t = crate::sim::generate(&sc, seed);
        if let Some(o) = error_origin(&t) {
            let s = &t.spans[o];
            assert_eq!(s.kind, SpanKind::Client);
            assert_eq!(
                s.attr("error.type").and_then(|v| v.as_str()),
                Some("timeout")
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}
