//! Practice by level: sessions, grading, reviews, topics and tampering.

use crate::common::TestApp;
use crate::common::practice::*;
use axum::http::StatusCode;
use spandojo::content::QuestionKind;

#[tokio::test]
async fn practice_pages_need_a_login() {
    let app = TestApp::new();
    for path in ["/practice", "/practice/beginner", "/review", "/progress"] {
        assert_eq!(app.get(path).await.status, StatusCode::SEE_OTHER, "{path}");
    }
}

#[tokio::test]
async fn full_session_flow_through_the_app() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let r = ada.get("/practice").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Practise Beginner"));
    let r = ada.get("/practice/beginner").await;
    assert!(r.body.contains("Start 10 questions"), "{}", r.body);

    let session = start(&mut ada, "/practice/beginner", &[]).await;
    let c = content();
    let (mut expected_right, mut self_rated) = (0, 0);
    for pos in 0..10 {
        let r = ada.get(&format!("/practice/s/{session}")).await;
        assert_eq!(
            r.location(),
            format!("/practice/s/{session}/q/{pos}"),
            "resumes at the next question"
        );
        let id = question_at(&app, session, pos).await;
        let q = c.question(&id).unwrap();
        assert_eq!(q.level.as_str(), "beginner");
        let page = ada.get(&format!("/practice/s/{session}/q/{pos}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let url = format!("/practice/s/{session}/q/{pos}");
        match q.kind {
            QuestionKind::Choice => {
                let answer = if pos % 2 == 0 {
                    correct_choices(&id)
                } else {
                    wrong_choice(&id)
                };
                if pos % 2 == 0 {
                    expected_right += 1;
                }
                let r = ada.post(&url, &pairs(&answer)).await;
                assert_eq!(r.status, StatusCode::SEE_OTHER);
                let result = ada.get(&url).await;
                assert!(
                    result.body.contains(if pos % 2 == 0 {
                        "Correct."
                    } else {
                        "Not quite."
                    }),
                    "{}",
                    result.body
                );
                assert!(
                    result.body.contains("class=\"why\""),
                    "every option's why is shown"
                );
            }
            QuestionKind::Sim => {
                let r = ada.post(&url, &[("choice", "0")]).await;
                assert_eq!(r.status, StatusCode::SEE_OTHER);
                if ada.get(&url).await.body.contains("Correct.") {
                    expected_right += 1;
                }
            }
            QuestionKind::Open => {
                let r = ada
                    .post(
                        &url,
                        &[("answer", "Spans and trace ids, carried in traceparent.")],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::SEE_OTHER);
                let result = ada.get(&url).await;
                assert!(result.body.contains("Model answer") && result.body.contains("Key points"));
                assert!(
                    result.body.contains("Spans and trace ids"),
                    "own answer beside the model"
                );
                let r = ada.post(&format!("{url}/rate"), &[("rating", "3")]).await;
                assert_eq!(r.status, StatusCode::SEE_OTHER);
                self_rated += 1;
            }
        }
        if pos < 9 {
            assert_eq!(
                app.query_i64(
                    "SELECT count(*) FROM practice_sessions WHERE finished_at IS NOT NULL"
                )
                .await,
                0,
                "not finished after {} of 10 answers",
                pos + 1
            );
        }
    }
    let r = ada.get(&format!("/practice/s/{session}")).await;
    assert_eq!(r.location(), format!("/practice/s/{session}/done"));
    let done = ada.get(&format!("/practice/s/{session}/done")).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.body.contains(&format!(
            "Graded: <strong>{expected_right} of {}</strong>",
            10 - self_rated
        )),
        "{}",
        done.body
    );
    assert!(done.body.contains("Time taken"));
    assert!(done.body.contains("Questions to revisit"));
    assert_eq!(app.query_i64("SELECT count(*) FROM attempts").await, 10);
    assert_eq!(app.query_i64("SELECT count(*) FROM cards").await, 10);
    assert_eq!(
        app.query_i64("SELECT count(*) FROM practice_sessions WHERE finished_at IS NOT NULL")
            .await,
        1
    );

    let progress = ada.get("/progress").await;
    assert_eq!(progress.status, StatusCode::OK);
    assert!(
        progress
            .body
            .contains("Current streak: <strong>1 day</strong>"),
        "{}",
        progress.body
    );
    assert!(progress.body.contains(
        &format!("10 / {}", c.questions.iter().filter(|q| q.level.as_str() == "beginner").count())
    ));
    assert!(progress.body.contains("<svg"));
}

