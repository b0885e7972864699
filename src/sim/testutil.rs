//! Test helpers: the bundled scenarios and trace invariant checks.

use crate::sim::scenario::topology::{Scenario, parse_scenario};
use crate::sim::trace::{SpanKind, Trace};

/// The bundled scenario files.
pub(crate) const FILES: &[(&str, &str)] = &[
    (
        "study-sheet",
        include_str!("../../content/topologies/study-sheet.toml"),
    ),
    (
        "checkout",
        include_str!("../../content/topologies/checkout.toml"),
    ),
    (
        "retry-storm",
        include_str!("../../content/topologies/retry-storm.toml"),
    ),
    (
        "async-orders",
        include_str!("../../content/topologies/async-orders.toml"),
    ),
    (
        "broken-propagation",
        include_str!("../../content/topologies/broken-propagation.toml"),
    ),
    (
        "large-estate",
        include_str!("../../content/topologies/large-estate.toml"),
    ),
    (
        "n-plus-one",
        include_str!("../../content/topologies/n-plus-one.toml"),
    ),
    (
        "cache-stampede",
        include_str!("../../content/topologies/cache-stampede.toml"),
    ),
    (
        "wide-fanout",
        include_str!("../../content/topologies/wide-fanout.toml"),
    ),
    (
        "serverless-cold-start",
        include_str!("../../content/topologies/serverless-cold-start.toml"),
    ),
    (
        "queue-backlog",
        include_str!("../../content/topologies/queue-backlog.toml"),
    ),
    (
        "regional-outage",
        include_str!("../../content/topologies/regional-outage.toml"),
    ),
    (
        "clock-skew",
        include_str!("../../content/topologies/clock-skew.toml"),
    ),
];

/// Parses a bundled scenario, panicking with the errors if invalid.
pub(crate) fn scenario(name: &str) -> Scenario {
    let text = FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no scenario {name}"));
    match parse_scenario(text) {
        Ok(s) => s,
        Err(e) => panic!("{name}: {e:?}"),
    }
}

/// `(service name, clock offset)` of bundled scenario `name`'s skewed services.
fn skewed_services(name: &str) -> Vec<(String, i64)> {
    if !FILES.iter().any(|(n, _)| *n == name) {
        return Vec::new();
    }
    scenario(name)
        .services
        .iter()
        .filter(|s| s.clock_offset_ns != 0)
        .map(|s| (s.name.to_string(), s.clock_offset_ns))
        .collect()
}

/// Checks structural invariants every generated trace must satisfy. A span
/// and its parent are only checked for time containment when neither
/// service has a clock offset.
pub(crate) fn check_invariants(t: &Trace) {
    let skewed = skewed_services(&t.scenario);
    let offset = |service: usize| {
        let name = t.services.get(service).map(|x| &*x.name);
        skewed
            .iter()
            .find(|(n, _)| Some(n.as_str()) == name)
            .map_or(0, |(_, o)| *o)
    };
    for (i, s) in t.spans.iter().enumerate() {
        assert!(s.end_ns >= s.start_ns, "span {i} ends before it starts");
        assert_ne!(s.span_id, [0u8; 8], "span {i} has a zero id");
        assert!(s.service < t.services.len(), "span {i} bad service");
        match s.parent {
            None => {
                assert!(s.parent_span_id.is_none(), "root {i} has a parent id");
            }
            Some(p) => {
                assert!(p < i, "span {i}: parent {p} does not precede it");
                let ps = &t.spans[p];
                assert_eq!(s.parent_span_id, Some(ps.span_id), "span {i}: parent id");
                assert_eq!(
                    s.trace_id, ps.trace_id,
                    "span {i}: trace id differs from parent"
                );
                let timeout = ps.kind == SpanKind::Client
                    && s.kind == SpanKind::Server
                    && ps.attr("error.type").and_then(|v| v.as_str()) == Some("timeout");
                let async_edge = ps.kind == SpanKind::Producer && s.kind == SpanKind::Consumer;
                if offset(s.service) == offset(ps.service) {
                    assert!(
                        s.start_ns >= ps.start_ns,
                        "span {i} starts before its parent"
                    );
                    if !timeout && !async_edge {
                        assert!(
                            s.end_ns <= ps.end_ns,
                            "span {i} ({}) outlives parent {p} ({})",
                            s.name,
                            ps.name
                        );
                    }
                }
                if matches!(s.kind, SpanKind::Server | SpanKind::Consumer) {
                    let want = format!(
                        "00-{}-{}-01",
                        crate::sim::trace::hex(&s.trace_id),
                        crate::sim::trace::hex(&ps.span_id)
                    );
                    assert_eq!(
                        s.traceparent.as_deref(),
                        Some(want.as_str()),
                        "span {i} header"
                    );
                }
            }
        }
    }
    let mut ids: Vec<[u8; 8]> = t.spans.iter().map(|s| s.span_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), t.spans.len(), "duplicate span ids");
}
