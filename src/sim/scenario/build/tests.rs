use crate::sim::scenario::topology::{CallMode, Dist, FaultKind, parse_scenario};
use crate::sim::testutil::FILES;
use crate::sim::trace::SpanKind;

const HEAD: &str = r#"name = "t"
title = "T"
description = "d"
rate_per_sec = 1.0
entry = "a:op"
"#;

/// A two-service scenario; `a_calls` goes under a's operation (line 12 on).
fn two(a_calls: &str, b_extra: &str) -> String {
    format!(
        r#"{HEAD}
[[service]]
name = "a"
[[service.operation]]
name = "op"
kind = "server"
self_time = {{ median_ms = 1, p99_ms = 2 }}
{a_calls}
[[service]]
name = "b"
[[service.operation]]
name = "op"
kind = "server"
self_time = {{ fixed_ms = 1 }}
{b_extra}"#
    )
}

fn errors(text: &str) -> Vec<(usize, String)> {
    match parse_scenario(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e.into_iter().map(|e| (e.line, e.message)).collect(),
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .expect("needle")
}

#[test]
fn all_bundled_scenarios_parse() {
    for (name, text) in FILES {
        let sc = parse_scenario(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(sc.name, *name);
        assert!(sc.expected_spans >= 1.0);
        assert!(!sc.description.is_empty());
    }
}

#[test]
fn minimal_scenario_compiles() {
    let text = two(
        "[[service.operation.call]]\nto = \"b:op\"\ntimeout_ms = 50\nretries = 2\n",
        "",
    );
    let sc = parse_scenario(&text).expect("valid");
    assert_eq!(sc.services.len(), 2);
    let call = &sc.operations[0].steps[0].calls[0];
    assert_eq!(call.mode, CallMode::Remote);
    assert_eq!(call.retries, 2);
    assert_eq!(call.timeout_ns, Some(50_000_000));
    // 1 + 3 attempts × (client + server)
    assert_eq!(sc.expected_spans, 7.0);
    assert_eq!(sc.max_depth, 3);
    match &sc.operations[0].self_time {
        Dist::LogNormal { sigma, .. } => assert!((sigma - 2f64.ln() / 2.3263).abs() < 1e-4),
        d => panic!("{d:?}"),
    }
}

#[test]
fn unknown_references_have_the_call_line() {
    let text = two("[[service.operation.call]]\nto = \"c:op\"\n", "");
    let e = errors(&text);
    assert_eq!(
        e,
        vec![(
            line_of(&text, "to = \"c:op\""),
            "unknown service `c` in `c:op`".to_string()
        )]
    );
    let text = two("[[service.operation.call]]\nto = \"b:nope\"\n", "");
    let e = errors(&text);
    assert_eq!(e[0].0, line_of(&text, "b:nope"));
    assert_eq!(e[0].1, "service `b` has no operation `nope` (it has: op)");
    let text = two("", "").replace("entry = \"a:op\"", "entry = \"zz\"");
    assert_eq!(
        errors(&text),
        vec![(5, "unknown service `zz` in `zz`".to_string())]
    );
}

#[test]
fn cycles_are_reported_at_the_closing_call() {
    let text = two(
        "[[service.operation.call]]\nto = \"b:op\"\n",
        "[[service.operation.call]]\nto = \"a:op\"\n",
    );
    let e = errors(&text);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, line_of(&text, "to = \"a:op\""));
    assert_eq!(e[0].1, "call cycle: a:op -> b:op -> a:op");
}

#[test]
fn bad_distributions() {
    for (dist, msg) in [
        (
            "{ median_ms = 0, p99_ms = 2 }",
            "self_time: median_ms must be > 0 (got 0)",
        ),
        (
            "{ median_ms = 5, p99_ms = 2 }",
            "self_time: p99_ms (2) must be ≥ median_ms (5)",
        ),
        (
            "{ median_ms = nan, p99_ms = 2 }",
            "self_time: median_ms and p99_ms must be finite",
        ),
        (
            "{ median_ms = 1, p99_ms = inf }",
            "self_time: median_ms and p99_ms must be finite",
        ),
        (
            "{ fixed_ms = -1 }",
            "self_time: fixed_ms must be a finite number in [0, 600000]",
        ),
        (
            "{ median_ms = 1 }",
            "self_time: give either { median_ms, p99_ms } (log-normal) or { fixed_ms }",
        ),
        (
            "{ median_ms = 1, p99_ms = 2, fixed_ms = 3 }",
            "self_time: give either { median_ms, p99_ms } (log-normal) or { fixed_ms }",
        ),
    ] {
        let text = two("", "").replacen("{ median_ms = 1, p99_ms = 2 }", dist, 1);
        let e = errors(&text);
        assert_eq!(e, vec![(line_of(&text, dist), msg.to_string())], "{dist}");
    }
}

#[test]
fn call_parameter_bounds() {
    for (extra, msg) in [
        (
            "probability = 1.5",
            "probability must be in [0, 1] (got 1.5)",
        ),
        ("retries = 11", "retries must be between 0 and 10 (got 11)"),
        ("repeat = 0", "repeat must be between 1 and 50 (got 0)"),
        (
            "timeout_ms = 0",
            "timeout_ms must be a finite number in (0, 600000] ms (got 0)",
        ),
        (
            "timeout_ms = 700000",
            "timeout_ms must be a finite number in (0, 600000] ms (got 700000)",
        ),
        (
            "backoff_ms = -1",
            "backoff_ms must be a finite number in [0, 600000] ms (got -1)",
        ),
    ] {
        let text = two(
            &format!("[[service.operation.call]]\nto = \"b:op\"\n{extra}\n"),
            "",
        );
        assert_eq!(
            errors(&text),
            vec![(line_of(&text, extra), msg.to_string())],
            "{extra}"
        );
    }
}

#[test]
fn fan_out_is_bounded() {
    let text = two(
        "[[service.operation.call]]\nto = \"b:op\"\nrepeat = 30\n[[service.operation.call]]\nto = \"b:op\"\nrepeat = 21\n",
        "",
    );
    let e = errors(&text);
    assert_eq!(
        e,
        vec![(
            10,
            "operation `op` makes 51 calls (limit 50, counting repeats)".to_string()
        )]
    );
}

#[test]
fn depth_and_size_are_bounded() {
    // A chain of 40 services, each a cross-service hop (2 spans): depth 80.
    let mut text = HEAD.replace("a:op", "s0:op");
    for i in 0..40 {
        text.push_str(&format!("[[service]]\nname = \"s{i}\"\n[[service.operation]]\nname = \"op\"\nkind = \"server\"\nself_time = {{ fixed_ms = 1 }}\n"));
        if i < 39 {
            text.push_str(&format!(
                "[[service.operation.call]]\nto = \"s{}:op\"\n",
                i + 1
            ));
        }
    }
    let e = errors(&text);
    assert_eq!(e[0].0, 5);
    assert!(
        e[0].1
            .starts_with("call chain is 79 spans deep (limit 64): s0:op -> s1:op"),
        "{}",
        e[0].1
    );
    // Fan-out 50 × 50 × 50 spans.
    let mut text = HEAD.to_string();
    for (i, s) in ["a", "b", "c", "d"].iter().enumerate() {
        text.push_str(&format!("[[service]]\nname = \"{s}\"\n[[service.operation]]\nname = \"op\"\nkind = \"server\"\nself_time = {{ fixed_ms = 1 }}\n"));
        if i < 3 {
            let next = ["b", "c", "d"][i];
            text.push_str(&format!(
                "[[service.operation.call]]\nto = \"{next}:op\"\nrepeat = 50\n"
            ));
        }
    }
    let e = errors(&text);
    assert_eq!(e[0].0, 5);
    assert!(
        e[0].1
            .starts_with("a trace would have about 255101 spans (limit 200000)"),
        "{}",
        e[0].1
    );
}

#[test]
fn toml_errors_have_lines() {
    let text = format!("{HEAD}\n[[service]]\nname = \"a\"\nbogus = 1\n");
    let e = errors(&text);
    assert_eq!(e[0].0, 9);
    assert!(e[0].1.contains("unknown field `bogus`"), "{}", e[0].1);
    let text = format!("{HEAD}\n[[service]\n");
    assert_eq!(errors(&text)[0].0, 7);
    let text = "name = \"t\"\ntitle = \"T\"\n";
    assert!(errors(text)[0].1.contains("missing field"));
    let text = two("", "").replace(
        "kind = \"server\"\nself_time = { fixed",
        "kind = \"sever\"\nself_time = { fixed",
    );
    let e = errors(&text);
    assert_eq!(e[0].0, line_of(&text, "sever"));
    assert!(e[0].1.starts_with("unknown kind `sever`"));
}

#[test]
fn kind_rules() {
    // Cross-service targets must be servers; consumers need async.
    let text = two("[[service.operation.call]]\nto = \"b:op\"\n", "").replacen(
        "kind = \"server\"\nself_time = { fixed",
        "kind = \"internal\"\nself_time = { fixed",
        1,
    );
    assert!(errors(&text)[0].1.contains("must be a server operation"));
    let consumer = two(
        "[[service.operation.call]]\nto = \"b:op\"\n",
        "messaging = { system = \"kafka\", destination = \"q\" }\n",
    )
    .replacen(
        "kind = \"server\"\nself_time = { fixed",
        "kind = \"consumer\"\nself_time = { fixed",
        1,
    );
    assert_eq!(
        errors(&consumer)[0].1,
        "`b:op` is a consumer: set async = true"
    );
    let ok = consumer.replace(
        "to = \"b:op\"\n",
        "to = \"b:op\"\nasync = true\nqueue_delay = { median_ms = 5, p99_ms = 50 }\n",
    );
    let sc = parse_scenario(&ok).expect("async ok");
    assert_eq!(sc.operations[0].steps[0].calls[0].mode, CallMode::Async);
    // Database operations are client spans.
    let db = two(
        "",
        "[[service.operation]]\nname = \"q\"\nkind = \"internal\"\nself_time = { fixed_ms = 1 }\ndb = { system = \"postgresql\", query = \"SELECT 1\" }\n",
    );
    assert_eq!(
        errors(&db)[0].1,
        "database and cache calls must be kind = \"client\""
    );
    let client_calls = two(
        "",
        "[[service.operation]]\nname = \"q\"\nkind = \"client\"\nself_time = { fixed_ms = 1 }\n[[service.operation.call]]\nto = \"b:op\"\n",
    );
    assert!(
        errors(&client_calls)
            .iter()
            .any(|(_, m)| m.starts_with("a client operation cannot make calls"))
    );
}

#[test]
fn parallel_groups() {
    let calls = "[[service.operation.call]]\nto = \"b:op\"\nparallel = \"g\"\n[[service.operation.call]]\nto = \"b:x\"\nparallel = \"g\"\n[[service.operation.call]]\nto = \"b:op\"\n";
    let text = two(
        calls,
        "[[service.operation]]\nname = \"x\"\nkind = \"server\"\nself_time = { fixed_ms = 1 }\n",
    );
    let sc = parse_scenario(&text).expect("valid");
    let steps = &sc.operations[0].steps;
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].calls.len(), 2);
    assert!(steps[0].parallel);
    let split = format!("{calls}[[service.operation.call]]\nto = \"b:op\"\nparallel = \"g\"\n");
    let text = two(
        &split,
        "[[service.operation]]\nname = \"x\"\nkind = \"server\"\nself_time = { fixed_ms = 1 }\n",
    );
    assert_eq!(
        errors(&text)[0].1,
        "parallel group `g` is split: its calls must be consecutive"
    );
}

