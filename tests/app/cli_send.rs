//! `spandojo sim send` end to end: the binary against a local OTLP/HTTP
//! stub (axum) and a local OTLP/gRPC stub (tonic's generated server), both
//! on 127.0.0.1 with a port the system chooses.

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;

fn spandojo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spandojo"))
        .args(args)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_HEADERS")
        .env_remove("OTEL_EXPORTER_OTLP_PROTOCOL")
        .output()
        .expect("runs")
}

fn spans_in(req: &ExportTraceServiceRequest) -> usize {
    req.resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum()
}

/// (authorization header, spans) per request received.
type Seen = Arc<Mutex<Vec<(String, usize)>>>;

async fn receive(
    State((seen, status)): State<(Seen, u16)>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Vec<u8>) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let spans = ExportTraceServiceRequest::decode(body.as_ref())
        .map(|r| spans_in(&r))
        .unwrap_or(0);
    seen.lock().unwrap().push((auth, spans));
    (
        StatusCode::from_u16(status).unwrap(),
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

fn http_stub(runtime: &tokio::runtime::Runtime, status: u16) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .with_state((seen.clone(), status));
    runtime.spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn summary(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn sends_batches_of_512_spans_over_http_protobuf_with_the_header() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (url, seen) = http_stub(&runtime, 200);
    let o = spandojo(&[
        "sim",
        "send",
        "--endpoint",
        &url,
        "--scenario",
        "checkout",
        "--traces",
        "100",
        "--header",
        "authorization=Bearer%20abc",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = summary(&o);
    let seen = seen.lock().unwrap();
    let received: usize = seen.iter().map(|r| r.1).sum();
    assert_eq!(s["traces"], 100);
    assert_eq!(s["spans"].as_u64(), Some(received as u64));
    assert_eq!(s["sent"].as_u64(), Some(received as u64));
    assert_eq!(
        (s["rejected"].as_u64(), s["retried"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(s["requests"].as_u64(), Some(seen.len() as u64));
    assert_eq!(seen.len(), received.div_ceil(512));
    // The last progress line gives the final counts, not the first ones.
    let err = String::from_utf8_lossy(&o.stderr);
    let last = err.lines().last().unwrap_or("");
    assert!(
        last.starts_with(&format!(
            "100/100 traces, {received} spans sent, 0 rejected"
        )),
        "{err}"
    );
    assert!(seen.iter().all(|r| r.0 == "Bearer abc" && r.1 <= 512));
    assert!(seen.iter().filter(|r| r.1 == 512).count() >= seen.len() - 1);
}

#[test]
fn an_unauthorized_answer_stops_the_run_with_exit_1() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (url, seen) = http_stub(&runtime, 401);
    let o = spandojo(&[
        "sim",
        "send",
        "--endpoint",
        &url,
        "--scenario",
        "checkout",
        "--traces",
        "2000",
        "--concurrency",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("last error: HTTP 401"), "{out}");
    assert!(seen.lock().unwrap().len() <= 2, "it stopped after the 401");
}

#[test]
fn bad_arguments_are_refused_with_the_reason() {
    for (args, reason) in [
        (vec!["--protocol", "udp"], "--protocol must be"),
        (
            vec!["--endpoint", "https://example.com"],
            "https is not supported",
        ),
        (vec!["--traces", "0"], "--traces must be"),
        (vec!["--header", "novalue"], "must be KEY=VALUE"),
        (vec!["--rate", "0"], "--rate must be"),
    ] {
        let mut all = vec!["sim", "send", "--scenario", "checkout"];
        if !args.contains(&"--endpoint") {
            all.extend(["--endpoint", "http://127.0.0.1:9"]);
        }
        if !args.contains(&"--traces") {
            all.extend(["--traces", "1"]);
        }
        all.extend(args.iter().copied());
        let o = spandojo(&all);
        assert_eq!(o.status.code(), Some(1), "{all:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(reason), "{all:?}: {err}");
    }
}

struct GrpcStub(Seen);

#[tonic::async_trait]
impl TraceService for GrpcStub {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let auth = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let spans = spans_in(request.get_ref());
        self.0.lock().unwrap().push((auth, spans));
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[test]
fn sends_over_grpc() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen: Seen = Arc::default();
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let service = TraceServiceServer::new(GrpcStub(seen.clone()));
    runtime.spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve(addr),
    );
    // Retries (UNAVAILABLE) cover the moment before the stub listens.
    let o = spandojo(&[
        "sim",
        "send",
        "--endpoint",
        &format!("http://{addr}"),
        "--protocol",
        "grpc",
        "--scenario",
        "retry-storm",
        "--traces",
        "20",
        "--header",
        "Authorization=Bearer%20g",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = summary(&o);
    let seen = seen.lock().unwrap();
    let received: usize = seen.iter().map(|r| r.1).sum();
    assert_eq!(s["sent"].as_u64(), Some(received as u64));
    assert_eq!(s["protocol"], "grpc");
    assert!(seen.iter().all(|r| r.0 == "Bearer g"));
}
