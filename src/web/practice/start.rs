//! Starting practice: the levels page, level sessions, reviews, interviews.

use std::collections::HashMap;

use crate::web::guards::extract::{Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::clock::now;
use crate::content::{Level, questions::TOPICS};
use crate::practice::plan::{Candidate, CardInfo, plan_session};
use crate::practice::stats::LevelProgress;
use crate::practice::{REVIEW_SIZE, SESSION_SIZE};
use crate::store::practice::Mode;
use crate::store::{cards, practice};
use crate::web::guards::extract::Form;
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::practice::tally::level_progress;
use crate::web::{AppError, AppState};

/// Routes that start sessions.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/practice", get(index))
        .route("/practice/{level}", get(level_page).post(start_level))
        .route("/review", get(review_page).post(start_review))
        .route("/practice/mistakes", axum::routing::post(start_mistakes))
}

/// Unix time of the start of the member's day, in their time zone.
fn today_start(member: &Member) -> i64 {
    let zone = &member.time_zone;
    crate::clock::day_start(crate::clock::local_day(now(), zone), zone)
}

/// How a session is named in lists: "Senior practice (sampling)", "Review",
/// "Interview (Architect)", "Mistakes drill".
pub fn session_title(mode: Mode, level: Option<&str>, topic: Option<&str>) -> String {
    let level = level.and_then(Level::parse).map(Level::label);
    let base = match (mode, level) {
        (Mode::Interview, Some(l)) => format!("Interview ({l})"),
        (Mode::Interview, None) => "Interview".to_string(),
        (Mode::Review, _) => "Review".to_string(),
        (Mode::Practice, Some(l)) => format!("{l} practice"),
        (Mode::Practice, None) => "Mistakes drill".to_string(),
    };
    match topic {
        Some(t) => format!("{base} ({t})"),
        None => base,
    }
}

/// "Drill my mistakes now": a practice session of the questions the member
/// missed today (wrong, or self-rated Again or Hard), whatever their FSRS
/// due dates; back to `/practice` when there is nothing to drill.
async fn start_mistakes(
    State(state): State<AppState>,
    member: Member,
) -> Result<Response, AppError> {
    let (user, since) = (member.id, today_start(&member));
    let content = state.content.clone();
    let id = state
        .store
        .call(move |c| {
            let missed: Vec<String> = practice::missed_since(c, user, since)?
                .into_iter()
                .filter(|q| content.question(q).is_some())
                .take(SESSION_SIZE)
                .collect();
            if missed.is_empty() {
                return Ok(None);
            }
            Ok(Some(practice::create_session(
                c,
                user,
                Mode::Practice,
                None,
                None,
                &missed,
                now(),
            )?))
        })
        .await?;
    match id {
        Some(id) => Ok(Redirect::to(&format!("/practice/s/{id}")).into_response()),
        None => Ok(Redirect::to("/practice").into_response()),
    }
}

pub(super) fn parse_level(s: &str) -> Result<Level, AppError> {
    Level::parse(s).ok_or(AppError::NotFound)
}

fn parse_topic(topic: Option<&str>) -> Result<Option<String>, AppError> {
    match topic.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if TOPICS.contains(&t) => Ok(Some(t.to_string())),
        Some(t) => Err(AppError::BadRequest(format!(
            "There is no topic called “{}”. Pick one from the list.",
            t.chars().take(40).collect::<String>()
        ))),
    }
}

struct LevelRow {
    level: Level,
    progress: LevelProgress,
}

/// A session left unfinished, as listed on `/practice`.
struct OpenRow {
    id: i64,
    title: String,
    started: String,
    answered: i64,
    total: usize,
}

/// Unfinished sessions listed on `/practice`, newest first.
const UNFINISHED_SHOWN: i64 = 10;

#[derive(Template)]
#[template(path = "practice.html")]
struct PracticePage {
    ctx: Ctx,
    levels: Vec<LevelRow>,
    due: i64,
    unfinished: Vec<OpenRow>,
    missed_today: usize,
}

