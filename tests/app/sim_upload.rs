//! Uploading OTLP JSON and Jaeger JSON into the viewer: round trips,
//! conversion, validation messages, escaping, size limits and CSRF.

use crate::common::{TestApp, multipart};
use axum::http::{StatusCode, header};
use spandojo::content::Content;
use spandojo::sim::{
    GenerateOptions, from_jaeger_json, generate, generate_with, to_jaeger_json, to_otlp_json,
};

fn scenario(name: &str) -> std::sync::Arc<spandojo::sim::Scenario> {
    Content::load(None)
        .expect("content")
        .scenarios
        .get(name)
        .expect("scenario")
        .clone()
}

#[tokio::test]
async fn the_form_carries_the_csrf_token_as_its_first_field() {
    let app = TestApp::new();
    let mut client = app.client();
    let r = client.get("/sim/upload").await;
    assert_eq!(r.status, StatusCode::OK);
    let token = client.csrf().await;
    let form = r.body.split("<form").nth(1).unwrap_or_default();
    assert!(
        form.starts_with(" class=\"stack\" method=\"post\" action=\"/sim/upload\" enctype=\"multipart/form-data\">"),
        "{form}"
    );
    let token_at = form.find(&format!("name=\"csrf\" value=\"{token}\""));
    let file_at = form.find("type=\"file\"");
    assert!(token_at.is_some() && token_at < file_at, "{form}");
    assert!(!r.body.contains("?csrf="), "no token in an address");
}

#[tokio::test]
async fn downloads_round_trip_through_the_upload() {
    let app = TestApp::new();
    let mut client = app.client();
    let path = "/sim/upload";
    for name in ["checkout", "broken-propagation", "async-orders"] {
        let spans = generate(&scenario(name), 4).spans.len();
        for format in ["otlp", "jaeger"] {
            let file = client.get(&format!("/sim/{name}/4/{format}.json")).await;
            assert_eq!(file.status, StatusCode::OK);
            for chosen in ["auto", format] {
                let body = multipart(
                    &[("format", chosen), ("output", "view")],
                    Some(("t.json", file.body.as_bytes())),
                );
                let r = client.post_multipart(path, body).await;
                assert_eq!(
                    r.status,
                    StatusCode::OK,
                    "{name} {format} {chosen}: {}",
                    r.body
                );
                if name == "broken-propagation" {
                    // Two trace ids are two traces: listed, never merged.
                    assert!(r.body.contains("<strong>2</strong> traces"), "{}", r.body);
                    assert!(r.body.contains(&format!("<strong>{spans}</strong> spans")));
                    continue;
                }
                assert!(
                    r.body.contains(&format!("<strong>{spans}</strong> spans")),
                    "{name} {format}: same span count"
                );
                assert!(r.body.contains("Uploaded trace · t.json"));
                assert!(r.body.contains("<details class=\"sd\">"), "inline details");
            }
        }
    }
}

#[tokio::test]
async fn an_upload_converts_between_formats() {
    let app = TestApp::new();
    let mut client = app.client();
    let trace = generate(&scenario("retry-storm"), 2);
    let body = multipart(
        &[("format", "auto"), ("output", "jaeger")],
        Some(("retry.otlp.json", to_otlp_json(&trace).as_bytes())),
    );
    let r = client.post_multipart("/sim/upload", body).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"retry.otlp.jaeger.json\""
    );
    let back = from_jaeger_json(&r.body).expect("valid Jaeger JSON");
    assert_eq!(back.spans.len(), trace.spans.len());
}

#[tokio::test]
async fn an_unknown_format_or_output_is_refused_by_name() {
    let app = TestApp::new();
    let mut client = app.client();
    let json = to_otlp_json(&generate(&scenario("checkout"), 1));
    for (fields, said) in [
        (
            [("format", "bogus"), ("output", "view")],
            "Unknown format \"bogus\"",
        ),
        (
            [("format", "auto"), ("output", "pdf")],
            "Unknown output \"pdf\"",
        ),
    ] {
        let body = multipart(&fields, Some(("t.json", json.as_bytes())));
        let r = client.post_multipart("/sim/upload", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(r.body.contains(&said.replace('"', "&#34;")), "{}", r.body);
    }
}

#[tokio::test]
async fn files_between_one_and_ten_mib_are_accepted() {
    let app = TestApp::new();
    let mut client = app.client();
    let trace = generate_with(
        &scenario("large-estate"),
        3,
        &GenerateOptions {
            min_spans: 4_000,
            start_unix_nano: None,
            ..Default::default()
        },
    );
    let json = to_jaeger_json(&trace);
    assert!(json.len() > 1024 * 1024 && json.len() < 10 * 1024 * 1024);
    let body = multipart(&[("depth", "64")], Some(("big.json", json.as_bytes())));
    let r = client.post_multipart("/sim/upload", body).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(400)]
    );
    assert!(
        r.body
            .contains(&format!("<strong>{}</strong> spans", trace.spans.len()))
    );
    assert!(
        r.body
            .contains("Span details are included for the first 1000 rows")
    );
    assert_eq!(r.body.matches("<details class=\"sd\">").count(), 1_000);
    assert!(r.body.contains("The list stops after 3000 rows"));
}

