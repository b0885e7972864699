//! The study group page: who is in it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use super::layout::{Ctx, render};
use super::session::Member;
use super::{AppError, AppState, fmt};
use crate::store::users;

/// Routes `/group`.
pub fn router() -> Router<AppState> {
    Router::new().route("/group", get(show))
}

struct GroupMember {
    display_name: String,
    username: String,
    joined: String,
    is_admin: bool,
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    ctx: Ctx,
    members: Vec<GroupMember>,
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    _member: Member,
) -> Result<Html<String>, AppError> {
    let members = state.store.call(|c| users::list(c)).await?;
    render(&GroupPage {
        ctx,
        members: members
            .into_iter()
            .map(|u| GroupMember {
                display_name: u.display_name,
                username: u.username,
                joined: fmt::date(u.created_at),
                is_admin: u.is_admin,
            })
            .collect(),
    })
}
