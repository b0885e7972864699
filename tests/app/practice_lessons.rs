//! Practising from a lesson: the "Check yourself" list links every question
//! that lists the lesson, by level, to a page that practises it alone, and
//! each level's set can be practised in one session.

use crate::common::{Client, TestApp};
use axum::http::StatusCode;
use spandojo::content::Content;

async fn session_questions(app: &TestApp, location: &str) -> Vec<String> {
    let id: i64 = location
        .trim_start_matches("/practice/s/")
        .parse()
        .expect("a session id");
    let ids: String = app
        .store
        .call(move |c| {
            Ok(c.query_row(
                "SELECT question_ids FROM practice_sessions WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    serde_json::from_str(&ids).unwrap()
}

async fn post_ok(client: &mut Client<'_>, path: &str, fields: &[(&str, &str)]) -> String {
    let r = client.post(path, fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}: {}", r.body);
    r.location().to_string()
}

#[tokio::test]
async fn every_lesson_links_each_of_its_questions_by_level() {
    let app = TestApp::new();
    let content = Content::load(None).unwrap();
    for lesson in &content.lessons {
        let page = app.get(&format!("/lessons/{}", lesson.slug)).await;
        assert_eq!(page.status, StatusCode::OK);
        let questions: Vec<_> = content.questions_for_lesson(&lesson.slug).collect();
        assert!(!questions.is_empty(), "{} has questions", lesson.slug);
        assert!(page.body.contains("Check yourself"));
        for q in &questions {
            assert!(
                page.body
                    .contains(&format!("href=\"/practice/q/{}\"", q.id)),
                "{} links {}",
                lesson.slug,
                q.id
            );
            assert!(page.body.contains(&format!("id=\"check-{}\"", q.level)));
        }
        // Levels appear in rising order.
        let at = |l: &str| page.body.find(&format!("id=\"check-{l}\""));
        let found: Vec<usize> = ["beginner", "intermediate", "senior", "architect"]
            .iter()
            .filter_map(|l| at(l))
            .collect();
        assert!(found.windows(2).all(|w| w[0] < w[1]), "{}", lesson.slug);
        assert!(page.body.contains("Log in</a> to practise them"));
    }
}

#[tokio::test]
async fn one_question_is_practised_alone() {
    let app = TestApp::new();
    let content = Content::load(None).unwrap();
    let q = content
        .questions_for_lesson("sampling")
        .next()
        .expect("a sampling question");
    let url = format!("/practice/q/{}", q.id);
    let anonymous = app.get(&url).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/login?next="));

    let mut ada = app.member("ada", false).await;
    let page = ada.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Practise this question"));
    assert!(page.body.contains("href=\"/lessons/sampling\""));
    let session = post_ok(&mut ada, &url, &[]).await;
    assert_eq!(
        session_questions(&app, &session).await,
        vec![q.id.to_string()]
    );
    let first = ada.get(&format!("{session}/q/0")).await;
    assert_eq!(first.status, StatusCode::OK);

    assert_eq!(
        ada.get("/practice/q/no-such-question").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.post("/practice/q/no-such-question", &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_lessons_level_set_is_one_session() {
    let app = TestApp::new();
    let content = Content::load(None).unwrap();
    let mut ada = app.member("ada", false).await;
    let page = ada.get("/lessons/sampling").await;
    assert!(page.body.contains("action=\"/practice/lesson/sampling\""));
    let wanted: Vec<String> = content
        .questions_for_lesson("sampling")
        .filter(|q| q.level.as_str() == "senior")
        .map(|q| q.id.clone())
        .collect();
    assert!(!wanted.is_empty());
    let session = post_ok(
        &mut ada,
        "/practice/lesson/sampling",
        &[("level", "senior")],
    )
    .await;
    let got = session_questions(&app, &session).await;
    assert_eq!(got.len(), wanted.len().min(10));
    assert!(got.iter().all(|id| wanted.contains(id)), "{got:?}");

    let bad = ada
        .post("/practice/lesson/sampling", &[("level", "guru")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Pick a level"));
    let missing = ada
        .post("/practice/lesson/nope", &[("level", "senior")])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
