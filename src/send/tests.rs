//! Batching and retries against a local axum stub on 127.0.0.1:0.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;

use crate::send::transport::{
    ProtoAny, ProtoDuration, RetryInfo, RpcStatus, classify_grpc, parse_retry_after, target_url,
};
use crate::send::{Answer, Batch, Batcher, Protocol, RetryPolicy, Transport, send_with_retry};
use crate::sim::testutil::scenario;

fn spans_in(req: &ExportTraceServiceRequest) -> usize {
    req.resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum()
}

#[test]
fn batches_hold_at_most_the_limit_and_every_span_once() {
    let sc = scenario("checkout");
    let traces: Vec<_> = (0..5).map(|i| crate::sim::generate(&sc, i)).collect();
    let total: usize = traces.iter().map(|t| t.spans.len()).sum();
    let mut batcher = Batcher::new(10);
    let mut batches: Vec<Batch> = traces.iter().flat_map(|t| batcher.push(t)).collect();
    batches.extend(batcher.finish());
    assert!(batcher.finish().is_none());
    let sizes: Vec<usize> = batches.iter().map(|b| spans_in(&b.request)).collect();
    assert_eq!(sizes.iter().sum::<usize>(), total);
    assert!(
        sizes[..sizes.len() - 1].iter().all(|&n| n == 10),
        "{sizes:?}"
    );
    assert!(batches.iter().all(|b| b.spans == spans_in(&b.request)));
    // One ResourceSpans per service within a request.
    for b in &batches {
        let mut names: Vec<String> = b
            .request
            .resource_spans
            .iter()
            .map(|r| format!("{:?}", r.resource.as_ref().map(|r| &r.attributes[0])))
            .collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}

#[test]
fn spans_are_sent_with_the_flags_an_sdk_gives_sampled_spans() {
    let sc = scenario("checkout");
    let trace = crate::sim::generate(&sc, 3);
    let mut batcher = Batcher::new(10_000);
    assert!(batcher.push(&trace).is_empty());
    let Some(batch) = batcher.finish() else {
        panic!("one batch")
    };
    let mut sent: Vec<(Vec<u8>, u32)> = batch
        .request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(|s| (s.span_id.clone(), s.flags))
        .collect();
    sent.sort();
    let mut want: Vec<(Vec<u8>, u32)> = trace
        .spans
        .iter()
        .map(|s| {
            let remote = s.parent.is_some() && s.traceparent.is_some();
            (s.span_id.to_vec(), if remote { 0x301 } else { 0x101 })
        })
        .collect();
    want.sort();
    assert_eq!(sent, want);
    assert!(want.iter().any(|w| w.1 == 0x301) && want.iter().any(|w| w.1 == 0x101));
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let p = RetryPolicy {
        initial: Duration::from_millis(100),
        max: Duration::from_millis(1000),
        max_retries: 5,
        max_server_delay: Duration::from_secs(1),
    };
    assert_eq!(p.backoff(0, 1.0), Duration::from_millis(100));
    assert_eq!(p.backoff(2, 1.0), Duration::from_millis(400));
    assert_eq!(p.backoff(9, 1.0), Duration::from_millis(1000));
    assert_eq!(p.backoff(1, 0.0), Duration::from_millis(100));
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon"), None);
}

#[test]
fn endpoints_get_the_signal_path() {
    let http = Protocol::HttpProtobuf;
    assert_eq!(
        target_url("http://127.0.0.1:4318", http).as_deref(),
        Ok("http://127.0.0.1:4318/v1/traces")
    );
    assert_eq!(
        target_url("http://h:8080/v1/traces", http).as_deref(),
        Ok("http://h:8080/v1/traces")
    );
    assert!(target_url("https://h:4318", http).is_err());
    assert!(target_url("h:4318", http).is_err());
}

#[test]
fn grpc_codes_follow_the_otlp_table() {
    let retry_info = RetryInfo {
        retry_delay: Some(ProtoDuration {
            seconds: 2,
            nanos: 0,
        }),
    };
    let details = RpcStatus {
        code: 8,
        message: "slow down".into(),
        details: vec![ProtoAny {
            type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
            value: retry_info.encode_to_vec(),
        }],
    }
    .encode_to_vec();
    let exhausted =
        tonic::Status::with_details(tonic::Code::ResourceExhausted, "slow down", details.into());
    assert!(matches!(
        classify_grpc(&exhausted),
        Answer::Retry { after: Some(d), .. } if d == Duration::from_secs(2)
    ));
    let plain = tonic::Status::resource_exhausted("full");
    assert!(matches!(
        classify_grpc(&plain),
        Answer::Failed { fatal: false, .. }
    ));
    let unavailable = tonic::Status::unavailable("down");
    assert!(matches!(
        classify_grpc(&unavailable),
        Answer::Retry { after: None, .. }
    ));
    let unauth = tonic::Status::unauthenticated("no token");
    assert!(matches!(
        classify_grpc(&unauth),
        Answer::Failed { fatal: true, .. }
    ));
}

/// A stub OTLP/HTTP receiver answering from a script, one entry per request
/// (the last entry repeats), recording each request's body and headers.
struct Stub {
    script: Vec<(u16, Option<&'static str>, u64)>,
    seen: Mutex<Vec<(HeaderMap, Bytes)>>,
}

async fn stub_handler(State(stub): State<Arc<Stub>>, headers: HeaderMap, body: Bytes) -> Response {
    let n = {
        let mut seen = stub.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.push((headers, body));
        seen.len() - 1
    };
    let (status, retry_after, rejected) = stub.script[n.min(stub.script.len() - 1)];
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let resp = ExportTraceServiceResponse {
        partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: rejected as i64,
            error_message: "bad ids".into(),
        }),
    };
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        resp.encode_to_vec(),
    )
        .into_response();
    if let Some(v) = retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static(v));
    }
    r
}

