//! Personal notes through the app: writing, validation, preview, history,
//! trash, search and sanitising. Access rules and CSRF: `notes_access.rs`.

use crate::common::TestApp;
use crate::common::notes::{create, save};
use axum::http::StatusCode;

#[tokio::test]
async fn notes_need_a_login_and_show_in_the_nav() {
    let app = TestApp::new();
    for path in ["/notes", "/notes/new", "/notes/search?q=x", "/notes/trash"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().starts_with("/login?next="), "{path}");
    }
    assert!(!app.get("/").await.body.contains("href=\"/notes\""));
    let mut ada = app.member("ada", false).await;
    assert!(ada.get("/").await.body.contains("href=\"/notes\""));
}

#[tokio::test]
async fn create_read_update_and_list() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let new = ada.get("/notes/new").await;
    assert_eq!(new.status, StatusCode::OK);
    for heading in [
        "## Key learnings",
        "## Concepts I need to revisit",
        "## Tools I will test",
        "## How tracing can help my project",
        "## Questions I still have",
    ] {
        assert!(new.body.contains(heading), "template has {heading}");
    }
    let blank = ada.get("/notes/new?blank=1").await;
    assert!(!blank.body.contains("## Key learnings"));

    let id = create(
        &mut ada,
        "Span basics",
        "## Key learnings\n\nA **span** is one operation.",
        "Spans, #OTel spans",
    )
    .await;
    let view = ada.get(&format!("/notes/{id}?done=saved")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(view.body.contains("<strong>span</strong>"), "{}", view.body);
    assert!(view.body.contains("#spans") && view.body.contains("#otel"));
    assert!(view.body.contains("Saved."));

    let other = create(&mut ada, "Sampling", "head or tail", "sampling").await;
    let list = ada.get("/notes").await;
    let (first, second) = (
        list.body.find(&format!("/notes/{other}\"")).unwrap(),
        list.body.find(&format!("/notes/{id}\"")).unwrap(),
    );
    assert!(first < second, "newest first");
    assert!(list.body.contains("edited "));

    let edit = ada.get(&format!("/notes/{id}/edit")).await;
    assert!(edit.body.contains("A **span** is one operation."));
    assert!(edit.body.contains("value=\"spans, otel\""), "{}", edit.body);
    app.store
        .call(|c| Ok(c.execute("UPDATE notes SET updated_at = updated_at - 100", [])?))
        .await
        .unwrap();
    let r = save(&mut ada, id, "Span basics v2", "Changed.").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = ada.get("/notes").await;
    assert!(
        list.body.find(&format!("/notes/{id}\"")).unwrap()
            < list.body.find(&format!("/notes/{other}\"")).unwrap(),
        "the last edited comes first"
    );
    assert!(list.body.contains("Span basics v2"));

    let tagged = ada.get("/notes?tag=sampling").await;
    assert!(tagged.body.contains("Sampling") && !tagged.body.contains("Span basics v2"));
    let tagged = ada.get("/notes?tag=SAMPLING").await;
    assert!(tagged.body.contains("Sampling"), "tag filters ignore case");
    assert_eq!(
        ada.get("/notes?tag=a%20b").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(ada.get("/notes/999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(ada.get("/notes/abc").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn failed_validation_keeps_the_text() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let body = "My precious thoughts & <ideas>";
    let long_title = "t".repeat(201);
    let too_many: Vec<String> = (0..21).map(|i| format!("tag{i}")).collect();
    let too_many = too_many.join(" ");
    let cases: [(&str, &str, &str, &str); 5] = [
        (&long_title, "", "", "at most 200"),
        ("   ", "", "", "Give the note a title"),
        ("ok", &too_many, "", "at most 20 tags"),
        ("ok", "x-very-long-tag-that-goes-on-and-on", "", "too long"),
        ("ok", "", "no-such-lesson", "That lesson does not exist"),
    ];
    for (title, tags, lesson, message) in cases {
        let r = ada
            .post(
                "/notes",
                &[
                    ("title", title),
                    ("body", body),
                    ("tags", tags),
                    ("lesson", lesson),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{message}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
        assert!(
            r.body
                .contains("My precious thoughts &#38; &#60;ideas&#62;</textarea>"),
            "text kept for {message}"
        );
    }
    let huge = "x".repeat(256 * 1024 + 1);
    let r = ada
        .post(
            "/notes",
            &[("title", "big"), ("body", &huge), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("at most 256 KiB"));
    assert!(r.body.contains(&huge), "the long text comes back");
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 0);

    let id = create(&mut ada, "fine", "kept", "").await;
    let r = save(&mut ada, id, &long_title, "edited text kept").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("edited text kept</textarea>"));
    assert!(r.body.contains(&format!("action=\"/notes/{id}\"")));
}

#[tokio::test]
async fn preview_renders_without_saving() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let r = ada
        .post(
            "/notes",
            &[
                ("title", "Draft"),
                ("body", "| a |\n|---|\n| 1 |\n\n<script>alert(1)</script>"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<td>1</td>"), "{}", r.body);
    assert!(!r.body.contains("<script>alert(1)"));
    assert!(
        r.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;</textarea>")
    );
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 0);

    let r = ada
        .post(
            "/notes/preview",
            &[("body", "- [x] done\n\n[x](javascript:alert(1))")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("checkbox") && !r.body.contains("javascript:"));
    assert!(!r.body.contains("<html"), "a fragment");
    assert_eq!(
        app.post_form("/notes/preview", "body=x").await.status,
        StatusCode::FORBIDDEN,
        "no token, no preview"
    );
}

#[tokio::test]
async fn every_save_keeps_a_revision_that_can_be_restored() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let id = create(&mut ada, "v1", "first text", "").await;
    save(&mut ada, id, "v2", "second text").await;
    save(&mut ada, id, "v3", "third text").await;
    let history = ada.get(&format!("/notes/{id}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("v1") && history.body.contains("v2"));
    assert!(
        history.body.contains(" bytes") && !history.body.contains("0.0 KiB"),
        "a revision of a few bytes is not 0.0 KiB"
    );
    assert_eq!(
        app.query_i64("SELECT count(*) FROM note_revisions").await,
        2
    );
    let first: i64 = app
        .query_i64("SELECT id FROM note_revisions WHERE title = 'v1'")
        .await;
    let old = ada.get(&format!("/notes/{id}/history/{first}")).await;
    assert!(old.body.contains("first text"));
    let r = ada
        .post(&format!("/notes/{id}/history/{first}/restore"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let view = ada.get(&format!("/notes/{id}")).await;
    assert!(view.body.contains("first text") && view.body.contains(">v1<"));
    assert_eq!(
        app.query_i64("SELECT count(*) FROM note_revisions WHERE title = 'v3'")
            .await,
        1,
        "the replaced text was kept"
    );
    let r = ada
        .post(&format!("/notes/{id}/history/999999/restore"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn trash_restores_for_thirty_days() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let id = create(&mut ada, "Doomed", "text", "").await;
    let gone = create(&mut ada, "Expired", "text", "").await;
    for note in [id, gone] {
        let r = ada.post(&format!("/notes/{note}/delete"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let list = ada.get("/notes").await;
    assert!(!list.body.contains("Doomed") && list.body.contains("Trash (2)"));
    let trash = ada.get("/notes/trash").await;
    assert!(trash.body.contains("Doomed") && trash.body.contains("Restorable until"));
    let view = ada.get(&format!("/notes/{id}")).await;
    assert!(view.body.contains("in the trash"));
    assert_eq!(
        ada.get(&format!("/notes/{id}/edit")).await.status,
        StatusCode::NOT_FOUND,
        "restore before editing"
    );
    let r = ada.post(&format!("/notes/{id}/restore"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(ada.get("/notes").await.body.contains("Doomed"));

    app.store
        .call(move |c| {
            c.execute(
                "UPDATE notes SET deleted_at = deleted_at - 31 * 86400 WHERE id = ?1",
                [gone],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    ada.get("/notes/trash").await;
    assert_eq!(
        app.query_i64("SELECT count(*) FROM notes").await,
        1,
        "purged after 30 days"
    );
    ada.post(&format!("/notes/{id}/delete"), &[]).await;
    let r = ada.post(&format!("/notes/{id}/purge"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 0);
}

#[tokio::test]
async fn search_ranks_highlights_and_explains_bad_queries() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let weak = create(&mut ada, "Collector", "it can do tail sampling too", "").await;
    let strong = create(
        &mut ada,
        "Tail sampling",
        "Tail sampling keeps errors <b>&</b>",
        "sampling",
    )
    .await;
    create(&mut ada, "Propagation", "traceparent carries context", "").await;
    let mut grace = app.member("grace", false).await;
    create(&mut grace, "Grace on sampling", "sampling sampling", "").await;

    let r = ada.get("/notes/search?q=sampling").await;
    assert_eq!(r.status, StatusCode::OK);
    let (a, b) = (
        r.body.find(&format!("/notes/{strong}\"")).unwrap(),
        r.body.find(&format!("/notes/{weak}\"")).unwrap(),
    );
    assert!(a < b, "title and tag matches rank first");
    assert!(r.body.contains("<mark>sampling</mark>"), "{}", r.body);
    assert!(
        r.body.contains("&lt;b&gt;&amp;&lt;/b&gt;"),
        "snippets are escaped"
    );
    assert!(!r.body.contains("Grace on sampling"), "only your own notes");

    let r = ada.get("/notes/search?q=%22keeps+errors%22").await;
    assert!(r.body.contains("1 note,"), "phrase: {}", r.body);
    let r = ada.get("/notes/search?q=tracep*").await;
    assert!(r.body.contains("Propagation"), "prefix");
    let r = ada.get("/notes/search?q=nothing-like-this").await;
    assert!(r.body.contains("No note matches"));
    for bad in ["%22open", "sampling+OR", "*", "AND+OR"] {
        let r = ada.get(&format!("/notes/search?q={bad}")).await;
        assert_eq!(r.status, StatusCode::OK, "{bad}");
        assert!(
            r.body.contains("class=\"alert\""),
            "{bad}: friendly message"
        );
    }
}

#[tokio::test]
async fn xss_payloads_come_out_inert() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let body = "<script>alert('b')</script>\n\n[x](javascript:alert(1))\n\n\
                <img src=x onerror=alert(1)>\n\n<a href=\"javascript:alert(2)\" onclick=\"alert(3)\">y</a>\n\n\
                <iframe src=\"https://evil.example\"></iframe>";
    let id = create(&mut ada, "<script>alert('t')</script>", body, "").await;
    ada.post(&format!("/notes/{id}/share"), &[("shared", "1")])
        .await;
    let mut grace = app.member("grace", false).await;
    let pages = [
        ada.get(&format!("/notes/{id}")).await.body,
        ada.get("/notes").await.body,
        ada.get("/notes/search?q=alert").await.body,
        grace.get(&format!("/notes/{id}")).await.body,
        grace.get("/group").await.body,
    ];
    for page in pages {
        for tag in tags(&page) {
            let tag = tag.to_lowercase();
            for bad in ["javascript:", "onerror", "onclick", "iframe"] {
                assert!(!tag.contains(bad), "an active {bad} in <{tag}>");
            }
            assert!(
                !tag.starts_with("script") || tag.contains("src=\"/static/"),
                "a script: <{tag}>"
            );
        }
        assert!(
            page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
            "the title is shown as text"
        );
    }
}

/// The insides of every real tag on a page (escaped text has no `<`).
fn tags(page: &str) -> Vec<&str> {
    page.split('<')
        .skip(1)
        .map(|part| part.split('>').next().unwrap_or(part))
        .collect()
}

#[tokio::test]
async fn a_new_notes_first_save_does_not_promise_a_history() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let r = ada
        .post(
            "/notes",
            &[
                ("title", "First"),
                ("body", "text"),
                ("tags", ""),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let location = r.location().to_string();
    assert!(location.ends_with("?done=created"), "{location}");
    let view = ada.get(&location).await;
    assert!(view.body.contains("Saved."), "{}", view.body);
    assert!(!view.body.contains("The previous version is in the history"));
}
