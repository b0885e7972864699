//! The stored population: real times, errors, attributes and trace ids
//! reach every strategy as they were received.

use std::sync::Arc;

use crate::sim::sampling::head::{HeadSampler, Scratch};
use crate::sim::sampling::population::stored::{Stored, StoredBuilder};
use crate::sim::sampling::population::{LeanTrace, Templates, lean_trace, trace_seed};
use crate::sim::sampling::{
    Accounting, LabReport, Pipeline, StrategyKind, parse_strategy, run_stored,
};
use crate::sim::testutil::{FILES, scenario};
use crate::sim::trace::{AttrValue, ServiceInfo, Span, SpanKind, Status, Trace};
use crate::sim::{GeneratorVersion, generate};

const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;

fn s(v: &str) -> AttrValue {
    AttrValue::Str(Arc::from(v))
}

/// A root span of `service` and a child, `ms` long, starting `at_ms` after
/// T0; the child fails when `error`; the root carries `attrs`.
fn trace(id: u8, at_ms: u64, ms: u64, error: bool, attrs: &[(&str, AttrValue)]) -> Trace {
    let start = T0 + at_ms * MS;
    let span = |n: u8, parent: Option<usize>, name: &str| Span {
        trace_id: [id; 16],
        span_id: [id, n, 0, 0, 0, 0, 0, 1],
        parent,
        parent_span_id: parent.map(|_| [id, 1, 0, 0, 0, 0, 0, 1]),
        service: 0,
        name: Arc::from(name),
        kind: if parent.is_some() {
            SpanKind::Client
        } else {
            SpanKind::Server
        },
        start_ns: start + u64::from(n - 1) * MS / 10,
        end_ns: start + ms * MS - u64::from(n - 1) * MS / 10,
        status: Status::Unset,
        attributes: Vec::new(),
        events: Vec::new(),
        links: Vec::new(),
        traceparent: None,
        flags: None,
        warnings: Vec::new(),
        scope: None,
        trace_state: None,
    };
    let mut root = span(1, None, "GET /");
    root.attributes = attrs
        .iter()
        .map(|(k, v)| (Arc::from(*k), v.clone()))
        .collect();
    let mut child = span(2, Some(0), "SELECT");
    if error {
        child.status = Status::Error {
            message: "boom".into(),
        };
    }
    Trace {
        scenario: "import".into(),
        seed: 0,
        services: vec![ServiceInfo {
            name: Arc::from("api"),
            attributes: vec![(Arc::from("deployment.environment"), s("prod"))],
        }],
        spans: vec![root, child],
    }
}

fn stored(traces: &[Trace]) -> Stored {
    let mut b = StoredBuilder::new();
    for t in traces {
        b.add(t);
    }
    b.finish("mine", "Your traces")
}

