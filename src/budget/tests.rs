use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use super::*;

fn limits(slots: usize, per_client: usize, queue: usize) -> Limits {
    Limits {
        slots,
        per_client,
        queue,
        queue_wait: Duration::from_secs(60),
        deadline: None,
        starts_per_window: 0,
        rate_window: Duration::from_secs(1),
        idle_priority: true,
    }
}

/// Work that loops until cancelled, counting its rounds; `started` lets the
/// test know it is running.
fn spin(started: Arc<Barrier>, rounds: Arc<AtomicU64>) -> impl FnOnce() -> u64 + Send {
    move || {
        started.wait();
        while !cancelled() {
            rounds.fetch_add(1, Ordering::Relaxed);
            std::thread::yield_now();
        }
        rounds.load(Ordering::Relaxed)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_past_its_deadline_is_stopped_and_refused() {
    let budget = Budget::new(Limits {
        deadline: Some(Duration::from_millis(20)),
        ..limits(2, 1, 4)
    });
    let started = Arc::new(Barrier::new(1));
    let rounds = Arc::new(AtomicU64::new(0));
    let out = budget
        .run(Kind::Lab, "member:1", None, spin(started, rounds.clone()))
        .await;
    assert_eq!(out, Err(RunError::Refused(Refused::Deadline(Kind::Lab))));
    let stats = budget.stats();
    assert_eq!(stats.running, 0, "the work has really stopped");
    assert_eq!(
        (stats.cancelled, stats.stopped_early, stats.finished),
        (1, 1, 0)
    );
    let after = rounds.load(Ordering::Relaxed);
    tokio::task::yield_now().await;
    assert_eq!(
        rounds.load(Ordering::Relaxed),
        after,
        "no more rounds after the answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_share_is_refused_while_others_run() {
    let budget = Budget::new(limits(2, 1, 4));
    let started = Arc::new(Barrier::new(2));
    let rounds = Arc::new(AtomicU64::new(0));
    let first = {
        let budget = budget.clone();
        let work = spin(started.clone(), rounds);
        tokio::spawn(async move { budget.run(Kind::Lab, "ip:192.0.2.1", None, work).await })
    };
    tokio::task::spawn_blocking(move || started.wait())
        .await
        .unwrap();
    let again = budget.run(Kind::Search, "ip:192.0.2.1", None, || 1).await;
    assert_eq!(again, Err(RunError::Refused(Refused::Busy(Kind::Search))));
    let refused = RunError::Refused(Refused::Busy(Kind::Search));
    assert!(refused.to_string().contains("already have heavy work"));
    let other = budget.run(Kind::Search, "member:7", None, || 2).await;
    assert_eq!(other, Ok(2), "another client still gets the free slot");
    budget.shutdown();
    let first = first.await.unwrap();
    assert_eq!(first, Err(RunError::Refused(Refused::Deadline(Kind::Lab))));
    assert_eq!(
        budget.stats().running,
        0,
        "shutdown stopped the running work"
    );
    let late = budget.run(Kind::Search, "member:7", None, || 3).await;
    assert_eq!(
        late,
        Err(RunError::Refused(Refused::Deadline(Kind::Search)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_at_once() {
    let budget = Budget::new(limits(1, 1, 0));
    let started = Arc::new(Barrier::new(2));
    let rounds = Arc::new(AtomicU64::new(0));
    let first = {
        let budget = budget.clone();
        let work = spin(started.clone(), rounds);
        tokio::spawn(async move { budget.run(Kind::Upload, "a", None, work).await })
    };
    tokio::task::spawn_blocking(move || started.wait())
        .await
        .unwrap();
    let second = budget.run(Kind::Upload, "b", None, || 1).await;
    assert_eq!(second, Err(RunError::Refused(Refused::Full(Kind::Upload))));
    assert_eq!(Refused::Full(Kind::Upload).retry_after(), 5);
    assert_eq!(budget.stats().refused, 1);
    budget.shutdown();
    assert!(first.await.unwrap().is_err());
}

#[tokio::test]
async fn dropping_the_request_cancels_the_work() {
    let budget = Budget::new(limits(1, 1, 4));
    let started = Arc::new(Barrier::new(2));
    let rounds = Arc::new(AtomicU64::new(0));
    let task = {
        let budget = budget.clone();
        let work = spin(started.clone(), rounds);
        tokio::spawn(async move { budget.run(Kind::Lab, "a", None, work).await })
    };
    tokio::task::spawn_blocking(move || started.wait())
        .await
        .unwrap();
    task.abort();
    let _ = task.await;
    while budget.stats().running > 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The slot comes back once the work has seen the cancellation.
    let next = budget.run(Kind::Lab, "a", None, || 5).await;
    assert_eq!(next, Ok(5));
    assert_eq!(budget.stats().stopped_early, 1);
}

#[test]
fn outside_a_budget_nothing_is_cancelled() {
    assert!(!cancelled());
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heavy_work_runs_at_a_lower_priority_than_the_async_workers() {
    let budget = Budget::new(limits(1, 1, 4));
    let Ok((class, nice)) = budget
        .run(Kind::Lab, "member:1", None, pool::current_priority)
        .await
    else {
        panic!("the heavy task did not run");
    };
    assert!(
        class == libc::SCHED_IDLE || nice >= NICE,
        "heavy work runs in SCHED_IDLE or at nice {NICE} or more (class {class}, nice {nice})"
    );
    assert_eq!(
        pool::current_priority().0,
        libc::SCHED_OTHER,
        "the caller's thread is untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_heavy_work_is_reported_and_frees_the_slot() {
    // At normal priority and with a long deadline, so that a loaded machine
    // (an idle-priority thread can wait for seconds) cannot turn the panic
    // into a timeout.
    let budget = Budget::new(Limits {
        deadline: Some(Duration::from_secs(600)),
        idle_priority: false,
        ..limits(1, 1, 4)
    });
    let out: Result<(), RunError> = budget
        .run(Kind::Upload, "member:1", None, || panic!("bad input"))
        .await;
    assert_eq!(out, Err(RunError::Failed("bad input".into())));
    let again = budget.run(Kind::Upload, "member:1", None, || 7).await;
    assert_eq!(
        again,
        Ok(7),
        "the slot and the client's share were given back"
    );
}

/// Waits until no task of `budget` runs: a cancelled task may outlive the
/// grace period on a busy machine (JSON parsing itself is not interrupted).
async fn until_idle(budget: &Budget) {
    for _ in 0..60_000 {
        if budget.stats().running == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("a cancelled task never stopped");
}

/// A 5,000-span trace and its OTLP JSON.
fn large_trace() -> (crate::sim::Trace, String) {
    let opts = crate::sim::generate::GenerateOptions {
        min_spans: 5_000,
        ..Default::default()
    };
    let t = crate::sim::generate::generate_with(
        &crate::sim::testutil::scenario("large-estate"),
        1,
        &opts,
    );
    let json = crate::sim::formats::export::to_otlp_json(&t);
    (t, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_an_upload_and_writing_a_download_stop_at_the_deadline() {
    let (trace, json) = large_trace();
    let budget = Budget::new(Limits {
        deadline: Some(Duration::ZERO),
        ..limits(1, 1, 4)
    });
    let read = budget
        .run(Kind::Upload, "ip:192.0.2.1", None, move || {
            std::thread::sleep(Duration::from_millis(5));
            crate::sim::formats::import::from_otlp_json(&json).map(|t| t.spans.len())
        })
        .await;
    assert_eq!(
        read,
        Err(RunError::Refused(Refused::Deadline(Kind::Upload)))
    );
    until_idle(&budget).await;
    for write in [
        crate::web::download::TraceFile::Otlp,
        crate::web::download::TraceFile::Jaeger,
        crate::web::download::TraceFile::Zipkin,
    ] {
        let t = trace.clone();
        let out = budget
            .run(Kind::Download, "ip:192.0.2.1", None, move || {
                std::thread::sleep(Duration::from_millis(5));
                write.write(&t).len()
            })
            .await;
        assert_eq!(
            out,
            Err(RunError::Refused(Refused::Deadline(Kind::Download)))
        );
        until_idle(&budget).await;
    }
    let stats = budget.stats();
    assert_eq!(
        (stats.cancelled, stats.stopped_early, stats.running),
        (4, 4, 0),
        "each of the four noticed the cancellation and stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_heavy_work_offers_its_core_at_its_yield_points() {
    let budget = Budget::new(Limits {
        idle_priority: false,
        ..limits(1, 1, 4)
    });
    let out = budget
        .run(Kind::Lab, "member:1", None, || {
            let before = pool::offered();
            let mut calls = 0u64;
            while pool::offered() < before + 3 && calls < 1_000_000_000 {
                assert!(!cancelled());
                yield_point();
                calls += 1;
            }
            (pool::offered() - before, calls)
        })
        .await;
    let Ok((offers, calls)) = out else {
        panic!("the work ran: {out:?}");
    };
    assert_eq!(offers, 3, "after {calls} calls");
    let before = pool::offered();
    for _ in 0..100_000 {
        assert!(!cancelled());
        yield_point();
    }
    assert_eq!(pool::offered(), before, "outside a budget nothing yields");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_starts_too_often_is_refused_and_others_are_not() {
    let budget = Budget::new(Limits {
        idle_priority: false,
        starts_per_window: 3,
        rate_window: Duration::from_secs(3600),
        ..limits(1, 1, 4)
    });
    for n in 0..3 {
        assert_eq!(
            budget.run(Kind::Search, "member:1", None, move || n).await,
            Ok(n)
        );
    }
    let refused = budget.run(Kind::Search, "member:1", None, || 9).await;
    assert_eq!(
        refused,
        Err(RunError::Refused(Refused::TooOften(Kind::Search)))
    );
    assert_eq!(Refused::TooOften(Kind::Search).retry_after(), 2);
    assert_eq!(
        budget.run(Kind::Search, "member:2", None, || 7).await,
        Ok(7)
    );
    assert_eq!(budget.stats().finished, 4);
    // A window that has ended starts afresh.
    let budget = Budget::new(Limits {
        idle_priority: false,
        starts_per_window: 1,
        rate_window: Duration::ZERO,
        ..limits(1, 1, 4)
    });
    for n in 0..5 {
        assert_eq!(
            budget.run(Kind::Lab, "ip:192.0.2.9", None, move || n).await,
            Ok(n)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_do_not_use_up_a_clients_rate() {
    let budget = Budget::new(Limits {
        idle_priority: false,
        starts_per_window: 2,
        rate_window: Duration::from_secs(3600),
        ..limits(2, 1, 4)
    });
    let started = Arc::new(Barrier::new(2));
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let first = {
        let budget = budget.clone();
        let started = started.clone();
        tokio::spawn(async move {
            budget
                .run(Kind::Lab, "ip:192.0.2.1", None, move || {
                    started.wait();
                    wait.recv().is_ok()
                })
                .await
        })
    };
    tokio::task::spawn_blocking(move || started.wait())
        .await
        .unwrap();
    for _ in 0..5 {
        let again = budget.run(Kind::Search, "ip:192.0.2.1", None, || 1).await;
        assert_eq!(again, Err(RunError::Refused(Refused::Busy(Kind::Search))));
    }
    release.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Ok(true));
    assert_eq!(
        budget.run(Kind::Search, "ip:192.0.2.1", None, || 2).await,
        Ok(2)
    );
    assert_eq!(
        budget.run(Kind::Search, "ip:192.0.2.1", None, || 3).await,
        Err(RunError::Refused(Refused::TooOften(Kind::Search)))
    );
}