#[test]
fn faults_apply_and_validate() {
    let base = two("[[service.operation.call]]\nto = \"b:op\"\n", "");
    let text = format!(
        "{base}\n[[fault]]\nkind = \"slow\"\ntarget = \"b:op\"\nmultiply = 3\nadd_ms = 2\n[[fault]]\nkind = \"error_burst\"\ntarget = \"b\"\nerror_rate = 0.5\n[[fault]]\nkind = \"drop_traceparent\"\ntarget = \"b\"\n"
    );
    let sc = parse_scenario(&text).expect("valid");
    let b = &sc.operations[1];
    assert_eq!(b.self_time, Dist::fixed_ms(5.0));
    assert_eq!(b.error_rate, 0.5);
    assert!(sc.services[1].drop_traceparent);
    assert_eq!(sc.faults.len(), 3);
    assert_eq!(
        sc.faults[0].kind,
        FaultKind::Slow {
            multiply: 3.0,
            add_ms: 2.0
        }
    );
    let bad = format!("{base}\n[[fault]]\nkind = \"slow_query\"\ntarget = \"b:op\"\nadd_ms = 5\n");
    assert_eq!(
        errors(&bad),
        vec![(
            line_of(&bad, "target = \"b:op\""),
            "slow_query target `b:op` has no database operation".to_string()
        )]
    );
    let bad = format!("{base}\n[[fault]]\nkind = \"melt\"\ntarget = \"b\"\n");
    assert_eq!(errors(&bad)[0].0, line_of(&bad, "melt"));
    let bad =
        format!("{base}\n[[fault]]\nkind = \"error_burst\"\ntarget = \"b\"\nerror_rate = 2\n");
    assert_eq!(errors(&bad)[0].1, "error_rate must be in [0, 1] (got 2)");
}

