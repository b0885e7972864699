//! What every page's layout needs: the [`Ctx`] extractor and rendering.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;

use super::{AppError, AppState};

/// Per-request context shown by the base layout (navigation state).
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    /// Cache-busting version appended to asset URLs.
    pub version: &'static str,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(
        _parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            version: env!("CARGO_PKG_VERSION"),
        })
    }
}

/// Renders a template into an HTML response.
pub fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(template.render()?))
}
