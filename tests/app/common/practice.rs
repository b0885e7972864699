//! Helpers for the practice tests: sessions, questions and the right or
//! wrong answers to a multiple-choice question.

use crate::common::{Client, TestApp};
use axum::http::StatusCode;
use spandojo::content::Content;

pub fn content() -> Content {
    Content::load(None).unwrap()
}

/// Starts a session and returns its id.
pub async fn start(client: &mut Client<'_>, path: &str, fields: &[(&str, &str)]) -> i64 {
    let r = client.post(path, fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/practice/s/")
        .parse()
        .expect("session id")
}

pub async fn question_at(app: &TestApp, session: i64, pos: usize) -> String {
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
pub async fn due_card(app: &TestApp, user: i64, id: &str, due_at: i64, stability: f64) {
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

pub fn correct_choices(id: &str) -> Vec<(&'static str, String)> {
    let c = content();
    let q = c.question(id).unwrap();
    q.choices
        .iter()
        .enumerate()
        .filter(|(_, c)| c.correct)
        .map(|(i, _)| ("choice", i.to_string()))
        .collect()
}

pub fn wrong_choice(id: &str) -> Vec<(&'static str, String)> {
    let c = content();
    let q = c.question(id).unwrap();
    let i = q.choices.iter().position(|c| !c.correct).unwrap();
    vec![("choice", i.to_string())]
}

pub fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

/// The question ids of `session`, in the order they are asked.
pub fn futures_ids(app: &TestApp, session: i64) -> Vec<String> {
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
