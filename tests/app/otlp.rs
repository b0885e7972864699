//! OTLP/HTTP `POST /v1/traces`: encodings, tokens, partial success, caps and
//! bad input; "My traces" pages and who may see a trace.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use prost::Message;

use crate::common::{Reply, TestApp};

/// A span of `service` in trace `t` with id `id` under `parent` (0: root).
pub fn span(t: u8, id: u8, parent: u8, name: &str) -> Span {
    Span {
        trace_id: vec![t; 16],
        span_id: vec![id; 8],
        parent_span_id: if parent == 0 { vec![] } else { vec![parent; 8] },
        name: name.into(),
        kind: 2,
        start_time_unix_nano: 1_700_000_000_000_000_000 + u64::from(id) * 1_000,
        end_time_unix_nano: 1_700_000_000_000_000_000 + 1_000_000 - u64::from(id) * 1_000,
        attributes: vec![KeyValue {
            key: "http.route".into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue("/x".into())),
            }),
            ..KeyValue::default()
        }],
        status: Some(Status {
            code: if id == 3 { 2 } else { 0 },
            message: String::new(),
        }),
        ..Span::default()
    }
}

/// A request with `spans`, all from `service`.
pub fn request(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: Some(AnyValue {
                        value: Some(Value::StringValue(service.into())),
                    }),
                    ..KeyValue::default()
                }],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            schema_url: String::new(),
        }],
    }
}

/// Creates member `name` and a token for them.
pub async fn token(app: &TestApp, name: &str) -> String {
    let name = name.to_string();
    app.store
        .call(move |c| {
            let id = spandojo::store::users::create(c, &name, &name, "x", false, 1)?
                .ok_or_else(|| anyhow::anyhow!("taken"))?;
            let (_, t) = spandojo::store::traces::tokens::create(c, id, "test", 1)?
                .map_err(|_| anyhow::anyhow!("too many"))?;
            Ok(t)
        })
        .await
        .unwrap()
}

pub async fn post(
    app: &TestApp,
    token: Option<&str>,
    ctype: &str,
    body: Vec<u8>,
    gzip: bool,
) -> Reply {
    let mut r = Request::post("/v1/traces").header(header::CONTENT_TYPE, ctype);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if gzip {
        r = r.header(header::CONTENT_ENCODING, "gzip");
    }
    app.send(r.body(Body::from(body)).unwrap()).await
}

async fn spans_stored(app: &TestApp) -> i64 {
    app.query_i64("SELECT count(*) FROM received_spans").await
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, bytes).unwrap();
    gz.finish().unwrap()
}

/// A protobuf request of `n` minimal spans (only their ids, 30 bytes each),
/// built by repeating one encoded span: concatenated protobuf messages merge,
/// and repeated fields append.
fn tiny_spans(n: usize) -> Vec<u8> {
    use prost::encoding::{WireType, encode_key, encode_varint};
    let tiny = Span {
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        ..Span::default()
    };
    let one = ScopeSpans {
        spans: vec![tiny],
        ..ScopeSpans::default()
    }
    .encode_to_vec();
    let scope = one.repeat(n);
    let wrap = |tag: u32, inner: Vec<u8>| {
        let mut out = Vec::with_capacity(inner.len() + 10);
        encode_key(tag, WireType::LengthDelimited, &mut out);
        encode_varint(inner.len() as u64, &mut out);
        out.extend_from_slice(&inner);
        out
    };
    wrap(1, wrap(2, scope))
}

const PB: &str = "application/x-protobuf";
const JSON: &str = "application/json";

#[tokio::test]
async fn protobuf_json_and_gzip_bodies_are_stored_and_answered_in_kind() {
    let app = TestApp::new();
    let t = token(&app, "alice").await;
    let r = post(
        &app,
        Some(&t),
        PB,
        request("api", vec![span(1, 1, 0, "GET /")]).encode_to_vec(),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], PB);
    let answer = ExportTraceServiceResponse::decode(&r.raw[..]).unwrap();
    assert_eq!(answer.partial_success, None);
    let json = serde_json::to_vec(&request("api", vec![span(1, 2, 1, "db")])).unwrap();
    let r = post(
        &app,
        Some(&t),
        "application/json; charset=utf-8",
        json,
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], JSON);
    assert_eq!(r.body, "{}", "a full success is an empty response");
    let gz = gzip(&request("api", vec![span(1, 3, 1, "cache")]).encode_to_vec());
    let r = post(&app, Some(&t), PB, gz, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(spans_stored(&app).await, 3);
    assert_eq!(
        app.query_i64("SELECT count(*) FROM received_traces").await,
        1
    );
}

