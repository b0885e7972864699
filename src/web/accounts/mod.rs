//! Accounts and the study group: setup, joining, login ([`auth`]), a
//! member's own account ([`account`]), the admin pages ([`admin`]) and the
//! group page ([`group`]); the account and admin pages share their
//! message line ([`notice`]).

use axum::Router;

use crate::web::AppState;

pub mod account;
pub mod admin;
pub mod auth;
pub mod group;
pub mod notice;

/// The accounts area's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(group::router())
}
