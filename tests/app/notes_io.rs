//! Notes export and import: the zip round trip, single files, duplicates,
//! malformed uploads and the import size limit.

use std::io::{Cursor, Write};

use crate::common::{Client, TestApp};
use axum::http::{StatusCode, header};
use spandojo::store::notes::Note;

async fn owner(app: &TestApp, name: &'static str) -> i64 {
    app.store
        .call(move |c| {
            Ok(
                c.query_row("SELECT id FROM users WHERE username = ?1", [name], |r| {
                    r.get(0)
                })?,
            )
        })
        .await
        .unwrap()
}

async fn notes_of(app: &TestApp, owner: i64) -> Vec<Note> {
    let mut notes = app
        .store
        .call(move |c| spandojo::store::notes::all_for_export(c, owner))
        .await
        .unwrap();
    notes.sort_by(|a, b| a.uid.cmp(&b.uid));
    notes
}

async fn import(client: &mut Client<'_>, name: &str, data: &[u8]) -> crate::common::Reply {
    client.post_file("/notes/import", name, data).await
}

async fn write_notes(ada: &mut Client<'_>) -> i64 {
    let fields: [&[(&str, &str)]; 3] = [
        &[
            ("title", "Sampling \"notes\" = 'fun'"),
            (
                "body",
                "\n## Key learnings\n\n+++\nnot front matter\n\n| a | b |\n|---|---|\n\n- [ ] try it  \n",
            ),
            ("tags", "sampling, tail"),
            ("lesson", "sampling"),
            ("shared", "1"),
            ("action", "save"),
        ],
        &[("title", "Plain"), ("body", ""), ("action", "save")],
        &[
            ("title", "Ünïcödé ✓"),
            ("body", "emoji 🧵 and\ttabs"),
            ("tags", "ünï"),
            ("action", "save"),
        ],
    ];
    let mut last = 0;
    for f in fields {
        let r = ada.post("/notes", f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        last = crate::common::notes::id_from(r.location());
    }
    last
}

#[tokio::test]
async fn export_then_import_round_trips_without_loss() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    write_notes(&mut ada).await;
    let zip = ada.get("/notes/export.zip").await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.headers[header::CONTENT_TYPE], "application/zip");
    let disposition = zip.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"spandojo-notes-"),
        "{disposition}"
    );
    assert!(zip.raw.starts_with(b"PK"));

    let mut grace = app.member("grace", false).await;
    let r = import(&mut grace, "export.zip", &zip.raw).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Imported 3 notes"), "{}", r.body);

    let (a, g) = (owner(&app, "ada").await, owner(&app, "grace").await);
    let (mine, theirs) = (notes_of(&app, a).await, notes_of(&app, g).await);
    assert_eq!(mine.len(), 3);
    for (m, t) in mine.iter().zip(&theirs) {
        assert_eq!(m.to_file(), t.to_file(), "every field survives");
    }

    let again = import(&mut ada, "export.zip", &zip.raw).await;
    assert!(
        again
            .body
            .contains("Imported 0 notes; skipped 3 you already have"),
        "{}",
        again.body
    );
    assert_eq!(notes_of(&app, a).await.len(), 3);
}

#[tokio::test]
async fn a_single_note_exports_and_imports_as_markdown() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let id = write_notes(&mut ada).await;
    let md = ada.get(&format!("/notes/{id}/export")).await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(
        md.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(md.body.starts_with("+++\nid = \""), "{}", md.body);
    assert!(md.body.contains("title = \"Ünïcödé ✓\"") && md.body.contains("tags = [\"ünï\"]"));
    assert!(md.body.contains("created = 20") && md.body.ends_with("+++\nemoji 🧵 and\ttabs"));

    let mut grace = app.member("grace", false).await;
    let r = import(&mut grace, "note.md", &md.raw).await;
    assert!(
        r.body.contains("Imported 1 note;") || r.body.contains("Imported 1 note."),
        "{}",
        r.body
    );
    let g = owner(&app, "grace").await;
    assert_eq!(notes_of(&app, g).await[0].body, "emoji 🧵 and\ttabs");
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn malformed_uploads_are_reported_by_name() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let long_title = format!("+++\ntitle = \"{}\"\n+++\n", "t".repeat(201));
    let bytes = zip_of(&[
        (
            "notes/good.md",
            b"+++\ntitle = \"Good one\"\nlesson = \"gone-lesson\"\n+++\nbody",
        ),
        ("../../etc/evil.md", b"+++\ntitle = \"evil\"\n+++\n"),
        ("notes/broken.md", b"+++\ntitle = \n+++\n"),
        ("notes/long.md", long_title.as_bytes()),
        ("notes/photo.jpg", b"\xff\xd8"),
    ]);
    let r = import(&mut ada, "mixed.zip", &bytes).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Imported 1 note"), "{}", r.body);
    for name in [
        "../../etc/evil.md",
        "notes/broken.md",
        "notes/long.md",
        "notes/photo.jpg",
    ] {
        assert!(
            r.body.contains(&format!("<code>{name}</code>")),
            "{name} reported: {}",
            r.body
        );
    }
    assert!(r.body.contains("unsafe path") && r.body.contains("at most 200"));
    assert!(r.body.contains("gone-lesson") && r.body.contains("imported without it"));
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 1);
    assert_eq!(
        app.query_i64("SELECT count(*) FROM notes WHERE lesson IS NOT NULL")
            .await,
        0
    );

    let r = import(&mut ada, "junk.zip", b"PK\x03\x04 not really a zip").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("cannot be read"));
    let r = import(&mut ada, "empty.zip", b"").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Choose a file"));
    let r = import(&mut ada, "renamed.zip", b"just some text").await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a .zip that is not a zip"
    );
    assert!(r.body.contains("not a zip archive"), "{}", r.body);
    let r = import(&mut ada, "broken.md", b"+++\ntitle = \n+++\n").await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "nothing could be imported"
    );
    assert!(r.body.contains("<code>broken.md</code>"), "{}", r.body);
    assert_eq!(
        app.query_i64("SELECT count(*) FROM notes").await,
        1,
        "nothing added"
    );
}

#[tokio::test]
async fn import_has_its_own_size_limit() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let big = vec![b'a'; 11 * 1024 * 1024];
    let r = import(&mut ada, "big.zip", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("Too much data"));
    let path = "/notes/import";
    let r = ada.post_file_with(path, "big.zip", &big, false).await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "without a declared length too"
    );
    assert!(r.body.contains("Too much data"));

    let medium = vec![b'a'; 2 * 1024 * 1024];
    let r = import(&mut ada, "medium.md", &medium).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "2 MiB passes the body limit (no 413); the oversized note is reported and nothing is imported"
    );
    assert!(
        r.body.contains("<code>medium.md</code>: larger than"),
        "{}",
        r.body
    );
    let r = ada.post_file("/notes/preview", "x", &medium).await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "other routes keep 1 MiB"
    );
}