fn lab(pop: &Stored, slo_ms: f64, specs: &[&str]) -> LabReport {
    let strategies: Vec<_> = specs
        .iter()
        .map(|s| parse_strategy(s).unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect();
    let acc = Accounting {
        slo_ms,
        bytes_per_span: 500,
        pipeline: Pipeline::SINGLE,
    };
    run_stored(pop, &acc, &strategies).unwrap_or_else(|e| panic!("{e}"))
}

fn kept(r: &LabReport) -> Vec<u64> {
    r.strategies.iter().map(|s| s.traces_kept).collect()
}

#[test]
fn traces_arrive_in_order_with_real_spacing() {
    let pop = stored(&[
        trace(3, 2_000, 5, false, &[]),
        trace(1, 0, 5, false, &[]),
        trace(2, 1_000, 5, false, &[]),
    ]);
    assert_eq!(pop.ids, vec![[1; 16], [2; 16], [3; 16]]);
    let starts: Vec<u64> = pop.traces.iter().map(|t| t.start_ns).collect();
    assert_eq!(starts, vec![0, 1_000 * MS, 2_000 * MS]);
    assert_eq!(pop.first_start_ns, T0);
    assert_eq!(pop.last_end_ns, T0 + 2_005 * MS);
    assert_eq!(pop.spans, 6);
    assert!(
        pop.traces
            .iter()
            .enumerate()
            .all(|(i, t)| t.index == i as u64)
    );
    let t = &pop.traces[1];
    assert_eq!(t.spans[0].parent, super::NO_PARENT);
    assert_eq!(t.spans[1].parent, 0);
    assert_eq!(t.duration_ns(), 5 * MS);
    // One resource, two span shapes (the root and the child).
    assert_eq!(pop.scenario.services.len(), 1);
    assert_eq!(pop.templates.list.len(), 2);
}

#[test]
fn an_error_span_is_kept_by_the_error_policy() {
    let pop = stored(&[
        trace(1, 0, 5, false, &[]),
        trace(2, 10, 5, true, &[]),
        trace(3, 20, 5, false, &[]),
    ]);
    let r = lab(&pop, 1_000.0, &["status_code=error", "always_on"]);
    assert_eq!(r.traces, 3);
    assert_eq!(r.error_traces, 1);
    assert_eq!(kept(&r), vec![1, 3]);
    assert_eq!(r.strategies[0].error_traces_kept, 1);
    assert_eq!(r.strategies[0].spans_kept, 2, "the whole error trace");
}

#[test]
fn a_slow_trace_is_kept_by_the_latency_policy() {
    let pop = stored(&[
        trace(1, 0, 40, false, &[]),
        trace(2, 10, 900, false, &[]),
        trace(3, 20, 60, false, &[]),
    ]);
    let r = lab(&pop, 500.0, &["latency>=500ms", "latency>50ms"]);
    assert_eq!(r.slow_traces, 1);
    assert_eq!(kept(&r), vec![1, 2]);
    assert_eq!(r.strategies[0].slow_traces_kept, 1);
    assert!(
        (r.true_p99_ms - 900.0).abs() < 900.0 * 0.005,
        "{}",
        r.true_p99_ms
    );
}

#[test]
fn attributes_reach_attribute_policies_as_received() {
    let pop = stored(&[
        trace(1, 0, 5, false, &[("http.route", s("/checkout"))]),
        trace(2, 10, 5, false, &[("http.route", s("/cart"))]),
        trace(
            3,
            20,
            5,
            false,
            &[
                ("http.route", s("/cart")),
                ("http.response.status_code", AttrValue::Int(503)),
                ("error.type", s("503")),
                ("app.vip", AttrValue::Bool(true)),
            ],
        ),
    ]);
    let r = lab(
        &pop,
        1_000.0,
        &[
            "attr:http.route=/checkout",
            "attr:http.route~=^/ca",
            "attr:http.response.status_code>=500",
            "attr:error.type=503",
            "bool:app.vip=true",
            "attr:deployment.environment=prod",
            "attr:http.route!=/cart",
        ],
    );
    assert_eq!(kept(&r), vec![1, 2, 1, 1, 1, 3, 1]);
}

/// The lean trace the generator's path gives for `seed`, and the same
/// trace generated in full and read back as a stored trace.
fn both_paths(name: &str, seed: u64) -> (LeanTrace, Stored) {
    let sc = scenario(name);
    let tm = Templates::new(&sc);
    let full = generate(&sc, seed);
    let mut lean = LeanTrace::default();
    lean_trace(
        &sc,
        &tm,
        (seed, GeneratorVersion::CURRENT),
        full.spans[0].start_ns,
        &mut lean,
    );
    (lean, stored(&[full]))
}

#[test]
fn real_trace_ids_give_the_generators_head_decisions() {
    let specs = [
        "ratio=0.3",
        "probability=0.3",
        "consistent=0.5",
        "parent_based=ratio:0.2",
        "alone=0.5",
    ];
    for (name, _) in FILES {
        let sc = scenario(name);
        for i in 0..20 {
            let (lean, pop) = both_paths(name, trace_seed(5, i));
            let mine = &pop.traces[0];
            assert_eq!(mine.trace_ids, lean.trace_ids, "{name} {i}");
            assert_eq!(mine.spans.len(), lean.spans.len(), "{name} {i}");
            assert_eq!(mine.duration_ns(), lean.duration_ns(), "{name} {i}");
            assert_eq!(mine.has_error(), lean.has_error(), "{name} {i}");
            for spec in specs {
                let Ok(StrategyKind::Head(h)) = parse_strategy(spec).map(|s| s.kind) else {
                    panic!("{spec} is a head strategy");
                };
                let generated = HeadSampler::new(&h, &sc, &Templates::new(&sc));
                let received = HeadSampler::new(&h, &pop.scenario, &pop.templates);
                let mut scratch = Scratch::default();
                let a = generated.evaluate(&lean, &mut scratch);
                let b = received.evaluate(mine, &mut scratch);
                assert_eq!(
                    (a.kept, a.kept_errors),
                    (b.kept, b.kept_errors),
                    "{name} {i} {spec}"
                );
            }
        }
    }
}

#[test]
fn generated_attributes_survive_the_round_trip() {
    // A generated trace's attributes (status codes and error.type included)
    // are read from the stored trace's templates as they were written.
    let (_, pop) = both_paths("checkout", 3);
    let r = lab(
        &pop,
        1_000.0,
        &["attr:http.request.method=GET|POST", "attr:service.name~=."],
    );
    assert_eq!(kept(&r), vec![1, 1]);
}

#[test]
fn an_empty_population_is_refused() {
    let pop = stored(&[]);
    assert!(pop.is_empty());
    let acc = Accounting {
        slo_ms: 100.0,
        bytes_per_span: 500,
        pipeline: Pipeline::SINGLE,
    };
    let strategies = vec![parse_strategy("always_on").unwrap_or_else(|e| panic!("{e}"))];
    assert!(run_stored(&pop, &acc, &strategies).is_err());
}

#[test]
fn trace_state_flags_events_and_ok_reach_their_policies() {
    use crate::sim::trace::Event;
    // 1: tracestate vendor=a, sampled flag, an exception event on the
    // root, status OK. 2: tracestate vendor=b, flags 0 (as Python's SDK
    // sends), no event. 3: a malformed tracestate, no flags at all.
    let mut one = trace(1, 0, 5, false, &[]);
    one.spans[1].trace_state = Some(Arc::from("vendor=a,ot=th:8"));
    one.spans[1].flags = Some(0x101);
    one.spans[0].status = Status::Ok;
    let at = one.spans[0].start_ns + MS;
    one.spans[0].events.push(Event {
        time_ns: at,
        name: Arc::from("exception"),
        attributes: vec![(Arc::from("exception.type"), s("TimeoutError"))],
    });
    let mut two = trace(2, 10, 5, false, &[]);
    two.spans[0].trace_state = Some(Arc::from("vendor=b"));
    two.spans[0].flags = Some(0);
    let mut three = trace(3, 20, 5, false, &[]);
    three.spans[0].trace_state = Some(Arc::from("vendor=a,,=x"));
    // An event recorded before its span started (clocks differ).
    let before = three.spans[0].start_ns - 1_000 * MS;
    three.spans[0].events.push(Event {
        time_ns: before,
        name: Arc::from("queued"),
        attributes: Vec::new(),
    });
    let pop = stored(&[one, two, three]);
    let r = lab(
        &pop,
        1_000.0,
        &[
            "trace_state:vendor=a",
            "trace_state:vendor=b",
            "trace_flags",
            "status_code=ok",
            "status_code=unset",
        ],
    );
    assert_eq!(
        kept(&r),
        vec![1, 1, 1, 1, 3],
        "a malformed tracestate matches nothing; a 0x101 flags word is sampled; \
         every trace has an UNSET span"
    );
    let yaml = "tail_sampling:\n  policies:\n    - name: timeouts\n      type: ottl_condition\n      \
                ottl_condition:\n        spanevent:\n          - 'attributes[\"exception.type\"] == \"TimeoutError\"'\n";
    let strategies =
        crate::sim::sampling::collector::parse(yaml, false).unwrap_or_else(|e| panic!("{e}"));
    let acc = Accounting {
        slo_ms: 1_000.0,
        bytes_per_span: 500,
        pipeline: Pipeline::SINGLE,
    };
    let r = run_stored(&pop, &acc, &strategies).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kept(&r), vec![1], "the span event reaches OTTL");
    // OTTL reads real unix times, and an event before its span keeps its time.
    let yaml = format!(
        "processors:
  tail_sampling/early:
    policies:
      - name: early
        type: ottl_condition
        ottl_condition:
          spanevent: ['time_unix_nano < span.start_time_unix_nano']
  tail_sampling/late:
    policies:
      - name: late
        type: ottl_condition
        ottl_condition:
          span: ['start_time_unix_nano >= {}']
",
        T0 + 10 * MS
    );
    let strategies =
        crate::sim::sampling::collector::parse(&yaml, false).unwrap_or_else(|e| panic!("{e}"));
    let r = run_stored(&pop, &acc, &strategies).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kept(&r), vec![1, 2]);
}
