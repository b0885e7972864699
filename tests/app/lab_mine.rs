//! The sampling lab over a member's own traces (`/sim/lab?source=mine`):
//! the exact counts of real durations and errors, one member never sees
//! another's traces, a bad source is a 400, and a visitor must log in.

use axum::http::StatusCode;
use opentelemetry_proto::tonic::trace::v1::{Span, Status};
use prost::Message;

use crate::common::{Client, TestApp};
use crate::otlp::{post, request};

const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;

/// Trace `t`: a root of `ms` milliseconds starting `at_ms` after T0 and a
/// child inside it, which fails when `error`.
fn trace(t: u8, at_ms: u64, ms: u64, error: bool, root_name: &str) -> Vec<Span> {
    let start = T0 + at_ms * MS;
    let span = |id: u8, parent: u8, name: &str, s: u64, e: u64, err: bool| Span {
        trace_id: vec![t; 16],
        span_id: vec![id; 8],
        parent_span_id: if parent == 0 { vec![] } else { vec![parent; 8] },
        name: name.into(),
        kind: if parent == 0 { 2 } else { 3 },
        start_time_unix_nano: s,
        end_time_unix_nano: e,
        status: Some(Status {
            code: if err { 2 } else { 0 },
            message: String::new(),
        }),
        ..Span::default()
    };
    vec![
        span(1, 0, root_name, start, start + ms * MS, false),
        span(2, 1, "SELECT", start + MS / 10, start + ms * MS / 2, error),
    ]
}

/// A member with an ingest token (made on the My traces page).
async fn member_with_token<'a>(app: &'a TestApp, name: &str) -> (Client<'a>, String) {
    let mut client = app.member(name, false).await;
    let page = client.post("/traces/tokens", &[("name", "lab")]).await;
    let start = page.body.find("Bearer%20").expect("the token line") + "Bearer%20".len();
    let token = page.body[start..start + 64].to_string();
    (client, token)
}

async fn send(app: &TestApp, token: &str, service: &str, spans: Vec<Span>) {
    let body = request(service, spans).encode_to_vec();
    let r = post(app, Some(token), "application/x-protobuf", body, false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The "Traces kept" cell of every row of the results table.
fn kept(body: &str) -> Vec<String> {
    let table = body
        .split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tbody>").next())
        .unwrap_or("");
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td>")
                .nth(3)
                .and_then(|c| c.split("</td>").next())
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn the_lab_runs_over_a_members_traces_with_their_real_durations_and_errors() {
    let app = TestApp::new();
    let (mut alice, token) = member_with_token(&app, "alice").await;
    send(&app, &token, "shop", trace(0xa1, 0, 5, false, "GET /fast")).await;
    send(
        &app,
        &token,
        "shop",
        trace(0xa2, 100, 800, false, "GET /slow"),
    )
    .await;
    send(
        &app,
        &token,
        "shop",
        trace(0xa3, 200, 10, true, "GET /broken"),
    )
    .await;
    let q = "/sim/lab?source=mine&slo_ms=500&s=status_code%3Derror\
             &s=latency%3E%3D500ms&s=always_on&s=attr%3Aservice.name%3Dother";
    let r = alice.get(q).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("Your traces: 3 traces, 6 spans received between"),
        "{}",
        r.body
    );
    assert_eq!(
        kept(&r.body),
        vec!["1 (33.3%)", "1 (33.3%)", "3 (100.0%)", "0 (0.0%)"]
    );
    assert!(
        r.body
            .contains("1 with an error, 1 slower than the 500 ms SLO")
    );
    // The error trace and the slow one are linked to their own pages.
    assert!(r.body.contains(&format!("/traces/{}", "a3".repeat(16))));
    assert!(r.body.contains(&format!("/traces/{}", "a2".repeat(16))));
    // The form keeps the source; the generator's fields are not offered.
    assert!(
        r.body
            .contains("<input type=\"hidden\" name=\"source\" value=\"mine\">")
    );
    assert!(!r.body.contains("name=\"scenario\""));
    assert!(!r.body.contains("name=\"seed\""));
    assert!(!r.body.contains("/sim/lab/trace"), "no trace-number form");
    let share = r
        .body
        .split("<a id=\"share\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| s.replace("&#38;", "&"))
        .unwrap_or_default();
    assert!(share.starts_with("/sim/lab?source=mine&"), "{share}");
    let again = alice.get(&share).await;
    assert_eq!(
        kept(&again.body),
        kept(&r.body),
        "the link gives the same run"
    );
    // Without strategies the default ones run, with a suggested SLO.
    let plain = alice.get("/sim/lab?source=mine").await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.body);
    assert!(plain.body.contains("<table class=\"lab-table\""));
    // The SLO is the traces' own p95 (5, 10 and 800 ms: 800), not the
    // generated lab's, and the default tail strategy's threshold follows it.
    assert!(
        plain.body.contains("slower than the 800 ms SLO"),
        "{}",
        plain.body
    );
    assert!(plain.body.contains("latency&#62;=800ms"), "{}", plain.body);
}

/// What a received span carries besides attributes reaches the policies
/// that read it: `tracestate`, the span's `flags`, status OK and events.
#[tokio::test]
async fn tracestate_flags_ok_and_events_reach_the_labs_policies() {
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
    use opentelemetry_proto::tonic::trace::v1::span::Event;
    let app = TestApp::new();
    let (mut alice, token) = member_with_token(&app, "alice").await;
    let mut one = trace(0xb1, 0, 5, false, "GET /a");
    one[1].trace_state = "vendor=a".into();
    one[1].flags = 0x101;
    one[0].status = Some(Status {
        code: 1,
        message: String::new(),
    });
    one[0].events.push(Event {
        time_unix_nano: T0 + MS,
        name: "exception".into(),
        attributes: vec![KeyValue {
            key: "exception.type".into(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue("TimeoutError".into())),
            }),
            ..KeyValue::default()
        }],
        dropped_attributes_count: 0,
    });
    send(&app, &token, "shop", one).await;
    send(&app, &token, "shop", trace(0xb2, 100, 5, false, "GET /b")).await;
    let q = "/sim/lab?source=mine&slo_ms=500&s=trace_state%3Avendor%3Da\
             &s=trace_flags&s=status_code%3Dok&s=status_code%3Dunset";
    let r = alice.get(q).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        kept(&r.body),
        vec!["1 (50.0%)", "1 (50.0%)", "1 (50.0%)", "2 (100.0%)"],
        "the second trace has no tracestate and flags 0"
    );
    // Neither errors nor slow traces: the notes do not speak of them.
    assert!(!r.body.contains("none of slow"), "{}", r.body);
    assert!(!r.body.contains("none of error"), "{}", r.body);
    assert!(!r.body.contains("of slow traces"), "{}", r.body);
    assert!(
        r.body.contains("Kept 50% of traces (2 spans)."),
        "{}",
        r.body
    );
    let yaml = "tail_sampling:\n  policies:\n    - name: timeouts\n      type: ottl_condition\n      \
                ottl_condition:\n        spanevent:\n          - 'attributes[\"exception.type\"] == \"TimeoutError\"'\n";
    let r = alice
        .get(&format!(
            "/sim/lab?source=mine&slo_ms=500&collector={}",
            crate::common::encode(yaml)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Four strategy fields and five processors are more than eight; the
    // message says where they came from.
    let mut many = String::from("processors:\n");
    for i in 0..5 {
        many.push_str(&format!(
            "  tail_sampling/p{i}:\n    policies: [{{name: a, type: always_sample}}]\n"
        ));
    }
    let over = alice
        .get(&format!(
            "/sim/lab?source=mine&s=always_on&s=always_on&s=always_on&s=always_on&collector={}",
            crate::common::encode(&many)
        ))
        .await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST);
    assert!(
        over.body.contains(
            "the strategy fields hold 4 and the configuration&#39;s tail_sampling processors 5"
        ),
        "{}",
        over.body
    );
    // The default strategies come first, the configuration's last.
    assert_eq!(
        kept(&r.body).last().map(String::as_str),
        Some("1 (50.0%)"),
        "the span event reaches OTTL"
    );
}

