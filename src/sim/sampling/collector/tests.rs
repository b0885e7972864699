use crate::sim::sampling::collector::{ConfigError, parse, strategy_yaml};
use crate::sim::sampling::spec::{ErrorMode, Policy, StrategyKind, TailSpec};
use crate::sim::sampling::{LabConfig, parse_strategy, run};
use crate::sim::testutil::scenario;

const README: &str = include_str!("testdata/readme_example.yaml");

fn tail(text: &str) -> TailSpec {
    let mut s = parse(text, false).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(s.len(), 1);
    match s.remove(0).kind {
        StrategyKind::Tail(t) => t,
        StrategyKind::Head(h) => panic!("{h:?}"),
    }
}

fn fails(text: &str) -> ConfigError {
    match parse(text, false) {
        Err(e) => e,
        Ok(s) => panic!("parsed: {s:?}"),
    }
}

#[test]
fn the_readme_example_parses_with_every_setting() {
    let t = tail(README);
    assert_eq!(t.decision_wait_ns, 10_000_000_000);
    assert_eq!((t.num_traces, t.expected_new_traces_per_sec), (100, 10));
    assert_eq!(
        (t.sampled_cache_size, t.non_sampled_cache_size),
        (100_000, 100_000)
    );
    let types: Vec<&str> = t.policies.iter().map(|p| p.policy.type_name()).collect();
    assert_eq!(
        types,
        [
            "always_sample",
            "latency",
            "numeric_attribute",
            "probabilistic",
            "status_code",
            "string_attribute",
            "string_attribute",
            "rate_limiting",
            "bytes_limiting",
            "span_count",
            "trace_state",
            "boolean_attribute",
            "ottl_condition",
            "and",
            "drop",
            "composite"
        ]
    );
    assert_eq!(
        t.policies[1].policy,
        Policy::Latency {
            threshold_ms: 5000,
            upper_threshold_ms: 10000
        }
    );
    match &t.policies[12].policy {
        Policy::OttlCondition {
            error_mode,
            span,
            spanevent,
        } => {
            assert_eq!(*error_mode, ErrorMode::Ignore);
            assert_eq!(
                span[0],
                r#"attributes["test_attr_key_1"] == "test_attr_val_1""#
            );
            assert_eq!(spanevent.len(), 2);
        }
        p => panic!("{p:?}"),
    }
    match &t.policies[14].policy {
        Policy::Drop(subs) => match &subs[0].policy {
            Policy::StringAttribute {
                values,
                enabled_regex_matching,
                ..
            } => {
                assert_eq!(values, &[r"\/health".to_string(), r"\/metrics".to_string()]);
                assert!(enabled_regex_matching);
            }
            p => panic!("{p:?}"),
        },
        p => panic!("{p:?}"),
    }
}

#[test]
fn the_readme_example_simulates() {
    let sc = scenario("study-sheet");
    let cfg = LabConfig {
        traces: 3_000,
        rate_per_sec: sc.rate_per_sec,
        seed: 3,
        slo_ms: 50.0,
        bytes_per_span: 500,
        pipeline: Default::default(),
    };
    let strategies = parse(README, false).unwrap_or_else(|e| panic!("{e}"));
    let r = run(&sc, &cfg, &strategies).unwrap_or_else(|e| panic!("{e}"));
    let s = &r.strategies[0];
    assert_eq!(s.name, "tail_sampling");
    // num_traces 100 against a 10 s wait: most traces leave the buffer
    // before their decision, and their later spans start new entries.
    assert!(
        s.lost_traces > 0 && s.evicted_entries >= s.lost_traces,
        "{s:?}"
    );
    // always_sample keeps whatever reaches a decision (no span has url.path
    // /health or /metrics for the drop policy).
    assert!(s.traces_kept > 0);
    assert_eq!(s.traces_kept + s.lost_traces, 3_000, "{s:?}");
}