async fn index(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
) -> Result<Response, AppError> {
    let mut progress = level_progress(&state, member.id).await?;
    let (user, since) = (member.id, today_start(&member));
    let (open, missed) = state
        .store
        .call(move |c| {
            Ok((
                practice::unfinished(c, user, UNFINISHED_SHOWN)?,
                practice::missed_since(c, user, since)?,
            ))
        })
        .await?;
    let unfinished = open
        .into_iter()
        .map(|u| OpenRow {
            id: u.id,
            title: session_title(u.mode, u.level.as_deref(), u.topic.as_deref()),
            started: crate::clock::date_time(u.started_at, &member.time_zone),
            answered: u.answered,
            total: u.total,
        })
        .collect();
    let missed_today = missed
        .iter()
        .filter(|q| state.content.question(q).is_some())
        .count();
    let levels = Level::ALL
        .iter()
        .map(|&level| LevelRow {
            level,
            progress: progress.remove(&level).unwrap_or_default(),
        })
        .collect();
    Ok(render(&PracticePage {
        ctx,
        levels,
        due: member.due_reviews,
        unfinished,
        missed_today,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct TopicQuery {
    topic: Option<String>,
}

#[derive(Template)]
#[template(path = "practice_level.html")]
struct LevelPage {
    ctx: Ctx,
    level: Level,
    topic: Option<String>,
    topics: Vec<(&'static str, usize)>,
    progress: LevelProgress,
    available: usize,
}

async fn level_page(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path(level): Path<String>,
    Query(q): Query<TopicQuery>,
) -> Result<Response, AppError> {
    let level = parse_level(&level)?;
    let topic = parse_topic(q.topic.as_deref())?;
    let content = &state.content;
    let in_level: Vec<_> = content
        .questions
        .iter()
        .filter(|q| q.level == level)
        .collect();
    let topics = TOPICS
        .iter()
        .map(|&t| {
            (
                t,
                in_level
                    .iter()
                    .filter(|q| q.topics.iter().any(|x| x == t))
                    .count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let available = in_level
        .iter()
        .filter(|q| topic.as_ref().is_none_or(|t| q.topics.contains(t)))
        .count();
    let progress = level_progress(&state, member.id)
        .await?
        .remove(&level)
        .unwrap_or_default();
    Ok(render(&LevelPage {
        ctx,
        level,
        topic,
        topics,
        progress,
        available,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct StartForm {
    topic: Option<String>,
}

async fn start_level(
    State(state): State<AppState>,
    member: Member,
    Path(level): Path<String>,
    Form(form): Form<StartForm>,
) -> Result<Response, AppError> {
    let level = parse_level(&level)?;
    let topic = parse_topic(form.topic.as_deref())?;
    let ids: Vec<String> = state
        .content
        .questions
        .iter()
        .filter(|q| q.level == level && topic.as_ref().is_none_or(|t| q.topics.contains(t)))
        .map(|q| q.id.clone())
        .collect();
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "There are no questions for that level and topic yet.".into(),
        ));
    }
    let user = member.id;
    let id = state
        .store
        .call(move |c| {
            let now = now();
            let planned = plan_for(c, user, ids, now)?;
            practice::create_session(
                c,
                user,
                Mode::Practice,
                Some(level.as_str()),
                topic.as_deref(),
                &planned,
                now,
            )
        })
        .await?;
    Ok(Redirect::to(&format!("/practice/s/{id}")).into_response())
}

/// Picks up to [`SESSION_SIZE`] of `ids` for `user`'s session: due reviews
/// first, then unseen questions, then the weakest ([`plan_session`]).
pub(crate) fn plan_for(
    c: &rusqlite::Connection,
    user: i64,
    ids: Vec<String>,
    now: i64,
) -> anyhow::Result<Vec<String>> {
    let mut known: HashMap<String, CardInfo> = cards::all(c, user)?
        .into_iter()
        .map(|(q, card)| {
            let info = CardInfo {
                stability: card.stability,
                due_at: card.due_at,
                last_review_at: card.last_review_at,
            };
            (q, info)
        })
        .collect();
    let candidates = ids
        .into_iter()
        .map(|question_id| Candidate {
            card: known.remove(&question_id),
            question_id,
        })
        .collect();
    Ok(plan_session(
        candidates,
        now,
        SESSION_SIZE,
        &mut rand::rng(),
    ))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    ctx: Ctx,
    due: i64,
}

async fn review_page(ctx: Ctx, member: Member) -> Result<Response, AppError> {
    Ok(render(&ReviewPage {
        ctx,
        due: member.due_reviews,
    })?
    .into_response())
}

async fn start_review(State(state): State<AppState>, member: Member) -> Result<Response, AppError> {
    let user = member.id;
    let content = state.content.clone();
    let id = state
        .store
        .call(move |c| {
            let now = now();
            let due: Vec<String> = cards::due(c, user, now, REVIEW_SIZE as i64 * 2)?
                .into_iter()
                .filter(|q| content.question(q).is_some())
                .take(REVIEW_SIZE)
                .collect();
            if due.is_empty() {
                return Ok(None);
            }
            Ok(Some(practice::create_session(
                c,
                user,
                Mode::Review,
                None,
                None,
                &due,
                now,
            )?))
        })
        .await?;
    match id {
        Some(id) => Ok(Redirect::to(&format!("/practice/s/{id}")).into_response()),
        None => Ok(Redirect::to("/review").into_response()),
    }
}
