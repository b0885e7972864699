//! The end of a session: the summary (and a shared interview's read-only
//! view), sharing with the group, and reports of problems with questions.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::clock::now;
use crate::content::{Question, QuestionKind};
use crate::practice::fsrs::Rating;
use crate::practice::peer::{MAX_COMMENT_CHARS, PeerRating};
use crate::store::practice::Mode;
use crate::store::{flags, peer, practice};
use crate::web::guards::extract::{Form, Path};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::practice::peer::{CommentView, take_comments};
use crate::web::practice::quiz::load;
use crate::web::practice::quiz_view::{LessonLink, chosen_options, elapsed_text, lesson_links};
use crate::web::{AppError, AppState};

/// Longest problem report, in characters.
pub const MAX_REPORT_CHARS: usize = 1_000;

/// Routes for session summaries, sharing and question reports.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/practice/s/{id}/done", get(done))
        .route("/practice/s/{id}/share", post(share))
        .route("/questions/{id}/flag", post(report_problem))
}

/// One row of the summary.
struct SummaryRow {
    pos: usize,
    q: Arc<Question>,
    answered: bool,
    answer_text: String,
    chosen: Vec<String>,
    correct: Option<bool>,
    rating: Option<&'static str>,
    revisit: bool,
    lessons: Vec<LessonLink>,
    /// Peer comments on this answer (interviews only).
    comments: Vec<CommentView>,
}

#[derive(Template)]
#[template(path = "quiz_done.html")]
struct DonePage {
    ctx: Ctx,
    session_id: i64,
    owner: bool,
    interview: bool,
    mode: &'static str,
    level: String,
    shared: bool,
    complete: bool,
    has_revisit: bool,
    /// Answers graded by the app (choice and simulator questions), and how
    /// many of them were right.
    right: usize,
    graded: usize,
    /// Open answers rated by the member, and how many were rated Good or Easy.
    self_good: usize,
    self_rated: usize,
    time_taken: String,
    rows: Vec<SummaryRow>,
    ratings: [Rating; 4],
    /// Whether the viewer may comment (a shared interview).
    can_comment: bool,
    peer_ratings: [PeerRating; 4],
    max_comment: usize,
}

async fn done(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let mut loaded = load(&state, member.id, id, true).await?;
    let owner = loaded.session.user_id == member.id;
    let complete = loaded.pending(&state).is_none();
    if owner && complete && loaded.session.finished_at.is_none() {
        let finished = state
            .store
            .call(move |c| {
                practice::finish_session(c, id, now())?;
                Ok(now())
            })
            .await?;
        loaded.session.finished_at = Some(finished);
    }
    let interview = loaded.session.mode == Mode::Interview;
    let mut comments = if interview {
        state.store.call(move |c| peer::for_session(c, id)).await?
    } else {
        Vec::new()
    };
    let mut rows = Vec::new();
    for (pos, qid) in loaded.session.question_ids.iter().enumerate() {
        let Some(q) = state.content.question(qid).cloned() else {
            continue;
        };
        let attempt = loaded.attempt(pos);
        let chosen_idx = attempt
            .filter(|_| q.kind == QuestionKind::Choice)
            .map(|a| chosen_options(&a.answer))
            .unwrap_or_default();
        let rating = attempt.and_then(|a| a.rating).and_then(Rating::from_number);
        let correct = attempt.and_then(|a| a.correct);
        rows.push(SummaryRow {
            pos,
            answered: attempt.is_some(),
            answer_text: attempt
                .filter(|_| q.kind == QuestionKind::Open)
                .map(|a| a.answer.clone())
                .unwrap_or_default(),
            chosen: chosen_idx
                .iter()
                .filter_map(|&i| q.choices.get(i))
                .map(|c| c.text_html.clone())
                .collect(),
            correct,
            rating: rating.map(Rating::label),
            revisit: correct == Some(false) || matches!(rating, Some(Rating::Again | Rating::Hard)),
            lessons: lesson_links(&state, &q),
            comments: take_comments(&mut comments, pos, member.id, &member.time_zone),
            q,
        });
    }
    let graded = rows.iter().filter(|r| r.correct.is_some()).count();
    let right = rows.iter().filter(|r| r.correct == Some(true)).count();
    let self_rated = rows
        .iter()
        .filter(|r| r.correct.is_none() && r.rating.is_some())
        .count();
    let self_good = rows
        .iter()
        .filter(|r| r.correct.is_none() && matches!(r.rating, Some("Good" | "Easy")))
        .count();
    let end = loaded.session.finished_at.unwrap_or_else(now);
    let session = &loaded.session;
    let page = DonePage {
        ctx,
        session_id: id,
        owner,
        interview,
        mode: session.mode.as_str(),
        level: session
            .level
            .as_deref()
            .and_then(crate::content::Level::parse)
            .map(|l| l.label().to_string())
            .unwrap_or_else(|| "Mixed".into()),
        shared: session.shared,
        complete,
        has_revisit: rows.iter().any(|r| r.revisit),
        right,
        graded,
        self_good,
        self_rated,
        time_taken: elapsed_text(end - session.started_at),
        rows,
        ratings: Rating::ALL,
        can_comment: interview && session.shared,
        peer_ratings: PeerRating::ALL,
        max_comment: MAX_COMMENT_CHARS,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct ShareForm {
    shared: String,
}

async fn share(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    Form(form): Form<ShareForm>,
) -> Result<Response, AppError> {
    let shared = crate::web::guards::extract::flag(&form.shared, "shared")?;
    let user = member.id;
    if !state
        .store
        .call(move |c| practice::set_shared(c, id, user, shared))
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/practice/s/{id}/done")).into_response())
}

#[derive(Deserialize)]
struct FlagForm {
    reason: String,
}

#[derive(Template)]
#[template(path = "flagged.html")]
struct FlaggedPage {
    ctx: Ctx,
    title: String,
}

/// The report form again, with what was wrong and the text kept (400).
#[derive(Template)]
#[template(path = "flag_form.html")]
struct FlagFormPage {
    ctx: Ctx,
    title: String,
    qid: String,
    message: String,
    reason: String,
    max_chars: usize,
}

async fn report_problem(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path(qid): Path<String>,
    Form(form): Form<FlagForm>,
) -> Result<Response, AppError> {
    let q = state
        .content
        .question(&qid)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let reason = form.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > MAX_REPORT_CHARS {
        let page = FlagFormPage {
            ctx,
            title: q.title.clone(),
            qid,
            message: format!("Describe the problem in 1 to {MAX_REPORT_CHARS} characters."),
            reason: form.reason,
            max_chars: MAX_REPORT_CHARS,
        };
        return Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response());
    }
    let user = member.id;
    state
        .store
        .call(move |c| flags::create(c, user, &qid, &reason, now()))
        .await?;
    Ok(render(&FlaggedPage {
        ctx,
        title: q.title.clone(),
    })?
    .into_response())
}
