//! Running a session: one question at a time, grading, self-rating, the
//! summary, sharing interviews, and reporting problems with questions.

use std::sync::Arc;

use crate::web::extract::Path;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::extract::Form;
use super::layout::{Ctx, render};
use super::quiz_view::{
    LessonLink, OptionView, chosen_options, elapsed_text, lesson_links, make_puzzle, options,
    puzzle_options, puzzle_seed, stored_puzzle,
};
use super::session::{Member, now};
use super::{AppError, AppState};
use crate::content::{Question, QuestionKind};
use crate::practice::fsrs::Rating;
use crate::practice::grading::{GradeError, grade_choice, grade_selection, rating_for};
use crate::practice::puzzles::{Exhibit, Puzzle};
use crate::practice::schedule;
use crate::store::practice::{Attempt, Mode, NewAttempt, Session};
use crate::store::{cards, flags, practice};

/// Longest free-text answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 20_000;
/// Longest problem report, in characters.
pub const MAX_REPORT_CHARS: usize = 1_000;

/// Routes under `/practice/s/{id}` and question reports.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/practice/s/{id}", get(resume))
        .route("/practice/s/{id}/q/{pos}", get(show).post(answer))
        .route("/practice/s/{id}/q/{pos}/rate", post(rate))
        .route("/practice/s/{id}/done", get(done))
        .route("/practice/s/{id}/share", post(share))
        .route("/questions/{id}/flag", post(flag))
}

struct Loaded {
    session: Session,
    attempts: Vec<Attempt>,
}

impl Loaded {
    fn attempt(&self, pos: usize) -> Option<&Attempt> {
        self.attempts.iter().find(|a| a.position == pos as i64)
    }

    /// The first position still waiting for an answer or a self-rating.
    fn pending(&self, state: &AppState) -> Option<usize> {
        (0..self.session.question_ids.len()).find(|&pos| match self.attempt(pos) {
            None => true,
            Some(a) => {
                self.session.mode != Mode::Interview
                    && a.rating.is_none()
                    && state
                        .content
                        .question(&a.question_id)
                        .is_some_and(|q| q.kind == QuestionKind::Open)
            }
        })
    }
}

async fn load(
    state: &AppState,
    viewer: i64,
    id: i64,
    allow_shared: bool,
) -> Result<Loaded, AppError> {
    state
        .store
        .call(move |c| {
            let Some(session) = practice::session(c, id, viewer, allow_shared)? else {
                return Ok(None);
            };
            let attempts = practice::attempts(c, id)?;
            Ok(Some(Loaded { session, attempts }))
        })
        .await?
        .ok_or(AppError::NotFound)
}

fn question_at(state: &AppState, loaded: &Loaded, pos: usize) -> Result<Arc<Question>, AppError> {
    let id = loaded
        .session
        .question_ids
        .get(pos)
        .ok_or(AppError::NotFound)?;
    state
        .content
        .question(id)
        .cloned()
        .ok_or(AppError::NotFound)
}

fn position_url(id: i64, pos: usize) -> String {
    format!("/practice/s/{id}/q/{pos}")
}

async fn resume(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let loaded = load(&state, member.id, id, false).await?;
    let to = match loaded.pending(&state) {
        Some(pos) => position_url(id, pos),
        None => format!("/practice/s/{id}/done"),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "quiz_question.html")]
struct QuestionPage {
    ctx: Ctx,
    session_id: i64,
    pos: usize,
    total: usize,
    interview: bool,
    started_at: i64,
    elapsed: String,
    q: Arc<Question>,
    options: Vec<OptionView>,
    multi: bool,
    puzzle: Option<Puzzle>,
    answer: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "quiz_result.html")]
struct ResultPage {
    ctx: Ctx,
    session_id: i64,
    pos: usize,
    total: usize,
    q: Arc<Question>,
    options: Vec<OptionView>,
    puzzle: Option<Puzzle>,
    correct: Option<bool>,
    answer: String,
    rating: Option<&'static str>,
    ratings: [Rating; 4],
    lessons: Vec<LessonLink>,
    next_url: String,
    /// The member's notes on this question: (id, title).
    my_notes: Vec<(i64, String)>,
}

