//! Storage faults: a database that cannot be written is reported by
//! `/healthz` and on the page of a failed save (503, the member's text
//! kept), the app recovers without a restart once it can write again, the
//! server refuses an unwritable data directory, and `spandojo backup`
//! finishes under steady writes without leaving a partial file.
//!
//! Root ignores file permissions, so faults are made with SQLite's own
//! pragmas ([`spandojo::store::Store::inject_fault`]): the same error codes
//! reach the same code paths.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::common::TestApp;
use crate::common::notes::{create, save};
use axum::http::{StatusCode, header};
use spandojo::store::fault::Injected;

#[tokio::test]
async fn healthz_reports_a_database_that_cannot_be_written_and_recovers() {
    let app = TestApp::new();
    assert_eq!(app.get("/healthz").await.body, "ok");
    app.store.inject_fault(Some(Injected::ReadOnly));
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.body.contains("cannot write to its database"),
        "{}",
        r.body
    );
    assert!(r.body.contains("read-only"), "{}", r.body);
    app.store.inject_fault(None);
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK, "no restart needed: {}", r.body);
}

#[tokio::test]
async fn a_failed_save_says_why_and_gives_the_text_back() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let id = create(&mut ada, "Spans", "first", "").await;
    let text = format!("{} typed-7731", "long text ".repeat(8_000));

    app.store.inject_fault(Some(Injected::Full));
    let r = save(&mut ada, id, "Spans", &text).await;
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        &r.body[..200.min(r.body.len())]
    );
    assert!(r.body.contains("the disk is full"));
    assert!(r.body.contains("typed-7731"), "the text comes back");
    assert!(r.headers.contains_key(header::RETRY_AFTER));

    app.store.inject_fault(Some(Injected::ReadOnly));
    let r = ada
        .post(
            "/notes",
            &[
                ("title", "New"),
                ("body", "new typed-8842"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("read-only"));
    assert!(r.body.contains("new typed-8842"));
    // Other writes get the readable 503 page, not a 500.
    let r = ada.post(&format!("/notes/{id}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("Nothing was changed"), "{}", r.body);

    app.store.inject_fault(None);
    let r = save(&mut ada, id, "Spans", &text).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "saves work again");
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 1);
}

fn spandojo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spandojo"))
}

#[test]
fn the_server_refuses_a_data_directory_it_cannot_write() {
    // sysfs refuses new files even to root.
    let out = crate::common::serve_command("127.0.0.1:0")
        .args(["--data", "/sys"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write to the data directory /sys"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
}

/// A data directory with `notes` notes of about 8 KiB each.
fn filled(notes: usize) -> (tempfile::TempDir, spandojo::store::Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = spandojo::store::Store::open(&dir.path().join("data/spandojo.db")).unwrap();
    store
        .call_blocking(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO users (username, display_name, password_hash, created_at) VALUES ('ada', 'Ada', 'x', 0)",
                [],
            )?;
            for i in 0..notes {
                tx.execute(
                    "INSERT INTO notes (uid, user_id, title, body, created_at, updated_at)
                     VALUES (printf('%016x', ?1), 1, 'n', ?2, 0, 0)",
                    rusqlite::params![i as i64, format!("{i} {}", "x".repeat(8_000))],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .unwrap();
    (dir, store)
}

#[test]
fn backup_finishes_under_steady_writes() {
    let (dir, store) = filled(500);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, store) = (stop.clone(), store.clone());
        std::thread::spawn(move || {
            let mut written = 0u32;
            // Bounded: at most 20,000 saves, and it stops when the backup is done.
            while !stop.load(Ordering::Relaxed) && written < 20_000 {
                store
                    .call_blocking(|c| {
                        c.execute(
                            "UPDATE notes SET body = body || 'y', updated_at = updated_at + 1 WHERE id = 1 + abs(random()) % 500",
                            [],
                        )?;
                        Ok(())
                    })
                    .unwrap();
                written += 1;
            }
            written
        })
    };
    let dest = dir.path().join("copy.db");
    let out = spandojo()
        .arg("backup")
        .arg(&dest)
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(written > 0);
    let copy = rusqlite::Connection::open(&dest).unwrap();
    let n: i64 = copy
        .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 500);
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert!(!dir.path().join("copy.db.partial").exists());
}

#[cfg(unix)]
#[test]
fn a_killed_backup_leaves_no_file_under_its_name() {
    let (dir, _store) = filled(6_000);
    let dest = dir.path().join("copy.db");
    let partial = dir.path().join("copy.db.partial");
    let mut child = spandojo()
        .arg("backup")
        .arg(&dest)
        .arg("--data")
        .arg(dir.path().join("data"))
        .spawn()
        .unwrap();
    // Kill it once the copy has begun (bounded: at most 100,000 looks).
    let mut looks = 0;
    while !partial.exists() && !dest.exists() && looks < 100_000 {
        std::thread::yield_now();
        looks += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    if dest.exists() {
        // The copy won the race: then it is whole.
        let copy = rusqlite::Connection::open(&dest).unwrap();
        let n: i64 = copy
            .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 6_000);
    }
    // A later backup clears the leftover and writes a whole copy.
    let _ = std::fs::remove_file(&dest);
    let out = spandojo()
        .arg("backup")
        .arg(&dest)
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!partial.exists());
}