#[test]
fn generated_estate_is_bounded_and_valid() {
    let text = format!(
        "{}\n[generate]\nservices = 600\nlayers = 9\nmax_fan_out = 4\ntopology_seed = 3\n",
        HEAD.replace("entry = \"a:op\"\n", "")
    );
    let sc = parse_scenario(&text).expect("valid");
    assert_eq!(sc.services.len(), 600);
    assert_eq!(sc.operations[sc.entry].kind, SpanKind::Server);
    assert!(sc.max_depth <= 64);
    let bad = text.replace("layers = 9", "layers = 30");
    assert_eq!(errors(&bad)[0].0, line_of(&bad, "layers = 30"));
    let bad = text.replace("services = 600", "services = 1");
    assert_eq!(errors(&bad)[0].0, line_of(&bad, "services = 1"));
}

#[test]
fn clock_offsets_are_signed_milliseconds_within_ten_minutes() {
    let with = |v: &str| {
        two("", "").replace(
            "name = \"b\"\n",
            &format!("name = \"b\"\nclock_offset_ms = {v}\n"),
        )
    };
    let sc = parse_scenario(&with("-180.5")).expect("valid");
    assert_eq!(sc.services[1].clock_offset_ns, -180_500_000);
    assert_eq!(sc.services[0].clock_offset_ns, 0);
    assert_eq!(
        parse_scenario(&with("600000")).expect("valid").services[1].clock_offset_ns,
        600_000_000_000
    );
    for bad in ["600000.5", "-700000", "nan"] {
        let text = with(bad);
        let e = errors(&text);
        assert_eq!(e[0].0, line_of(&text, "clock_offset_ms"), "{bad}");
        assert!(e[0].1.contains("clock_offset_ms"), "{bad}: {e:?}");
    }
}
