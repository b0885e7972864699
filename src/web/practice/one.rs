//! Practising from a lesson: one question (`/practice/q/{id}`), or a
//! lesson's questions at one level (`POST /practice/lesson/{slug}`). The
//! lesson pages' "Check yourself" lists link here.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::clock::now;
use crate::content::{Lesson, Level, Question};
use crate::store::practice::{self, Mode};
use crate::web::guards::extract::{Form, Path};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::practice::start::plan_for;
use crate::web::{AppError, AppState};

/// Routes for practising one question or one lesson's questions.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/practice/q/{id}", get(show).post(start_one))
        .route("/practice/lesson/{slug}", axum::routing::post(start_lesson))
}

#[derive(Template)]
#[template(path = "practice_one.html")]
struct OnePage {
    ctx: Ctx,
    question: Arc<Question>,
    lessons: Vec<Arc<Lesson>>,
}

/// The question's title, level, kind and lessons, with a button that
/// starts a one-question session (answers are never shown here).
async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    _member: Member,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let question = state
        .content
        .question(&id)
        .ok_or(AppError::NotFound)?
        .clone();
    let lessons = question
        .lessons
        .iter()
        .filter_map(|slug| state.content.lesson(slug).cloned())
        .collect();
    Ok(render(&OnePage {
        ctx,
        question,
        lessons,
    })?
    .into_response())
}

async fn start_one(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let question = state.content.question(&id).ok_or(AppError::NotFound)?;
    let level = question.level.as_str();
    let ids = vec![question.id.clone()];
    let user = member.id;
    let session = state
        .store
        .call(move |c| {
            practice::create_session(c, user, Mode::Practice, Some(level), None, &ids, now())
        })
        .await?;
    Ok(Redirect::to(&format!("/practice/s/{session}")).into_response())
}

#[derive(Deserialize)]
struct LessonForm {
    level: String,
}

/// A session of up to ten of the lesson's questions at the chosen level.
async fn start_lesson(
    State(state): State<AppState>,
    member: Member,
    Path(slug): Path<String>,
    Form(form): Form<LessonForm>,
) -> Result<Response, AppError> {
    let content = &state.content;
    content.lesson(&slug).ok_or(AppError::NotFound)?;
    let level = Level::parse(form.level.trim()).ok_or_else(|| {
        AppError::BadRequest("Pick a level: beginner, intermediate, senior or architect.".into())
    })?;
    let ids: Vec<String> = content
        .questions_for_lesson(&slug)
        .filter(|q| q.level == level)
        .map(|q| q.id.clone())
        .collect();
    if ids.is_empty() {
        return Err(AppError::BadRequest(format!(
            "This lesson has no {} questions yet.",
            level.label()
        )));
    }
    let user = member.id;
    let session = state
        .store
        .call(move |c| {
            let now = now();
            let planned = plan_for(c, user, ids, now)?;
            practice::create_session(
                c,
                user,
                Mode::Practice,
                Some(level.as_str()),
                None,
                &planned,
                now,
            )
        })
        .await?;
    Ok(Redirect::to(&format!("/practice/s/{session}")).into_response())
}
