//! Peer review of shared interviews: a group member comments on one answer
//! and may rate it ([`crate::practice::peer`]); the comments show on the
//! interview's summary, to its owner and the group. A writer deletes their
//! own comments, also after the interview stops being shared. Without
//! JavaScript each form returns to its answer (`#answer-N`).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::clock::{TimeZone, date_time, now};
use crate::practice::peer::{PeerRating, check_comment};
use crate::store::peer::{self, Comment, NewComment};
use crate::store::practice::Mode;
use crate::web::guards::extract::{Form, Path};
use crate::web::guards::session::Member;
use crate::web::practice::quiz::load;
use crate::web::{AppError, AppState};

/// Routes that add and delete peer comments.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/practice/s/{id}/q/{pos}/comments", post(add))
        .route("/practice/s/{id}/comments/{comment}/delete", post(delete))
}

/// A comment as the summary shows it.
pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub rating: Option<&'static str>,
    /// Date and time in the viewer's zone.
    pub when: String,
    /// Whether the viewer wrote it (and so may delete it).
    pub mine: bool,
}

/// Moves the comments on position `pos` out of `all` (sorted by position),
/// as seen by `viewer` in `zone`.
pub fn take_comments(
    all: &mut Vec<Comment>,
    pos: usize,
    viewer: i64,
    zone: &TimeZone,
) -> Vec<CommentView> {
    let (here, rest): (Vec<Comment>, Vec<Comment>) =
        all.drain(..).partition(|c| c.position == pos as i64);
    *all = rest;
    here.into_iter()
        .map(|c| CommentView {
            id: c.id,
            mine: c.author_id == viewer,
            author: c.author_name,
            body: c.body,
            rating: c
                .rating
                .and_then(PeerRating::from_number)
                .map(PeerRating::label),
            when: date_time(c.created_at, zone),
        })
        .collect()
}

/// The summary, at answer `pos`.
pub fn answer_url(id: i64, pos: i64) -> String {
    format!("/practice/s/{id}/done#answer-{pos}")
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    rating: String,
}

async fn add(
    State(state): State<AppState>,
    member: Member,
    Path((id, pos)): Path<(i64, usize)>,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    let loaded = load(&state, member.id, id, true).await?;
    let session = &loaded.session;
    if session.mode != Mode::Interview || pos >= session.question_ids.len() {
        return Err(AppError::NotFound);
    }
    if !session.shared {
        return Err(AppError::BadRequest(
            "This interview is not shared with the group, so it takes no comments.".into(),
        ));
    }
    let input = check_comment(&form.body, &form.rating).map_err(AppError::BadRequest)?;
    let author = member.id;
    state
        .store
        .call(move |c| {
            peer::add(
                c,
                &NewComment {
                    session_id: id,
                    position: pos as i64,
                    author_id: author,
                    body: &input.body,
                    rating: input.rating.map(PeerRating::number),
                    now: now(),
                },
            )
        })
        .await?;
    Ok(Redirect::to(&answer_url(id, pos as i64)).into_response())
}

async fn delete(
    State(state): State<AppState>,
    member: Member,
    Path((id, comment)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let author = member.id;
    let pos = state
        .store
        .call(move |c| peer::delete(c, id, comment, author))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&answer_url(id, pos)).into_response())
}
