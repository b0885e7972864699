//! The lesson library: `/lessons` and `/lessons/{slug}`.

use std::sync::Arc;

use crate::web::guards::extract::Path;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::content::{Lesson, Level, Question};
use crate::web::guards::session::MaybeMember;
use crate::web::layout::{Ctx, render};
use crate::web::{AppError, AppState};

/// Routes under `/lessons`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lessons", get(index))
        .route("/lessons/{slug}", get(show))
}

#[derive(Template)]
#[template(path = "lessons.html")]
struct IndexPage {
    ctx: Ctx,
    lessons: Vec<Arc<Lesson>>,
    total_minutes: usize,
}

async fn index(ctx: Ctx, State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let lessons = state.content.lessons.clone();
    let total_minutes = lessons.iter().map(|l| l.reading_minutes).sum();
    render(&IndexPage {
        ctx,
        lessons,
        total_minutes,
    })
}

#[derive(Template)]
#[template(path = "lesson.html")]
struct LessonPage {
    ctx: Ctx,
    lesson: Arc<Lesson>,
    prev: Option<Arc<Lesson>>,
    next: Option<Arc<Lesson>>,
    /// The questions that list this lesson, grouped by level (rising).
    questions: Vec<(Level, Vec<Arc<Question>>)>,
    /// The member's notes on this lesson (id, title, last edit); `None`
    /// when nobody is logged in.
    my_notes: Option<Vec<(i64, String, String)>>,
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    MaybeMember(member): MaybeMember,
    Path(slug): Path<String>,
) -> Result<Html<String>, AppError> {
    let content = &state.content;
    let lesson = content.lesson(&slug).ok_or(AppError::NotFound)?.clone();
    let my_notes = match member {
        Some(m) => {
            let (key, zone) = (slug.clone(), m.time_zone.clone());
            let notes = state
                .store
                .call(move |c| crate::store::notes::notes_for_lesson(c, m.id, &key))
                .await?;
            let rows = notes
                .into_iter()
                .map(|n| (n.id, n.title, crate::clock::date_time(n.updated_at, &zone)));
            Some(rows.collect())
        }
        None => None,
    };
    let (prev, next) = content.neighbours(&slug);
    render(&LessonPage {
        ctx,
        prev: prev.cloned(),
        next: next.cloned(),
        questions: by_level(content.questions_for_lesson(&slug)),
        lesson,
        my_notes,
    })
}

/// Groups questions by level, in rising level order, keeping their order
/// within a level; levels without questions are left out.
fn by_level<'a>(
    questions: impl Iterator<Item = &'a Arc<Question>>,
) -> Vec<(Level, Vec<Arc<Question>>)> {
    let mut groups: Vec<(Level, Vec<Arc<Question>>)> =
        Level::ALL.iter().map(|&l| (l, Vec::new())).collect();
    for q in questions {
        if let Some((_, list)) = groups.iter_mut().find(|(l, _)| *l == q.level) {
            list.push(q.clone());
        }
    }
    groups.retain(|(_, list)| !list.is_empty());
    groups
}