#[test]
fn export_then_import_gives_the_same_strategy() {
    let specs = [
        "status_code=error,latency>=50ms,probabilistic=10%",
        "latency=(800ms,5s],span_count=[2,20],attr:http.route!=/health|/metrics,decision_wait=1500ms",
        "attr:http.route~=^/v1/.+,bool:app.force=true,trace_state:ot=th:8,trace_flags,disable_invert_decisions",
        "composite(max=300sps,latency>=3s@50%,and(status_code=error,probabilistic=0.5)@25%,always_sample@0%),sample_on_first_match",
        "always_sample,drop(attr:retry.attempt=[1,3],bytes_limit=1000000/4000000),sampled_cache=1000,non_sampled_cache=2000",
        "rate_limit=1000sps,num_traces=1_000,expected_new_traces_per_sec=10",
    ];
    for spec in specs {
        let s = parse_strategy(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let yaml = strategy_yaml(&s).unwrap_or_default();
        let gate = spec.contains("disable_invert_decisions");
        let back = parse(&yaml, gate).unwrap_or_else(|e| panic!("{spec}: {e}\n{yaml}"));
        assert_eq!(back[0].kind, s.kind, "{spec}\n{yaml}");
    }
    let readme = parse(README, false).unwrap_or_else(|e| panic!("{e}"));
    let yaml = strategy_yaml(&readme[0]).unwrap_or_default();
    assert_eq!(
        parse(&yaml, false).map(|s| s[0].kind.clone()),
        Ok(readme[0].kind.clone()),
        "{yaml}"
    );
    assert!(
        strategy_yaml(&parse_strategy("ratio=0.1").unwrap_or_else(|e| panic!("{e}"))).is_none()
    );
}

#[test]
fn whole_files_processors_and_bodies() {
    let whole = "receivers:\n  otlp: {}\nprocessors:\n  batch: {}\n  tail_sampling:\n    policies: [{name: a, type: always_sample}]\n  tail_sampling/errors:\n    decision_wait: 5s\n    policies:\n      - name: e\n        type: status_code\n        status_code: {status_codes: [ERROR]}\nservice:\n  pipelines: {}\n";
    let s = parse(whole, false).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["tail_sampling", "tail_sampling/errors"]);
    let one = tail("tail_sampling/x:\n  policies: [{name: a, type: trace_flags}]\n");
    assert_eq!(one.policies[0].policy, Policy::TraceFlags);
    let body = tail("decision_wait: 2s\npolicies:\n  - {name: a, type: always_sample}\n");
    assert_eq!(body.decision_wait_ns, 2_000_000_000);
}

#[test]
fn refusals_name_the_key_and_its_line() {
    let cases = [
        (
            "policies:\n  - name: a\n    type: always_sample\n    colour: red\n",
            4,
            "unsupported key `colour`",
        ),
        (
            "policies:\n  - name: a\n    type: sometimes\n",
            3,
            "unsupported policy type `sometimes`",
        ),
        (
            "decision_wait: 1s\nnum_trace: 5\npolicies: []\n",
            2,
            "unsupported key `num_trace`",
        ),
        (
            "policies:\n  - name: a\n    type: latency\n    latency: {threshold_ms: 5, lower: 1}\n",
            4,
            "unsupported key `lower`",
        ),
        (
            "policies:\n  - name: a\n    type: boolean_attribute\n    string_attribute: {key: k, value: true}\n",
            4,
            "no effect on a policy of type `boolean_attribute`",
        ),
        (
            "policies:\n  - name: a\n    type: ottl_condition\n    ottl_condition:\n      span:\n        - 'Foo(name)'\n",
            6,
            "unsupported OTTL function `Foo`",
        ),
        (
            "policies:\n  - name: a\n    type: status_code\n    status_code: {status_codes: [error]}\n",
            4,
            "unknown status code `error`",
        ),
        (
            "decision_wait: 10\npolicies: [{name: a, type: always_sample}]\n",
            1,
            "bare number counts nanoseconds",
        ),
        (
            "policies: [{name: a, type: and, and: {and_sub_policy: [{name: b, type: drop}]}}]\n",
            1,
            "cannot be nested",
        ),
        (
            "processors:\n  batch: {}\n",
            1,
            "no tail_sampling processor",
        ),
        ("policies: [\n", 2, "not valid YAML"),
    ];
    for (text, line, msg) in cases {
        let e = fails(text);
        assert_eq!(e.line, line, "{text}: {e}");
        assert!(e.to_string().contains(msg), "{text}: {e}");
    }
}
