//! Properties of the three formats: export then import is the identity on
//! traces (to the precision of each format), round trips between formats
//! keep the structure, and no input makes a reader panic.

use std::sync::Arc;

use proptest::prelude::*;

use crate::sim::formats::export::{to_jaeger_json, to_otlp_json, to_zipkin_json};
use crate::sim::formats::import::{Format, read_file, read_text};
use crate::sim::generate::generate;
use crate::sim::testutil::{FILES, scenario};
use crate::sim::trace::{AttrValue, Event, Link, ServiceInfo, Span, SpanKind, Status, Trace};

fn attr() -> impl Strategy<Value = (Arc<str>, AttrValue)> {
    let value = prop_oneof![
        // No digits and no way to spell true/false: Zipkin types such tags.
        "[a-e\"\\\\é ]{0,8}".prop_map(|s| AttrValue::Str(Arc::from(s.as_str()))),
        any::<i64>().prop_map(AttrValue::Int),
        any::<bool>().prop_map(AttrValue::Bool),
        (-1_000_000i32..1_000_000).prop_map(|i| AttrValue::Float(f64::from(i) / 4.0)),
    ];
    // Keys with a dot never collide with the bookkeeping tags (`error`).
    ("k[a-z]{0,3}\\.[a-z]{1,3}", value).prop_map(|(k, v)| (Arc::from(k.as_str()), v))
}

fn kind() -> impl Strategy<Value = SpanKind> {
    prop_oneof![
        Just(SpanKind::Internal),
        Just(SpanKind::Server),
        Just(SpanKind::Client),
        Just(SpanKind::Producer),
        Just(SpanKind::Consumer),
    ]
}

/// A span description: parent (index below it, or none), kind, start and
/// duration in microseconds, status, attributes, an event, a link.
type Spec = (
    Option<prop::sample::Index>,
    SpanKind,
    (u64, u64),
    u8,
    Vec<(Arc<str>, AttrValue)>,
    bool,
    bool,
);

fn spec() -> impl Strategy<Value = Spec> {
    (
        proptest::option::weighted(0.8, any::<prop::sample::Index>()),
        kind(),
        (1u64..1_000_000, 0u64..100_000),
        0u8..3,
        prop::collection::vec(attr(), 0..4),
        any::<bool>(),
        any::<bool>(),
    )
}

/// Builds a trace from specs, then reads it once through OTLP so it is in
/// canonical order (the form every import returns).
fn trace(specs: Vec<Spec>, services: usize) -> Trace {
    let tid = [7u8; 16];
    let mut spans: Vec<Span> = Vec::new();
    for (i, (parent, kind, (start, dur), status, attributes, event, link)) in
        specs.into_iter().enumerate()
    {
        let span_id = ((i as u64 + 1) * 0x9e37_79b9).to_be_bytes();
        let parent = if i == 0 {
            None
        } else {
            parent.map(|p| p.index(i))
        };
        let (start_ns, parent_span_id) = match parent {
            Some(p) => (spans[p].start_ns + start * 1000, Some(spans[p].span_id)),
            None => (1_700_000_000_000_000_000 + start * 1000, None),
        };
        spans.push(Span {
            trace_id: tid,
            span_id,
            parent,
            parent_span_id,
            service: i % services,
            name: Arc::from(format!("op {i}").as_str()),
            kind,
            start_ns,
            end_ns: start_ns + dur * 1000,
            status: match status {
                0 => Status::Unset,
                1 => Status::Ok,
                _ => Status::Error {
                    message: "boom".into(),
                },
            },
            attributes,
            events: if event {
                vec![Event {
                    time_ns: start_ns,
                    name: Arc::from("exception"),
                    attributes: vec![(Arc::from("exception.type"), AttrValue::Str("E".into()))],
                }]
            } else {
                Vec::new()
            },
            links: if link && i > 0 {
                vec![Link {
                    trace_id: [9; 16],
                    span_id: spans[0].span_id,
                    attributes: Vec::new(),
                }]
            } else {
                Vec::new()
            },
            traceparent: None,
            flags: None,
            warnings: Vec::new(),
            scope: None,
            trace_state: None,
        });
    }
    let t = Trace {
        scenario: "import".into(),
        seed: 0,
        services: (0..services)
            .map(|s| ServiceInfo {
                name: Arc::from(format!("svc{s}").as_str()),
                attributes: vec![(Arc::from("host.name"), AttrValue::Str("h".into()))],
            })
            .collect(),
        spans,
    };
    read_text(&to_otlp_json(&t), Format::Otlp, 10_000)
        .expect("a built trace reads")
        .trace
}

