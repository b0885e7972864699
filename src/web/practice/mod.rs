//! Practice: starting sessions and reviews ([`start`]), answering them
//! ([`quiz`], [`quiz_view`]), the session summary and interview sharing
//! ([`summary`]), a member's progress ([`progress`]), and practising one
//! question or one lesson's questions ([`one`]), peer comments on shared
//! interviews ([`peer`]).

use axum::Router;

use crate::web::AppState;

pub mod interview;
pub mod one;
pub mod peer;
pub mod progress;
pub mod quiz;
pub mod quiz_view;
pub mod start;
pub mod summary;
pub mod tally;

/// The practice area's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(start::router())
        .merge(interview::router())
        .merge(one::router())
        .merge(quiz::router())
        .merge(summary::router())
        .merge(peer::router())
        .merge(progress::router())
}
