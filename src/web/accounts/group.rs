//! The study group page: members, their progress per level, streaks, a
//! weekly leaderboard, shared interviews and shared notes.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::clock::{self, now};
use crate::content::Level;
use crate::practice::stats::{LevelProgress, Streaks, daily_counts, streaks};
use crate::store::practice::SharedSession;
use crate::store::progress::{self, WeekRow};
use crate::store::traces::share;
use crate::store::{notes, practice, users};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::practice::tally::Tally;
use crate::web::{AppError, AppState};

/// Most shared notes listed on the group page.
const MAX_SHARED_NOTES: i64 = 200;

/// Days the weekly leaderboard counts: today and the six before, in the
/// viewer's time zone.
const LEADERBOARD_DAYS: i64 = 7;

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

/// A received trace a member shared with the group.
struct SharedTraceRow {
    row_id: i64,
    root: String,
    author: String,
    spans: u64,
    duration: String,
    shared: String,
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
    traces: Vec<SharedTraceRow>,
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
) -> Result<Html<String>, AppError> {
    let zone = member.time_zone;
    let since = clock::day_start(
        clock::local_day(now(), &zone) - (LEADERBOARD_DAYS - 1),
        &zone,
    );
    let (members, records, cards, times, leaderboard, shared, (shared_notes, shared_traces)) =
        state
            .store
            .call(move |c| {
                Ok((
                    users::list(c)?,
                    progress::all_records(c)?,
                    progress::stabilities(c)?,
                    progress::answer_times(c, None)?,
                    progress::leaderboard(c, since)?,
                    practice::shared_sessions(c, 20)?,
                    (
                        notes::shared_with_group(c, MAX_SHARED_NOTES)?,
                        share::shared_with_group(c, 20)?,
                    ),
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
    let now = now();
    let members = members
        .into_iter()
        .map(|u| {
            // Each member's streak counts their own days, in their own zone.
            let their_zone = clock::time_zone_or_utc(&u.time_zone);
            let their_times = times.iter().filter(|(id, _)| *id == u.id).map(|(_, t)| *t);
            let days: Vec<i64> = daily_counts(their_times, &their_zone)
                .iter()
                .map(|(d, _)| *d)
                .collect();
            GroupMember {
                levels: Level::ALL.iter().map(|&l| tally.get(u.id, l)).collect(),
                streaks: streaks(&days, clock::local_day(now, &their_zone)),
                display_name: u.display_name,
                username: u.username,
                joined: clock::date(u.created_at, &zone),
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
                .map(|t| clock::date(t, &zone))
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
                updated: clock::date_time(n.updated_at, &zone),
            })
            .collect(),
        traces: shared_traces
            .into_iter()
            .map(|t| SharedTraceRow {
                row_id: t.row_id,
                root: t.root.unwrap_or_else(|| "(root not received)".into()),
                author: t.author,
                spans: t.spans,
                duration: crate::web::traces::duration(t.duration_ns),
                shared: clock::date_time(t.shared_at, &zone),
            })
            .collect(),
    })
}
