//! Helpers for the notes tests.

use axum::http::StatusCode;

use super::{Client, Reply};

/// Creates a note through the form and returns its id.
pub async fn create(client: &mut Client<'_>, title: &str, body: &str, tags: &str) -> i64 {
    let r = client
        .post(
            "/notes",
            &[
                ("title", title),
                ("body", body),
                ("tags", tags),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id_from(r.location())
}

pub fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/notes/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a note location: {location}"))
}

pub async fn save(client: &mut Client<'_>, id: i64, title: &str, body: &str) -> Reply {
    client
        .post(
            &format!("/notes/{id}"),
            &[("title", title), ("body", body), ("action", "save")],
        )
        .await
}
