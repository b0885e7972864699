//! `spandojo sim lab`: JSON output, the grammar in --help, bad input.

use std::process::Command;

fn lab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spandojo"))
        .arg("sim")
        .arg("lab")
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn json_has_the_documented_keys() {
    let out = lab(&[
        "--scenario",
        "study-sheet",
        "--traces",
        "3000",
        "--slo-ms",
        "50",
        "--head",
        "ratio=0.1",
        "--tail",
        "status_code=error,latency>800ms",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for key in ["scenario", "traces", "spans", "seconds", "spans_per_sec"] {
        assert!(!v[key].is_null(), "{key}");
    }
    assert_eq!(v["scenario"], "study-sheet");
    assert_eq!(v["traces"], 3000);
    let strategies = v["strategies"].as_array().expect("strategies");
    assert_eq!(strategies.len(), 2);
    for s in strategies {
        for key in [
            "name",
            "traces_kept",
            "spans_kept",
            "error_traces_kept",
            "error_traces_total",
            "slow_traces_kept",
            "slow_traces_total",
            "broken_traces",
            "late_spans",
            "p50_ms",
            "p99_ms",
            "p99_weighted_ms",
            "true_p99_ms",
        ] {
            assert!(s.get(key).is_some(), "{key} in {s}");
        }
    }
    assert_eq!(strategies[0]["name"], "ratio=0.1");
    assert_eq!(strategies[1]["kind"], "tail");
    assert_eq!(
        strategies[1]["error_traces_kept"],
        strategies[1]["error_traces_total"]
    );
}

#[test]
fn default_strategies_and_a_table() {
    let out = lab(&["--scenario", "checkout", "--traces", "2000"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("head parent_based=ratio:0.1"), "{text}");
    assert!(text.contains("tail status_code=error,latency>="), "{text}");
    assert!(text.contains("M spans/s"), "{text}");
}

#[test]
fn help_documents_the_grammar() {
    let out = lab(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for word in [
        "parent_based=ROOT",
        "consistent=P",
        "alone=P",
        "status_code=error",
        "composite(",
        "decision_wait=",
        "num_traces=",
    ] {
        assert!(text.contains(word), "{word}");
    }
}

#[test]
fn bad_input_exits_1_with_the_reason() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["--scenario", "checkout", "--head", "ratio=1.5"],
            "`ratio=1.5`: probability 1.5 is outside [0, 1]",
        ),
        (
            &[
                "--scenario",
                "checkout",
                "--tail",
                "status_code=error,frobnicate",
            ],
            "`frobnicate`: unknown tail policy",
        ),
        (
            &["--scenario", "checkout", "--tail", "latency>=-3ms"],
            "negative",
        ),
        (&["--scenario", "nope"], "unknown scenario `nope`"),
        (
            &["--scenario", "checkout", "--traces", "5000000"],
            "between 1 and 1000000",
        ),
        (&["--preset", "nope"], "unknown preset `nope`"),
        (
            &["--scenario", "checkout", "--routing", "random"],
            "--routing: unknown routing `random`",
        ),
        (
            &["--scenario", "checkout", "--collectors", "17"],
            "collectors must be between 1 and 16",
        ),
    ];
    for (args, msg) in cases {
        let out = lab(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_collector_config_file_becomes_strategies() {
    let readme = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/sim/sampling/collector/testdata/readme_example.yaml"
    );
    let out = lab(&[
        "--scenario",
        "study-sheet",
        "--traces",
        "500",
        "--collector-config",
        readme,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["strategies"][0]["name"], "tail_sampling");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "policies:\n  - name: a\n    type: sometimes\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = lab(&[
        "--scenario",
        "study-sheet",
        "--collector-config",
        bad.to_str().unwrap_or(""),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3: unsupported policy type `sometimes`"),
        "{err}"
    );
    let out = lab(&[
        "--scenario",
        "study-sheet",
        "--print-collector-config",
        "--tail",
        "latency>=50ms",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("threshold_ms: 49"));
}
