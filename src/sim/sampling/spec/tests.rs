use crate::sim::sampling::spec::tail::{DEFAULT_DECISION_WAIT_NS, Named, Policy, StatusCode};
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
    let route = |v: &[&str]| Policy::StringAttribute {
        key: "http.route".into(),
        values: v.iter().map(|s| s.to_string()).collect(),
        enabled_regex_matching: false,
        cache_max_size: 0,
        invert_match: false,
    };
    let policies: Vec<Policy> = t.policies.iter().map(|p| p.policy.clone()).collect();
    assert_eq!(
        policies,
        vec![
            Policy::StatusCode(vec![StatusCode::Error]),
            Policy::Latency {
                threshold_ms: 800,
                upper_threshold_ms: 0
            },
            Policy::Probabilistic {
                hash_salt: String::new(),
                sampling_percentage: 5.0
            },
            Policy::SpanCount {
                min_spans: 50,
                max_spans: 0
            },
            route(&["/checkout", "/cart"]),
            Policy::RateLimiting {
                spans_per_second: 1000
            },
            Policy::Drop(vec![Named {
                name: "string_attribute-7-1".into(),
                policy: route(&["/health"])
            }]),
        ]
    );
    assert_eq!(t.policies[1].name, "latency-2");
    let t = tail_of(
        "tail: latency=(1s,2.5s], decision_wait=10s, num_traces=1_000, attr:http.response.status_code=[500,599], sample_on_first_match, sampled_cache=5000",
    );
    assert_eq!(t.decision_wait_ns, 10_000_000_000);
    assert_eq!(t.num_traces, 1_000);
    assert!(t.sample_on_first_match);
    assert_eq!(t.sampled_cache_size, 5000);
    assert_eq!(
        t.policies[0].policy,
        Policy::Latency {
            threshold_ms: 1000,
            upper_threshold_ms: 2500
        }
    );
    assert_eq!(
        t.policies[1].policy,
        Policy::NumericAttribute {
            key: "http.response.status_code".into(),
            min_value: Some(500),
            max_value: Some(599),
            invert_match: false
        }
    );
    assert_eq!(
        tail_of("probabilistic=0.05").policies[0].policy,
        Policy::Probabilistic {
            hash_salt: String::new(),
            sampling_percentage: 5.0
        },
        "0.05 is exactly 5%, not 5.000000000000001"
    );
    let t = tail_of(
        "composite(max=500sps, status_code=error@40%, and(latency>=1s, probabilistic=0.5)@30%, always_sample@0%)",
    );
    match &t.policies[0].policy {
        Policy::Composite {
            max_total_spans_per_second,
            subs,
            rate_allocation,
            ..
        } => {
            assert_eq!(*max_total_spans_per_second, 500);
            assert_eq!(subs.len(), 3);
            assert_eq!(rate_allocation[1], ("and-1-2".to_string(), 30));
            assert!(matches!(subs[1].policy, Policy::And(_)));
            assert_eq!(subs[2].policy, Policy::AlwaysSample);
        }
        p => panic!("{p:?}"),
    }
    assert!(matches!(
        tail_of("attr:server.port=8080").policies[0].policy,
        Policy::NumericAttribute { .. }
    ));
    assert!(matches!(
        tail_of("attr:error.type=500").policies[0].policy,
        Policy::StringAttribute { .. }
    ));
}

/// The grammar means what it says: `>` is exclusive, `>=` inclusive, and a
/// unit finer than the processor's resolution is refused, not truncated.
#[test]
fn operators_and_units_mean_what_they_say() {
    let lat = |s: &str| match tail_of(s).policies[0].policy {
        Policy::Latency {
            threshold_ms,
            upper_threshold_ms,
        } => (threshold_ms, upper_threshold_ms),
        ref p => panic!("{p:?}"),
    };
    assert_eq!(lat("latency>20ms"), (20, 0));
    assert_eq!(lat("latency>=21ms"), (20, 0), ">= N is > N-1 on whole ms");
    assert_eq!(lat("latency>=21000us"), (20, 0), "whole ms in us are fine");
    assert_eq!(lat("latency>1.5s"), (1500, 0));
    assert_eq!(lat("latency=[801ms,5s)"), (800, 4999));
    for bad in ["latency>=20999us", "latency>20.5ms", "latency>=0.1ms"] {
        assert!(
            err(bad).message.contains("whole number of milliseconds"),
            "{bad}"
        );
    }
    assert!(err("latency>=0ms").message.contains("always_sample"));
    assert!(err("latency=800ms..5s").message.contains("(800ms,5s]"));
    assert!(err("latency<5s").message.contains("lower bound"));
    let count = |s: &str| match tail_of(s).policies[0].policy {
        Policy::SpanCount {
            min_spans,
            max_spans,
        } => (min_spans, max_spans),
        ref p => panic!("{p:?}"),
    };
    assert_eq!(count("span_count>49"), (50, 0));
    assert_eq!(count("span_count>=50"), (50, 0));
    assert_eq!(count("span_count<21"), (0, 20));
    assert_eq!(count("span_count=(1,21)"), (2, 20));
    assert!(err("span_count=2..20").message.contains("[2,20]"));
    let num = |s: &str| match tail_of(s).policies[0].policy {
        Policy::NumericAttribute {
            min_value,
            max_value,
            ..
        } => (min_value, max_value),
        ref p => panic!("{p:?}"),
    };
    assert_eq!(num("attr:retry.attempt>2"), (Some(3), None));
    assert_eq!(num("attr:retry.attempt<2"), (None, Some(1)));
    assert!(err("rate_limit=2.5sps").message.contains("whole number"));
    assert!(
        err("composite(max=10,always_sample@12.5%)")
            .message
            .contains("whole percent")
    );
    assert!(
        err("composite(max=10,always_sample)")
            .message
            .contains("0 spans per second")
    );
    assert!(
        err("always_sample,decision_wait=1.0000000001s")
            .message
            .contains("nanoseconds")
    );
    assert_eq!(
        tail_of("always_sample,decision_wait=1m30s").decision_wait_ns,
        90_000_000_000
    );
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
        ("latency>=2h", "latency>=2h", "above one hour"),
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
        ("rate_limit=-3", "rate_limit=-3", "whole number above 0"),
        ("span_count>=-1", "span_count>=-1", "negative"),
        ("span_count=[9,2]", "span_count=[9,2]", "above the upper"),
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
