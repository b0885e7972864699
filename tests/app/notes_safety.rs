//! Notes under hostile or unusual input: deep nesting renders flat with all
//! its text, rendered HTML is cached per revision of the body, and archives
//! re-zipped on Windows import.

use crate::common::notes::{create, save};
use crate::common::{Client, TestApp};
use axum::http::StatusCode;
use spandojo::notes::MAX_BODY_BYTES;

async fn set_cached_html(app: &TestApp, id: i64, html: &'static str) {
    app.store
        .call(move |c| {
            c.execute(
                "UPDATE note_html SET html = ?2 WHERE note_id = ?1",
                rusqlite::params![id, html],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_note_is_rendered_once_per_revision() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let id = create(&mut ada, "Cached", "**one**", "").await;
    assert_eq!(app.query_i64("SELECT count(*) FROM note_html").await, 0);
    let view = ada.get(&format!("/notes/{id}")).await;
    assert!(view.body.contains("<strong>one</strong>"), "{}", view.body);
    assert_eq!(app.query_i64("SELECT count(*) FROM note_html").await, 1);
    // A second view reads the cache instead of rendering again.
    set_cached_html(&app, id, "<p>from the cache</p>").await;
    let view = ada.get(&format!("/notes/{id}")).await;
    assert!(view.body.contains("from the cache"), "{}", view.body);
    // A new body is a new revision: rendered again.
    let r = save(&mut ada, id, "Cached", "**two**").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let view = ada.get(&format!("/notes/{id}")).await;
    assert!(view.body.contains("<strong>two</strong>"), "{}", view.body);
    assert!(!view.body.contains("from the cache"));
    assert_eq!(app.query_i64("SELECT max(body_rev) FROM notes").await, 1);
    // Saving only the title keeps the body's revision and its cache.
    set_cached_html(&app, id, "<p>still cached</p>").await;
    save(&mut ada, id, "Renamed", "**two**").await;
    let view = ada.get(&format!("/notes/{id}")).await;
    assert!(view.body.contains("still cached"), "{}", view.body);
}

#[tokio::test]
async fn deeply_nested_notes_at_the_limit_show_all_their_text() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let quotes = format!("{}deepest words", "> ".repeat(50_000));
    let divs = format!("{}inner words", "<div>".repeat(32_000));
    for body in [quotes, divs] {
        assert!(body.len() <= MAX_BODY_BYTES);
        let id = create(&mut ada, "Deep", &body, "").await;
        let view = ada.get(&format!("/notes/{id}")).await;
        assert_eq!(view.status, StatusCode::OK);
        assert!(view.body.contains("words"), "text kept");
        assert!(view.body.contains("shown flat"), "the page says so");
        assert!(view.body.len() < 64 * 1024, "the HTML stays small");
    }
}

async fn import(client: &mut Client<'_>, name: &str, data: &[u8]) -> crate::common::Reply {
    client.post_file("/notes/import", name, data).await
}

#[tokio::test]
async fn an_export_rezipped_with_backslashes_imports_both_notes() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let bytes = include_bytes!("../fixtures/notes/export-rezipped-with-backslashes.zip");
    let r = import(&mut ada, "export.zip", bytes).await;
    assert!(r.body.contains("Imported 2 notes"), "{}", r.body);
    assert!(!r.body.contains("unsafe path"), "{}", r.body);
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 2);
}
