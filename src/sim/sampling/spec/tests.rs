use crate::sim::sampling::spec::tail::{DEFAULT_DECISION_WAIT_NS, Policy, StatusCode};
use crate::sim::sampling::spec::*;

fn tail_of(s: &str) -> TailSpec {
    match parse_strategy(s).map(|s| s.kind) {
        Ok(StrategyKind::Tail(t)) => t,
        other => panic!("{s}: {other:?}"),
    }
}

fn err(s: &str) -> SpecError {
    match parse_strategy(s) {
        Err(e) => e,
        Ok(x) => panic!("{s} parsed: {x:?}"),
    }
}

#[test]
fn head_specs() {
    let h = |s: &str| match parse_strategy(s).map(|s| s.kind) {
        Ok(StrategyKind::Head(h)) => h,
        other => panic!("{s}: {other:?}"),
    };
    assert_eq!(h("always_on"), HeadSpec::AlwaysOn);
    assert_eq!(h(" head:always_off "), HeadSpec::AlwaysOff);
    assert_eq!(h("ratio=0.1"), HeadSpec::Ratio(0.1));
    assert_eq!(h("ratio=25%"), HeadSpec::Ratio(0.25));
    assert_eq!(h("consistent=0.5"), HeadSpec::Consistent(0.5));
    assert_eq!(h("alone=1"), HeadSpec::Alone(1.0));
    assert_eq!(
        h("parent_based=ratio:0.2"),
        HeadSpec::ParentBased(RootSampler::Ratio(0.2))
    );
    assert_eq!(
        h("parent_based=always_on"),
        HeadSpec::ParentBased(RootSampler::AlwaysOn)
    );
    assert_eq!(
        h("parent_based=consistent:1%"),
        HeadSpec::ParentBased(RootSampler::Consistent(0.01))
    );
    assert_eq!(
        parse_strategy("ratio=0.1").map(|s| s.name),
        Ok("ratio=0.1".to_string())
    );
}

#[test]
fn tail_specs() {
    let t = tail_of(
        "status_code=error,latency>800ms,probabilistic=5%,span_count>=50,attr:http.route=/checkout|/cart,rate_limit=1000sps,drop:attr:http.route=/health",
    );
    assert_eq!(t.decision_wait_ns, DEFAULT_DECISION_WAIT_NS);
    assert_eq!(t.num_traces, 50_000);
    assert_eq!(
        t.policies,
        vec![
            Policy::StatusCode(vec![StatusCode::Error]),
            Policy::Latency {
                threshold_ms: 800,
                upper_ms: None
            },
            Policy::Probabilistic(0.05),
            Policy::SpanCount { min: 50, max: None },
            Policy::StringAttribute {
                key: "http.route".into(),
                values: vec!["/checkout".into(), "/cart".into()]
            },
            Policy::RateLimiting {
                spans_per_second: 1000.0
            },
            Policy::Drop(vec![Policy::StringAttribute {
                key: "http.route".into(),
                values: vec!["/health".into()]
            }]),
        ]
    );
    let t = tail_of(
        "tail: latency=1s..2.5s, decision_wait=10s, num_traces=1_000, attr:http.response.status_code=500..599",
    );
    assert_eq!(t.decision_wait_ns, 10_000_000_000);
    assert_eq!(t.num_traces, 1_000);
    assert_eq!(
        t.policies[0],
        Policy::Latency {
            threshold_ms: 1000,
            upper_ms: Some(2500)
        }
    );
    assert_eq!(
        t.policies[1],
        Policy::NumericAttribute {
            key: "http.response.status_code".into(),
            min: Some(500),
            max: Some(599)
        }
    );
    let t = tail_of(
        "composite(max=500sps, status_code=error@40%, and(latency>=1s, probabilistic=0.5)@30%, always_sample)",
    );
    match &t.policies[0] {
        Policy::Composite {
            max_total_spans_per_second,
            subs,
        } => {
            assert_eq!(*max_total_spans_per_second, 500.0);
            assert_eq!(subs.len(), 3);
            assert_eq!(subs[1].1, Some(30.0));
            assert!(matches!(subs[1].0, Policy::And(_)));
            assert_eq!(subs[2], (Policy::AlwaysSample, None));
        }
        p => panic!("{p:?}"),
    }
    assert!(matches!(
        tail_of("attr:server.port=8080").policies[0],
        Policy::NumericAttribute { .. }
    ));
    assert!(matches!(
        tail_of("attr:error.type=500").policies[0],
        Policy::StringAttribute { .. }
    ));
}

#[test]
fn errors_name_the_offending_token() {
    let cases = [
        ("ratio=1.5", "ratio=1.5", "outside [0, 1]"),
        ("alone=-0.1", "alone=-0.1", "outside [0, 1]"),
        ("consistent=0", "consistent=0", "always_off"),
        ("ratio", "ratio", "write ratio=P"),
        (
            "parent_based=sometimes",
            "parent_based=sometimes",
            "unknown root sampler",
        ),
        (
            "status_code=error,probabilistic=5",
            "probabilistic=5",
            "write 5% for a percentage",
        ),
        ("latency>=-5ms", "latency>=-5ms", "negative"),
        ("latency>=2h", "latency>=2h", "not a duration"),
        ("latency>=100000s", "latency>=100000s", "above one hour"),
        (
            "status_code=error,bogus=1",
            "bogus=1",
            "unknown tail policy",
        ),
        ("status_code=purple", "status_code=purple", "unknown status"),
        (
            "always_sample,decision_wait=0s",
            "decision_wait=0s",
            "between 1ms and 10m",
        ),
        ("always_sample,num_traces=0", "num_traces=0", "from 1 to"),
        (
            "always_sample,num_traces=1e9",
            "num_traces=1e9",
            "from 1 to",
        ),
        ("rate_limit=-3", "rate_limit=-3", "above 0"),
        ("span_count>=-1", "span_count>=-1", "negative"),
        ("span_count=9..2", "span_count=9..2", "above the upper"),
        (
            "and(status_code=error",
            "and(status_code=error",
            "not closed",
        ),
        (
            "status_code=error,,latency>1s",
            "status_code=error",
            "empty policy",
        ),
        ("composite(status_code=error)", "status_code=error", "max=N"),
        (
            "composite(max=10,always_sample@80%,status_code=error@40%)",
            "composite(max=10,always_sample@80%,status_code=error@40%)",
            "more than 100%",
        ),
        (
            "and(drop:status_code=error)",
            "drop:status_code=error",
            "inside",
        ),
        (
            "decision_wait=5s",
            "decision_wait=5s",
            "at least one policy",
        ),
        ("attr:=x", "attr:=x", "key"),
    ];
    for (spec, token, msg) in cases {
        let e = err(spec);
        assert_eq!(e.token, token, "{spec}: {e}");
        assert!(e.to_string().contains(msg), "{spec}: {e}");
    }
    assert!(err("").message.contains("empty"));
    assert!(err(&"x".repeat(2000)).message.contains("longer than"));
}
