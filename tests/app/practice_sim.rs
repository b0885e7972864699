//! Questions as lessons and the simulator show them: lesson lists,
//! generated simulator questions, and notes from question results.

use crate::common::TestApp;
use crate::common::practice::*;
use axum::http::StatusCode;
use spandojo::content::QuestionKind;

#[tokio::test]
async fn lesson_pages_list_their_questions() {
    let app = TestApp::new();
    let r = app.get("/lessons/sampling").await;
    assert!(r.body.contains("Check yourself"));
    assert!(r.body.contains("Explain head versus tail sampling."));
}

#[tokio::test]
async fn simulator_questions_are_generated_graded_and_reopenable() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let c = content();
    let sim_ids: Vec<String> = c
        .questions
        .iter()
        .filter(|q| q.kind == QuestionKind::Sim && q.level.as_str() == "beginner")
        .map(|q| q.id.clone())
        .collect();
    assert!(sim_ids.len() >= 3, "at least 3 sim questions per level");
    let ada_id = app
        .query_i64("SELECT id FROM users WHERE username = 'ada'")
        .await;
    for (i, id) in sim_ids.iter().enumerate() {
        due_card(&app, ada_id, id, i as i64, 1.0).await;
    }
    let session = start(&mut ada, "/practice/beginner", &[]).await;
    for (pos, sim_id) in sim_ids.iter().enumerate() {
        assert_eq!(
            question_at(&app, session, pos).await,
            *sim_id,
            "due sim cards come first"
        );
        let url = format!("/practice/s/{session}/q/{pos}");
        let page = ada.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("class=\"puzzle\""),
            "the generated exhibit is shown"
        );
        let again = ada.get(&url).await;
        assert_eq!(page.body, again.body, "the same puzzle on every view");
        let r = ada.post(&url, &[("choice", "0")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let result = ada.get(&url).await;
        assert!(result.body.contains("Correct.") || result.body.contains("Not quite."));
        assert!(result.body.contains("Explanation"));
    }
    let seeds = app
        .query_i64("SELECT count(*) FROM attempts WHERE seed IS NOT NULL")
        .await;
    assert_eq!(
        seeds,
        sim_ids.len() as i64,
        "the seed is stored with each attempt"
    );
    let cards = app
        .query_i64("SELECT count(*) FROM cards WHERE reps = 2")
        .await;
    assert_eq!(
        cards,
        sim_ids.len() as i64,
        "sim answers are scheduled like the others"
    );
    let r = ada
        .post(&format!("/practice/s/{session}/q/0"), &[("choice", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "idempotent");
}

#[tokio::test]
async fn sim_question_with_the_right_answer_is_graded_correct() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let c = content();
    let q = c.question("sim-head-sampling-errors").unwrap();
    let ada_id = app
        .query_i64("SELECT id FROM users WHERE username = 'ada'")
        .await;
    let id = q.id.clone();
    due_card(&app, ada_id, &id, 0, 1.0).await;
    let session = start(&mut ada, "/practice/intermediate", &[]).await;
    assert_eq!(
        question_at(&app, session, 0).await,
        "sim-head-sampling-errors"
    );
    let url = format!("/practice/s/{session}/q/0");
    let page = ada.get(&url).await;
    let number = |label: &str| -> f64 {
        let at = page
            .body
            .find(label)
            .unwrap_or_else(|| panic!("{label} in {}", page.body));
        let rest = &page.body[at..];
        let td = rest.find("<td>").unwrap() + 4;
        rest[td..]
            .split(|ch: char| !ch.is_ascii_digit() && ch != '.')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let errors = number("Error traces among them");
    let p = number("Head sampling probability") / 100.0;
    let expected = errors * p;
    let expected_text = if (expected - expected.round()).abs() < 1e-9 {
        format!("{}", expected.round() as i64)
    } else {
        format!("{expected:.1}")
    };
    let option = page
        .body
        .split("name=\"choice\" value=\"")
        .skip(1)
        .find(|chunk| chunk.contains(&format!("<span>{expected_text}</span>")))
        .and_then(|chunk| chunk.split('"').next())
        .expect("the expected count is an option")
        .to_string();
    ada.post(&url, &[("choice", &option)]).await;
    let result = ada.get(&url).await;
    assert!(result.body.contains("Correct."), "{}", result.body);
    let r = ada.post(&url, &[("choice", "9")]).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "already answered: no second attempt"
    );
    assert_eq!(app.query_i64("SELECT count(*) FROM attempts").await, 1);
}

#[tokio::test]
async fn question_results_offer_and_list_notes() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let session = start(&mut ada, "/practice/beginner", &[]).await;
    let id = question_at(&app, session, 0).await;
    let url = format!("/practice/s/{session}/q/0");
    let kind = content().question(&id).unwrap().kind;
    match kind {
        QuestionKind::Open => ada.post(&url, &[("answer", "x")]).await,
        _ => ada.post(&url, &[("choice", "0")]).await,
    };
    let result = ada.get(&url).await;
    assert!(
        result.body.contains(&format!("/notes/new?question={id}")),
        "write a note link"
    );
    let r = ada
        .post(
            "/notes",
            &[
                ("title", "My question note"),
                ("body", "text"),
                ("tags", ""),
                ("question", &id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let result = ada.get(&url).await;
    assert!(
        result.body.contains("My question note"),
        "the member's notes on the question are listed"
    );
}

/// An attempt recorded by a newer build (a generator version this build
/// does not have, as after a downgrade) keeps its answer and grade and says
/// why its trace is missing, instead of failing.
#[tokio::test]
async fn an_attempt_from_an_unknown_generator_version_still_shows() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let sim_id = content()
        .questions
        .iter()
        .find(|q| q.kind == QuestionKind::Sim && q.level.as_str() == "beginner")
        .map(|q| q.id.clone())
        .unwrap();
    let ada_id = app
        .query_i64("SELECT id FROM users WHERE username = 'ada'")
        .await;
    due_card(&app, ada_id, &sim_id, 0, 1.0).await;
    let session = start(&mut ada, "/practice/beginner", &[]).await;
    assert_eq!(question_at(&app, session, 0).await, sim_id);
    let url = format!("/practice/s/{session}/q/0");
    let r = ada.post(&url, &[("choice", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = ada.get(&url).await;
    assert!(shown.body.contains("Open this trace in the viewer"));
    app.store
        .call(|c| Ok(c.execute("UPDATE attempts SET generator = 99", [])?))
        .await
        .unwrap();
    let page = ada.get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("generator version 99"), "{}", page.body);
    assert!(page.body.contains("Correct.") || page.body.contains("Not quite."));
    assert!(!page.body.contains("Open this trace in the viewer"));
}
