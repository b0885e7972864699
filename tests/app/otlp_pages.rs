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
    assert!(
        view.body.contains("2 warnings about this trace") && !view.body.contains("degraded"),
        "the incomplete status and the orphan are notes, not degraded values"
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

#[test]
fn the_token_lines_name_the_port_the_receiver_bound() {
    use crate::common::server::{http, login, start};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let store = spandojo::store::Store::open(&data.join("spandojo.db")).unwrap();
        let hash = spandojo::accounts::hash_password(crate::common::PASSWORD).unwrap();
        store
            .call_blocking(|c| spandojo::store::users::create(c, "ada", "Ada", &hash, false, 0))
            .unwrap()
            .expect("a new member");
    }
    // `--otlp-http-addr 127.0.0.1:0`: the system chooses the port.
    let mut server = start(&data, true);
    let addr = server.addr;
    let (cookies, csrf) = login(addr, "ada");
    let (status, reply) = crate::common::server::post(
        addr,
        "/traces/tokens",
        &cookies,
        &format!("csrf={csrf}&name=laptop"),
    )
    .unwrap();
    let (_, page) = http(
        addr,
        &format!(
            "GET /traces HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
        ),
    )
    .unwrap();
    server.kill();
    assert_eq!(status, 200, "{reply}");
    let endpoint = reply
        .split("OTEL_EXPORTER_OTLP_ENDPOINT=")
        .nth(1)
        .and_then(|s| s.split(['\n', '<']).next())
        .expect("the endpoint line")
        .to_string();
    let port: u16 = endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    assert_ne!(port, 0, "the bound port, not the 0 asked for");
    assert_eq!(
        Some(port),
        server.otlp_http.map(|a| a.port()),
        "the receiver's own listener"
    );
    assert!(
        page.contains(&format!("<code>{endpoint}</code>")),
        "the page says the same"
    );
}

#[tokio::test]
async fn the_otlp_download_gives_back_what_the_sdk_sent() {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{
        AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value::Value,
    };
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{
        ResourceSpans, ScopeSpans, Span, Status, span::Event, span::Link,
    };
    let app = TestApp::new();
    let mut alice = app.member("alice", false).await;
    let page = alice.post("/traces/tokens", &[("name", "laptop")]).await;
    let token = token_from(&page.body);
    let kv = |key: &str, value: Value| KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    };
    let span = Span {
        trace_id: vec![7; 16],
        span_id: vec![1; 8],
        trace_state: "ot=th:8;rv:0123456789abcd,vendor=x".into(),
        flags: 0x301,
        name: "GET /cart".into(),
        kind: 2,
        start_time_unix_nano: 1_700_000_000_000_000_000,
        end_time_unix_nano: 1_700_000_000_250_000_000,
        attributes: vec![
            kv(
                "list",
                Value::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Value::IntValue(3)),
                    }],
                }),
            ),
            kv(
                "map",
                Value::KvlistValue(KeyValueList {
                    values: vec![kv("inner", Value::BoolValue(true))],
                }),
            ),
            kv("raw", Value::BytesValue(vec![0, 255, 16])),
            kv("big", Value::IntValue(i64::MAX)),
        ],
        dropped_attributes_count: 2,
        events: vec![
            Event {
                time_unix_nano: 1_700_000_000_100_000_000,
                name: "retry".into(),
                attributes: vec![kv("n", Value::DoubleValue(1.5))],
                dropped_attributes_count: 1,
            },
            Event {
                // Recorded before the span started (another clock).
                time_unix_nano: 1_699_999_999_999_000_000,
                name: "queued".into(),
                attributes: vec![],
                dropped_attributes_count: 0,
            },
        ],
        dropped_events_count: 3,
        links: vec![Link {
            trace_id: vec![8; 16],
            span_id: vec![2; 8],
            trace_state: "a=b".into(),
            attributes: vec![kv("link.reason", Value::StringValue("batched-with".into()))],
            dropped_attributes_count: 0,
            flags: 0x101,
        }],
        dropped_links_count: 4,
        status: Some(Status {
            message: "card declined".into(),
            code: 2,
        }),
        ..Span::default()
    };
    let sent = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", Value::StringValue("shop".into()))],
                dropped_attributes_count: 5,
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "opentelemetry.instrumentation.flask".into(),
                    version: "0.55b0".into(),
                    attributes: vec![kv("scope.attr", Value::StringValue("s".into()))],
                    dropped_attributes_count: 0,
                }),
                spans: vec![span],
                schema_url: "https://opentelemetry.io/schemas/1.37.0".into(),
            }],
            schema_url: "https://opentelemetry.io/schemas/1.36.0".into(),
        }],
    };
    let r = post(
        &app,
        Some(&token),
        "application/x-protobuf",
        sent.encode_to_vec(),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let file = alice
        .get("/traces/07070707070707070707070707070707/otlp.json")
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let back: ExportTraceServiceRequest = serde_json::from_str(&file.body).unwrap();
    assert_eq!(back, sent, "every field comes back as it was sent");
    assert!(
        file.body
            .contains("\"traceId\":\"07070707070707070707070707070707\""),
        "OTLP JSON: hex ids, camelCase names"
    );
    // The viewer and the other formats show the scope, the trace state and
    // plain JSON for arrays and maps.
    let page = alice
        .get("/traces/07070707070707070707070707070707?span=0")
        .await;
    for shown in [
        "Instrumentation scope",
        "opentelemetry.instrumentation.flask 0.55b0",
        "ot=th:8;rv:0123456789abcd,vendor=x",
        "[3]",
        "{&#34;inner&#34;:true}",
        "link.reason",
        "batched-with",
        "<span class=\"meta\">+100 ms</span> <strong>retry</strong>",
        "<span class=\"meta\">−1 ms</span> <strong>queued</strong>",
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    let jaeger = alice
        .get("/traces/07070707070707070707070707070707/jaeger.json")
        .await;
    for tag in [
        "\"key\":\"otel.scope.name\",\"type\":\"string\",\"value\":\"opentelemetry.instrumentation.flask\"",
        "\"key\":\"otel.scope.version\",\"type\":\"string\",\"value\":\"0.55b0\"",
        "\"key\":\"w3c.tracestate\"",
    ] {
        assert!(jaeger.body.contains(tag), "{tag}: {}", jaeger.body);
    }
    let zipkin = alice
        .get("/traces/07070707070707070707070707070707/zipkin.json")
        .await;
    assert!(
        zipkin
            .body
            .contains("\"otel.scope.name\":\"opentelemetry.instrumentation.flask\""),
        "{}",
        zipkin.body
    );
}