#[allow(clippy::too_many_arguments)]
fn question_page(
    ctx: Ctx,
    loaded: &Loaded,
    pos: usize,
    q: Arc<Question>,
    answer: String,
    chosen: &[usize],
    error: Option<String>,
    puzzle: Option<Puzzle>,
) -> QuestionPage {
    let session = &loaded.session;
    let (options, multi) = match &puzzle {
        Some(p) => (puzzle_options(p, chosen), p.multi),
        None => (
            options(&q, session.id, pos, chosen),
            q.choices.iter().filter(|c| c.correct).count() > 1,
        ),
    };
    QuestionPage {
        ctx,
        session_id: session.id,
        pos,
        total: session.question_ids.len(),
        interview: session.mode == Mode::Interview,
        started_at: session.started_at,
        elapsed: elapsed_text(now() - session.started_at),
        options,
        multi,
        puzzle,
        q,
        answer,
        error,
    }
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path((id, pos)): Path<(i64, usize)>,
) -> Result<Response, AppError> {
    let loaded = load(&state, member.id, id, false).await?;
    let q = question_at(&state, &loaded, pos)?;
    let Some(attempt) = loaded.attempt(pos) else {
        let puzzle = match q.kind {
            QuestionKind::Sim => Some(make_puzzle(&state, &q, puzzle_seed(id, pos))?.1),
            _ => None,
        };
        let page = question_page(ctx, &loaded, pos, q, String::new(), &[], None, puzzle);
        return Ok(render(&page)?.into_response());
    };
    if loaded.session.mode == Mode::Interview {
        return Ok(Redirect::to(&format!("/practice/s/{id}")).into_response());
    }
    let chosen = match q.kind {
        QuestionKind::Open => Vec::new(),
        _ => chosen_options(&attempt.answer),
    };
    let puzzle = match q.kind {
        QuestionKind::Sim => Some(stored_puzzle(&state, &q, attempt.seed).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "question {}: cannot regenerate seed {:?}",
                q.id,
                attempt.seed
            ))
        })?),
        _ => None,
    };
    let (owner, qid) = (member.id, q.id.clone());
    let my_notes = state
        .store
        .call(move |c| crate::store::notes::notes_for_question(c, owner, &qid))
        .await?
        .into_iter()
        .map(|n| (n.id, n.title))
        .collect();
    let page = ResultPage {
        ctx,
        my_notes,
        session_id: id,
        pos,
        total: loaded.session.question_ids.len(),
        options: match &puzzle {
            Some(p) => puzzle_options(p, &chosen),
            None => options(&q, id, pos, &chosen),
        },
        puzzle,
        correct: attempt.correct,
        answer: if q.kind == QuestionKind::Open {
            attempt.answer.clone()
        } else {
            String::new()
        },
        rating: attempt
            .rating
            .and_then(Rating::from_number)
            .map(Rating::label),
        ratings: Rating::ALL,
        lessons: lesson_links(&state, &q),
        q,
        next_url: format!("/practice/s/{id}"),
    };
    Ok(render(&page)?.into_response())
}

/// Stores an attempt and, when it carries a rating, reschedules the card;
/// all in one transaction. Returns false for a double submit.
/// What the member answered and how it was graded.
struct Outcome {
    answer: String,
    correct: Option<bool>,
    rating: Option<Rating>,
    /// The puzzle seed, for simulator questions.
    seed: Option<i64>,
}

async fn save_attempt(
    state: &AppState,
    member: &Member,
    session: &Session,
    pos: usize,
    q: &Question,
    outcome: Outcome,
) -> Result<bool, AppError> {
    let Outcome {
        answer,
        correct,
        rating,
        seed,
    } = outcome;
    let (user, session_id, question_id, level) =
        (member.id, session.id, q.id.clone(), q.level.as_str());
    let last = pos + 1 == session.question_ids.len();
    let auto_finish = last && (rating.is_some() || session.mode == Mode::Interview);
    Ok(state
        .store
        .call(move |c| {
            let now = now();
            let tx = c.transaction()?;
            let new = NewAttempt {
                user_id: user,
                session_id,
                position: pos as i64,
                question_id: &question_id,
                level,
                answer: &answer,
                correct,
                rating: rating.map(|r| r as i64),
                seed,
                now,
            };
            if !practice::record_attempt(&tx, &new)? {
                return Ok(false);
            }
            if let Some(rating) = rating {
                let card = schedule::review(cards::get(&tx, user, &question_id)?, now, rating);
                cards::put(&tx, user, &question_id, &card)?;
            }
            if auto_finish {
                practice::finish_session(&tx, session_id, now)?;
            }
            tx.commit()?;
            Ok(true)
        })
        .await?)
}

