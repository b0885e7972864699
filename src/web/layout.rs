//! What every page's layout needs: the [`Ctx`] extractor and rendering.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;

use crate::clock::TimeZone;
use crate::web::AppError;
use crate::web::guards::csrf::CsrfToken;
use crate::web::guards::session::{MaybeMember, Member};

/// Per-request context shown by the base layout: who is logged in, and the
/// CSRF token every form must carry.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    /// The app's version, shown in the footer.
    pub version: &'static str,
    /// The logged-in member, if any.
    pub user: Option<Member>,
    /// Value for the hidden `csrf` field of forms.
    pub csrf: String,
}

impl Ctx {
    /// A context for a visitor nobody has identified yet: no member, no token.
    pub fn new() -> Ctx {
        Ctx {
            version: env!("CARGO_PKG_VERSION"),
            ..Ctx::default()
        }
    }

    /// The content-hashed URL of a static asset, e.g. `ctx.asset("style.css")`.
    pub fn asset(&self, path: &str) -> String {
        crate::web::assets::url(path)
    }

    /// Whether the logged-in member is an admin.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_admin)
    }

    /// The zone this page shows dates in: the member's, else UTC.
    pub fn time_zone(&self) -> TimeZone {
        self.user
            .as_ref()
            .map_or(TimeZone::UTC, |u| u.time_zone.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            version: env!("CARGO_PKG_VERSION"),
            user: MaybeMember::from_request_parts(parts, state).await?.0,
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
        })
    }
}

/// Renders a template into an HTML response.
pub fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(template.render()?))
}
