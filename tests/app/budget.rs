//! Heavy work runs in the budget: each test bounds the work done (a count, a
//! cancellation, a refusal with 429/503 and `Retry-After`, a cheap request
//! served meanwhile), never a wall-clock time.

use std::io::{Read, Write};
use std::time::Duration;

use axum::http::{StatusCode, header};
use spandojo::budget::{Budget, Kind, Limits};
use spandojo::web::serve::{ServeLimits, serve};

use crate::common::{TestApp, notes};

/// The lab at its largest: 100,000 traces of the biggest preset.
const LARGEST_LAB: &str = "/sim/lab?scenario=study-sheet&traces=100000&seed=9&slo_ms=50\
                           &s=ratio%3D0.2&s=status_code%3Derror%2Clatency%3E%3D50ms";

/// A test app whose budget the test can watch.
fn app_with(limits: Limits) -> (TestApp, Budget) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = spandojo::Config::new(dir.path().join("data"));
    config.budget = limits;
    let state = spandojo::web::build_state(config).expect("app builds");
    let budget = state.budget.clone();
    let store = state.store.clone();
    let app = spandojo::web::router(state);
    (TestApp { app, store, dir }, budget)
}

fn one_slot() -> Limits {
    Limits {
        slots: 1,
        per_client: 1,
        queue: 0,
        queue_wait: Duration::from_secs(60),
        deadline: None,
        starts_per_window: 0,
        rate_window: Duration::from_secs(1),
        idle_priority: false,
    }
}

async fn until_running(budget: &Budget, n: usize) {
    while budget.stats().running < n {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_past_its_deadline_is_stopped_with_a_readable_503() {
    let (app, budget) = app_with(Limits {
        deadline: Some(Duration::from_millis(30)),
        ..one_slot()
    });
    let r = app.get(LARGEST_LAB).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.headers[header::RETRY_AFTER], "30");
    assert!(r.body.contains("was stopped"), "{}", r.body);
    let stats = budget.stats();
    assert_eq!(stats.running, 0, "the run has really ended");
    assert_eq!((stats.cancelled, stats.stopped_early), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_a_lab_runs_cheap_pages_answer_and_a_second_heavy_request_is_refused() {
    let (app, budget) = app_with(one_slot());
    let app = std::sync::Arc::new(app);
    let lab = {
        let app = app.clone();
        tokio::spawn(async move { app.get(LARGEST_LAB).await.status })
    };
    until_running(&budget, 1).await;
    for cheap in ["/healthz", "/lessons", "/"] {
        assert_eq!(app.get(cheap).await.status, StatusCode::OK, "{cheap}");
    }
    // Same client (no address in oneshot requests): its share is used.
    let again = app.get(LARGEST_LAB).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(again.headers[header::RETRY_AFTER], "2");
    assert!(again.body.contains("already have heavy work"));
    assert!(
        again.body.contains("One at a time"),
        "headed as heavy work, not as the login throttle"
    );
    assert_eq!(budget.stats().running, 1, "the refused run did no work");
    budget.shutdown();
    assert_eq!(lab.await.unwrap(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(budget.stats().running, 0, "shutdown ended the run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_past_its_deadline_is_interrupted() {
    let (app, budget) = app_with(Limits {
        deadline: Some(Duration::from_millis(30)),
        ..one_slot()
    });
    let store = app.store.clone();
    // Endless unless interrupted.
    let out = budget
        .run(Kind::Search, "member:1", None, move || {
            store.call_interruptible(|c| {
                Ok(c.query_row(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
                     SELECT count(*) FROM n",
                    [],
                    |r| r.get::<_, i64>(0),
                )?)
            })
        })
        .await;
    assert!(out.is_err());
    let stats = budget.stats();
    assert_eq!((stats.running, stats.stopped_early), (0, 1));
}

#[tokio::test]
async fn short_prefix_searches_are_refused_and_hits_are_shown() {
    let app = TestApp::new();
    let mut member = app.member("ada", false).await;
    for i in 0..3 {
        notes::create(
            &mut member,
            &format!("Sampling {i}"),
            "tail sampling at the collector",
            "",
        )
        .await;
    }
    for short in ["a*", "ta*", "\"tail s\"*"] {
        let r = member
            .get(&format!("/notes/search?q={}", crate::common::encode(short)))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("at least 3 letters"), "{short}: {}", r.body);
    }
    let r = member.get("/notes/search?q=tai*").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.matches("/notes/").count() >= 3, "{}", r.body);
    assert!(
        r.body.contains("<mark>"),
        "highlights on the hits shown: {}",
        r.body
    );
}

/// Runs the real server loop on 127.0.0.1 with small limits.
async fn server(limits: ServeLimits) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let app = TestApp::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = app.app.clone();
    tokio::spawn(async move {
        let _keep = app;
        serve(listener, router, limits, async {
            let _ = stopped.await;
        })
        .await;
    });
    (addr, stop)
}

/// Sends `request` on a new connection and reads until the server closes it.
fn exchange(stream: &mut std::net::TcpStream, request: &[u8]) -> String {
    stream.write_all(request).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_per_address_cap_are_closed_and_slow_headers_time_out() {
    let (addr, stop) = server(ServeLimits {
        header_read: Duration::from_millis(200),
        per_ip: 2,
        drain: Duration::from_secs(1),
    })
    .await;
    let answers = tokio::task::spawn_blocking(move || {
        // Two idle connections hold this address's share.
        let held: Vec<_> = (0..2)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        let mut third = std::net::TcpStream::connect(addr).unwrap();
        let refused = exchange(
            &mut third,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        // A client that never finishes its headers is cut off.
        let mut slow = held.into_iter().next().unwrap();
        let cut = exchange(&mut slow, b"GET /healthz HTTP/1.1\r\nHost: x\r\n");
        let mut fresh = std::net::TcpStream::connect(addr).unwrap();
        let ok = exchange(
            &mut fresh,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        (refused, cut, ok)
    })
    .await
    .unwrap();
    let (refused, cut, ok) = answers;
    assert_eq!(refused, "", "the third connection is closed unanswered");
    assert!(
        !cut.contains("200 OK"),
        "incomplete headers get no page: {cut}"
    );
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_starts_heavy_work_too_often_gets_a_readable_429() {
    let (app, _budget) = app_with(Limits {
        starts_per_window: 2,
        rate_window: Duration::from_secs(3600),
        ..one_slot()
    });
    let small = "/sim/study-sheet/1/otlp.json";
    for _ in 0..2 {
        assert_eq!(app.get(small).await.status, StatusCode::OK);
    }
    let r = app.get(small).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.headers[header::RETRY_AFTER], "2");
    assert!(
        r.body.contains("many times in the last second"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Slow down"), "{}", r.body);
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_preview_gives_the_editor_back_with_the_text() {
    let (app, _budget) = app_with(Limits {
        starts_per_window: 1,
        rate_window: Duration::from_secs(3600),
        ..one_slot()
    });
    let mut ada = app.member("ada", false).await;
    // Over 16 KiB, so the rendering is budgeted work.
    let body = format!("kept-marker {}", "word ".repeat(4_000));
    let fields = [
        ("title", "Long"),
        ("body", body.as_str()),
        ("tags", ""),
        ("action", "preview"),
    ];
    let r = ada.post("/notes", &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = ada.post("/notes", &fields).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.headers[header::RETRY_AFTER], "2");
    assert!(
        r.body.contains("kept-marker word word"),
        "the text comes back"
    );
    assert!(r.body.contains("<textarea"), "in the editor");
    assert!(r.body.contains("many times in the last second"));
}
