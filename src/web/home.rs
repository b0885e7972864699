//! The home page and the health check.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::content::{Lesson, Level};
use crate::web::layout::{Ctx, render};
use crate::web::{AppError, AppState};

/// Routes `/` and `/healthz`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
}

struct LevelCard {
    label: &'static str,
    slug: &'static str,
    questions: usize,
    blurb: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    levels: Vec<LevelCard>,
    first: Option<Arc<Lesson>>,
    lesson_count: usize,
}

async fn home(ctx: Ctx, State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let counts = state.content.counts();
    let levels = Level::ALL
        .iter()
        .map(|&level| LevelCard {
            label: level.label(),
            slug: level.as_str(),
            questions: counts.questions.get(level.as_str()).copied().unwrap_or(0),
            blurb: match level {
                Level::Beginner => "Traces, spans, ids: the words you need to read any trace.",
                Level::Intermediate => "Propagation, span trees, head and tail sampling.",
                Level::Senior => "Retries, timeouts, async work, logs and metrics beside traces.",
                Level::Architect => "Collector pipelines, conventions, and tracing 500+ services.",
            },
        })
        .collect();
    render(&HomePage {
        ctx,
        levels,
        first: state.content.lessons.first().cloned(),
        lesson_count: state.content.lessons.len(),
    })
}

/// `ok`, or a 503 with the reason when the database cannot be read or
/// written ([`crate::store::Store::health`]: one row rewritten, at most once
/// per [`crate::store::HEALTH_TTL`] however many probes come).
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.health().await {
        Ok(()) => "ok".into_response(),
        Err(reason) => {
            tracing::warn!(%reason, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ok: {reason}\n"),
            )
                .into_response()
        }
    }
}
