//! The simulator's command line: `sim list`, `sim trace`, `traceparent`.

use std::process::{Command, Output};

fn spandojo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spandojo"))
        .args(args)
        .output()
        .expect("runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `spandojo sim trace --scenario checkout --seed SEED --format FORMAT`
/// followed by `extra`.
fn checkout_trace(seed: &str, format: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "sim",
        "trace",
        "--scenario",
        "checkout",
        "--seed",
        seed,
        "--format",
        format,
    ];
    args.extend(extra);
    spandojo(&args)
}

#[test]
fn sim_list_names_every_scenario() {
    let o = spandojo(&["sim", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let content = spandojo::content::Content::load(None).expect("embedded content is valid");
    assert_eq!(out.lines().count(), content.scenarios.len());
    for name in content.scenarios.iter().map(|sc| sc.name.as_str()) {
        assert!(out.lines().any(|l| l.starts_with(name)), "{name}: {out}");
    }
    assert!(out.contains("520 services"));
}

#[test]
fn sim_trace_prints_a_tree_or_json_deterministically() {
    let o = spandojo(&["sim", "trace", "--scenario", "study-sheet", "--seed", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tree = String::from_utf8_lossy(&o.stdout);
    assert!(tree.starts_with("trace "), "{tree}");
    assert!(tree.contains("frontend: GET /shop"));

    for format in ["otlp-json", "jaeger-json", "zipkin-json"] {
        let a = checkout_trace("7", format, &[]);
        let b = checkout_trace("7", format, &[]);
        assert!(a.status.success(), "{}", stderr(&a));
        assert_eq!(a.stdout, b.stdout, "{format}: same seed, same bytes");
        let text = String::from_utf8_lossy(&a.stdout);
        let parsed = match format {
            "otlp-json" => spandojo::sim::from_otlp_json(&text),
            "zipkin-json" => spandojo::sim::from_zipkin_json(&text),
            _ => spandojo::sim::from_jaeger_json(&text),
        };
        assert!(parsed.is_ok(), "{format}: {parsed:?}");
        let other = checkout_trace("8", format, &[]);
        assert_ne!(a.stdout, other.stdout, "another seed, another trace");
    }
    let o = spandojo(&[
        "sim",
        "trace",
        "--scenario",
        "large-estate",
        "--seed",
        "1",
        "--spans",
        "10000",
        "--format",
        "otlp-json",
    ]);
    assert!(o.status.success());
    let t = spandojo::sim::from_otlp_json(&String::from_utf8_lossy(&o.stdout)).expect("valid");
    assert!(t.spans.len() >= 10_000);
}

/// `--generator N` draws the seed's trace as that version does: the trace
/// the viewer shows with `?generator=N` and a stored attempt reopens.
#[test]
fn sim_trace_draws_with_a_chosen_generator_version() {
    let run = |extra: &[&str]| {
        let o = checkout_trace("7", "otlp-json", extra);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let current = run(&[]);
    assert_eq!(current, run(&["--generator", "3"]));
    let sc = spandojo::sim::parse_scenario(include_str!("../../content/topologies/checkout.toml"))
        .unwrap();
    for n in [1u32, 2] {
        let version = spandojo::sim::GeneratorVersion::from_number(i64::from(n)).unwrap();
        let opts = spandojo::sim::GenerateOptions {
            version,
            ..Default::default()
        };
        let expected = spandojo::sim::to_otlp_json(&spandojo::sim::generate_with(&sc, 7, &opts));
        let got = run(&["--generator", &n.to_string()]);
        assert_eq!(got.trim_end(), expected, "version {n}");
        assert_ne!(got, current);
    }
}

#[test]
fn sim_trace_refuses_bad_input_in_one_line() {
    for (args, says) in [
        (vec!["--scenario", "nope"], "unknown scenario \"nope\""),
        (
            vec!["--scenario", "checkout", "--seed", "x"],
            "--seed must be",
        ),
        (
            vec!["--scenario", "checkout", "--format", "yaml"],
            "--format must be",
        ),
        (
            vec!["--scenario", "checkout", "--spans", "999999999"],
            "--spans must be",
        ),
        (
            vec!["--scenario", "checkout", "--generator", "4"],
            "--generator must be a generator version from 1 to 3",
        ),
        (
            vec!["--scenario", "checkout", "--generator", "two"],
            "--generator must be",
        ),
    ] {
        let mut all = vec!["sim", "trace"];
        all.extend(args);
        let o = spandojo(&all);
        assert_eq!(o.status.code(), Some(1), "{all:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn traceparent_exits_0_when_valid_and_1_with_the_reason() {
    let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let o = spandojo(&["traceparent", valid]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("trace-id     4bf92f3577b34da6a3ce929d0e0e4736"),
        "{out}"
    );
    assert!(out.contains("sampled (0x01) is set"));

    let o = spandojo(&["traceparent", valid, "--tracestate", "rojo=1,congo=2"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("tracestate is valid: 2 members"));

    for (args, says) in [
        (
            vec!["ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
            "invalid traceparent: version ff is forbidden",
        ),
        (
            vec!["00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
            "invalid traceparent: parent-id is all zeros",
        ),
        (
            vec!["-1"],
            "invalid traceparent: version: '-' at position 1 is not a hex digit",
        ),
        (
            vec![valid, "--tracestate", "Bad=1"],
            "invalid tracestate: member 1",
        ),
    ] {
        let mut all = vec!["traceparent"];
        all.extend(args);
        let o = spandojo(&all);
        assert_eq!(o.status.code(), Some(1), "{all:?}");
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
        assert!(o.stdout.is_empty(), "nothing printed for invalid input");
    }
}
