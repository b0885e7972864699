//! `/progress`: a member's own progress, streaks, heatmap and misses.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::clock::{self, now};
use crate::content::{Level, Question};
use crate::practice::stats::{HeatCell, LevelProgress, Streaks, daily_counts, heatmap, streaks};
use crate::store::progress;
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::practice::quiz_view::{LessonLink, lesson_links};
use crate::web::practice::tally::level_progress;
use crate::web::{AppError, AppState};

/// Routes `/progress`.
pub fn router() -> Router<AppState> {
    Router::new().route("/progress", get(show))
}

/// Pixel size of a heatmap square and its gap.
const CELL: u32 = 11;
const GAP: u32 = 2;

struct Square {
    x: u32,
    y: u32,
    level: u8,
    label: String,
}

struct Missed {
    q: Arc<Question>,
    lessons: Vec<LessonLink>,
    wrong: i64,
    attempts: i64,
}

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    ctx: Ctx,
    levels: Vec<(Level, LevelProgress)>,
    streaks: Streaks,
    total_answers: i64,
    active_days: usize,
    squares: Vec<Square>,
    width: u32,
    height: u32,
    cell: u32,
    missed: Vec<Missed>,
}

fn squares(cells: &[HeatCell]) -> Vec<Square> {
    cells
        .iter()
        .map(|c| Square {
            x: c.week * (CELL + GAP),
            y: c.weekday * (CELL + GAP),
            level: c.level,
            label: format!(
                "{}: {} answer{}",
                clock::day_label(c.day),
                c.count,
                if c.count == 1 { "" } else { "s" }
            ),
        })
        .collect()
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
) -> Result<Response, AppError> {
    let user = member.id;
    let mut per_level = level_progress(&state, user).await?;
    let (times, records) = state
        .store
        .call(move |c| {
            Ok((
                progress::answer_times(c, Some(user))?,
                progress::records(c, user)?,
            ))
        })
        .await?;
    let zone = &member.time_zone;
    let today = clock::local_day(now(), zone);
    let counts = daily_counts(times.iter().map(|(_, t)| *t), zone);
    let days: Vec<i64> = counts.iter().map(|(d, _)| *d).collect();
    let cells = heatmap(&counts, today);
    let weeks = cells.iter().map(|c| c.week).max().unwrap_or(0) + 1;
    let mut missed: Vec<Missed> = records
        .iter()
        .filter(|r| r.missed() > 0)
        .filter_map(|r| {
            state.content.question(&r.question_id).map(|q| Missed {
                lessons: lesson_links(&state, q),
                q: q.clone(),
                wrong: r.missed(),
                attempts: r.attempts,
            })
        })
        .collect();
    missed.sort_by(|a, b| b.wrong.cmp(&a.wrong).then_with(|| a.q.id.cmp(&b.q.id)));
    missed.truncate(10);
    let page = ProgressPage {
        ctx,
        levels: Level::ALL
            .iter()
            .map(|&l| (l, per_level.remove(&l).unwrap_or_default()))
            .collect(),
        streaks: streaks(&days, today),
        total_answers: counts.iter().map(|(_, n)| n).sum(),
        active_days: days.len(),
        squares: squares(&cells),
        width: weeks * (CELL + GAP),
        height: 7 * (CELL + GAP),
        cell: CELL,
        missed,
    };
    Ok(render(&page)?.into_response())
}
