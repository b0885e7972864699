//! The web layer: one router per area, merged here, one [`AppState`], one
//! [`AppError`]. Handlers only wire requests to `content`, `store` and `sim`.

mod assets;
mod error;
mod home;
mod layout;
mod lessons;
mod security;

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::content::Content;
use crate::store::Store;

pub use error::AppError;
pub use layout::Ctx;

/// Largest request body accepted by ordinary forms.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub content: Arc<Content>,
    pub store: Store,
}

/// Loads content, opens the database and builds the whole application.
///
/// Fails with a readable message when content is invalid or the data
/// directory cannot be used.
pub fn build_app(config: Config) -> anyhow::Result<Router> {
    let content = Content::load(config.content_dir.as_deref())?;
    let store = Store::open(&config.database_path()).with_context(|| {
        format!(
            "cannot use the data directory {}",
            config.data_dir.display()
        )
    })?;
    let state = AppState {
        config: Arc::new(config),
        content: Arc::new(content),
        store,
    };
    Ok(router(state))
}

/// The application router for a ready state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(home::router())
        .merge(lessons::router())
        .merge(assets::router())
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(security::limit_body))
        .layer(middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
