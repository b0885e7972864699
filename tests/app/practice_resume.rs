//! What members expected on `/practice`: unfinished sessions listed and
//! resumed, "Drill my mistakes now", self-rated answers kept apart from
//! graded ones, and "Most missed" linking to the question.

use crate::common::practice::*;
use crate::common::{Client, TestApp};
use axum::http::StatusCode;
use spandojo::content::QuestionKind;

/// Answers position `pos` of `session`: a choice question right or wrong, a
/// simulator question with option 0, an open one rated `rating`.
async fn answer(
    app: &TestApp,
    client: &mut Client<'_>,
    session: i64,
    pos: usize,
    right: bool,
) -> String {
    let id = question_at(app, session, pos).await;
    let url = format!("/practice/s/{session}/q/{pos}");
    let q = content().question(&id).unwrap().clone();
    let r = match q.kind {
        QuestionKind::Choice if right => client.post(&url, &pairs(&correct_choices(&id))).await,
        QuestionKind::Choice => client.post(&url, &pairs(&wrong_choice(&id))).await,
        QuestionKind::Sim => client.post(&url, &[("choice", "0")]).await,
        QuestionKind::Open => {
            client.post(&url, &[("answer", "spans")]).await;
            let rating = if right { "3" } else { "1" };
            client
                .post(&format!("{url}/rate"), &[("rating", rating)])
                .await
        }
    };
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id
}

fn first_choice(level: &str) -> String {
    content()
        .questions
        .iter()
        .find(|q| q.level.as_str() == level && q.kind == QuestionKind::Choice)
        .unwrap()
        .id
        .clone()
}

fn first_open() -> String {
    content()
        .questions
        .iter()
        .find(|q| q.kind == QuestionKind::Open)
        .unwrap()
        .id
        .clone()
}

#[tokio::test]
async fn an_unfinished_session_is_listed_on_practice_and_resumes() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    assert!(
        !ada.get("/practice")
            .await
            .body
            .contains("Unfinished sessions")
    );
    let session = start(&mut ada, "/practice/beginner", &[]).await;
    answer(&app, &mut ada, session, 0, true).await;
    let page = ada.get("/practice").await;
    assert!(page.body.contains("Unfinished sessions"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("href=\"/practice/s/{session}\""))
    );
    assert!(page.body.contains("Resume Beginner practice"));
    assert!(page.body.contains("1 of 10 answered"));
    assert_eq!(
        ada.get(&format!("/practice/s/{session}")).await.location(),
        format!("/practice/s/{session}/q/1"),
        "resumes at the first question still waiting"
    );

    let mut bob = app.member("bob", false).await;
    assert!(
        !bob.get("/practice")
            .await
            .body
            .contains(&format!("/practice/s/{session}\"")),
        "only the owner's sessions"
    );

    app.store
        .call(move |c| {
            c.execute(
                "UPDATE practice_sessions SET finished_at = started_at WHERE id = ?1",
                [session],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    assert!(
        !ada.get("/practice")
            .await
            .body
            .contains("Unfinished sessions")
    );
}

#[tokio::test]
async fn drill_my_mistakes_practises_what_was_missed_today() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let r = ada.post("/practice/mistakes", &[]).await;
    assert_eq!(
        r.location(),
        "/practice",
        "nothing missed, nothing to drill"
    );
    assert!(
        !ada.get("/practice")
            .await
            .body
            .contains("Drill my mistakes")
    );

    let id = first_choice("beginner");
    let one = start(&mut ada, &format!("/practice/q/{id}"), &[]).await;
    answer(&app, &mut ada, one, 0, false).await;
    let open = first_open();
    let two = start(&mut ada, &format!("/practice/q/{open}"), &[]).await;
    answer(&app, &mut ada, two, 0, false).await;

    let page = ada.get("/practice").await;
    assert!(
        page.body.contains("You missed 2 questions today"),
        "{}",
        page.body
    );
    assert!(page.body.contains("action=\"/practice/mistakes\""));
    let done = ada.get(&format!("/practice/s/{one}/done")).await;
    assert!(done.body.contains("Drill my mistakes now"));

    let drill = start(&mut ada, "/practice/mistakes", &[]).await;
    let mut ids = futures_ids(&app, drill);
    ids.sort();
    let mut expected = vec![id, open];
    expected.sort();
    assert_eq!(ids, expected, "exactly today's misses, due or not");
}

#[tokio::test]
async fn self_rated_answers_are_kept_apart_from_graded_ones() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let open = first_open();
    let s = start(&mut ada, &format!("/practice/q/{open}"), &[]).await;
    answer(&app, &mut ada, s, 0, true).await;
    let done = ada.get(&format!("/practice/s/{s}/done")).await;
    assert!(
        done.body.contains("Self-rated: <strong>1 of 1</strong>"),
        "{}",
        done.body
    );
    assert!(
        !done.body.contains("Graded:"),
        "no graded answers: no graded score"
    );

    let choice = first_choice("beginner");
    let s = start(&mut ada, &format!("/practice/q/{choice}"), &[]).await;
    answer(&app, &mut ada, s, 0, false).await;
    let group = ada.get("/group").await;
    assert!(
        group.body.contains(
            "ada — 0 of 1 graded answers right · 1 of 1 self-rated Good or Easy · 2 answers"
        ),
        "{}",
        group.body
    );
    let progress = ada.get("/progress").await;
    assert!(progress.body.contains("Self-rated Good or Easy"));
    assert!(
        progress.body.contains("<td>1 of 1</td>"),
        "{}",
        progress.body
    );
}

#[tokio::test]
async fn most_missed_links_to_the_question() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let id = first_choice("beginner");
    let s = start(&mut ada, &format!("/practice/q/{id}"), &[]).await;
    answer(&app, &mut ada, s, 0, false).await;
    let progress = ada.get("/progress").await;
    assert!(
        progress
            .body
            .contains(&format!("href=\"/practice/q/{id}\"")),
        "{}",
        progress.body
    );
    assert_eq!(
        ada.get(&format!("/practice/q/{id}")).await.status,
        StatusCode::OK
    );
}
