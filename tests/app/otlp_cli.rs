//! `spandojo token create/list/revoke`, and a token from the shell
//! authenticating an OTLP request.

use std::process::Command;

use axum::http::StatusCode;
use prost::Message;

use crate::common::TestApp;
use crate::otlp::{post, request, span};

fn spandojo(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spandojo"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
}

/// A fresh app with a member `alice`, and its data directory (for the CLI).
async fn app_with_alice() -> (TestApp, std::path::PathBuf) {
    let app = TestApp::new();
    app.store
        .call(|c| spandojo::store::users::create(c, "alice", "Alice", "x", false, 1))
        .await
        .unwrap();
    let data = app.dir.path().join("data");
    (app, data)
}

#[tokio::test]
async fn token_create_prints_exactly_the_two_environment_lines() {
    let (app, data) = app_with_alice().await;
    let out = spandojo(&data, &["token", "create", "alice", "--name", "laptop"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        lines[0],
        "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318"
    );
    let token = lines[1]
        .strip_prefix("OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20")
        .expect("the header line");
    assert_eq!(token.len(), 64);
    let body = request("api", vec![span(1, 1, 0, "a")]).encode_to_vec();
    let pb = "application/x-protobuf";
    assert_eq!(
        post(&app, Some(token), pb, body.clone(), false)
            .await
            .status,
        StatusCode::OK
    );
    let listed = spandojo(&data, &["token", "list", "alice"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("laptop"));
    let id = app
        .query_i64("SELECT id FROM ingest_tokens")
        .await
        .to_string();
    assert!(
        spandojo(&data, &["token", "revoke", "alice", &id])
            .status
            .success()
    );
    assert_eq!(
        post(&app, Some(token), pb, body, false).await.status,
        StatusCode::UNAUTHORIZED
    );
    let nobody = spandojo(&data, &["token", "create", "nobody"]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no member named"));
}

#[tokio::test]
async fn the_lessons_one_step_export_sets_both_variables() {
    let (_app, data) = app_with_alice().await;
    // The lesson's command, with this test's binary and data directory.
    let script = "export $(\"$SPANDOJO\" token create alice --name laptop --data \"$DATA\") \
                  && printf '%s\\n%s\\n' \"$OTEL_EXPORTER_OTLP_ENDPOINT\" \"$OTEL_EXPORTER_OTLP_HEADERS\"";
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("SPANDOJO", env!("CARGO_BIN_EXE_spandojo"))
        .env("DATA", &data)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_HEADERS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"http://127.0.0.1:4318"), "{text}");
    let token = lines
        .get(1)
        .and_then(|l| l.strip_prefix("authorization=Bearer%20"))
        .expect("the headers variable");
    assert_eq!(token.len(), 64, "{text}");
}