#[tokio::test]
async fn due_reviews_come_before_unseen_questions() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let ada_id = app
        .query_i64("SELECT id FROM users WHERE username = 'ada'")
        .await;
    let c = content();
    let picked: Vec<String> = c
        .questions
        .iter()
        .filter(|q| q.level.as_str() == "intermediate")
        .skip(5)
        .take(2)
        .map(|q| q.id.clone())
        .collect();
    for (i, id) in picked.iter().enumerate() {
        let due_at = 1_000 + i as i64;
        due_card(&app, ada_id, id, due_at, 3.0).await;
    }
    let nav = ada.get("/practice").await;
    assert!(
        nav.body.contains("title=\"reviews due\">2<"),
        "nav shows the due count"
    );
    let session = start(&mut ada, "/practice/intermediate", &[]).await;
    assert_eq!(question_at(&app, session, 0).await, picked[0]);
    assert_eq!(question_at(&app, session, 1).await, picked[1]);

    let review = start(&mut ada, "/review", &[]).await;
    assert_eq!(question_at(&app, review, 0).await, picked[0]);
}

#[tokio::test]
async fn tampered_double_and_foreign_answers_are_refused() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let session = start(&mut ada, "/practice/beginner", &[("topic", "basics")]).await;
    let c = content();
    let pos = (0..10).find(|&p| {
        let ids: Vec<String> = futures_ids(&app, session);
        c.question(&ids[p])
            .is_some_and(|q| q.kind == QuestionKind::Choice)
    });
    let pos = pos.expect("a choice question in the session");
    let url = format!("/practice/s/{session}/q/{pos}");
    let r = ada.post(&url, &[("choice", "99")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "tampered option");
    let r = ada.post(&url, &[("choice", "abc")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("is not an option number"), "{}", r.body);
    let r = ada.post(&url, &[("answer", "a"), ("answer", "b")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a malformed form");
    assert!(r.body.contains("The form was incomplete or malformed"));
    let r = ada.post(&url, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "nothing chosen");
    assert!(r.body.contains("Choose at least one option"));
    assert_eq!(app.query_i64("SELECT count(*) FROM attempts").await, 0);

    let id = question_at(&app, session, pos).await;
    let right = correct_choices(&id);
    ada.post(&url, &pairs(&right)).await;
    let again = ada.post(&url, &pairs(&wrong_choice(&id))).await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "a double submit is idempotent"
    );
    assert_eq!(app.query_i64("SELECT count(*) FROM attempts").await, 1);
    assert_eq!(
        app.query_i64("SELECT correct FROM attempts").await,
        1,
        "the first answer stands"
    );

    let r = ada
        .post(&format!("/practice/s/{session}/q/57"), &pairs(&right))
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a position outside the session"
    );
    let r = ada.post(&format!("{url}/rate"), &[("rating", "3")]).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "choice questions are not self-rated"
    );

    let mut bob = app.member("bob", false).await;
    for path in [
        format!("/practice/s/{session}"),
        url.clone(),
        format!("/practice/s/{session}/done"),
    ] {
        assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let other = (pos + 1) % 10;
    let r = bob
        .post(
            &format!("/practice/s/{session}/q/{other}"),
            &[("answer", "x"), ("choice", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.query_i64("SELECT count(*) FROM attempts").await, 1);
}

#[tokio::test]
async fn bad_levels_topics_and_ratings() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    assert_eq!(
        ada.get("/practice/expert").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.post("/practice/expert", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.get("/practice/beginner?topic=astrology").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ada.post("/practice/beginner", &[("topic", "astrology")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ada.get("/practice/interview?level=guru").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.get("/practice/s/999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.get("/practice/s/abc").await.status,
        StatusCode::BAD_REQUEST
    );
    for path in [
        "/practice/s/abc",
        "/practice/s/1/q/-1",
        "/practice/s/99999999999999999999",
    ] {
        let r = ada.get(path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            r.body.contains("<html") && r.body.contains("not valid"),
            "{path}: a readable page, not axum's text"
        );
    }
    let session = start(&mut ada, "/practice/interview", &[("level", "beginner")]).await;
    let r = ada
        .post(
            &format!("/practice/s/{session}/share"),
            &[("shared", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "sharing takes 1 or 0");
}

#[tokio::test]
async fn topic_filter_limits_the_session() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let session = start(&mut ada, "/practice/intermediate", &[("topic", "sampling")]).await;
    let c = content();
    for id in futures_ids(&app, session) {
        let q = c.question(&id).unwrap();
        assert!(q.topics.iter().any(|t| t == "sampling"), "{id}");
    }
}
