//! "My traces": tokens on the page (shown once, CSRF-protected, revocable),
//! the list, the viewer, and that only the owner sees a trace.

use axum::http::StatusCode;
use prost::Message;

use crate::common::TestApp;
use crate::otlp::{post, request, span};

fn token_from(page: &str) -> String {
    let start = page.find("Bearer%20").expect("the token line") + "Bearer%20".len();
    page[start..start + 64].to_string()
}

#[tokio::test]
async fn a_member_creates_a_token_sends_spans_and_only_they_see_the_trace() {
    let app = TestApp::new();
    let mut alice = app.member("alice", false).await;
    let page = alice.post("/traces/tokens", &[("name", "laptop")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318")
    );
    let token = token_from(&page.body);
    let again = alice.get("/traces").await;
    assert!(!again.body.contains(&token), "the token is shown once");
    assert!(again.body.contains("laptop"));
    // The child first, then the root, in two requests; one orphan whose parent never comes.
    let pb = "application/x-protobuf";
    post(
        &app,
        Some(&token),
        pb,
        request("db", vec![span(7, 2, 1, "SELECT")]).encode_to_vec(),
        false,
    )
    .await;
    post(
        &app,
        Some(&token),
        pb,
        request(
            "api",
            vec![span(7, 1, 0, "GET /orders"), span(7, 4, 9, "lost")],
        )
        .encode_to_vec(),
        false,
    )
    .await;
    let list = alice.get("/traces").await;
    assert!(list.body.contains("api: GET /orders"), "{}", list.body);
    assert!(list.body.contains("incomplete: 3 spans, last received"));
    let id = "07".repeat(16);
    let view = alice.get(&format!("/traces/{id}")).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    assert!(view.body.contains("SELECT") && view.body.contains("GET /orders"));
    assert!(
        view.body.contains("orphan: api: lost"),
        "orphans are marked"
    );
    let mut bob = app.member("bob", false).await;
    assert_eq!(
        bob.get(&format!("/traces/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!bob.get("/traces").await.body.contains("GET /orders"));
    assert_eq!(
        bob.post(&format!("/traces/{id}/delete"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/traces/{id}")).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn tokens_need_csrf_and_revoked_ones_stop_working() {
    let app = TestApp::new();
    let mut alice = app.member("alice", false).await;
    let forged = alice
        .post_raw(
            "/traces/tokens",
            "name=x".into(),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let page = alice.post("/traces/tokens", &[("name", "ci")]).await;
    let token = token_from(&page.body);
    let body = request("api", vec![span(1, 1, 0, "a")]).encode_to_vec();
    let pb = "application/x-protobuf";
    assert_eq!(
        post(&app, Some(&token), pb, body.clone(), false)
            .await
            .status,
        StatusCode::OK
    );
    let id = app.query_i64("SELECT id FROM ingest_tokens").await;
    let mut bob = app.member("bob", false).await;
    let r = bob.post(&format!("/traces/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not bob's token");
    let r = alice
        .post(&format!("/traces/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        post(&app, Some(&token), pb, body, false).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(alice.get("/traces").await.body.contains("revoked"));
}

#[tokio::test]
async fn the_navigation_links_my_traces_for_members_only() {
    let app = TestApp::new();
    let link = r#"<a href="/traces">My traces</a>"#;
    let visitor = app.get("/lessons").await;
    assert_eq!(visitor.status, StatusCode::OK);
    assert!(!visitor.body.contains(link), "no link for visitors");
    let mut alice = app.member("alice", false).await;
    for path in ["/lessons", "/notes", "/traces"] {
        let page = alice.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains(link), "{path}: {}", page.body);
    }
}
