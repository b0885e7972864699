//! "My traces" read side: the search form and its validation, the duration
//! scatter plot, downloads of a received trace in three formats, and
//! deleting from the list; every one scoped to the trace's owner.

use axum::http::{StatusCode, header};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use prost::Message;

use crate::common::{Client, TestApp};
use crate::otlp::{post, request, span};

/// A token made on the page by `client`.
async fn page_token(client: &mut Client<'_>) -> String {
    let page = client.post("/traces/tokens", &[("name", "app")]).await;
    let start = page.body.find("Bearer%20").expect("the token line") + "Bearer%20".len();
    page.body[start..start + 64].to_string()
}

/// Sends three traces: `07…` from `api` (1 ms, no error), `08…` from
/// `checkout` with an error span (1 ms), and `09…` from `checkout` lasting
/// two seconds.
async fn send_three(app: &TestApp, token: &str) {
    let pb = "application/x-protobuf";
    let mut long = span(9, 1, 0, "POST /pay");
    long.end_time_unix_nano = long.start_time_unix_nano + 2_000_000_000;
    long.attributes.push(KeyValue {
        key: "pay.method".into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue("gift card".into())),
        }),
        ..KeyValue::default()
    });
    long.attributes.push(KeyValue {
        key: "retries".into(),
        value: Some(AnyValue {
            value: Some(Value::IntValue(3)),
        }),
        ..KeyValue::default()
    });
    for body in [
        request("api", vec![span(7, 1, 0, "GET /orders")]),
        request(
            "checkout",
            vec![span(8, 1, 0, "GET /cart"), span(8, 3, 1, "charge")],
        ),
        request("checkout", vec![long]),
    ] {
        let r = post(app, Some(token), pb, body.encode_to_vec(), false).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
}

/// Member `alice`, logged in, with a token made on the page and the three
/// traces of [`send_three`] received.
async fn alice_with_three(app: &TestApp) -> Client<'_> {
    let mut alice = app.member("alice", false).await;
    let token = page_token(&mut alice).await;
    send_three(app, &token).await;
    alice
}

fn listed(body: &str) -> Vec<&'static str> {
    [
        ("07", "GET /orders"),
        ("08", "GET /cart"),
        ("09", "POST /pay"),
    ]
    .into_iter()
    .filter(|(id, _)| body.contains(&format!("href=\"/traces/{}\"", id.repeat(16))))
    .map(|(_, name)| name)
    .collect()
}

