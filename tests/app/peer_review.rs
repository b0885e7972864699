//! Peer review of shared interviews: group members comment on each answer
//! and rate it, the author sees the comments, comments are kept and only
//! their writer deletes them; forms return to their answer (`#answer-N`).

use crate::common::practice::*;
use crate::common::{Client, TestApp};
use axum::http::StatusCode;

/// Runs a whole interview for `client` and returns the session id.
async fn interview(client: &mut Client<'_>) -> i64 {
    let session = start(client, "/practice/interview", &[("level", "senior")]).await;
    for pos in 0..5 {
        let url = format!("/practice/s/{session}/q/{pos}");
        let r = client
            .post(&url, &[("answer", &format!("my answer {pos}"))])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    session
}

#[tokio::test]
async fn group_members_comment_and_rate_and_the_author_sees_it() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let session = interview(&mut ada).await;
    let done = format!("/practice/s/{session}/done");
    let page = ada.get(&done).await;
    assert!(page.body.contains("id=\"answer-3\""));
    assert!(
        !page.body.contains("Add comment"),
        "not shared: no comments"
    );

    let mut bob = app.member("bob", false).await;
    let comment = format!("/practice/s/{session}/q/1/comments");
    assert_eq!(
        bob.post(&comment, &[("body", "x")]).await.status,
        StatusCode::NOT_FOUND,
        "private until shared"
    );
    ada.post(&format!("/practice/s/{session}/share"), &[("shared", "1")])
        .await;
    assert!(bob.get(&done).await.body.contains("Add comment"));

    let r = bob
        .post(
            &comment,
            &[
                ("body", "Say why tail sampling <b>keeps</b> errors."),
                ("rating", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("{done}#answer-1"));
    let r = bob
        .post(
            &format!("/practice/s/{session}/q/4/comments"),
            &[("rating", "4")],
        )
        .await;
    assert_eq!(r.location(), format!("{done}#answer-4"));

    let seen = ada.get(&done).await;
    assert!(
        seen.body.contains("Say why tail sampling ") && !seen.body.contains("<b>keeps</b>"),
        "{}",
        seen.body
    );
    assert!(seen.body.contains("Partly there") && seen.body.contains("Excellent"));
    assert!(seen.body.contains("<strong>bob</strong>"));
    assert!(!seen.body.contains("Delete my comment"), "ada wrote none");
    assert!(bob.get(&done).await.body.contains("Delete my comment"));

    for (fields, why) in [
        (vec![("body", "  ")], "Write a comment or choose a rating."),
        (vec![("body", "ok"), ("rating", "7")], "Choose a rating"),
    ] {
        let r = bob.post(&comment, &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains(why), "{}", r.body);
    }
    let long = "x".repeat(2_001);
    assert_eq!(
        bob.post(&comment, &[("body", &long)]).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        bob.post(
            &format!("/practice/s/{session}/q/9/comments"),
            &[("body", "x")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn comments_are_kept_and_only_their_writer_deletes_them() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let session = interview(&mut ada).await;
    let done = format!("/practice/s/{session}/done");
    ada.post(&format!("/practice/s/{session}/share"), &[("shared", "1")])
        .await;
    let mut bob = app.member("bob", false).await;
    bob.post(
        &format!("/practice/s/{session}/q/2/comments"),
        &[("body", "Nice use of the critical path.")],
    )
    .await;
    let id = app.query_i64("SELECT id FROM peer_comments").await;
    let delete = format!("/practice/s/{session}/comments/{id}/delete");
    assert_eq!(ada.post(&delete, &[]).await.status, StatusCode::NOT_FOUND);

    ada.post(&format!("/practice/s/{session}/share"), &[("shared", "0")])
        .await;
    assert!(
        ada.get(&done)
            .await
            .body
            .contains("Nice use of the critical path."),
        "the author still sees comments after unsharing"
    );
    assert_eq!(
        bob.post(
            &format!("/practice/s/{session}/q/2/comments"),
            &[("body", "more")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND,
        "no new comments once unshared"
    );
    ada.post(&format!("/practice/s/{session}/share"), &[("shared", "1")])
        .await;
    assert!(
        bob.get(&done)
            .await
            .body
            .contains("Nice use of the critical path."),
        "kept across unsharing"
    );

    let r = bob.post(&delete, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("{done}#answer-2"));
    assert_eq!(app.query_i64("SELECT count(*) FROM peer_comments").await, 0);
    assert_eq!(bob.post(&delete, &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_interviews_take_comments() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let session = start(&mut ada, "/practice/beginner", &[]).await;
    ada.post(&format!("/practice/s/{session}/share"), &[("shared", "1")])
        .await;
    let mut bob = app.member("bob", false).await;
    assert_eq!(
        bob.post(
            &format!("/practice/s/{session}/q/0/comments"),
            &[("body", "x")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}
