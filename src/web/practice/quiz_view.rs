//! View helpers for the session runner: option lists, simulator puzzles,
//! lesson links, and the question and result pages.

use std::sync::Arc;

use askama::Template;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::clock::now;
use crate::content::Question;
use crate::practice::fsrs::Rating;
use crate::practice::puzzles::{self, Exhibit, Puzzle};
use crate::store::practice::Mode;
use crate::web::layout::Ctx;
use crate::web::practice::quiz::Loaded;
use crate::web::{AppError, AppState};

/// One option as displayed.
pub struct OptionView {
    pub index: usize,
    pub text_html: String,
    pub why_html: String,
    pub correct: bool,
    pub chosen: bool,
}

/// Display order of a choice question's options: shuffled, but stable for
/// this session and position.
fn option_order(session_id: i64, pos: usize, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let seed = (session_id as u64)
        .wrapping_mul(1_000_003)
        .wrapping_add(pos as u64);
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order
}

pub fn options(q: &Question, session_id: i64, pos: usize, chosen: &[usize]) -> Vec<OptionView> {
    option_order(session_id, pos, q.choices.len())
        .into_iter()
        .filter_map(|i| {
            q.choices.get(i).map(|c| OptionView {
                index: i,
                text_html: c.text_html.clone(),
                why_html: c.why_html.clone(),
                correct: c.correct,
                chosen: chosen.contains(&i),
            })
        })
        .collect()
}

pub fn chosen_options(answer: &str) -> Vec<usize> {
    serde_json::from_str(answer).unwrap_or_default()
}

pub struct LessonLink {
    pub slug: String,
    pub title: String,
}

pub fn lesson_links(state: &AppState, q: &Question) -> Vec<LessonLink> {
    q.lessons
        .iter()
        .filter_map(|s| state.content.lesson(s))
        .map(|l| LessonLink {
            slug: l.slug.clone(),
            title: l.title.clone(),
        })
        .collect()
}

/// Minutes and seconds, `m:ss`.
pub fn elapsed_text(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

/// The base seed of the puzzle at `pos` of a session.
pub fn puzzle_seed(session_id: i64, pos: usize) -> u64 {
    (session_id as u64)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(pos as u64 * 7919)
}

/// The puzzle for a sim question, trying a few seeds from `base`; returns the seed used.
pub fn make_puzzle(state: &AppState, q: &Question, base: u64) -> Result<(u64, Puzzle), AppError> {
    let spec = q.puzzle.as_ref().ok_or(AppError::NotFound)?;
    let mut last = String::new();
    for k in 0..8u64 {
        let seed = base.wrapping_add(k.wrapping_mul(104_729));
        match puzzles::generate(spec, &state.content.scenarios, seed) {
            Ok(p) => return Ok((seed, p)),
            Err(e) => last = e.0,
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "question {}: no puzzle near seed {base}: {last}",
        q.id
    )))
}

/// The puzzle of a stored attempt (exactly its seed, drawn by the
/// generator version it was first drawn with).
pub fn stored_puzzle(
    state: &AppState,
    q: &Question,
    seed: Option<i64>,
    generator: i64,
) -> Option<Puzzle> {
    let spec = q.puzzle.as_ref()?;
    let version = crate::sim::GeneratorVersion::from_number(generator)?;
    puzzles::generate_versioned(spec, &state.content.scenarios, seed? as u64, version).ok()
}

/// A puzzle's options as displayed (already shuffled by the generator).
pub fn puzzle_options(p: &Puzzle, chosen: &[usize]) -> Vec<OptionView> {
    p.options
        .iter()
        .enumerate()
        .map(|(i, text)| OptionView {
            index: i,
            text_html: escape(text),
            why_html: String::new(),
            correct: p.correct.contains(&i),
            chosen: chosen.contains(&i),
        })
        .collect()
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    crate::web::render::esc(text)
}

/// A question waiting for its answer.
#[derive(Template)]
#[template(path = "quiz_question.html")]
pub(super) struct QuestionPage {
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

/// An answered question: the grade, the key, and the self-rating of an open answer.
#[derive(Template)]
#[template(path = "quiz_result.html")]
pub(super) struct ResultPage {
    pub(super) ctx: Ctx,
    pub(super) session_id: i64,
    pub(super) pos: usize,
    pub(super) total: usize,
    pub(super) q: Arc<Question>,
    pub(super) options: Vec<OptionView>,
    pub(super) puzzle: Option<Puzzle>,
    /// Why a simulator attempt's trace is not shown, when it cannot be
    /// drawn again.
    pub(super) unavailable: Option<String>,
    pub(super) correct: Option<bool>,
    pub(super) answer: String,
    pub(super) rating: Option<&'static str>,
    pub(super) ratings: [Rating; 4],
    pub(super) lessons: Vec<LessonLink>,
    pub(super) next_url: String,
    /// The member's notes on this question: (id, title).
    pub(super) my_notes: Vec<(i64, String)>,
}

/// What a question page shows: the question at `pos` of a session, and,
/// when it comes back after a refused answer, what was typed and why it was
/// refused (no option is ticked then).
pub(super) struct Ask<'a> {
    pub(super) ctx: Ctx,
    pub(super) loaded: &'a Loaded,
    pub(super) pos: usize,
    pub(super) q: Arc<Question>,
    /// The puzzle of a simulator question.
    pub(super) puzzle: Option<Puzzle>,
    /// The open answer typed so far.
    pub(super) answer: String,
    pub(super) error: Option<String>,
}

/// The question page for `ask`: the options in this session's order (or
/// the puzzle's), none ticked, and the time since the session started.
pub(super) fn question_page(ask: Ask) -> QuestionPage {
    let Ask {
        ctx,
        loaded,
        pos,
        q,
        puzzle,
        answer,
        error,
    } = ask;
    let session = &loaded.session;
    let (options, multi) = match &puzzle {
        Some(p) => (puzzle_options(p, &[]), p.multi),
        None => (
            options(&q, session.id, pos, &[]),
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

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(
            super::escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
