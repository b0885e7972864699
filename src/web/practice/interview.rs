//! Starting an interview (`/practice/interview`): the level's plan of
//! steps, then one random open question per step.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::clock::now;
use crate::content::Level;
use crate::practice::INTERVIEW_SIZE;
use crate::practice::plan::interview_levels;
use crate::store::practice::{self, Mode};
use crate::web::guards::extract::{Form, Query};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::practice::start::parse_level;
use crate::web::{AppError, AppState};

/// Routes `/practice/interview` (the form, and starting the session).
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/practice/interview",
        get(interview_form).post(start_interview),
    )
}

#[derive(Deserialize)]
struct InterviewQuery {
    level: Option<String>,
}

#[derive(Template)]
#[template(path = "interview_start.html")]
struct InterviewPage {
    ctx: Ctx,
    level: Level,
    plan: [Level; INTERVIEW_SIZE],
}

async fn interview_form(
    ctx: Ctx,
    _member: Member,
    Query(q): Query<InterviewQuery>,
) -> Result<Response, AppError> {
    let level = match q.level.as_deref() {
        None | Some("") => Level::Senior,
        Some(l) => parse_level(l)?,
    };
    Ok(render(&InterviewPage {
        ctx,
        level,
        plan: interview_levels(level),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct InterviewForm {
    level: String,
}

async fn start_interview(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<InterviewForm>,
) -> Result<Response, AppError> {
    let level = parse_level(&form.level)?;
    let chosen = pick_interview(&state, level);
    if chosen.is_empty() {
        return Err(AppError::BadRequest(
            "There are no open questions to interview with yet.".into(),
        ));
    }
    let user = member.id;
    let id = state
        .store
        .call(move |c| {
            practice::create_session(
                c,
                user,
                Mode::Interview,
                Some(level.as_str()),
                None,
                &chosen,
                now(),
            )
        })
        .await?;
    Ok(Redirect::to(&format!("/practice/s/{id}")).into_response())
}

/// One random open question per interview step.
fn pick_interview(state: &AppState, level: Level) -> Vec<String> {
    let mut rng = rand::rng();
    let mut chosen: Vec<String> = Vec::new();
    for l in interview_levels(level) {
        let mut pool: Vec<&str> = state
            .content
            .questions
            .iter()
            .filter(|q| {
                q.level == l
                    && q.kind == crate::content::QuestionKind::Open
                    && !chosen.contains(&q.id)
            })
            .map(|q| q.id.as_str())
            .collect();
        rand::seq::SliceRandom::shuffle(pool.as_mut_slice(), &mut rng);
        if let Some(id) = pool.first() {
            chosen.push(id.to_string());
        }
    }
    chosen
}
