//! The real OpenTelemetry Python SDK against a real spandojo server: the
//! OTLP JSON spandojo writes parses with the official protobuf JSON parser;
//! the SDK's OTLP exporters, over HTTP and over gRPC, deliver spans that the
//! member then finds in "My traces"; and the lesson "Send your own traces"
//! runs exactly as written (`labs/send-your-own-traces/run.sh`, with the two
//! lines `spandojo token create` printed): two Flask services under
//! `opentelemetry-instrument` store one trace whose client and server spans
//! hang together across the two services.
//!
//! Needs `.venv-otel` with `tests/python/requirements.txt`. When it is
//! missing the tests pass and print `SKIPPED: python sdk: <reason>`, unless
//! `SPANDOJO_E2E=required` (as `.ci/run` sets), which makes that a failure.

#![cfg(unix)]

use std::io::Write as _;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, Span};
use prost::Message as _;

use spandojo::sim::formats::export::to_proto;
use spandojo::sim::{Catalog, generate, to_otlp_json};
use spandojo::store::traces::read;

use crate::common::server::start;

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

/// How many times the store is read, a tenth of a second apart, before a
/// trace the server acknowledged is declared missing. A count, not a clock:
/// acknowledged spans are already committed, so one read normally suffices.
const READS: usize = 50;

