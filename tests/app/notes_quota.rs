//! Each member's notes have a quota: old versions are pruned past N per
//! note, a save over the byte cap is refused with the text kept, and deleted
//! notes and accounts leave no text in the database file.

use crate::common::TestApp;
use crate::common::notes::{create, save};
use axum::http::StatusCode;
use spandojo::notes::quota::Quota;

fn app_with_quota(revisions_per_note: usize, bytes_per_member: u64) -> TestApp {
    TestApp::with(|c| {
        c.notes_quota = Quota {
            revisions_per_note,
            bytes_per_member,
        }
    })
}

#[tokio::test]
async fn versions_past_the_limit_are_pruned_oldest_first() {
    let app = app_with_quota(3, 1024 * 1024);
    let mut ada = app.member("ada", false).await;
    let id = create(&mut ada, "Spans", "version 0", "").await;
    for i in 1..=7 {
        let r = save(&mut ada, id, "Spans", &format!("version {i}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(
        app.query_i64("SELECT count(*) FROM note_revisions").await,
        3
    );
    let history = ada.get(&format!("/notes/{id}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    let oldest: String = app
        .store
        .call(|c| {
            Ok(c.query_row(
                "SELECT body FROM note_revisions ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(oldest, "version 4", "the newest three are kept");
}

#[tokio::test]
async fn a_save_over_the_byte_cap_is_refused_with_the_text_kept() {
    let app = app_with_quota(50, 8 * 1024);
    let mut ada = app.member("ada", false).await;
    let first = "a".repeat(5 * 1024);
    let id = create(&mut ada, "Big one", &first, "").await;
    let second = format!("{} keep-me-7731", "b".repeat(4 * 1024));
    let r = ada
        .post(
            "/notes",
            &[("title", "Second"), ("body", &second), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("Not saved: your notes take"), "{}", r.body);
    assert!(
        r.body.contains("of the 8 KiB each member may store"),
        "{}",
        r.body
    );
    assert!(r.body.contains("keep-me-7731"), "the text comes back");
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 1);
    // Editing the first note to a size over the cap is refused the same way.
    let r = save(&mut ada, id, "Big one", &second).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("keep-me-7731"));
    // Another member has their own quota.
    let mut bob = app.member("bob", false).await;
    create(&mut bob, "Bob's", &"c".repeat(5 * 1024), "").await;
    // An import over the cap lists what it left out and why.
    let file = format!("+++\ntitle = \"Imported\"\n+++\n{}", "d".repeat(6 * 1024));
    let r = ada
        .post_file("/notes/import", "imported.md", file.as_bytes())
        .await;
    assert!(r.body.contains("Not saved: your notes take"), "{}", r.body);
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 2);
}

/// Whether the database file or its write-ahead log holds `marker`.
fn on_disk(app: &TestApp, marker: &str) -> Vec<String> {
    let data = app.dir.path().join("data");
    let mut found = Vec::new();
    for name in ["spandojo.db", "spandojo.db-wal"] {
        let bytes = std::fs::read(data.join(name)).unwrap_or_default();
        if bytes.windows(marker.len()).any(|w| w == marker.as_bytes()) {
            found.push(name.to_string());
        }
    }
    found
}

#[tokio::test]
async fn a_purged_note_and_a_deleted_account_leave_no_text_in_the_file() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let marker = "qzxmarkerqzx5521";
    let id = create(&mut ada, marker, &format!("body {marker} text"), marker).await;
    ada.get(&format!("/notes/{id}")).await; // caches the rendered HTML
    save(&mut ada, id, marker, &format!("second {marker} version")).await;
    assert!(!on_disk(&app, marker).is_empty(), "the marker was written");
    ada.post(&format!("/notes/{id}/delete"), &[]).await;
    let r = ada.post(&format!("/notes/{id}/purge"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(on_disk(&app, marker), Vec::<String>::new());

    let mut bob = app.member("bob", false).await;
    let other = "wyvmarkerwyv8830";
    let id = create(&mut bob, other, &format!("{other} in the body"), other).await;
    bob.get(&format!("/notes/{id}")).await;
    save(&mut bob, id, "renamed", &format!("{other} again")).await;
    let r = bob
        .post("/account/delete", &[("confirm_username", "bob")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 0);
    assert_eq!(on_disk(&app, other), Vec::<String>::new());
}
