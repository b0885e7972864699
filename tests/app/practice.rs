//! Practice by level, grading, reviews, interviews, progress and the group.

use crate::common::{Client, TestApp};
use axum::http::StatusCode;
use spandojo::content::{Content, QuestionKind};

fn content() -> Content {
    Content::load(None).unwrap()
}

/// Starts a session and returns its id.
async fn start(client: &mut Client<'_>, path: &str, fields: &[(&str, &str)]) -> i64 {
    let r = client.post(path, fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/practice/s/")
        .parse()
        .expect("session id")
}

async fn question_at(app: &TestApp, session: i64, pos: usize) -> String {
    let ids: String = app
        .store
        .call(move |c| {
            Ok(c.query_row(
                "SELECT question_ids FROM practice_sessions WHERE id = ?1",
                [session],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    let ids: Vec<String> = serde_json::from_str(&ids).unwrap();
    ids[pos].clone()
}

/// Gives a member a card for `id` that fell due at `due_at`.
async fn due_card(app: &TestApp, user: i64, id: &str, due_at: i64, stability: f64) {
    let id = id.to_string();
    app.store
        .call(move |conn| {
            let card = spandojo::store::cards::Card {
                stability,
                difficulty: 5.0,
                due_at,
                last_review_at: 0,
                reps: 1,
                lapses: 0,
            };
            spandojo::store::cards::put(conn, user, &id, &card)
        })
        .await
        .unwrap();
}

fn correct_choices(id: &str) -> Vec<(&'static str, String)> {
    let c = content();
    let q = c.question(id).unwrap();
    q.choices
        .iter()
        .enumerate()
        .filter(|(_, c)| c.correct)
        .map(|(i, _)| ("choice", i.to_string()))
        .collect()
}

fn wrong_choice(id: &str) -> Vec<(&'static str, String)> {
    let c = content();
    let q = c.question(id).unwrap();
    let i = q.choices.iter().position(|c| !c.correct).unwrap();
    vec![("choice", i.to_string())]
}

fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

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
    let mut expected_right = 0;
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
                expected_right += 1;
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
        done.body
            .contains(&format!("<strong>{expected_right} of 10</strong>")),
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

fn futures_ids(app: &TestApp, session: i64) -> Vec<String> {
    let store = app.store.clone();
    let ids: String = store
        .call_blocking(|c| {
            Ok(c.query_row(
                "SELECT question_ids FROM practice_sessions WHERE id = ?1",
                [session],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    serde_json::from_str(&ids).unwrap()
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
    assert_eq!(r.location(), format!("/practice/s/{session}/done"));

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
    assert!(group.body.contains("ada — 1 right of 1 answers"));
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