#[tokio::test]
async fn a_member_never_sees_another_members_traces() {
    let app = TestApp::new();
    let (mut alice, a_token) = member_with_token(&app, "alice").await;
    let (mut bob, b_token) = member_with_token(&app, "bob").await;
    send(
        &app,
        &a_token,
        "alice-svc",
        trace(0xa1, 0, 5, true, "GET /alice"),
    )
    .await;
    send(
        &app,
        &a_token,
        "alice-svc",
        trace(0xa2, 10, 5, false, "GET /alice"),
    )
    .await;
    // Bob has nothing yet: the page says so and links to My traces.
    let empty = bob.get("/sim/lab?source=mine&s=always_on").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert!(empty.body.contains("You have not sent any traces yet."));
    assert!(empty.body.contains("<a href=\"/traces\">"));
    assert!(!empty.body.contains("lab-table"), "no empty table");
    assert!(!empty.body.contains("alice") && !empty.body.contains(&"a1".repeat(16)));
    send(
        &app,
        &b_token,
        "bob-svc",
        trace(0xb1, 50, 5, false, "GET /bob"),
    )
    .await;
    let r = bob
        .get("/sim/lab?source=mine&s=always_on&s=attr%3Aservice.name%3Dalice-svc")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("Your traces: 1 trace, 2 spans"),
        "{}",
        r.body
    );
    assert_eq!(kept(&r.body), vec!["1 (100.0%)", "0 (0.0%)"]);
    assert!(!r.body.contains(&"a1".repeat(16)) && !r.body.contains(&"a2".repeat(16)));
    let a = alice.get("/sim/lab?source=mine&s=always_on").await;
    assert!(
        a.body.contains("Your traces: 2 traces, 4 spans"),
        "{}",
        a.body
    );
    assert_eq!(kept(&a.body), vec!["2 (100.0%)"]);
    assert!(!a.body.contains(&"b1".repeat(16)));
}

#[tokio::test]
async fn a_bad_source_is_a_400_and_visitors_log_in() {
    let app = TestApp::new();
    let bad = app.get("/sim/lab?source=yours&s=always_on").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("There is no source “yours”"),
        "{}",
        bad.body
    );
    let visitor = app.get("/sim/lab?source=mine&s=always_on").await;
    assert_eq!(visitor.status, StatusCode::SEE_OTHER);
    assert!(
        visitor
            .location()
            .starts_with("/login?next=/sim/lab%3Fsource%3Dmine"),
        "{}",
        visitor.location()
    );
    let (mut alice, _) = member_with_token(&app, "alice").await;
    let invalid = alice.get("/sim/lab?source=mine&s=nonsense%3D%3D1").await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert!(invalid.body.contains("Strategy 1"), "{}", invalid.body);
    assert!(invalid.body.contains("name=\"source\" value=\"mine\""));
}

#[tokio::test]
async fn the_lab_and_my_traces_link_to_each_other() {
    let app = TestApp::new();
    let lab = app.get("/sim/lab").await;
    assert!(lab.body.contains("href=\"/sim/lab?source=mine\""));
    let mut alice = app.member("alice", false).await;
    let traces = alice.get("/traces").await;
    assert!(traces.body.contains("href=\"/sim/lab?source=mine\""));
}
