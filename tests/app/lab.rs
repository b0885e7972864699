//! The sampling lab page through `oneshot`: presets, shareable runs, bad
//! input as a 400 with the reason, links into the trace viewer.

use crate::common::TestApp;
use axum::http::StatusCode;

const PRESETS: [&str; 7] = [
    "head-vs-tail",
    "errors-only",
    "latency-slo",
    "broken-propagation",
    "rate-limited",
    "cost-budget",
    "load-balancing",
];

#[tokio::test]
async fn the_form_shows_without_running() {
    let app = TestApp::new();
    let r = app.get("/sim/lab").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<form method=\"get\" action=\"/sim/lab\""));
    assert!(r.body.contains("How to write a strategy"));
    assert!(!r.body.contains("lab-table"), "no results before a run");
    for p in PRESETS {
        assert!(
            r.body.contains(&format!("/sim/lab?preset={p}")),
            "{p} listed"
        );
    }
}

#[tokio::test]
async fn every_preset_renders_a_table() {
    let app = TestApp::new();
    for p in PRESETS {
        // Presets run as linked; a smaller population keeps the test quick.
        let r = app.get(&format!("/sim/lab?preset={p}&traces=2000")).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.body);
        assert!(r.body.contains("<table class=\"lab-table\""), "{p}");
        assert!(r.body.contains("<svg viewBox"), "{p}: charts");
        assert!(r.body.contains("class=\"lab-lesson\""), "{p}: explanation");
        assert!(r.body.contains("Link to this run"), "{p}");
        assert!(!r.body.contains("style="), "{p}: no inline styles (CSP)");
    }
}

#[tokio::test]
async fn the_default_tail_strategy_follows_the_slo() {
    let app = TestApp::new();
    // A typed SLO moves the default tail strategy's threshold with it.
    let r = app
        .get("/sim/lab?scenario=checkout&traces=50&slo_ms=3000")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("latency&#62;=3000ms"), "{}", r.body);
    // Another scenario with no SLO typed gets its own suggestion, not the
    // first preset's 50 ms.
    let r = app.get("/sim/lab?scenario=checkout&traces=50").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("latency&#62;=50ms"), "{}", r.body);
    assert!(
        !r.body.contains("name=\"slo_ms\" value=\"50\""),
        "{}",
        r.body
    );
    // A preset keeps its own strategies whatever the SLO.
    let r = app
        .get("/sim/lab?preset=head-vs-tail&traces=2000&slo_ms=3000")
        .await;
    assert!(r.body.contains("latency&#62;=50ms"), "{}", r.body);
    // With no slow trace, the notes do not speak of slow traces.
    let r = app
        .get("/sim/lab?scenario=checkout&traces=50&slo_ms=100000")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("slow traces (none)"), "{}", r.body);
    assert!(!r.body.contains("of slow traces"), "{}", r.body);
}

#[tokio::test]
async fn a_run_is_shareable_and_links_traces_to_the_viewer() {
    let app = TestApp::new();
    let q = "/sim/lab?scenario=study-sheet&traces=3000&seed=9&slo_ms=50\
             &s=ratio%3D0.2&s=status_code%3Derror%2Clatency%3E%3D50ms";
    let r = app.get(q).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("3,000 traces"));
    assert!(r.body.contains("<code>ratio=0.2</code>"));
    // Kept and dropped traces open in the viewer by their seed.
    let links: Vec<&str> = r
        .body
        .split("href=\"/sim/study-sheet/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or(""))
        .collect();
    assert!(links.len() >= 6, "{links:?}");
    assert!(links.iter().all(|s| s.parse::<u64>().is_ok()), "{links:?}");
    let seed = spandojo::sim::sampling::trace_seed(9, 0);
    assert!(
        r.body.contains(&format!("/sim/study-sheet/{seed}")),
        "trace #0 is linked"
    );
    // The share link carries every parameter and gives the same page.
    let share = r
        .body
        .split("<a id=\"share\" href=\"/sim/lab?")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| s.replace("&#38;", "&"))
        .unwrap_or_default();
    for key in [
        "scenario=",
        "traces=",
        "rate=",
        "seed=",
        "slo_ms=",
        "bytes_per_span=",
        "s=",
    ] {
        assert!(share.contains(key), "{key} in {share}");
    }
    let again = app.get(&format!("/sim/lab?{share}")).await;
    assert_eq!(again.status, StatusCode::OK);
    let table = |b: &str| {
        b.split("<tbody>")
            .nth(1)
            .and_then(|t| t.split("</tbody>").next())
            .map(str::to_string)
    };
    assert_eq!(table(&again.body), table(&r.body));
}