#[tokio::test]
async fn tokens_missing_unknown_or_revoked_get_401_and_nothing_is_stored() {
    let app = TestApp::new();
    let t = token(&app, "alice").await;
    let body = request("api", vec![span(1, 1, 0, "GET /")]).encode_to_vec();
    for tok in [None, Some("0123"), Some("")] {
        let r = post(&app, tok, PB, body.clone(), false).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    app.store
        .call(|c| Ok(c.execute("UPDATE ingest_tokens SET revoked_at = 1", [])?))
        .await
        .unwrap();
    let r = post(&app, Some(&t), PB, body, false).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(spans_stored(&app).await, 0);
}

#[tokio::test]
async fn bad_ids_are_rejected_per_span_with_partial_success() {
    let app = TestApp::new();
    let t = token(&app, "alice").await;
    let mut zero = span(1, 2, 1, "zero");
    zero.trace_id = vec![0; 16];
    let mut short = span(1, 3, 1, "short");
    short.span_id = vec![3; 5];
    let req = request("api", vec![span(1, 1, 0, "ok"), zero, short]);
    let r = post(&app, Some(&t), PB, req.encode_to_vec(), false).await;
    assert_eq!(r.status, StatusCode::OK);
    let partial = ExportTraceServiceResponse::decode(&r.raw[..])
        .unwrap()
        .partial_success
        .unwrap();
    assert_eq!(partial.rejected_spans, 2);
    assert!(
        partial.error_message.contains("traceId is all zeros"),
        "{}",
        partial.error_message
    );
    assert_eq!(spans_stored(&app).await, 1);
    let r = post(
        &app,
        Some(&t),
        JSON,
        serde_json::to_vec(&req).unwrap(),
        false,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        v["partialSuccess"]["rejectedSpans"]
            .to_string()
            .trim_matches('"'),
        "2"
    );
}

#[tokio::test]
async fn malformed_bodies_get_4xx_and_store_nothing() {
    let app = TestApp::new();
    let t = token(&app, "alice").await;
    let good = request("api", vec![span(1, 1, 0, "GET /")]).encode_to_vec();
    let cases: Vec<(&str, Vec<u8>, bool, StatusCode)> = vec![
        (
            PB,
            b"\x0a\xff\xff\xff\xff\x0f garbage".to_vec(),
            false,
            StatusCode::BAD_REQUEST,
        ),
        (
            PB,
            good[..good.len() - 4].to_vec(),
            false,
            StatusCode::BAD_REQUEST,
        ),
        (
            JSON,
            br#"{"resourceSpans":"nope"}"#.to_vec(),
            false,
            StatusCode::BAD_REQUEST,
        ),
        (
            JSON,
            br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}"#.to_vec(),
            false,
            StatusCode::BAD_REQUEST,
        ),
        (JSON, b"not json".to_vec(), false, StatusCode::BAD_REQUEST),
        (PB, b"not gzip".to_vec(), true, StatusCode::BAD_REQUEST),
        (
            "text/plain",
            good.clone(),
            false,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (ctype, body, gz, want) in cases {
        let r = post(&app, Some(&t), ctype, body, gz).await;
        assert_eq!(r.status, want, "{ctype}: {}", r.body);
        if ctype == "text/plain" {
            assert!(
                r.body
                    .starts_with("unsupported content type \"text/plain\""),
                "a type neither protobuf nor JSON is answered in text: {}",
                r.body
            );
        }
    }
    assert_eq!(spans_stored(&app).await, 0);
}

#[tokio::test]
async fn the_otlp_listener_explains_other_paths_and_methods_in_text() {
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let state = spandojo::web::build_state(spandojo::Config::new(dir.path().join("data"))).unwrap();
    let listener = spandojo::web::traces::otlp_http::listener(state);
    let ask = |method: &str, path: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap()
    };
    let r = listener
        .clone()
        .oneshot(ask("GET", "/v1/traces"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()[header::ALLOW], "POST");
    let body = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
    assert!(body.starts_with(b"/v1/traces takes POST"), "{body:?}");
    let r = listener.oneshot(ask("POST", "/v1/logs")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
    assert!(
        body.starts_with(b"this is an OTLP/HTTP traces receiver"),
        "{body:?}"
    );
}

#[tokio::test]
async fn a_gzip_bomb_and_a_million_spans_are_refused_with_413() {
    let app = TestApp::new();
    let t = token(&app, "alice").await;
    let bomb = gzip(&vec![0u8; 64 * 1024 * 1024]);
    let r = post(&app, Some(&t), PB, bomb, true).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    let r = post(&app, Some(&t), PB, tiny_spans(1_000_000), false).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    let r = post(&app, Some(&t), PB, gzip(&tiny_spans(1_000_000)), true).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    let over = spandojo::otlp::MAX_SPANS_PER_REQUEST + 1;
    let r = post(&app, Some(&t), PB, tiny_spans(over), false).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.raw.len() < 1_000);
    assert_eq!(spans_stored(&app).await, 0);
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after() {
    let app = TestApp::with(|c| c.otlp.queue = 0);
    let t = token(&app, "alice").await;
    let r = post(
        &app,
        Some(&t),
        PB,
        request("api", vec![span(1, 1, 0, "x")]).encode_to_vec(),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers[header::RETRY_AFTER], "2");
    assert_eq!(spans_stored(&app).await, 0);
}

#[tokio::test]
async fn a_trace_is_capped_and_the_cap_is_said() {
    let app = TestApp::with(|c| c.otlp.limits.max_spans_per_trace = 2);
    let t = token(&app, "alice").await;
    let req = request(
        "api",
        vec![span(1, 1, 0, "a"), span(1, 2, 1, "b"), span(1, 3, 1, "c")],
    );
    let r = post(&app, Some(&t), PB, req.encode_to_vec(), false).await;
    let partial = ExportTraceServiceResponse::decode(&r.raw[..])
        .unwrap()
        .partial_success
        .unwrap();
    assert_eq!(partial.rejected_spans, 1);
    assert!(
        partial.error_message.contains("cap of 2 spans per trace"),
        "{}",
        partial.error_message
    );
}

#[tokio::test]
async fn batches_out_of_order_are_assembled_into_one_tree() {
    let app = TestApp::new();
    let t = token(&app, "alice").await;
    // Grandchild, then child (another service), then the root, each in its own request.
    for (service, s) in [
        ("db", span(5, 3, 2, "SELECT")),
        ("orders", span(5, 2, 1, "GET /o")),
        ("web", span(5, 1, 0, "GET /")),
    ] {
        let r = post(
            &app,
            Some(&t),
            PB,
            request(service, vec![s]).encode_to_vec(),
            false,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let user = app.query_i64("SELECT id FROM users").await;
    let imported = app
        .store
        .call(move |c| spandojo::store::traces::read::load(c, user, &[5; 16]))
        .await
        .unwrap()
        .expect("the trace");
    let trace = imported.trace;
    let names: Vec<&str> = trace.spans.iter().map(|s| &*s.name).collect();
    assert_eq!(
        names,
        ["GET /", "GET /o", "SELECT"],
        "parents before children"
    );
    assert_eq!(trace.spans[1].parent, Some(0));
    assert_eq!(trace.spans[2].parent, Some(1));
    assert_eq!(trace.services.len(), 3);
    assert_eq!(trace.spans[0].attributes.len(), 1, "attributes kept");
}

#[tokio::test]
async fn concurrent_requests_are_all_stored_and_each_answered_for_its_own_spans() {
    let app = TestApp::new();
    let t = token(&app, "alice").await;
    let u = token(&app, "bob").await;
    // Twelve requests at once from two members (the write queue holds 16;
    // each member half of it): they are group-committed, and each answer
    // speaks of its own spans only.
    let requests = (0..12u8).map(|i| {
        let (app, tok) = (&app, if i % 2 == 0 { &t } else { &u });
        async move {
            // Request 10 repeats request 8 (both alice): acknowledged, stored once.
            let trace = if i == 10 { 9 } else { i + 1 };
            let spans = vec![span(trace, 1, 0, "GET /"), span(trace, 2, 1, "SELECT")];
            post(
                app,
                Some(tok),
                PB,
                request("web", spans).encode_to_vec(),
                false,
            )
            .await
        }
    });
    let replies = futures_util::future::join_all(requests).await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let answer = ExportTraceServiceResponse::decode(r.raw.as_slice()).unwrap();
        assert_eq!(answer.partial_success, None, "nothing rejected");
    }
    assert_eq!(spans_stored(&app).await, 22);
    let traces = app
        .query_i64("SELECT count(*) FROM received_traces WHERE span_count = 2")
        .await;
    assert_eq!(traces, 11);
}