async fn start_stub(script: Vec<(u16, Option<&'static str>, u64)>) -> (String, Arc<Stub>) {
    let stub = Arc::new(Stub {
        script,
        seen: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/v1/traces", post(stub_handler))
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), stub)
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        initial: Duration::from_millis(1),
        max: Duration::from_millis(4),
        max_retries: 3,
        max_server_delay: Duration::from_millis(5),
    }
}

fn one_batch() -> Batch {
    let sc = scenario("checkout");
    let mut b = Batcher::new(512);
    let mut out = b.push(&crate::sim::generate(&sc, 3));
    out.extend(b.finish());
    out.remove(0)
}

async fn send(url: &str, protocol: Protocol, batch: &Batch) -> crate::send::BatchOutcome {
    let headers = vec![("authorization".to_string(), "Bearer t0ken".to_string())];
    let t = Transport::new(url, protocol, &headers, Duration::from_secs(5)).unwrap();
    send_with_retry(&t, batch, &quick()).await
}

#[tokio::test]
async fn retryable_answers_are_retried_then_partial_success_is_counted() {
    let (url, stub) = start_stub(vec![(503, Some("0"), 0), (429, None, 0), (200, None, 2)]).await;
    let batch = one_batch();
    let out = send(&url, Protocol::HttpProtobuf, &batch).await;
    assert_eq!(out.retries, 2);
    assert_eq!(out.rejected, 2);
    assert_eq!(out.accepted, batch.spans as u64 - 2);
    assert_eq!(out.error.as_deref(), Some("bad ids"));
    let seen = stub.seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    let (headers, body) = &seen[2];
    assert_eq!(headers["authorization"], "Bearer t0ken");
    assert_eq!(headers["content-type"], "application/x-protobuf");
    let req = ExportTraceServiceRequest::decode(body.as_ref()).unwrap();
    assert_eq!(spans_in(&req), batch.spans);
}

#[tokio::test]
async fn bad_requests_are_not_retried_and_auth_failures_stop() {
    let (url, stub) = start_stub(vec![(400, None, 0)]).await;
    let out = send(&url, Protocol::HttpProtobuf, &one_batch()).await;
    assert_eq!((out.retries, out.accepted, out.fatal), (0, 0, false));
    assert_eq!(stub.seen.lock().unwrap().len(), 1);
    let (url, _) = start_stub(vec![(401, None, 0)]).await;
    let out = send(&url, Protocol::HttpProtobuf, &one_batch()).await;
    assert!(out.fatal);
    assert!(out.error.unwrap_or_default().starts_with("HTTP 401"));
}

#[tokio::test]
async fn retries_give_up_after_the_limit() {
    let (url, stub) = start_stub(vec![(503, Some("0"), 0)]).await;
    let batch = one_batch();
    let out = send(&url, Protocol::HttpProtobuf, &batch).await;
    assert_eq!(out.retries, 3);
    assert_eq!(out.rejected, batch.spans as u64);
    assert_eq!(stub.seen.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn json_bodies_are_otlp_json() {
    let (url, stub) = start_stub(vec![(200, None, 0)]).await;
    let batch = one_batch();
    let out = send(&url, Protocol::HttpJson, &batch).await;
    assert_eq!(out.accepted, batch.spans as u64);
    let seen = stub.seen.lock().unwrap();
    let (headers, body) = &seen[0];
    assert_eq!(headers["content-type"], "application/json");
    let text = std::str::from_utf8(body).unwrap();
    let back = crate::sim::from_otlp_json(text).unwrap();
    assert_eq!(back.spans.len(), batch.spans);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_then_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let batch = one_batch();
    let out = send(&url, Protocol::HttpProtobuf, &batch).await;
    assert_eq!(out.retries, 3);
    assert!(out.error.unwrap_or_default().contains("cannot reach"));
}
