//! The rows of the availability review that had no test of their own: a
//! 50,000-span download, an upload of 76,000 root spans (10 MiB) and 200 logins at
//! once. Each bounds the work (a refusal, a cancellation, a count), not a
//! time.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{StatusCode, header};
use spandojo::budget::Limits;

use crate::common::{PASSWORD, TestApp};

/// An app whose heavy work has one slot and a deadline of `ms` milliseconds.
fn with_deadline(ms: u64) -> (TestApp, spandojo::budget::Budget) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = spandojo::Config::new(dir.path().join("data"));
    config.budget = Limits {
        slots: 1,
        per_client: 1,
        queue: 0,
        queue_wait: Duration::from_secs(60),
        deadline: Some(Duration::from_millis(ms)),
        starts_per_window: 0,
        rate_window: Duration::from_secs(1),
        idle_priority: false,
    };
    let state = spandojo::web::build_state(config).expect("app builds");
    let budget = state.budget.clone();
    let store = state.store.clone();
    (
        TestApp {
            app: spandojo::web::router(state),
            store,
            dir,
        },
        budget,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_of_50000_spans_is_stopped_at_its_deadline() {
    let (app, budget) = with_deadline(20);
    let r = app.get("/sim/study-sheet/3/otlp.json?spans=50000").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.status);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.raw.len() < 64 * 1024, "a page, not a 28 MB body");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    // Generating the trace is not interruptible; building its body is
    // skipped once cancelled. The slot comes back without another request.
    while budget.stats().running > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(budget.stats().cancelled, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trace_page_of_50000_spans_passes_the_budget_and_small_ones_do_not_wait() {
    let (app, budget) = with_deadline(20);
    let r = app.get("/sim/large-estate/3?spans=50000").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.status);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.body.contains("trace page"), "{}", r.body);
    // An ordinary trace page does not pass the budget: served at once.
    let r = app.get("/sim/large-estate/3").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.get("/sim/large-estate/3?spans=2000").await;
    assert_eq!(r.status, StatusCode::OK);
    while budget.stats().running > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(budget.stats().cancelled, 1);
}

/// Root spans in the upload: as many as fit in the 10 MiB limit.
const ROOTS: u64 = 76_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_of_76000_root_spans_is_stopped_at_its_deadline() {
    let (app, budget) = with_deadline(20);
    let mut spans = String::new();
    for i in 0..ROOTS {
        if i > 0 {
            spans.push(',');
        }
        spans.push_str(&format!(
            r#"{{"traceId":"{:032x}","spanId":"{:016x}","name":"r","startTimeUnixNano":"1","endTimeUnixNano":"2"}}"#,
            i + 1,
            i + 1
        ));
    }
    let file = format!(
        r#"{{"resourceSpans":[{{"resource":{{}},"scopeSpans":[{{"spans":[{spans}]}}]}}]}}"#
    );
    assert!(file.len() < 10 * 1024 * 1024);
    let mut client = app.client();
    let r = client
        .post_file("/sim/upload", "roots.json", file.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.status);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    // Parsing is not interruptible: the slot comes back when it ends.
    while budget.stats().running > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(budget.stats().cancelled, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logins_at_once_run_at_most_the_argon2_cap() {
    let app = Arc::new(TestApp::new());
    app.member("ada", false).await;
    let csrf = app.client().csrf().await;
    let logins: Vec<_> = (0..40)
        .map(|i| {
            let (app, csrf) = (app.clone(), csrf.clone());
            tokio::spawn(async move {
                let mut client = app.client();
                client.cookies.insert("sd_csrf".into(), csrf);
                // Right and wrong passwords, from one address: both hash.
                let password = if i % 2 == 0 {
                    PASSWORD
                } else {
                    "wrong password!"
                };
                client.login("ada", password).await.status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for login in logins {
        statuses.push(login.await.unwrap());
    }
    assert!(statuses.contains(&StatusCode::SEE_OTHER), "{statuses:?}");
    let peak = spandojo::accounts::argon2_peak();
    assert!(
        (1..=spandojo::accounts::MAX_ARGON2_AT_ONCE).contains(&peak),
        "{peak} Argon2 computations at once"
    );
}
