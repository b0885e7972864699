//! The study group page: who is in it, and the notes they share.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use super::layout::{Ctx, render};
use super::session::Member;
use super::{AppError, AppState, fmt};
use crate::store::{notes, users};

/// Most shared notes listed on the group page.
const MAX_SHARED_NOTES: i64 = 200;

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

/// A note a member shared with the group.
struct SharedRow {
    id: i64,
    title: String,
    author: String,
    tags: Vec<String>,
    updated: String,
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    ctx: Ctx,
    members: Vec<GroupMember>,
    shared: Vec<SharedRow>,
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    _member: Member,
) -> Result<Html<String>, AppError> {
    let (members, shared) = state
        .store
        .call(|c| {
            Ok((
                users::list(c)?,
                notes::shared_with_group(c, MAX_SHARED_NOTES)?,
            ))
        })
        .await?;
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
        shared: shared
            .into_iter()
            .map(|n| SharedRow {
                id: n.id,
                title: n.title,
                author: n.author,
                tags: n.tags,
                updated: fmt::date_time(n.updated_at),
            })
            .collect(),
    })
}
