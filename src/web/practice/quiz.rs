//! Running a session: `/practice/s/{id}` resumes at the first position
//! still waiting; each question is shown, answered and graded in turn, and
//! open answers are then rated by the member. Storing an answer or a rating
//! is one store call ([`crate::store::practice::answer`],
//! [`crate::store::practice::rate`]); whether it finishes the session is
//! decided by [`crate::practice::finish`]. The summary, sharing and question
//! reports are in [`crate::web::practice::summary`].

use std::sync::Arc;

use crate::web::guards::extract::Path;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::clock::now;
use crate::content::{Question, QuestionKind};
use crate::practice::finish::{self, Slot, first_pending};
use crate::practice::fsrs::Rating;
use crate::practice::grading::{GradeError, grade_choice, grade_selection, rating_for};
use crate::sim::GeneratorVersion;
use crate::store::practice::{self, Attempt, Mode, NewAttempt, NewRating, Session};
use crate::web::guards::extract::{Form, MultiValueForm};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::practice::quiz_view::{
    Ask, ResultPage, chosen_options, lesson_links, make_puzzle, options, puzzle_options,
    puzzle_seed, question_page, stored_puzzle,
};
use crate::web::{AppError, AppState};

/// Longest free-text answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 20_000;

/// Routes that run a session: `/practice/s/{id}` and its questions.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/practice/s/{id}", get(resume))
        .route("/practice/s/{id}/q/{pos}", get(show).post(answer))
        .route("/practice/s/{id}/q/{pos}/rate", post(rate))
}

/// A session with its attempts.
pub(super) struct Loaded {
    pub(super) session: Session,
    pub(super) attempts: Vec<Attempt>,
}

impl Loaded {
    /// The attempt at `pos`, if answered.
    pub(super) fn attempt(&self, pos: usize) -> Option<&Attempt> {
        self.attempts.iter().find(|a| a.position == pos as i64)
    }

    /// Where each position stands: answered, waiting for a self-rating, or
    /// not answered (interviews ask no rating before the summary).
    pub(super) fn slots(&self, state: &AppState) -> Vec<Slot> {
        (0..self.session.question_ids.len())
            .map(|pos| match self.attempt(pos) {
                None => Slot::Unanswered,
                Some(a)
                    if self.session.mode != Mode::Interview
                        && a.rating.is_none()
                        && state
                            .content
                            .question(&a.question_id)
                            .is_some_and(|q| q.kind == QuestionKind::Open) =>
                {
                    Slot::AwaitingRating
                }
                Some(_) => Slot::Done,
            })
            .collect()
    }

    /// The first position still waiting for an answer or a self-rating.
    pub(super) fn pending(&self, state: &AppState) -> Option<usize> {
        first_pending(&self.slots(state))
    }
}

/// Loads session `id` for `viewer` (or a shared one when `allow_shared`); 404 otherwise.
pub(super) async fn load(
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
        let page = question_page(Ask {
            ctx,
            loaded: &loaded,
            pos,
            q,
            puzzle,
            answer: String::new(),
            error: None,
        });
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
        QuestionKind::Sim => stored_puzzle(&state, &q, attempt.seed, attempt.generator),
        _ => None,
    };
    // A simulator attempt whose trace this build cannot draw again (a
    // generator version from a newer build, after a downgrade, or a seed
    // that no longer makes a puzzle) still shows its answer and grade.
    let unavailable = (q.kind == QuestionKind::Sim && puzzle.is_none()).then(|| {
        tracing::warn!(
            question = %q.id,
            seed = ?attempt.seed,
            generator = attempt.generator,
            "cannot redraw a simulator attempt's trace"
        );
        match GeneratorVersion::from_number(attempt.generator) {
            None => format!(
                "This attempt's trace was drawn by simulator generator version {}, which this \
                 version of spandojo does not have (a newer one recorded it). Your answer and its \
                 grade are kept; the trace and its options show again with that version.",
                attempt.generator
            ),
            Some(_) => "This attempt's trace can no longer be drawn from its seed with the \
                        current content. Your answer and its grade are kept."
                .to_string(),
        }
    });
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
        unavailable,
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