/// Parent, id, kind, name, start, end, failed.
type Shape = (Option<usize>, [u8; 8], SpanKind, String, u64, u64, bool);

fn structure(t: &Trace) -> Vec<Shape> {
    t.spans
        .iter()
        .map(|s| {
            (
                s.parent,
                s.span_id,
                s.kind,
                s.name.to_string(),
                s.start_ns,
                s.end_ns,
                s.status.is_error(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn otlp_and_jaeger_export_then_import_is_the_identity(
        specs in prop::collection::vec(spec(), 1..40),
        services in 1usize..4,
    ) {
        let t = trace(specs, services);
        let otlp = read_text(&to_otlp_json(&t), Format::Otlp, 10_000).expect("otlp").trace;
        prop_assert_eq!(&otlp, &t);
        // Times are whole microseconds, so Jaeger loses nothing either.
        let jaeger = read_text(&to_jaeger_json(&t), Format::Jaeger, 10_000).expect("jaeger").trace;
        prop_assert_eq!(&jaeger, &t);
    }

    #[test]
    fn zipkin_keeps_the_structure_and_reads_back_its_own_bytes(
        specs in prop::collection::vec(spec(), 1..40),
        services in 1usize..4,
    ) {
        let t = trace(specs, services);
        let z = to_zipkin_json(&t);
        let back = read_text(&z, Format::Zipkin, 10_000).expect("zipkin").trace;
        prop_assert_eq!(structure(&back), structure(&t));
        for (a, b) in back.spans.iter().zip(&t.spans) {
            prop_assert_eq!(&a.attributes, &b.attributes);
        }
        prop_assert_eq!(to_zipkin_json(&back), z);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_file(&bytes, None);
        for f in [Format::Otlp, Format::Jaeger, Format::Zipkin] {
            let _ = read_file(&bytes, Some(f));
        }
    }

    #[test]
    fn json_shaped_text_never_panics(text in r#"[\[\]{}":,0-9a-zA-Z_ .-]{0,300}"#) {
        for f in [Format::Otlp, Format::Jaeger, Format::Zipkin] {
            let _ = read_text(&text, f, 1000);
        }
        let framed = format!(r#"{{"data":[{{"spans":[{text}]}}],"resourceSpans":[{text}]}}"#);
        let _ = read_file(framed.as_bytes(), None);
    }
}

#[test]
fn round_trips_between_the_three_formats() {
    for (name, _) in FILES {
        let t = generate(&scenario(name), 3);
        let otlp = read_text(&to_otlp_json(&t), Format::Otlp, 1_000_000)
            .expect("otlp")
            .trace;
        let via_jaeger = read_text(&to_jaeger_json(&otlp), Format::Jaeger, 1_000_000)
            .expect("jaeger")
            .trace;
        let via_zipkin = read_text(&to_zipkin_json(&via_jaeger), Format::Zipkin, 1_000_000)
            .expect("zipkin")
            .trace;
        assert_eq!(structure(&via_jaeger).len(), t.spans.len(), "{name}");
        // Jaeger keeps everything but sub-microsecond time; Zipkin then keeps
        // the structure, names and attribute values (not links or resource
        // attributes).
        let us = |t: &Trace| {
            structure(t)
                .into_iter()
                .map(|(p, id, k, n, s, e, err)| (p, id, k, n, s / 1000, (e - s) / 1000, err))
                .collect::<Vec<_>>()
        };
        assert_eq!(us(&via_zipkin), us(&t), "{name}");
        let back = read_text(&to_otlp_json(&via_zipkin), Format::Otlp, 1_000_000)
            .expect("otlp again")
            .trace;
        assert_eq!(to_zipkin_json(&back), to_zipkin_json(&via_zipkin), "{name}");
    }
}