#[tokio::test]
async fn the_search_form_filters_and_the_scatter_plots_what_it_found() {
    let app = TestApp::new();
    let mut alice = alice_with_three(&app).await;

    let all = alice.get("/traces").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("3 traces, newest first"), "{}", all.body);
    let first = alice.get("/traces?limit=2").await;
    assert!(
        first
            .body
            .contains("The newest 2 matching traces (the limit: raise it to see more)"),
        "the count is the limit's, not all that match: {}",
        first.body
    );
    assert_eq!(listed(&all.body), ["GET /orders", "GET /cart", "POST /pay"]);
    assert_eq!(
        all.body.matches("<circle class=\"dot").count(),
        3,
        "one dot each"
    );
    assert_eq!(all.body.matches("class=\"dot err\"").count(), 1);
    assert!(
        all.body
            .contains("<form class=\"inline search-traces\" method=\"get\"")
    );

    let cases: [(&str, &[&str]); 14] = [
        ("tags=error%3Dtrue", &["GET /cart"]),
        (
            "tags=http.route%3D%2Fx",
            &["GET /orders", "GET /cart", "POST /pay"],
        ),
        ("tags=http.route%3D%2Fy", &[]),
        (
            "tags=pay.method%3D%22gift%20card%22%20retries%3D3",
            &["POST /pay"],
        ),
        ("tags=retries%3D3&service=api", &[]),
        ("tags=retries%3D4", &[]),
        ("service=checkout", &["GET /cart", "POST /pay"]),
        ("service=checkout&operation=charge", &["GET /cart"]),
        ("operation=GET%20%2Forders", &["GET /orders"]),
        ("errors=on", &["GET /cart"]),
        ("min=1s", &["POST /pay"]),
        ("max=500ms", &["GET /orders", "GET /cart"]),
        ("min=1.5s&max=2.5s&service=checkout", &["POST /pay"]),
        // The spans are from 2023: none started in the last hour.
        ("since=60", &[]),
    ];
    for (query, expected) in cases {
        let r = alice.get(&format!("/traces?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
        assert_eq!(listed(&r.body), expected, "{query}");
        assert!(r.body.contains("Clear"), "{query}: a way back to all");
    }
    let none = alice.get("/traces?service=nowhere").await;
    assert!(none.body.contains("No trace matches this search."));
    let limited = alice.get("/traces?limit=1").await;
    assert_eq!(listed(&limited.body).len(), 1);
    // The form keeps what was asked.
    let kept = alice.get("/traces?service=checkout&min=1s&errors=on").await;
    assert!(kept.body.contains("name=\"service\" value=\"checkout\""));
    assert!(kept.body.contains("name=\"min\" value=\"1s\""));
    assert!(kept.body.contains("value=\"on\" checked"));

    // Another member's search finds nothing of Alice's.
    let mut bob = app.member("bob", false).await;
    let theirs = bob.get("/traces?service=checkout").await;
    assert!(listed(&theirs.body).is_empty());
}

#[tokio::test]
async fn a_bad_search_gets_a_400_page_that_says_which_field() {
    let app = TestApp::new();
    let mut alice = app.member("alice", false).await;
    let long = "x".repeat(201);
    let cases = [
        ("min=fast", "Shortest duration"),
        ("max=-1ms", "Longest duration"),
        ("min=2s&max=1s", "shortest duration is longer"),
        ("max=3d", "Longest duration"),
        ("max=2000m", "longer than one day"),
        ("since=7", "Started: "),
        ("limit=0", "At most: "),
        ("limit=99999999999999999999", "from 1 to 1000"),
        ("errors=maybe", "checkbox"),
        ("tags=route", "is not key=value"),
        (&format!("service={long}") as &str, "longer than 200"),
    ];
    for (query, reason) in cases {
        let r = alice.get(&format!("/traces?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(r.body.contains(reason), "{query}: {}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{query}");
        assert!(r.body.contains("Find traces"), "{query}: the form again");
        assert!(!r.body.contains("No traces received yet"), "{query}");
    }
}

#[tokio::test]
async fn a_received_trace_downloads_in_three_formats_for_its_owner_only() {
    let app = TestApp::new();
    let mut alice = alice_with_three(&app).await;
    let id = "08".repeat(16);
    let view = alice.get(&format!("/traces/{id}")).await;
    assert!(view.body.contains("received over OTLP"), "{}", view.body);
    assert!(
        view.body.contains(&format!("<title>Received trace {id}")),
        "the title"
    );
    assert!(
        view.body.contains("<a href=\"/traces\">My traces</a>"),
        "the way back"
    );
    assert!(!view.body.contains("Upload a trace"));
    assert!(!view.body.contains("Nothing was stored"));
    for (file, marker) in [
        ("otlp.json", "\"resourceSpans\""),
        ("jaeger.json", "\"data\""),
        ("zipkin.json", "\"localEndpoint\""),
    ] {
        assert!(view.body.contains(&format!("href=\"/traces/{id}/{file}\"")));
        let r = alice.get(&format!("/traces/{id}/{file}")).await;
        assert_eq!(r.status, StatusCode::OK, "{file}");
        assert!(r.body.contains(marker), "{file}: {}", r.body);
        assert!(r.body.contains("charge") && r.body.contains("checkout"));
        let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(
            disposition.contains(&format!("trace-{id}.")),
            "{disposition}"
        );
        // The download reads back as the same two spans.
        let back = spandojo::sim::read_file(r.body.as_bytes(), None).expect("readable");
        assert_eq!(back.trace.spans.len(), 2, "{file}");
    }
    let r = alice.get(&format!("/traces/{id}/yaml.json")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut bob = app.member("bob", false).await;
    let r = bob.get(&format!("/traces/{id}/otlp.json")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not Bob's trace");
    assert_eq!(
        app.get(&format!("/traces/{id}/otlp.json")).await.status,
        StatusCode::SEE_OTHER,
        "logged out: to the login page"
    );
}

#[tokio::test]
async fn each_listed_trace_has_a_delete_button_that_needs_the_token() {
    let app = TestApp::new();
    let mut alice = alice_with_three(&app).await;
    let id = "07".repeat(16);
    let list = alice.get("/traces").await;
    assert_eq!(list.body.matches("Delete</button>").count(), 3);
    assert!(
        list.body
            .contains(&format!("action=\"/traces/{id}/delete\""))
    );
    let r = alice
        .post_raw(&format!("/traces/{id}/delete"), String::new(), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token, nothing deleted");
    let r = alice.post(&format!("/traces/{id}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = alice.get("/traces").await;
    assert_eq!(listed(&list.body), ["GET /cart", "POST /pay"]);
}

#[tokio::test]
async fn a_shared_trace_is_read_only_for_the_group_until_unshared() {
    let app = TestApp::new();
    let mut alice = alice_with_three(&app).await;
    let id = "08".repeat(16);
    let view = alice.get(&format!("/traces/{id}")).await;
    assert!(view.body.contains("only you see it"));
    assert!(view.body.contains("Share with the group (read-only)"));
    let mut bob = app.member("bob", false).await;
    assert!(
        bob.get("/group")
            .await
            .body
            .contains("Nobody has shared a trace yet")
    );
    // Without the token, or from Bob, nothing changes.
    let path = format!("/traces/{id}/share");
    let r = alice.post_raw(&path, "share=on".into(), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = bob.post(&path, &[("share", "on")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not Bob's trace");
    let r = alice.post(&path, &[("share", "maybe")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = alice.post(&path, &[("share", "on")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let view = alice.get(&format!("/traces/{id}")).await;
    assert!(view.body.contains("shared read-only with the group"));
    assert!(view.body.contains("Stop sharing with the group"));
    let group = bob.get("/group").await;
    assert!(group.body.contains("checkout: GET /cart"), "{}", group.body);
    assert!(group.body.contains("by alice"));
    let link = group
        .body
        .split("href=\"/group/traces/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a link to the shared trace")
        .to_string();
    let shared = bob.get(&format!("/group/traces/{link}")).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    assert!(shared.body.contains("charge"), "the spans");
    assert!(shared.body.contains("by alice"));
    assert!(!shared.body.contains("/delete\""), "read-only: no delete");
    assert!(
        !shared.body.contains("/share\""),
        "read-only: no share toggle"
    );
    // Bob still cannot reach it by Alice's trace id, nor download it.
    assert_eq!(
        bob.get(&format!("/traces/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get(&format!("/traces/{id}/otlp.json")).await.status,
        StatusCode::NOT_FOUND
    );
    // Only the shared one: the others' rows are not readable.
    let others: i64 = link.parse::<i64>().unwrap();
    for row in [others - 1, others + 1, 0, 999] {
        let r = bob.get(&format!("/group/traces/{row}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "row {row}");
    }
    assert_eq!(
        app.get(&format!("/group/traces/{link}")).await.status,
        StatusCode::SEE_OTHER,
        "logged out: to the login page"
    );

    let r = alice.post(&path, &[("share", "off")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = bob.get(&format!("/group/traces/{link}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "unshared");
    assert!(
        bob.get("/group")
            .await
            .body
            .contains("Nobody has shared a trace yet")
    );
}
