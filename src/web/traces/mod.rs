//! "My traces": the OTLP/HTTP receiver ([`otlp_http`]), the member's ingest
//! tokens and the list of their received traces ([`pages`]) with a search
//! form and a duration scatter plot ([`search`]), each trace opening in the
//! same viewer as uploads.

pub mod otlp_http;
mod pages;
pub mod search;
mod share;

pub use pages::duration;

use axum::Router;
use axum::routing::{get, post};

use crate::web::AppState;

/// The pages under `/traces` (login required; forms CSRF-protected).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/traces", get(pages::list))
        .route("/traces/tokens", post(pages::create_token))
        .route("/traces/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/traces/{trace_id}", get(pages::view))
        .route("/traces/{trace_id}/delete", post(pages::delete))
        .route("/traces/{trace_id}/share", post(share::toggle))
        .route("/group/traces/{row_id}", get(share::view))
        .route("/traces/{trace_id}/{file}", get(pages::download))
}