#[tokio::test]
async fn invalid_files_get_a_400_page_naming_the_problem() {
    let app = TestApp::new();
    let mut client = app.client();
    let path = "/sim/upload";
    let trace = generate(&scenario("checkout"), 1);
    let mut otlp: serde_json::Value = serde_json::from_str(&to_otlp_json(&trace)).expect("json");
    otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"] = "xyz".into();
    let bad_id = otlp.to_string();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "auto",
            bad_id.into_bytes(),
            "is not a valid OTLP JSON trace: resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex characters, got 3",
        ),
        (
            "auto",
            b"{\"hello\": 1}".to_vec(),
            "could not tell the format",
        ),
        ("otlp", b"{\"resourceSpans\": [".to_vec(), "not valid JSON"),
        (
            "jaeger",
            b"{\"data\": []}".to_vec(),
            "the file contains no spans",
        ),
        ("auto", vec![0xff, 0xfe, 0x00], "not UTF-8 text"),
    ];
    for (format, bytes, says) in cases {
        let body = multipart(&[("format", format)], Some(("bad.json", &bytes)));
        let r = client.post_multipart(path, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{says}");
        assert!(r.body.contains(says), "{says}: {}", r.body);
        assert!(r.body.contains("<form"), "the form is shown again");
    }
    let r = client.post_multipart(path, multipart(&[], None)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Choose a file"));
    let body = multipart(&[("depth", "99")], Some(("t.json", b"{}")));
    let r = client.post_multipart(path, body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("depth must be"));
}

#[tokio::test]
async fn span_names_from_an_upload_are_escaped() {
    let app = TestApp::new();
    let mut client = app.client();
    let trace = generate(&scenario("study-sheet"), 1);
    let mut otlp: serde_json::Value = serde_json::from_str(&to_otlp_json(&trace)).expect("json");
    let evil = "<script>alert('x')</script>";
    otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] = evil.into();
    otlp["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"] =
        "<img src=x onerror=alert(1)>".into();
    let body = multipart(&[], Some(("<b>evil</b>.json", otlp.to_string().as_bytes())));
    let r = client.post_multipart("/sim/upload", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
    );
    assert!(!r.body.contains("<script>alert"));
    assert!(!r.body.contains("<img src=x"));
    assert!(!r.body.contains("<b>evil</b>"));
}

#[tokio::test]
async fn oversized_uploads_get_413() {
    let app = TestApp::new();
    let mut client = app.client();
    let big = vec![b' '; 10 * 1024 * 1024 + 1];
    let r = client
        .post_multipart("/sim/upload", multipart(&[], Some(("big.json", &big))))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("Too much data"));
    // Other routes keep the 1 MiB limit.
    let body = "x".repeat(2 * 1024 * 1024);
    let r = client.post_raw("/login", body, &[]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn an_upload_without_the_csrf_token_is_refused() {
    let app = TestApp::new();
    let mut client = app.client();
    client.csrf().await;
    let trace = generate(&scenario("checkout"), 1);
    let otlp = to_otlp_json(&trace);
    let body = multipart(&[], Some(("t.json", otlp.as_bytes())));
    let r = client.post_multipart_raw("/sim/upload", body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let file = Some(("t.json", otlp.as_bytes()));
    let wrong = multipart(&[("csrf", "wrong")], file);
    let r = client.post_multipart_raw("/sim/upload", wrong).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a wrong token");
    // The guard reads the first field only, and no longer the address.
    let csrf = client.csrf().await;
    let late = multipart(&[("format", "auto"), ("csrf", &csrf)], file);
    let r = client.post_multipart_raw("/sim/upload", late).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the token after another field"
    );
    let path = format!("/sim/upload?csrf={csrf}");
    let r = client.post_multipart_raw(&path, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the token in the address");
    // The same upload with the token first is accepted.
    let first = multipart(&[("csrf", &csrf)], file);
    let r = client.post_multipart_raw("/sim/upload", first).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
