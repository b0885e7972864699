use crate::sim::generate::*;
use crate::sim::testutil::{FILES, check_invariants, scenario};
use crate::sim::trace::{SpanKind, Trace};

fn ids(t: &Trace) -> Vec<[u8; 16]> {
    t.trace_ids()
}

#[test]
fn all_scenarios_generate_valid_traces() {
    for (name, _) in FILES {
        let sc = scenario(name);
        for seed in 0..20 {
            let t = generate(&sc, seed);
            assert!(!t.spans.is_empty());
            assert_eq!(t.scenario, *name);
            check_invariants(&t);
        }
    }
}

#[test]
fn same_seed_same_trace_different_seed_different_ids() {
    let sc = scenario("study-sheet");
    let a = generate(&sc, 42);
    let b = generate(&sc, 42);
    assert_eq!(a, b);
    let c = generate(&sc, 43);
    assert_ne!(ids(&a), ids(&c));
    assert_ne!(a.spans[0].span_id, c.spans[0].span_id);
}

#[test]
fn pinned_output() {
    // Guards cross-machine/cross-release determinism: if this changes, every
    // stored seed shows a different trace. Only update it on purpose.
    // Each generator version stays pinned: earlier versions must keep
    // giving exactly their traces (stored attempts reopen with them).
    for (version, pinned) in [
        (GeneratorVersion::V1, PINNED_V1),
        (GeneratorVersion::V2, PINNED_V2),
        (GeneratorVersion::V3, PINNED_V3),
    ] {
        let opts = GenerateOptions {
            version,
            ..Default::default()
        };
        let mut got = Vec::new();
        for (name, seed) in [("study-sheet", 1), ("checkout", 7), ("large-estate", 3)] {
            let t = generate_with(&scenario(name), seed, &opts);
            let otlp = crate::sim::formats::export::to_otlp_json(&t);
            let hash = crate::sim::random::rng::fnv1a(otlp.as_bytes());
            got.push(format!(
                "{name} {} {} {hash:016x}",
                crate::sim::trace::hex(&t.spans[0].trace_id),
                t.spans.len()
            ));
        }
        assert_eq!(
            got, pinned,
            "generation output of version {version} changed"
        );
    }
}

const PINNED_V3: [&str; 3] = [
    "study-sheet 3081cad5a7a52d3db32032c9e95896bb 11 6793a5e646ae55a4",
    "checkout 366404b09cfd4a78523f17a8a5818f0d 14 0b6c3781450e59e3",
    "large-estate 2458ea56430e941cc83147f1554a0249 472 ffcaa7718dd268ff",
];

const PINNED_V2: [&str; 3] = [
    "study-sheet 71c277574c6795f947522f2ecda12808 11 e46e3e5f416376a6",
    "checkout a4cc99dbbe1d28adea0496d6b33f9798 14 a24fd6b06579d102",
    "large-estate 36cfec1236ba1e8193d45d23b7ab82ed 809 97b603e122e290a4",
];

const PINNED_V1: [&str; 3] = [
    "study-sheet 71c277574c6795f947522f2ecda12808 11 f8456655d2397363",
    "checkout a4cc99dbbe1d28adea0496d6b33f9798 14 e492da3963263ae9",
    "large-estate 36cfec1236ba1e8193d45d23b7ab82ed 103 fba77529f7a4b686",
];