#[tokio::test]
async fn bad_input_is_a_400_with_the_reason() {
    let app = TestApp::new();
    let cases = [
        (
            "scenario=checkout&traces=1000&s=ratio%3D1.5",
            "probability 1.5 is outside [0, 1]",
        ),
        (
            "scenario=checkout&traces=1000&s=status_code%3Derror%2Cprobabilistic%3D-3%25",
            "outside [0, 1]",
        ),
        (
            "scenario=checkout&traces=1000&s=latency%3E%3D-5ms",
            "cannot be negative",
        ),
        (
            "scenario=checkout&traces=1000&s=latency%3E%3D100000s",
            "above one hour",
        ),
        (
            "scenario=checkout&traces=1000&s=bogus%3D1",
            "unknown tail policy",
        ),
        (
            "scenario=checkout&traces=1000&s=ratio%3D0.1&gate=foo",
            "There is no feature gate “foo”",
        ),
        (
            "scenario=nowhere&traces=1000&s=ratio%3D0.1",
            "There is no scenario",
        ),
        (
            "scenario=checkout&traces=100001&s=ratio%3D0.1",
            "between 1 and 100000",
        ),
        (
            "scenario=checkout&traces=0&s=ratio%3D0.1",
            "between 1 and 100000",
        ),
        (
            "scenario=checkout&traces=lots&s=ratio%3D0.1",
            "is not a number",
        ),
        (
            "scenario=large-estate&traces=100000&s=ratio%3D0.1",
            "spans per trace",
        ),
        ("scenario=checkout&traces=100&rate=0&s=ratio%3D0.1", "rate"),
        (
            "scenario=large-estate&traces=100&rate=1000&s=ratio%3D0.1",
            "spans per second",
        ),
        (
            "scenario=checkout&traces=100&slo_ms=-1&s=ratio%3D0.1",
            "SLO",
        ),
        ("scenario=checkout&traces=100&s=", "at least one strategy"),
        ("preset=nope", "There is no preset"),
        (
            "scenario=checkout&traces=100&s=status_code%3Derror&collectors=40",
            "collectors must be between 1 and 16",
        ),
        (
            "scenario=checkout&traces=100&s=status_code%3Derror&collectors=2&routing=random",
            "unknown routing",
        ),
        (
            "scenario=checkout&traces=100&s=always_on&s=always_on&s=always_on&s=always_on&s=always_on",
            "At most 4",
        ),
    ];
    for (q, msg) in cases {
        let r = app.get(&format!("/sim/lab?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(r.body.contains("class=\"alert\""), "{q}");
        assert!(
            r.body.contains(msg),
            "{q}: expected “{msg}” in {}",
            alert(&r.body)
        );
        assert!(
            r.body.contains("action=\"/sim/lab\""),
            "{q}: the form comes back"
        );
    }
    // What was typed comes back with the reason.
    let r = app
        .get("/sim/lab?scenario=checkout&traces=100&s=trace_state%3Avendor%3Da&gate=foo")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("value=\"trace_state:vendor=a\""),
        "{}",
        r.body
    );
}

fn alert(body: &str) -> &str {
    body.split("class=\"alert\"")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .unwrap_or("")
}

#[tokio::test]
async fn any_trace_of_a_population_opens_in_the_viewer() {
    let app = TestApp::new();
    let r = app
        .get("/sim/lab/trace?scenario=checkout&seed=9&index=1234")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let seed = spandojo::sim::sampling::trace_seed(9, 1234);
    assert_eq!(r.location(), format!("/sim/checkout/{seed}"));
    for q in [
        "scenario=nope&seed=1&index=1",
        "scenario=checkout&seed=x&index=1",
        "scenario=checkout&seed=1&index=-1",
    ] {
        let r = app.get(&format!("/sim/lab/trace?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
    }
}

#[tokio::test]
async fn private_mode_requires_a_login() {
    let app = TestApp::with(|c| c.private = true);
    let r = app.get("/sim/lab?preset=head-vs-tail").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_pasted_collector_config_runs_and_every_tail_strategy_shows_its_yaml() {
    let app = TestApp::new();
    let yaml = "processors:\n  tail_sampling/errors:\n    decision_wait: 5s\n    policies:\n      - name: errors\n        type: status_code\n        status_code: {status_codes: [ERROR]}\n";
    let url = format!(
        "/sim/lab?scenario=study-sheet&traces=500&s={}&s={}&collector={}",
        enc("ratio=0.1"),
        enc("latency>=50ms"),
        enc(yaml)
    );
    let r = app.get(&url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("tail_sampling/errors"));
    assert_eq!(
        r.body
            .matches("<summary>Collector config</summary>")
            .count(),
        2
    );
    assert!(
        r.body.contains("threshold_ms: 49"),
        "latency>=50ms is threshold_ms 49"
    );
    assert!(r.body.contains("Inverted decisions are in force"));
    let gated = app.get(&format!("{url}&gate=disableinvertdecisions")).await;
    assert!(gated.body.contains("Plain decisions are in force"));
    assert!(
        gated
            .body
            .contains("--feature-gates=processor.tailsamplingprocessor.disableinvertdecisions")
    );
}

#[tokio::test]
async fn a_bad_collector_config_is_a_400_naming_key_and_line() {
    let app = TestApp::new();
    let yaml = "policies:\n  - name: a\n    type: always_sample\n    colour: red\n";
    let r = app
        .get(&format!(
            "/sim/lab?scenario=study-sheet&traces=100&collector={}",
            enc(yaml)
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("line 4: unsupported key `colour`"),
        "{}",
        r.body
    );
    let r = app
        .get(&format!(
            "/sim/lab?scenario=study-sheet&traces=100&s={}",
            enc("latency>=20999us")
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("whole number of milliseconds"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn collectors_behind_a_load_balancer_split_traces_unless_routed_by_trace_id() {
    let app = TestApp::new();
    let q = |routing: &str| {
        format!(
            "/sim/lab?scenario=study-sheet&traces=2000&seed=3&slo_ms=50\
             &s=status_code%3Derror&collectors=3&routing={routing}"
        )
    };
    let rr = app.get(&q("round_robin")).await;
    assert_eq!(rr.status, StatusCode::OK, "{}", rr.body);
    assert!(
        rr.body.contains("3 Collector replicas"),
        "pipeline sentence"
    );
    assert!(
        rr.body
            .contains("100% of traces reached more than one replica")
    );
    assert!(rr.body.contains("<option value=\"round_robin\" selected>"));
    // The share link keeps the tier.
    assert!(rr.body.contains("collectors=3&#38;routing=round_robin"));
    let by_id = app.get(&q("traceID")).await;
    assert_eq!(by_id.status, StatusCode::OK);
    assert!(
        by_id
            .body
            .contains("0% of traces reached more than one replica")
    );
}