/// What the member answered and how it was graded.
struct Outcome {
    answer: String,
    correct: Option<bool>,
    rating: Option<Rating>,
    /// The puzzle seed, for simulator questions.
    seed: Option<i64>,
}

/// Stores the answer at `pos` with its card and, when it is the last one
/// needed, the session's end (one transaction). Returns false for a double
/// submit.
async fn save_attempt(
    state: &AppState,
    member: &Member,
    loaded: &Loaded,
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
    let session = &loaded.session;
    let (user, session_id, question_id, level) =
        (member.id, session.id, q.id.clone(), q.level.as_str());
    let finish = finish::on_answer(
        &loaded.slots(state),
        pos,
        rating.is_some(),
        session.mode == Mode::Interview,
    );
    Ok(state
        .store
        .call(move |c| {
            let new = NewAttempt {
                user_id: user,
                session_id,
                position: pos as i64,
                question_id: &question_id,
                level,
                answer: &answer,
                correct,
                rating,
                seed,
                generator: i64::from(crate::sim::GeneratorVersion::CURRENT.number()),
                now: now(),
            };
            practice::answer(c, &new, finish)
        })
        .await?)
}

async fn answer(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path((id, pos)): Path<(i64, usize)>,
    MultiValueForm(form): MultiValueForm<AnswerForm>,
) -> Result<Response, AppError> {
    let loaded = load(&state, member.id, id, false).await?;
    let q = question_at(&state, &loaded, pos)?;
    if loaded.attempt(pos).is_some() {
        return Ok(Redirect::to(&position_url(id, pos)).into_response());
    }
    let outcome = match q.kind {
        QuestionKind::Choice | QuestionKind::Sim => {
            let selected = selected_options(&form.choice)?;
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
                    let page = question_page(Ask {
                        ctx,
                        loaded: &loaded,
                        pos,
                        q,
                        puzzle: puzzle.map(|p| p.1),
                        answer: String::new(),
                        error: Some(e.message()),
                    });
                    return Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response());
                }
                Err(e) => return Err(AppError::BadRequest(e.message())),
            };
            Outcome {
                answer: serde_json::to_string(&grade.selected)?,
                correct: Some(grade.correct),
                rating: Some(rating_for(grade.correct)),
                seed: puzzle.map(|(seed, _)| seed as i64),
            }
        }
        QuestionKind::Open => {
            let text = form.answer.replace("\r\n", "\n");
            if text.chars().count() > MAX_ANSWER_CHARS {
                let msg = format!(
                    "Answers are limited to {MAX_ANSWER_CHARS} characters; shorten yours and submit again."
                );
                let page = question_page(Ask {
                    ctx,
                    loaded: &loaded,
                    pos,
                    q,
                    puzzle: None,
                    answer: text,
                    error: Some(msg),
                });
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
    save_attempt(&state, &member, &loaded, pos, &q, outcome).await?;
    let to = if loaded.session.mode == Mode::Interview {
        format!("/practice/s/{id}")
    } else {
        position_url(id, pos)
    };
    Ok(Redirect::to(&to).into_response())
}

/// An answer: the ticked options (`choice`, repeated) or an open answer's text.
#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    choice: Vec<String>,
    #[serde(default)]
    answer: String,
}

/// The option numbers in a form's `choice` fields.
fn selected_options(choices: &[String]) -> Result<Vec<usize>, AppError> {
    choices
        .iter()
        .map(|v| {
            v.parse::<usize>().map_err(|_| {
                AppError::BadRequest(format!(
                    "“{}” is not an option number.",
                    v.chars().take(20).collect::<String>()
                ))
            })
        })
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
        let finish = finish::on_rating(
            loaded.session.finished_at.is_some(),
            &loaded.slots(&state),
            pos,
        );
        state
            .store
            .call(move |c| {
                let new = NewRating {
                    user_id: user,
                    session_id: id,
                    position: pos as i64,
                    question_id: &question_id,
                    rating,
                    now: now(),
                };
                practice::rate(c, &new, finish)
            })
            .await?;
    }
    let to = match form.back.as_deref() {
        Some("done") => crate::web::practice::peer::answer_url(id, pos as i64),
        _ => format!("/practice/s/{id}"),
    };
    Ok(Redirect::to(&to).into_response())
}
