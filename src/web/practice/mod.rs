//! Practice: starting sessions and reviews ([`start`]), answering them
//! ([`quiz`], [`quiz_view`]), the session summary and interview sharing
//! ([`summary`]), and a member's progress ([`progress`]).

use axum::Router;

use crate::web::AppState;

pub mod progress;
pub mod quiz;
pub mod quiz_view;
pub mod start;
pub mod summary;

/// The practice area's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(start::router())
        .merge(quiz::router())
        .merge(summary::router())
        .merge(progress::router())
}
