//! Real trace files (tests/app/fixtures/formats/): each is read as its own
//! reference reader reads it, through the library and through the upload;
//! gzip and JSON Lines uploads; files with several traces list them.

use std::io::Write;

use crate::common::{TestApp, multipart};
use axum::http::{StatusCode, header};
use spandojo::sim::formats::split;
use spandojo::sim::trace::hex;
use spandojo::sim::{Format, SpanKind, read_file};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/app/fixtures/formats/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn jaeger_short_hex_ids_are_left_padded() {
    let im = read_file(&fixture("jaeger-short-hex-ids.json"), None).expect("accepted");
    assert_eq!(im.format, Format::Jaeger);
    let t = &im.trace;
    assert_eq!(t.spans.len(), 2);
    assert_eq!(
        hex(&t.spans[0].trace_id),
        format!("{:0>32}", "b96aa5af85802")
    );
    assert_eq!(hex(&t.spans[1].span_id), "003b513841595ca8");
    assert_eq!(
        t.spans[1].parent,
        Some(0),
        "the child hangs under its parent"
    );
    assert_eq!(t.spans[0].kind, SpanKind::Server);
    assert!(im.warnings.list.is_empty(), "{:?}", im.warnings);
}

#[test]
fn otlp_file_exporter_lines_are_merged() {
    let im = read_file(&fixture("otlp-file-exporter-two-lines.jsonl"), None).expect("accepted");
    assert_eq!(im.format, Format::Otlp);
    let t = &im.trace;
    assert_eq!(t.spans.len(), 2);
    assert_eq!(&*t.spans[0].name, "GET /cart");
    assert_eq!(&*t.spans[1].name, "SELECT cart");
    assert_eq!(t.spans[1].parent, Some(0));
    assert_eq!(t.services.len(), 1, "one resource, merged");
    // A broken second line is named by its line.
    let mut text = fixture("otlp-file-exporter-two-lines.jsonl");
    text.extend_from_slice(
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\"}]}]}]}\n",
    );
    let e = read_file(&text, None).expect_err("bad third line");
    assert_eq!(e.format, Some(Format::Otlp));
    assert_eq!(
        e.error.to_string(),
        "line 3: resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex characters, got 2"
    );
}

#[test]
fn otlp_resource_without_scope_spans_is_empty() {
    let im = read_file(&fixture("otlp-resource-without-scopespans.json"), None).expect("accepted");
    assert_eq!(im.trace.spans.len(), 1);
    assert_eq!(&*im.trace.services[0].name, "api");
    assert!(im.warnings.list.is_empty());
}

#[test]
fn jaeger_upper_case_span_kinds_are_read() {
    let im = read_file(&fixture("jaeger-span-kind-uppercase.json"), None).expect("accepted");
    let kinds: Vec<SpanKind> = im.trace.spans.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, vec![SpanKind::Server, SpanKind::Internal]);
    assert!(im.warnings.list.is_empty());
    // An unknown value degrades the field, with a warning; the file is read.
    let text = String::from_utf8(fixture("jaeger-span-kind-uppercase.json")).expect("utf-8");
    let odd = text.replace("\"SERVER\"", "\"SERVEUR\"");
    let im = read_file(odd.as_bytes(), None).expect("degraded, not refused");
    assert_eq!(im.trace.spans[0].kind, SpanKind::Internal);
    assert_eq!(
        im.warnings.list,
        vec!["data[0].spans[0].tags: unknown span.kind \"SERVEUR\"; read as unspecified"]
    );
}

