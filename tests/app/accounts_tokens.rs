//! Tokens stay where they belong: the CSRF cookie is rotated at login and
//! logout, secrets in URLs never reach the access log or a redirect, and with
//! `--public-url` set only its host is served.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::common::{PASSWORD, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

#[tokio::test]
async fn the_csrf_cookie_is_rotated_at_login_and_logout() {
    let app = TestApp::new();
    app.member("ada", false).await;
    let mut client = app.client();
    let before = client.csrf().await;
    let r = client.login("ada", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after_login = client.csrf().await;
    assert_ne!(before, after_login, "a new token at login");
    assert_eq!(
        r.set_cookies()
            .iter()
            .filter(|c| c.starts_with("sd_csrf="))
            .count(),
        1,
        "exactly one CSRF cookie: {:?}",
        r.set_cookies()
    );
    // The token from before the login no longer passes with the new cookie.
    let stale = client
        .post_raw("/notes", format!("csrf={before}&title=t&body=b"), &[])
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    let r = client.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_ne!(client.csrf().await, after_login, "a new token at logout");
}

/// Collects what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut out) = self.0.lock() {
            out.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tokens_in_urls_stay_out_of_the_access_log() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runs on one thread, so the default subscriber sees every request.
    let _guard = tracing::subscriber::set_default(subscriber);
    // With a single live dispatcher, tracing decides a callsite first seen
    // on another test's thread by that thread's default (none) and caches
    // "never"; a second live one makes it ask every dispatcher, this one too.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let app = TestApp::new();
    let mut client = app.client();
    let csrf = client.csrf().await;
    client.get("/setup?token=secret-setup-token").await;
    client.get("/register?code=secret-invite-code").await;
    // A token pasted into an address (no form of ours puts it there).
    client.get(&format!("/sim/upload?csrf={csrf}")).await;
    let text = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(text.contains("/setup?token=[redacted]"), "{text}");
    assert!(text.contains("/sim/upload?csrf=[redacted]"), "{text}");
    for secret in ["secret-setup-token", "secret-invite-code", csrf.as_str()] {
        assert!(!text.contains(secret), "{secret} in the log: {text}");
    }
}

#[tokio::test]
async fn a_login_redirect_does_not_carry_the_csrf_token() {
    let app = TestApp::new();
    let mut client = app.client();
    let r = client.get("/notes/import?csrf=0123abcd&x=1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?next="), "{}", r.location());
    assert!(!r.location().contains("0123abcd"), "{}", r.location());
    assert!(!r.location().contains("csrf"), "{}", r.location());
}

async fn get_as_host(app: &TestApp, path: &str, host: &str) -> crate::common::Reply {
    app.send(
        Request::get(path)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn with_a_public_url_other_hosts_get_a_readable_400() {
    let app = TestApp::with(|c| {
        c.public_url = Some("https://dojo.example.org".into());
        c.check_host = true;
    });
    let r = get_as_host(&app, "/lessons", "dojo.example.org").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get_as_host(&app, "/lessons", "Dojo.Example.org:443").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get_as_host(&app, "/lessons", "attacker.example").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("answers only to dojo.example.org"),
        "{}",
        r.body
    );
    assert!(r.body.contains("https://dojo.example.org/"), "{}", r.body);
    let r = get_as_host(&app, "/healthz", "10.0.0.5:8080").await;
    assert_eq!(r.status, StatusCode::OK, "probes by address are answered");
    // Without the check (the default) every host is served.
    let open = TestApp::new();
    let r = get_as_host(&open, "/lessons", "attacker.example").await;
    assert_eq!(r.status, StatusCode::OK);
}
