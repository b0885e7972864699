//! Interviews and their summaries, reports to the admin, and the group's
//! progress and leaderboard.

use crate::common::TestApp;
use crate::common::practice::*;
use axum::http::StatusCode;
use spandojo::content::QuestionKind;

#[tokio::test]
async fn interview_mode_hides_answers_until_the_end_and_can_be_shared() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let r = ada.get("/practice/interview?level=senior").await;
    assert!(
        r.body
            .contains("Beginner → Intermediate → Intermediate → Senior → Senior"),
        "{}",
        r.body
    );
    let session = start(&mut ada, "/practice/interview", &[("level", "senior")]).await;
    let ids = futures_ids(&app, session);
    assert_eq!(ids.len(), 5);
    let c = content();
    assert!(
        ids.iter()
            .all(|id| c.question(id).unwrap().kind == QuestionKind::Open)
    );
    assert_eq!(c.question(&ids[4]).unwrap().level.as_str(), "senior");
    for pos in 0..5 {
        let url = format!("/practice/s/{session}/q/{pos}");
        let page = ada.get(&url).await;
        assert!(page.body.contains("class=\"timer\""), "a visible timer");
        assert!(!page.body.contains("Model answer"));
        let r = ada
            .post(&url, &[("answer", &format!("my answer {pos}"))])
            .await;
        assert_eq!(
            r.location(),
            format!("/practice/s/{session}"),
            "no peeking: straight on"
        );
        assert_eq!(
            ada.get(&url).await.location(),
            format!("/practice/s/{session}")
        );
    }
    let done = ada.get(&format!("/practice/s/{session}/done")).await;
    assert!(done.body.contains("my answer 4") && done.body.contains("Model answer"));
    let r = ada
        .post(
            &format!("/practice/s/{session}/q/0/rate"),
            &[("rating", "2"), ("back", "done")],
        )
        .await;
    assert_eq!(
        r.location(),
        format!("/practice/s/{session}/done#answer-0"),
        "back to the rated answer, not the top"
    );

    let mut bob = app.member("bob", false).await;
    assert_eq!(
        bob.get(&format!("/practice/s/{session}/done")).await.status,
        StatusCode::NOT_FOUND,
        "private until shared"
    );
    ada.post(&format!("/practice/s/{session}/share"), &[("shared", "1")])
        .await;
    let shared = bob.get(&format!("/practice/s/{session}/done")).await;
    assert_eq!(shared.status, StatusCode::OK);
    assert!(shared.body.contains("my answer 2"));
    assert!(
        !shared.body.contains("/share\""),
        "others cannot change sharing"
    );
    let group = bob.get("/group").await;
    assert!(group.body.contains(&format!("/practice/s/{session}/done")));
    assert_eq!(
        bob.post(&format!("/practice/s/{session}/share"), &[("shared", "0")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(
            &format!("/practice/s/{session}/q/1/rate"),
            &[("rating", "4")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn reports_reach_the_admin() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let r = ada
        .post(
            "/questions/what-is-a-trace/flag",
            &[("reason", "Option B is also arguably right")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        ada.post("/questions/no-such-question/flag", &[("reason", "x")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let blank = ada
        .post("/questions/what-is-a-trace/flag", &[("reason", " ")])
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(blank.body.contains("Describe the problem in 1 to"));
    assert!(
        blank
            .body
            .contains("action=\"/questions/what-is-a-trace/flag\"")
    );
    assert!(blank.body.contains("name=\"csrf\""), "the form comes back");
    let mut admin = app.member("boss", true).await;
    let page = admin.get("/admin").await;
    assert!(page.body.contains("Option B is also arguably right"));
    let id = app.query_i64("SELECT id FROM question_flags").await;
    assert_eq!(
        admin
            .post(&format!("/admin/flags/{id}/resolve"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        !admin
            .get("/admin")
            .await
            .body
            .contains("Option B is also arguably right")
    );
}

#[tokio::test]
async fn group_shows_progress_and_a_leaderboard_members_can_leave() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let session = start(&mut ada, "/practice/beginner", &[]).await;
    let ids = futures_ids(&app, session);
    let c = content();
    let pos = ids
        .iter()
        .position(|id| c.question(id).unwrap().kind == QuestionKind::Choice)
        .unwrap();
    ada.post(
        &format!("/practice/s/{session}/q/{pos}"),
        &pairs(&correct_choices(&ids[pos])),
    )
    .await;
    let group = ada.get("/group").await;
    assert!(
        group.body.contains(&format!(
            "1/{} seen",
            c.questions
                .iter()
                .filter(|q| q.level.as_str() == "beginner")
                .count()
        )),
        "{}",
        group.body
    );
    assert!(
        group
            .body
            .contains("ada — 1 of 1 graded answers right · 1 answers")
    );
    let r = ada.post("/account/leaderboard", &[("on", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!ada.get("/group").await.body.contains("ada — 1 right"));
    assert_eq!(
        ada.post("/account/leaderboard", &[("on", "maybe")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