#[test]
fn gzip_files_are_read_and_bounded() {
    for name in [
        "jaeger-short-hex-ids.json",
        "otlp-file-exporter-two-lines.jsonl",
    ] {
        let im = read_file(&gzip(&fixture(name)), None).expect("gzip accepted");
        assert_eq!(im.trace.spans.len(), 2, "{name}");
    }
    // A bomb: 40 MiB of spaces compress to a few KiB and are refused.
    let bomb = gzip(&vec![b' '; 40 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024);
    let e = read_file(&bomb, None).expect_err("too big");
    assert!(
        e.error.message.contains("decompresses to more than"),
        "{e:?}"
    );
}

async fn upload(
    client: &mut crate::common::Client<'_>,
    name: &str,
    bytes: &[u8],
) -> crate::common::Reply {
    client
        .post_multipart(
            "/sim/upload",
            multipart(&[("format", "auto")], Some((name, bytes))),
        )
        .await
}

#[tokio::test]
async fn every_fixture_uploads_into_the_viewer() {
    let app = TestApp::new();
    let mut client = app.client();
    for (name, spans) in [
        ("jaeger-short-hex-ids.json", 2),
        ("otlp-file-exporter-two-lines.jsonl", 2),
        ("otlp-resource-without-scopespans.json", 1),
        ("jaeger-span-kind-uppercase.json", 2),
    ] {
        for (file, bytes) in [
            (name.to_string(), fixture(name)),
            (format!("{name}.gz"), gzip(&fixture(name))),
        ] {
            let r = upload(&mut client, &file, &bytes).await;
            assert_eq!(r.status, StatusCode::OK, "{file}: {}", r.body);
            assert!(
                r.body.contains(&format!(
                    "<strong>{spans}</strong> span{}<",
                    if spans == 1 { "" } else { "s" }
                )),
                "{file}"
            );
        }
    }
}

#[tokio::test]
async fn warnings_are_listed_on_the_page() {
    let app = TestApp::new();
    let mut client = app.client();
    let text = String::from_utf8(fixture("jaeger-span-kind-uppercase.json")).expect("utf-8");
    let odd = text.replace("\"INTERNAL\"", "\"sideways\"");
    let r = upload(&mut client, "odd.json", odd.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("1 value of the file could not be read as written")
    );
    assert!(
        r.body.contains(
            "data[0].spans[1].tags: unknown span.kind &#34;sideways&#34;; read as unspecified"
        ) || r.body.contains(
            "data[0].spans[1].tags: unknown span.kind &quot;sideways&quot;; read as unspecified"
        ),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_refused_file_names_the_format_and_the_path() {
    let app = TestApp::new();
    let mut client = app.client();
    let text = String::from_utf8(fixture("jaeger-short-hex-ids.json")).expect("utf-8");
    let bad = text.replace(
        "\"spanID\":\"a614e96eb1497a81\"}",
        "\"spanID\":\"not-hex\"}",
    );
    let r = upload(&mut client, "bad.json", bad.as_bytes()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains(
            "bad.json is not a valid Jaeger JSON trace: data[0].spans[1].references[0].spanID:"
        ),
        "{}",
        r.body
    );
}

/// Three traces: two unrelated single-root ones, and one whose trace id has
/// two roots (broken propagation inside it).
fn three_traces() -> String {
    let span = |tid: &str, id: &str, parent: &str, name: &str, code: u8| {
        format!(
            r#"{{"traceId":"{tid}","spanId":"{id}","parentSpanId":"{parent}","name":"{name}","kind":2,"startTimeUnixNano":"1000","endTimeUnixNano":"5000","status":{{"code":{code}}}}}"#
        )
    };
    let a = "0000000000000000000000000000000a";
    let b = "0000000000000000000000000000000b";
    let c = "0000000000000000000000000000000c";
    let spans = [
        span(a, "00000000000000a1", "", "GET /a", 0),
        span(a, "00000000000000a2", "00000000000000a1", "child", 2),
        span(b, "00000000000000b1", "", "GET /b", 0),
        span(c, "00000000000000c1", "", "GET /c", 0),
        span(c, "00000000000000c2", "00000000000000ff", "lost", 0),
    ];
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"web"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
}

#[test]
fn traces_are_split_by_trace_id() {
    let im = read_file(three_traces().as_bytes(), None).expect("read");
    let sums = split::summaries(&im.trace);
    assert_eq!(sums.len(), 3);
    assert_eq!((sums[0].spans, sums[0].errors, sums[0].roots), (2, 1, 1));
    assert_eq!(&*sums[0].root_name, "GET /a");
    assert_eq!(sums[2].roots, 2, "one trace id, two roots: still one trace");
    let parts = split::split(im.trace);
    assert_eq!(
        parts.iter().map(|t| t.spans.len()).collect::<Vec<_>>(),
        vec![2, 1, 2]
    );
    assert_eq!(parts[0].spans[1].parent, Some(0));
}

#[tokio::test]
async fn a_file_with_several_traces_lists_them_and_opens_each() {
    let app = TestApp::new();
    let mut client = app.client();
    let r = upload(&mut client, "three.json", three_traces().as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<strong>3</strong> traces"));
    assert!(r.body.contains("web: GET /a"));
    assert!(r.body.contains("2 roots"));
    assert!(!r.body.contains("context was lost on the way"));
    let state = r
        .body
        .split("name=\"state\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the list keeps the file")
        .to_string();
    let open = |id: &'static str| multipart(&[("state", state.as_str()), ("trace", id)], None);
    let r = client
        .post_multipart("/sim/upload", open("0000000000000000000000000000000a"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<strong>2</strong> spans"));
    assert!(r.body.contains("Back to the 3 traces of three.json"));
    let r = client
        .post_multipart("/sim/upload", open("0000000000000000000000000000000c"))
        .await;
    assert!(
        r.body.contains("This trace has 2 roots"),
        "one trace, broken inside"
    );
    let r = client
        .post_multipart("/sim/upload", open("0000000000000000000000000000000d"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = client
        .post_multipart(
            "/sim/upload",
            multipart(
                &[
                    ("state", "garbage"),
                    ("trace", "0000000000000000000000000000000a"),
                ],
                None,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("upload the file again"));
}

#[tokio::test]
async fn the_trace_page_offers_a_zipkin_download() {
    let app = TestApp::new();
    let mut client = app.client();
    let page = client.get("/sim/checkout/4").await;
    assert!(page.body.contains("href=\"/sim/checkout/4/zipkin.json\""));
    let r = client.get("/sim/checkout/4/zipkin.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let back = spandojo::sim::from_zipkin_json(&r.body).expect("valid Zipkin v2 JSON");
    let otlp = client.get("/sim/checkout/4/otlp.json").await;
    let t = spandojo::sim::from_otlp_json(&otlp.body).expect("valid");
    assert_eq!(back.spans.len(), t.spans.len());
}

/// The kept file in a page (`name="state" value="…"`).
fn kept_state(body: &str) -> String {
    body.split("name=\"state\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page keeps the file")
        .to_string()
}

#[tokio::test]
async fn an_uploaded_trace_converts_without_the_file_chosen_again() {
    let app = TestApp::new();
    let mut client = app.client();
    // A file of one trace: its view offers the three downloads of the kept file.
    let one = client.get("/sim/checkout/4/jaeger.json").await.body;
    let r = upload(&mut client, "one.json", one.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Download this trace as"));
    assert!(
        !r.body.contains("Back to the"),
        "one trace: no list to go back to"
    );
    let state = kept_state(&r.body);
    let id = r
        .body
        .split("name=\"trace\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the trace id")
        .to_string();
    let spans = spandojo::sim::from_jaeger_json(&one)
        .expect("valid")
        .spans
        .len();
    for output in ["otlp", "jaeger", "zipkin"] {
        let body = multipart(
            &[("state", &state), ("trace", &id), ("output", output)],
            None,
        );
        let r = client.post_multipart("/sim/upload", body).await;
        assert_eq!(r.status, StatusCode::OK, "{output}: {}", r.body);
        let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(
            disposition.contains(&format!("one.{}.{output}.json", &id[..8])),
            "{disposition}"
        );
        let back = spandojo::sim::read_file(r.body.as_bytes(), None).expect("readable");
        assert_eq!(back.trace.spans.len(), spans, "{output}");
    }

    // A file of three traces: one of them, or the whole file, from the kept copy.
    let r = upload(&mut client, "three.json", three_traces().as_bytes()).await;
    assert!(r.body.contains("Download the whole file as"));
    let state = kept_state(&r.body);
    let whole = multipart(&[("state", &state), ("output", "zipkin")], None);
    let r = client.post_multipart("/sim/upload", whole).await;
    let back = spandojo::sim::from_zipkin_json(&r.body).expect("valid Zipkin v2 JSON");
    assert_eq!(back.spans.len(), 5, "every span of the file");
    let a = "0000000000000000000000000000000a";
    let view = multipart(&[("state", &state), ("trace", a)], None);
    let r = client.post_multipart("/sim/upload", view).await;
    assert!(r.body.contains("Download this trace as"));
    assert!(r.body.contains("Back to the 3 traces of three.json"));
    let only = multipart(&[("state", &state), ("trace", a), ("output", "otlp")], None);
    let r = client.post_multipart("/sim/upload", only).await;
    let back = spandojo::sim::from_otlp_json(&r.body).expect("valid OTLP JSON");
    assert_eq!(back.spans.len(), 2, "only trace …0a");
}

#[tokio::test]
async fn a_member_saves_an_uploaded_trace_to_my_traces() {
    let app = TestApp::new();
    let mut visitor = app.client();
    let r = upload(&mut visitor, "three.json", three_traces().as_bytes()).await;
    let state = kept_state(&r.body);
    let a = "0000000000000000000000000000000a";
    let view = multipart(&[("state", &state), ("trace", a)], None);
    let r = visitor.post_multipart("/sim/upload", view.clone()).await;
    assert!(
        !r.body.contains("Save to My traces"),
        "visitors have no traces"
    );
    let save = multipart(&[("state", &state), ("trace", a), ("output", "save")], None);
    let r = visitor.post_multipart("/sim/upload", save.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());

    let mut ada = app.member("ada", false).await;
    let r = ada.post_multipart("/sim/upload", view).await;
    assert!(r.body.contains("Save to My traces"));
    let r = ada.post_multipart("/sim/upload", save.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/traces/{a}"));
    let page = ada.get(&format!("/traces/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<strong>2</strong> spans"),
        "{}",
        page.body
    );
    // Saving twice stores the spans once (same trace and span ids).
    ada.post_multipart("/sim/upload", save).await;
    assert_eq!(
        app.query_i64("SELECT count(*) FROM received_spans").await,
        2
    );
    // The whole file is not one trace: a save names the trace.
    let whole = multipart(&[("state", &state), ("output", "save")], None);
    let r = ada.post_multipart("/sim/upload", whole).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Choose the trace to save"));
    let mut bob = app.member("bob", false).await;
    assert_eq!(
        bob.get(&format!("/traces/{a}")).await.status,
        StatusCode::NOT_FOUND
    );
}
