//! The web layer: one router per area, merged here, one [`AppState`], one
//! [`AppError`]. Handlers only wire requests to `content`, `store` and `sim`.

pub mod accounts;
mod assets;
pub mod download;
pub mod guards;
mod home;
mod layout;
mod lessons;
pub mod notes;
pub mod practice;
pub mod render;
pub mod serve;
pub mod sim;
pub mod traces;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::RequestBodyDeadlineLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::budget::Budget;
use crate::config::Config;
use crate::content::Content;
use crate::store::Store;

pub use guards::error::{AppError, Invalid, blocking};
use guards::{access_log, csrf, host, security, session};
pub use layout::Ctx;

/// Longest time a client may take to send a request body; a client that
/// sends one byte a second is cut off here (tower-http's
/// `RequestBodyDeadlineLayer`).
pub const BODY_READ_DEADLINE: Duration = Duration::from_secs(30);

/// Largest request body of every route but the two below: the default limit.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// One of the two routes that accept larger bodies: importing notes.
pub const IMPORT_PATH: &str = "/notes/import";
/// Largest upload to [`IMPORT_PATH`].
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub content: Arc<Content>,
    pub store: Store,
    /// The budget every heavy task runs in ([`crate::budget`]).
    pub budget: Budget,
    /// The OTLP receiver ([`crate::otlp::receiver`]).
    pub otlp: crate::otlp::receiver::Receiver,
}

/// Loads content, opens the database and builds the whole application.
///
/// Fails with a readable message when content is invalid or the data
/// directory cannot be used.
pub fn build_app(config: Config) -> anyhow::Result<Router> {
    Ok(router(build_state(config)?))
}

/// Loads content and opens the database: everything [`router`] needs.
pub fn build_state(config: Config) -> anyhow::Result<AppState> {
    let content = Content::load(config.content_dir.as_deref())?;
    // An unwritable directory is one sentence, without the context below.
    if config.data_dir.is_dir() {
        crate::store::fault::check_writable(&config.data_dir)?;
    }
    let store = Store::open(&config.database_path()).with_context(|| {
        format!(
            "cannot use the data directory {}",
            config.data_dir.display()
        )
    })?;
    Ok(AppState {
        budget: Budget::new(config.budget.clone()),
        otlp: crate::otlp::receiver::Receiver::new(store.clone(), &config.otlp),
        config: Arc::new(config),
        content: Arc::new(content),
        store,
    })
}

/// When nobody has an account yet, issues a new one-time setup token and
/// returns it (the previous one stops working).
pub fn issue_setup_token(store: &Store) -> anyhow::Result<Option<String>> {
    store.call_blocking(|c| {
        if crate::store::users::count(c)? > 0 {
            return Ok(None);
        }
        let token = crate::accounts::new_token();
        let hash = crate::accounts::token_hash(&token);
        crate::store::users::replace_setup_token(c, &hash, crate::clock::now())?;
        Ok(Some(token))
    })
}

/// The application router for a ready state.
///
/// Request bodies are capped by tower-http's `RequestBodyLimitLayer`: a
/// declared length over the limit is refused before the handler runs, a
/// longer body fails when read, and either way the answer is the readable
/// 413 page ([`security::readable_413`]). Every route gets
/// [`MAX_BODY_BYTES`] except the two merged after that layer, which set
/// their own larger limit on the route.
///
/// OTLP/HTTP's `POST /v1/traces` ([`traces::otlp_http`]) is merged outside
/// all of these layers: it is a machine API with its own body limit,
/// authentication and answers.
pub fn router(state: AppState) -> Router {
    assets::init();
    let otlp = traces::otlp_http::router(state.clone());
    let pages = Router::new()
        .merge(home::router())
        .merge(lessons::router())
        .merge(accounts::router())
        .merge(practice::router())
        .merge(notes::router())
        .merge(sim::router())
        .merge(traces::router())
        .merge(assets::router())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .merge(notes::io::import_router())
        .merge(sim::upload::router())
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(middleware::from_fn(guards::error::with_member))
        .layer(middleware::from_fn(security::private_pages))
        .layer(middleware::from_fn_with_state(state.clone(), session::load))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyDeadlineLayer::new(BODY_READ_DEADLINE))
        .layer(middleware::map_response(security::readable_413))
        .layer(middleware::from_fn_with_state(state.clone(), host::check))
        .layer(middleware::from_fn(security::headers))
        // gzip at its fastest level when the client accepts it. Not brotli:
        // its encoder clears a ring buffer of several megabytes for every
        // response, which under load took a fifth of the async workers' time
        // on pages of 30 KB.
        .layer(
            CompressionLayer::new()
                .no_br()
                .quality(CompressionLevel::Fastest),
        )
        // The access log: method, path and query without secrets.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(access_log::make_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state);
    otlp.merge(pages)
}
