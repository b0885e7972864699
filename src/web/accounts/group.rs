//! The study group page: members, their progress per level, streaks, a
//! weekly leaderboard, shared interviews and shared notes.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::clock::now;
use crate::content::Level;
use crate::practice::stats::{LevelProgress, Streaks, streaks};
use crate::store::practice::SharedSession;
use crate::store::progress::{self, WeekRow};
use crate::store::{notes, practice, users};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::practice::start::Tally;
use crate::web::{AppError, AppState, fmt};

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
    levels: Vec<LevelProgress>,
    streaks: Streaks,
}

struct SharedRow {
    id: i64,
    display_name: String,
    level: String,
    date: String,
}

/// A note a member shared with the group.
struct SharedNote {
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
    levels: [Level; 4],
    members: Vec<GroupMember>,
    leaderboard: Vec<WeekRow>,
    shared: Vec<SharedRow>,
    notes: Vec<SharedNote>,
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    _member: Member,
) -> Result<Html<String>, AppError> {
    let since = now() - 7 * 86_400;
    let (members, records, cards, activity, leaderboard, shared, shared_notes) = state
        .store
        .call(move |c| {
            Ok((
                users::list(c)?,
                progress::all_records(c)?,
                progress::stabilities(c)?,
                progress::activity(c, None)?,
                progress::leaderboard(c, since)?,
                practice::shared_sessions(c, 20)?,
                notes::shared_with_group(c, MAX_SHARED_NOTES)?,
            ))
        })
        .await?;
    let content = &state.content;
    let tally = Tally::new(
        content,
        &records,
        cards
            .iter()
            .map(|(user, id, stability)| (*user, id.as_str(), *stability)),
    );
    let today = now().div_euclid(86_400);
    let members = members
        .into_iter()
        .map(|u| {
            let days: Vec<i64> = activity
                .iter()
                .filter(|(id, _, _)| *id == u.id)
                .map(|(_, d, _)| *d)
                .collect();
            GroupMember {
                levels: Level::ALL.iter().map(|&l| tally.get(u.id, l)).collect(),
                streaks: streaks(&days, today),
                display_name: u.display_name,
                username: u.username,
                joined: fmt::date(u.created_at),
                is_admin: u.is_admin,
            }
        })
        .collect();
    let shared = shared
        .into_iter()
        .map(|s: SharedSession| SharedRow {
            id: s.id,
            display_name: s.display_name,
            level: s
                .level
                .as_deref()
                .and_then(Level::parse)
                .map(|l| l.label().to_string())
                .unwrap_or_default(),
            date: s
                .finished_at
                .map(fmt::date)
                .unwrap_or_else(|| "in progress".into()),
        })
        .collect();
    render(&GroupPage {
        ctx,
        levels: Level::ALL,
        members,
        leaderboard,
        shared,
        notes: shared_notes
            .into_iter()
            .map(|n| SharedNote {
                id: n.id,
                title: n.title,
                author: n.author,
                tags: n.tags,
                updated: fmt::date_time(n.updated_at),
            })
            .collect(),
    })
}
