//! The real OpenTelemetry Python SDK against spandojo's OTLP code:
//! the OTLP JSON spandojo writes parses with the official protobuf JSON
//! parser, and the lesson "Send your own traces" runs exactly as written
//! (`labs/send-your-own-traces/run.sh`): two Flask services under
//! `opentelemetry-instrument` export one trace whose client and server
//! spans hang together across the two services.
//!
//! Needs `.venv-otel` with `tests/python/requirements.txt`. When it is
//! missing the tests pass and print `SKIPPED: python sdk: <reason>`, unless
//! `SPANDOJO_E2E=required` (as `.ci/run` sets), which makes that a failure.

use std::io::Write as _;
use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;
use spandojo::sim::formats::export::to_proto;
use spandojo::sim::{Catalog, generate, to_otlp_json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's Python, or why the tests cannot run here.
fn python() -> Option<PathBuf> {
    let python = root().join(".venv-otel/bin/python");
    let reason = if !python.exists() {
        "no .venv-otel (python3 -m venv .venv-otel && .venv-otel/bin/pip install -r tests/python/requirements.txt)"
    } else if !Command::new(&python)
        .args([
            "-c",
            "import opentelemetry.proto.collector.trace.v1.trace_service_pb2, flask, opentelemetry.instrumentation.flask",
        ])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        "tests/python/requirements.txt is not installed in .venv-otel"
    } else {
        return Some(python);
    };
    if std::env::var("SPANDOJO_E2E").is_ok_and(|v| v == "required") {
        panic!("the Python SDK tests are required but cannot run: {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED: python sdk: {reason}");
    None
}

const PARSE: &str = r#"
import sys
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
req = json_format.Parse(open(sys.argv[1]).read(), ExportTraceServiceRequest())
print(sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans))
"#;

fn scenario(name: &str) -> Arc<spandojo::sim::Scenario> {
    let content = spandojo::content::Content::load(None).expect("the embedded content loads");
    let catalog: &Catalog = &content.scenarios;
    catalog.get(name).expect("scenario exists").clone()
}

#[test]
fn otlp_json_parses_with_the_official_protobuf_parser() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    for name in ["checkout", "async-orders", "broken-propagation"] {
        let t = generate(&scenario(name), 5);
        // The download / `sim trace --format otlp-json`, and `sim send --protocol http/json`.
        let send_json = serde_json::to_string(&to_proto(&t)).unwrap();
        for (kind, json) in [("export", to_otlp_json(&t)), ("send", send_json)] {
            let file = dir.path().join(format!("{name}-{kind}.json"));
            std::fs::write(&file, json).unwrap();
            let out = Command::new(&python)
                .args(["-c", PARSE])
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{name} ({kind}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let spans: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            assert_eq!(spans, t.spans.len(), "{name} ({kind})");
        }
    }
}

/// Requests an OTLP/HTTP stub received: (authorization header, body).
type Seen = Arc<Mutex<Vec<(String, Bytes)>>>;

async fn receive(State(seen): State<Seen>, headers: HeaderMap, body: Bytes) -> Vec<u8> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    seen.lock().unwrap().push((auth, body));
    ExportTraceServiceResponse::default().encode_to_vec()
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_lessons_two_services_export_one_connected_trace() {
    let Some(python) = python() else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen: Seen = Arc::default();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .with_state(seen.clone());
    runtime.spawn(async move { axum::serve(listener, app).await });

    let bin = python.parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg(root().join("labs/send-your-own-traces/run.sh"))
        .env("PATH", path)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}"))
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20lesson-token",
        )
        .env("FRONTEND_PORT", free_port().to_string())
        .env("BACKEND_PORT", free_port().to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run.sh failed: {stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"total\":42"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty(), "no export arrived: {stderr}");
    // (service, kind, trace id, span id, parent span id)
    let mut spans = Vec::new();
    for (auth, body) in seen.iter() {
        assert_eq!(auth, "Bearer lesson-token");
        let req = ExportTraceServiceRequest::decode(body.as_ref()).unwrap();
        for rs in &req.resource_spans {
            let service = rs
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref())
                .map(|v| format!("{:?}", v.value))
                .unwrap_or_default();
            for s in rs.scope_spans.iter().flat_map(|ss| &ss.spans) {
                spans.push((
                    service.clone(),
                    s.kind,
                    s.trace_id.clone(),
                    s.span_id.clone(),
                    s.parent_span_id.clone(),
                ));
            }
        }
    }
    const SERVER: i32 = 2;
    const CLIENT: i32 = 3;
    let front = spans
        .iter()
        .find(|s| s.0.contains("frontend") && s.1 == SERVER && s.4.is_empty())
        .unwrap_or_else(|| panic!("no frontend root server span in {spans:?}"));
    let trace: Vec<_> = spans.iter().filter(|s| s.2 == front.2).collect();
    let client = trace
        .iter()
        .find(|s| s.0.contains("frontend") && s.1 == CLIENT && s.4 == front.3)
        .unwrap_or_else(|| panic!("no client span under the frontend's server span: {trace:?}"));
    let back = trace
        .iter()
        .find(|s| s.0.contains("backend") && s.1 == SERVER)
        .unwrap_or_else(|| panic!("the backend's span is not in the frontend's trace: {trace:?}"));
    assert_eq!(
        back.4, client.3,
        "the backend's server span is the client span's child"
    );
}

#[test]
fn the_lesson_shows_the_lab_files_as_they_are() {
    let lesson =
        std::fs::read_to_string(root().join("content/lessons/22-send-your-own-traces.md")).unwrap();
    for file in ["shop.py", "run.sh", "collector.yaml"] {
        let text =
            std::fs::read_to_string(root().join("labs/send-your-own-traces").join(file)).unwrap();
        assert!(
            lesson.contains(&text),
            "the lesson's copy of {file} differs from labs/send-your-own-traces/{file}"
        );
    }
}