async fn answer(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path((id, pos)): Path<(i64, usize)>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let loaded = load(&state, member.id, id, false).await?;
    let q = question_at(&state, &loaded, pos)?;
    if loaded.attempt(pos).is_some() {
        return Ok(Redirect::to(&position_url(id, pos)).into_response());
    }
    let fields = parse_fields(&body);
    let outcome = match q.kind {
        QuestionKind::Choice | QuestionKind::Sim => {
            let selected = selected_options(&fields)?;
            let puzzle = match q.kind {
                QuestionKind::Sim => Some(make_puzzle(&state, &q, puzzle_seed(id, pos))?),
                _ => None,
            };
            let graded = match &puzzle {
                Some((_, p)) => grade_selection(p.options.len(), &p.correct, &selected),
                None => grade_choice(&q, &selected),
            };
            let grade = match graded {
                Ok(g) => g,
                Err(e @ GradeError::Empty) => {
                    let page = question_page(
                        ctx,
                        &loaded,
                        pos,
                        q,
                        String::new(),
                        &[],
                        Some(e.message()),
                        puzzle.map(|p| p.1),
                    );
                    return Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response());
                }
                Err(e) => return Err(AppError::BadRequest(e.message())),
            };
            Outcome {
                answer: serde_json::to_string(&grade.selected)
                    .map_err(|e| AppError::Internal(e.into()))?,
                correct: Some(grade.correct),
                rating: Some(rating_for(grade.correct)),
                seed: puzzle.map(|(seed, _)| seed as i64),
            }
        }
        QuestionKind::Open => {
            let text = fields
                .iter()
                .find(|(k, _)| k == "answer")
                .map(|(_, v)| v.replace("\r\n", "\n"))
                .unwrap_or_default();
            if text.chars().count() > MAX_ANSWER_CHARS {
                let msg = format!(
                    "Answers are limited to {MAX_ANSWER_CHARS} characters; shorten yours and submit again."
                );
                let page = question_page(ctx, &loaded, pos, q, text, &[], Some(msg), None);
                return Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response());
            }
            Outcome {
                answer: text,
                correct: None,
                rating: None,
                seed: None,
            }
        }
    };
    save_attempt(&state, &member, &loaded.session, pos, &q, outcome).await?;
    let to = if loaded.session.mode == Mode::Interview {
        format!("/practice/s/{id}")
    } else {
        position_url(id, pos)
    };
    Ok(Redirect::to(&to).into_response())
}

/// The option numbers in a form's `choice` fields.
fn selected_options(fields: &[(String, String)]) -> Result<Vec<usize>, AppError> {
    fields
        .iter()
        .filter(|(k, _)| k == "choice")
        .map(|(_, v)| {
            v.parse::<usize>().map_err(|_| {
                AppError::BadRequest(format!(
                    "“{}” is not an option number.",
                    v.chars().take(20).collect::<String>()
                ))
            })
        })
        .collect()
}

fn parse_fields(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[derive(Deserialize)]
struct RateForm {
    rating: String,
    back: Option<String>,
}

async fn rate(
    State(state): State<AppState>,
    member: Member,
    Path((id, pos)): Path<(i64, usize)>,
    Form(form): Form<RateForm>,
) -> Result<Response, AppError> {
    let rating = form
        .rating
        .parse::<i64>()
        .ok()
        .and_then(Rating::from_number)
        .ok_or_else(|| AppError::BadRequest("Choose Again, Hard, Good or Easy.".into()))?;
    let loaded = load(&state, member.id, id, false).await?;
    let q = question_at(&state, &loaded, pos)?;
    let attempt = loaded.attempt(pos).ok_or_else(|| {
        AppError::BadRequest("Answer the question before you rate yourself.".into())
    })?;
    if q.kind != QuestionKind::Open {
        return Err(AppError::BadRequest(
            "Only open questions are self-rated; this one was graded automatically.".into(),
        ));
    }
    if attempt.rating.is_none() {
        let (user, question_id) = (member.id, q.id.clone());
        let finished = loaded.session.finished_at.is_some();
        let last_pending = loaded.pending(&state).is_none_or(|p| p == pos)
            && loaded
                .attempts
                .iter()
                .filter(|a| a.rating.is_none())
                .count()
                <= 1;
        state
            .store
            .call(move |c| {
                let now = now();
                let tx = c.transaction()?;
                if practice::rate_attempt(&tx, id, pos as i64, rating as i64, now)? {
                    let card = schedule::review(cards::get(&tx, user, &question_id)?, now, rating);
                    cards::put(&tx, user, &question_id, &card)?;
                }
                if !finished && last_pending {
                    practice::finish_session(&tx, id, now)?;
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
    }
    let to = match form.back.as_deref() {
        Some("done") => format!("/practice/s/{id}/done"),
        _ => format!("/practice/s/{id}"),
    };
    Ok(Redirect::to(&to).into_response())
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
    right: usize,
    graded: usize,
    time_taken: String,
    rows: Vec<SummaryRow>,
    ratings: [Rating; 4],
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
            q,
        });
    }
    let graded = rows
        .iter()
        .filter(|r| r.correct.is_some() || r.rating.is_some())
        .count();
    let right = rows
        .iter()
        .filter(|r| r.correct == Some(true) || matches!(r.rating, Some("Good" | "Easy")))
        .count();
    let end = loaded.session.finished_at.unwrap_or_else(now);
    let session = &loaded.session;
    let page = DonePage {
        ctx,
        session_id: id,
        owner,
        interview: session.mode == Mode::Interview,
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
        time_taken: elapsed_text(end - session.started_at),
        rows,
        ratings: Rating::ALL,
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
    let shared = super::extract::flag(&form.shared, "shared")?;
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

async fn flag(
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
        return Err(AppError::BadRequest(format!(
            "Describe the problem in 1 to {MAX_REPORT_CHARS} characters."
        )));
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