/// A fresh data directory with the member `ada`; (data dir, her user id,
/// the `OTEL_EXPORTER_OTLP_HEADERS` value `spandojo token create` printed).
fn member(dir: &Path) -> (PathBuf, i64, String) {
    let data = dir.join("data");
    let store = spandojo::store::Store::open(&data.join("spandojo.db")).unwrap();
    let id = store
        .call_blocking(|c| spandojo::store::users::create(c, "ada", "Ada", "x", false, 0))
        .unwrap()
        .expect("a new member");
    drop(store);
    let out = Command::new(env!("CARGO_BIN_EXE_spandojo"))
        .args(["token", "create", "ada", "--name", "python-sdk", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let headers = text
        .lines()
        .find_map(|l| l.strip_prefix("OTEL_EXPORTER_OTLP_HEADERS="))
        .expect("the headers line")
        .to_string();
    (data, id, headers)
}

/// Reads `ada`'s traces from the data directory until `found` accepts the
/// list, at most [`READS`] times.
fn traces_until(
    data: &Path,
    user: i64,
    found: impl Fn(&[read::TraceSummary]) -> bool,
) -> Vec<read::TraceSummary> {
    let c = rusqlite::Connection::open(data.join("spandojo.db")).unwrap();
    let mut list = Vec::new();
    for _ in 0..READS {
        list = read::list(&c, user, &read::Search::default()).unwrap();
        if found(&list) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    list
}

/// One span as stored: (service, kind, span id, parent span id).
type Stored = (String, i32, Vec<u8>, Vec<u8>);

/// The stored spans of `ada`'s trace `trace_id`, decoded.
fn stored_spans(data: &Path, user: i64, trace_id: &[u8; 16]) -> Vec<Stored> {
    let c = rusqlite::Connection::open(data.join("spandojo.db")).unwrap();
    read::load_rows(&c, user, trace_id)
        .unwrap()
        .iter()
        .map(|row| {
            let resource = ResourceSpans::decode(row.resource.as_slice()).unwrap();
            let service = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref())
                .map(|v| format!("{:?}", v.value))
                .unwrap_or_default();
            let span = Span::decode(row.body.as_slice()).unwrap();
            (service, span.kind, span.span_id, span.parent_span_id)
        })
        .collect()
}

/// One trace of two spans through the SDK's own OTLP exporter for
/// `argv[1]` (`http` or `grpc`), configured only by the `OTEL_EXPORTER_OTLP_*`
/// environment; fails unless every export succeeded; prints the trace id.
const SEND: &str = r#"
import sys
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
if sys.argv[1] == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
results = []
class Checked(OTLPSpanExporter):
    def export(self, spans):
        result = super().export(spans)
        results.append(result)
        return result
provider = TracerProvider(resource=Resource.create({"service.name": "sdk-" + sys.argv[1]}))
provider.add_span_processor(SimpleSpanProcessor(Checked()))
tracer = provider.get_tracer("spandojo-tests")
with tracer.start_as_current_span("parent") as parent:
    with tracer.start_as_current_span("child"):
        pass
provider.shutdown()
assert results and all(r == SpanExportResult.SUCCESS for r in results), results
print(format(parent.get_span_context().trace_id, "032x"))
"#;

fn trace_id(hex: &str) -> [u8; 16] {
    let hex = hex.trim();
    assert_eq!(hex.len(), 32, "a trace id: {hex:?}");
    let mut id = [0u8; 16];
    for (i, byte) in id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    id
}

#[test]
fn the_sdks_exporters_over_http_and_grpc_reach_the_members_traces() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (data, user, headers) = member(dir.path());
    let server = start(&data, true);
    for (protocol, endpoint) in [
        (
            "http",
            format!("http://{}", server.otlp_http.expect("OTLP/HTTP")),
        ),
        (
            "grpc",
            format!("http://{}", server.otlp_grpc.expect("OTLP/gRPC")),
        ),
    ] {
        let out = Command::new(&python)
            .args(["-c", SEND, protocol])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
            .env("OTEL_EXPORTER_OTLP_HEADERS", &headers)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{protocol}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let id = trace_id(&String::from_utf8_lossy(&out.stdout));
        let list = traces_until(&data, user, |l| {
            l.iter().any(|t| t.trace_id == id && t.spans == 2)
        });
        let trace = list
            .iter()
            .find(|t| t.trace_id == id)
            .unwrap_or_else(|| panic!("{protocol}: the trace is not in {list:?}"));
        assert_eq!(trace.spans, 2, "{protocol}: {trace:?}");
        assert_eq!(
            trace.root_service.as_deref(),
            Some(&*format!("sdk-{protocol}"))
        );
        assert_eq!(trace.root_name.as_deref(), Some("parent"));
        let spans = stored_spans(&data, user, &id);
        let parent = spans.iter().find(|s| s.3.is_empty()).expect("a root");
        assert!(
            spans.iter().any(|s| s.3 == parent.2),
            "{protocol}: the child hangs under the parent: {spans:?}"
        );
    }
    // A token is needed: without it nothing is stored.
    let before = traces_until(&data, user, |_| true).len();
    let out = Command::new(&python)
        .args(["-c", SEND, "http"])
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://{}", server.otlp_http.expect("OTLP/HTTP")),
        )
        .env_remove("OTEL_EXPORTER_OTLP_HEADERS")
        .output()
        .unwrap();
    assert!(!out.status.success(), "an export without a token succeeded");
    assert_eq!(traces_until(&data, user, |_| true).len(), before);
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_lessons_two_services_store_one_connected_trace() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (data, user, headers) = member(dir.path());
    let server = start(&data, true);
    let bin = python.parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg(root().join("labs/send-your-own-traces/run.sh"))
        .env("PATH", path)
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://{}", server.otlp_http.expect("OTLP/HTTP")),
        )
        .env("OTEL_EXPORTER_OTLP_HEADERS", &headers)
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

    // The call to /checkout: a trace rooted at the frontend, reaching the backend.
    let is_checkout =
        |t: &read::TraceSummary| t.root_service.as_deref() == Some("frontend") && t.services == 2;
    let list = traces_until(&data, user, |l| l.iter().any(is_checkout));
    let checkout: Vec<_> = list.iter().filter(|t| is_checkout(t)).collect();
    assert_eq!(
        checkout.len(),
        1,
        "one trace across both services: {list:?} ({stderr})"
    );
    let spans = stored_spans(&data, user, &checkout[0].trace_id);
    const SERVER: i32 = 2;
    const CLIENT: i32 = 3;
    let front = spans
        .iter()
        .find(|s| s.0.contains("frontend") && s.1 == SERVER && s.3.is_empty())
        .unwrap_or_else(|| panic!("no frontend root server span in {spans:?}"));
    let client = spans
        .iter()
        .find(|s| s.0.contains("frontend") && s.1 == CLIENT && s.3 == front.2)
        .unwrap_or_else(|| panic!("no client span under the frontend's server span: {spans:?}"));
    let back = spans
        .iter()
        .find(|s| s.0.contains("backend") && s.1 == SERVER)
        .unwrap_or_else(|| panic!("the backend's span is not in the frontend's trace: {spans:?}"));
    assert_eq!(
        back.3, client.2,
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
