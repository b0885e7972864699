//! Notes: another member's private notes are 404 everywhere, shared notes
//! are read-only, every form carries the CSRF token, and lessons and
//! questions link to the member's notes.

use crate::common::TestApp;
use crate::common::notes::{create, id_from, save};
use axum::http::StatusCode;

#[tokio::test]
async fn another_members_private_note_is_404_everywhere() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let id = create(&mut ada, "Private", "secret", "").await;
    save(&mut ada, id, "Private", "secret v2").await;
    let rev = app.query_i64("SELECT max(id) FROM note_revisions").await;
    let mut grace = app.member("grace", false).await;
    let gets = [
        format!("/notes/{id}"),
        format!("/notes/{id}/edit"),
        format!("/notes/{id}/history"),
        format!("/notes/{id}/history/{rev}"),
        format!("/notes/{id}/export"),
    ];
    for path in &gets {
        assert_eq!(
            grace.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let posts: [(String, Vec<(&str, &str)>); 7] = [
        (
            format!("/notes/{id}"),
            vec![("title", "pwned"), ("body", "x"), ("action", "save")],
        ),
        (format!("/notes/{id}/delete"), vec![]),
        (format!("/notes/{id}/restore"), vec![]),
        (format!("/notes/{id}/purge"), vec![]),
        (format!("/notes/{id}/share"), vec![("shared", "1")]),
        (format!("/notes/{id}/history/{rev}/restore"), vec![]),
        (
            format!("/notes/{id}"),
            vec![("title", "x"), ("body", "y"), ("action", "preview")],
        ),
    ];
    for (path, fields) in &posts {
        let r = grace.post(path, fields).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path} {fields:?}");
    }
    let view = ada.get(&format!("/notes/{id}")).await;
    assert!(view.body.contains("secret v2") && !view.body.contains("pwned"));
    assert!(!grace.get("/group").await.body.contains("Private"));

    ada.post(&format!("/notes/{id}/share"), &[("shared", "1")])
        .await;
    let group = grace.get("/group").await;
    assert!(group.body.contains(&format!("/notes/{id}\"")) && group.body.contains("by ada"));
    let read = grace.get(&format!("/notes/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.contains("secret v2") && read.body.contains("read only"));
    assert!(!read.body.contains(&format!("/notes/{id}/edit")));
    for path in &gets[1..] {
        assert_eq!(
            grace.get(path).await.status,
            StatusCode::NOT_FOUND,
            "shared: {path}"
        );
    }
    for (path, fields) in &posts {
        let r = grace.post(path, fields).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "shared: {path}");
    }
    ada.post(&format!("/notes/{id}/delete"), &[]).await;
    assert_eq!(
        grace.get(&format!("/notes/{id}")).await.status,
        StatusCode::NOT_FOUND,
        "a shared note in the trash is hidden"
    );
    assert!(!grace.get("/group").await.body.contains("Private"));
}

#[tokio::test]
async fn every_post_needs_the_csrf_token_and_every_form_carries_it() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let id = create(&mut ada, "Mine", "text", "tag").await;
    save(&mut ada, id, "Mine", "text 2").await;
    let rev = app.query_i64("SELECT max(id) FROM note_revisions").await;
    let posts = [
        "/notes".to_string(),
        "/notes/preview".into(),
        format!("/notes/{id}"),
        format!("/notes/{id}/delete"),
        format!("/notes/{id}/restore"),
        format!("/notes/{id}/purge"),
        format!("/notes/{id}/share"),
        format!("/notes/{id}/history/{rev}/restore"),
    ];
    for path in &posts {
        let r = ada
            .post_raw(path, "title=x&body=y&shared=1".into(), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} without a token");
        let r = ada
            .post_raw(path, format!("csrf={}&title=x", "0".repeat(64)), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} with a wrong token");
    }
    let r = ada
        .post_file_without_token("/notes/import", "a.md", b"+++\ntitle = \"x\"\n+++\n")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "import without a token");
    assert_eq!(app.query_i64("SELECT count(*) FROM notes").await, 1);

    ada.post(&format!("/notes/{id}/delete"), &[]).await;
    ada.post(&format!("/notes/{id}/restore"), &[]).await;
    let deleted = create(&mut ada, "Gone", "x", "").await;
    ada.post(&format!("/notes/{deleted}/delete"), &[]).await;
    let csrf = ada.csrf().await;
    for page in [
        "/notes".to_string(),
        "/notes/new".into(),
        format!("/notes/{id}"),
        format!("/notes/{id}/edit"),
        format!("/notes/{id}/history"),
        format!("/notes/{id}/history/{rev}"),
        format!("/notes/{deleted}"),
        "/notes/trash".into(),
        "/notes/import".into(),
    ] {
        let body = ada.get(&page).await.body;
        let forms: Vec<&str> = body.split("<form").skip(1).collect();
        let posts: Vec<&&str> = forms
            .iter()
            .filter(|f| f.contains("method=\"post\""))
            .collect();
        assert!(posts.len() >= 2, "{page} has its forms (and log out)");
        for form in posts {
            let form = form.split("</form>").next().unwrap_or("");
            assert!(
                form.contains(&format!("name=\"csrf\" value=\"{csrf}\"")),
                "{page}: a form without the token: {form}"
            );
            assert!(!form.contains("?csrf="), "{page}: the token in an action");
        }
    }
}

#[tokio::test]
async fn lessons_and_questions_link_to_notes() {
    let app = TestApp::new();
    let lesson = app.get("/lessons/sampling").await;
    assert_eq!(lesson.status, StatusCode::OK);
    assert!(!lesson.body.contains("Write a note"), "not for visitors");

    let mut ada = app.member("ada", false).await;
    let page = ada.get("/lessons/sampling").await;
    assert!(page.body.contains("href=\"/notes/new?lesson=sampling\""));
    let new = ada.get("/notes/new?lesson=sampling").await;
    assert!(new.body.contains("value=\"sampling\" selected"));
    assert!(new.body.contains("value=\"Notes on "));
    let r = ada
        .post(
            "/notes",
            &[
                ("title", "On sampling"),
                ("body", "x"),
                ("lesson", "sampling"),
                ("action", "save"),
            ],
        )
        .await;
    let id = id_from(r.location());
    let page = ada.get("/lessons/sampling").await;
    assert!(page.body.contains(&format!("href=\"/notes/{id}\"")));
    assert!(page.body.contains("On sampling"));
    let mut grace = app.member("grace", false).await;
    assert!(
        !grace
            .get("/lessons/sampling")
            .await
            .body
            .contains("On sampling")
    );
    let view = ada.get(&format!("/notes/{id}")).await;
    assert!(view.body.contains("href=\"/lessons/sampling\""));

    assert_eq!(
        ada.get("/notes/new?lesson=nope").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ada.get("/notes/new?question=nope").await.status,
        StatusCode::BAD_REQUEST
    );
    let q = spandojo::content::Content::load(None).unwrap().questions[0].clone();
    let new = ada.get(&format!("/notes/new?question={}", q.id)).await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(new.body.contains(&format!("value=\"{}\" selected", q.id)));
    let r = ada
        .post(
            "/notes",
            &[
                ("title", "On a question"),
                ("body", "x"),
                ("question", &q.id),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let owner = app
        .query_i64("SELECT id FROM users WHERE username = 'ada'")
        .await;
    let qid = q.id.clone();
    let found = app
        .store
        .call(move |c| spandojo::store::notes::notes_for_question(c, owner, &qid))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].title, "On a question");
}