#[test]
fn attributes_follow_semconv_1_44() {
    // Deprecated in semantic conventions v1.44.0 (model/*/deprecated).
    const OLD: [&str; 5] = [
        "db.system",
        "rpc.system",
        "rpc.service",
        "rpc.grpc.status_code",
        "db.statement",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (name, _) in FILES {
        let sc = scenario(name);
        for seed in 0..10 {
            for s in &generate(&sc, seed).spans {
                // gRPC spans (the AWS SDK conventions keep the SDK's bare
                // operation name in `rpc.method`).
                let grpc = s
                    .attributes
                    .iter()
                    .any(|(k, v)| &**k == "rpc.system.name" && v.to_string() == "grpc");
                for (k, v) in &s.attributes {
                    assert!(!OLD.contains(&&**k), "{name}/{seed}: deprecated {k}");
                    seen.insert(k.to_string());
                    if grpc && &**k == "rpc.method" {
                        assert!(v.to_string().contains('/'), "rpc.method {v} not qualified");
                    }
                    if &**k == "rpc.response.status_code" {
                        assert!(matches!(v, crate::sim::trace::AttrValue::Str(_)));
                    }
                }
            }
        }
    }
    for k in [
        "db.system.name",
        "rpc.system.name",
        "rpc.method",
        "rpc.response.status_code",
    ] {
        assert!(seen.contains(k), "no span carries {k}");
    }
}

#[test]
fn one_trace_id_except_broken_propagation() {
    for (name, _) in FILES {
        let sc = scenario(name);
        let t = generate(&sc, 7);
        let n = ids(&t).len();
        if *name == "broken-propagation" {
            assert_eq!(n, 2, "{name}");
            let roots: Vec<_> = t.spans.iter().filter(|s| s.parent.is_none()).collect();
            assert_eq!(roots.len(), 2);
            assert!(roots[1].traceparent.is_none());
            assert_eq!(&*t.services[roots[1].service].name, "legacy-billing");
        } else {
            assert_eq!(n, 1, "{name}");
        }
    }
}

#[test]
fn retries_are_sibling_attempts() {
    let sc = scenario("retry-storm");
    let mut seen = false;
    for seed in 0..10 {
        let t = generate(&sc, seed);
        let kids = t.children();
        for (p, list) in kids.iter().enumerate() {
            let attempts: Vec<i64> = list
                .iter()
                .map(|&c| &t.spans[c])
                .filter(|s| s.kind == SpanKind::Client && &*s.name == "GET /stock/{sku}")
                .filter_map(|s| s.attr("retry.attempt").and_then(|v| v.as_int()))
                .collect();
            if attempts.len() >= 2 {
                assert_eq!(
                    attempts,
                    (1..=attempts.len() as i64).collect::<Vec<_>>(),
                    "parent {p}"
                );
                let second = list
                    .iter()
                    .map(|&c| &t.spans[c])
                    .find(|s| s.attr("retry.attempt").and_then(|v| v.as_int()) == Some(2));
                let resend = second
                    .and_then(|s| s.attr("http.request.resend_count"))
                    .and_then(|v| v.as_int());
                assert_eq!(resend, Some(1));
                seen = true;
            }
        }
        // The storm: more inventory server spans than page views.
        let inv = t
            .spans
            .iter()
            .filter(|s| s.kind == SpanKind::Server && &*s.name == "GET /stock/{sku}")
            .count();
        assert!(inv >= 1);
    }
    assert!(seen, "no retries in 10 traces");
}

#[test]
fn timeouts_let_the_server_outlive_the_client() {
    let sc = scenario("retry-storm");
    let mut found = false;
    for seed in 0..10 {
        let t = generate(&sc, seed);
        for s in &t.spans {
            if let Some(p) = s.parent {
                let ps = &t.spans[p];
                if ps.kind == SpanKind::Client && s.end_ns > ps.end_ns {
                    assert!(ps.status.is_error());
                    assert_eq!(
                        ps.attr("error.type").and_then(|v| v.as_str()),
                        Some("timeout")
                    );
                    assert_eq!(ps.events.len(), 1);
                    found = true;
                }
            }
        }
    }
    assert!(found);
}

#[test]
fn async_call_produces_linked_consumer() {
    let sc = scenario("async-orders");
    let t = generate(&sc, 3);
    let p = t
        .spans
        .iter()
        .position(|s| s.kind == SpanKind::Producer)
        .expect("producer");
    let c = t
        .spans
        .iter()
        .position(|s| s.kind == SpanKind::Consumer)
        .expect("consumer");
    let (ps, cs) = (&t.spans[p], &t.spans[c]);
    assert_eq!(cs.parent, Some(p));
    assert_eq!(cs.links.len(), 1);
    assert_eq!(cs.links[0].span_id, ps.span_id);
    assert_eq!(cs.links[0].trace_id, ps.trace_id);
    assert!(cs.start_ns >= ps.end_ns);
    assert_eq!(
        ps.attr("messaging.destination.name")
            .and_then(|v| v.as_str()),
        Some("orders")
    );
    assert_eq!(&*ps.name, "publish orders");
}

#[test]
fn checkout_is_about_four_seconds_and_payment_dominates() {
    let sc = scenario("checkout");
    let mut total = 0.0;
    for seed in 0..20 {
        let t = generate(&sc, seed);
        total += t.spans[0].duration_ns() as f64 / 1e6;
        let pay = t
            .spans
            .iter()
            .find(|s| s.kind == SpanKind::Server && &*s.name == "POST /payments")
            .expect("payment");
        let d = pay.duration_ns() as f64 / 1e6;
        assert!((2000.0..4500.0).contains(&d), "payment {d} ms");
    }
    let mean = total / 20.0;
    assert!((3500.0..4600.0).contains(&mean), "mean root {mean} ms");
}

#[test]
fn min_spans_reaches_ten_thousand() {
    let sc = scenario("large-estate");
    assert!(sc.services.len() >= 500);
    let opts = GenerateOptions {
        min_spans: 10_000,
        start_unix_nano: None,
        ..Default::default()
    };
    let t = generate_with(&sc, 5, &opts);
    assert!(t.spans.len() >= 10_000, "{}", t.spans.len());
    check_invariants(&t);
    let again = generate_with(&sc, 5, &opts);
    assert_eq!(t, again);
}

#[test]
fn large_estate_typical_size() {
    let sc = scenario("large-estate");
    let mut sizes: Vec<usize> = (0..30).map(|s| generate(&sc, s).spans.len()).collect();
    sizes.sort_unstable();
    let median = sizes[15];
    assert!(
        (200..=5000).contains(&median),
        "median {median}, all {sizes:?}, expected {}",
        sc.expected_spans
    );
}

#[test]
fn start_time_option_and_epoch() {
    let sc = scenario("study-sheet");
    let t = generate(&sc, 9);
    assert!(t.spans[0].start_ns >= EPOCH_NS);
    assert!(t.spans[0].start_ns < EPOCH_NS + 366 * 86_400 * 1_000_000_000);
    let opts = GenerateOptions {
        min_spans: 0,
        start_unix_nano: Some(1_000),
        ..Default::default()
    };
    let u = generate_with(&sc, 9, &opts);
    assert_eq!(u.spans[0].start_ns, 1_000);
}

#[test]
#[ignore]
fn print_stats() {
    for (name, _) in FILES {
        let sc = scenario(name);
        let mut sizes = Vec::new();
        let mut durs = Vec::new();
        let mut errs = 0;
        for seed in 0..50 {
            let t = generate(&sc, seed);
            sizes.push(t.spans.len());
            durs.push(t.spans[0].duration_ns() / 1_000_000);
            errs += usize::from(t.spans[0].status.is_error());
        }
        sizes.sort_unstable();
        durs.sort_unstable();
        println!(
            "{name}: expected {:.0} depth {} services {} sizes p0 {} p50 {} p100 {} dur p50 {} p90 {} errors {errs}/50",
            sc.expected_spans,
            sc.max_depth,
            sc.services.len(),
            sizes[0],
            sizes[25],
            sizes[49],
            durs[25],
            durs[45]
        );
    }
}

#[test]
fn drop_traceparent_fault_splits_the_trace() {
    let text = FILES
        .iter()
        .find(|(n, _)| *n == "broken-propagation")
        .map(|(_, t)| *t)
        .expect("file");
    let fixed = text.replace("drop_traceparent = true\n", "");
    let sc = crate::sim::parse_scenario(&fixed).expect("valid");
    assert_eq!(generate(&sc, 1).trace_ids().len(), 1);
    let faulty = format!("{fixed}\n[[fault]]\nkind = \"drop_traceparent\"\ntarget = \"ledger\"\n");
    let sc = crate::sim::parse_scenario(&faulty).expect("valid");
    let t = generate(&sc, 1);
    assert_eq!(t.trace_ids().len(), 2);
    check_invariants(&t);
    // An async consumer that drops context starts a new trace without a link.
    let text = FILES
        .iter()
        .find(|(n, _)| *n == "async-orders")
        .map(|(_, t)| *t)
        .expect("file");
    let faulty =
        format!("{text}\n[[fault]]\nkind = \"drop_traceparent\"\ntarget = \"fulfilment-worker\"\n");
    let t = generate(&crate::sim::parse_scenario(&faulty).expect("valid"), 1);
    assert_eq!(t.trace_ids().len(), 2);
    let c = t
        .spans
        .iter()
        .find(|s| s.kind == SpanKind::Consumer)
        .expect("consumer");
    assert!(c.parent.is_none() && c.links.is_empty() && c.traceparent.is_none());
}
