//! Notes: the trash, sharing with the group, the history of versions and
//! full-text search.

use crate::web::guards::extract::{Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::budget::Kind;
use crate::clock::{self, now};
use crate::notes::render::{CleanHtml, highlight};
use crate::notes::{self, TRASH_DAYS};
use crate::store::notes as store;
use crate::web::guards::extract::{Form, flag};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::notes::read::{NoteRow, note_id, rows};
use crate::web::{AppError, AppState};

/// Most search results shown.
const MAX_HITS: i64 = 50;

/// Routes for the trash, sharing, history and search.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notes/trash", get(trash))
        .route("/notes/search", get(search))
        .route("/notes/{id}/delete", post(delete))
        .route("/notes/{id}/restore", post(restore))
        .route("/notes/{id}/purge", post(purge))
        .route("/notes/{id}/share", post(share))
        .route("/notes/{id}/history", get(history))
        .route("/notes/{id}/history/{rev}", get(revision))
        .route("/notes/{id}/history/{rev}/restore", post(restore_revision))
}

struct TrashRow {
    id: i64,
    title: String,
    deleted: String,
    until: String,
}

#[derive(Template)]
#[template(path = "notes_trash.html")]
struct TrashPage {
    ctx: Ctx,
    notes: Vec<TrashRow>,
}

async fn trash(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
) -> Result<Response, AppError> {
    let owner = member.id;
    let found = state
        .store
        .call(move |c| {
            store::purge_expired(c, now())?;
            store::trash(c, owner)
        })
        .await?;
    let notes = found
        .into_iter()
        .filter_map(|n| {
            let deleted = n.deleted_at?;
            Some(TrashRow {
                id: n.id,
                title: n.title,
                deleted: clock::date_time(deleted, &member.time_zone),
                until: clock::date_time(deleted + TRASH_DAYS * 86_400, &member.time_zone),
            })
        })
        .collect();
    Ok(render(&TrashPage { ctx, notes })?.into_response())
}

/// Runs a change on the owner's note and redirects; 404 when it did not apply.
async fn change(
    state: &AppState,
    member: &Member,
    raw: &str,
    f: fn(&rusqlite::Connection, i64, i64) -> anyhow::Result<bool>,
    to: impl FnOnce(i64) -> String,
) -> Result<Response, AppError> {
    let (id, owner) = (note_id(raw)?, member.id);
    if !state.store.call(move |c| f(c, owner, id)).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&to(id)).into_response())
}

async fn delete(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let trash = |c: &rusqlite::Connection, owner, id| store::move_to_trash(c, owner, id, now());
    change(&state, &member, &raw, trash, |_| {
        "/notes?done=trashed".into()
    })
    .await
}

async fn restore(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    change(&state, &member, &raw, store::restore, |id| {
        format!("/notes/{id}?done=restored")
    })
    .await
}

async fn purge(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    change(&state, &member, &raw, store::purge, |_| {
        "/notes?done=purged".into()
    })
    .await
}

#[derive(Deserialize)]
struct ShareForm {
    shared: String,
}

async fn share(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    Form(form): Form<ShareForm>,
) -> Result<Response, AppError> {
    let on = flag(&form.shared, "shared")?;
    let (id, owner) = (note_id(&raw)?, member.id);
    if !state
        .store
        .call(move |c| store::set_shared(c, owner, id, on))
        .await?
    {
        return Err(AppError::NotFound);
    }
    let done = if on { "shared" } else { "unshared" };
    Ok(Redirect::to(&format!("/notes/{id}?done={done}")).into_response())
}

struct RevisionRow {
    id: i64,
    title: String,
    size: String,
    saved: String,
}

#[derive(Template)]
#[template(path = "notes_history.html")]
struct HistoryPage {
    ctx: Ctx,
    id: i64,
    title: String,
    updated: String,
    revisions: Vec<RevisionRow>,
}

async fn history(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let (id, owner) = (note_id(&raw)?, member.id);
    let found = state
        .store
        .call(move |c| {
            let Some(revs) = store::revisions(c, owner, id)? else {
                return Ok(None);
            };
            Ok(store::get_owned(c, owner, id)?.map(|n| (n, revs)))
        })
        .await?;
    let (note, revs) = found.ok_or(AppError::NotFound)?;
    let page = HistoryPage {
        ctx,
        id,
        title: note.title,
        updated: clock::date_time(note.updated_at, &member.time_zone),
        revisions: revs
            .into_iter()
            .map(|r| RevisionRow {
                id: r.id,
                title: r.title,
                size: if r.bytes == 1 {
                    "1 byte".to_string()
                } else if r.bytes < 1024 {
                    format!("{} bytes", r.bytes)
                } else {
                    format!("{:.1} KiB", r.bytes as f64 / 1024.0)
                },
                saved: clock::date_time(r.saved_at, &member.time_zone),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "notes_revision.html")]
struct RevisionPage {
    ctx: Ctx,
    id: i64,
    rev: i64,
    title: String,
    tags: Vec<String>,
    saved: String,
    html: CleanHtml,
    body: String,
}

async fn revision(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path((raw, raw_rev)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (id, rev, owner) = (note_id(&raw)?, note_id(&raw_rev)?, member.id);
    let found = state
        .store
        .call(move |c| store::revision(c, owner, id, rev))
        .await?
        .ok_or(AppError::NotFound)?;
    let (html, body) = super::render_markdown(&state, owner, found.body).await?;
    let page = RevisionPage {
        ctx,
        id,
        rev,
        html,
        title: found.title,
        tags: found.tags,
        saved: clock::date_time(found.saved_at, &member.time_zone),
        body,
    };
    Ok(render(&page)?.into_response())
}

async fn restore_revision(
    State(state): State<AppState>,
    member: Member,
    Path((raw, raw_rev)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (id, rev, owner) = (note_id(&raw)?, note_id(&raw_rev)?, member.id);
    let quota = state.config.notes_quota;
    let restored = state
        .store
        .call(move |c| {
            // The current text becomes a kept version: that is what it adds.
            let Some(note) = store::get_owned(c, owner, id)? else {
                return Ok(Ok(false));
            };
            let adding = (note.title.len() + note.body.len() + note.tags.join(" ").len()) as u64;
            if let Err(over) = quota.check(store::used_bytes(c, owner)?, adding) {
                return Ok(Err(over));
            }
            let done = store::restore_revision(c, owner, id, rev, now())?;
            store::prune_revisions(c, id, quota.revisions_per_note)?;
            Ok(Ok(done))
        })
        .await?
        .map_err(|over| AppError::BadRequest(over.message()))?;
    if !restored {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/notes/{id}?done=reverted")).into_response())
}

struct HitRow {
    id: i64,
    title: CleanHtml,
    snippet: CleanHtml,
    tags: Vec<String>,
    updated: String,
}

#[derive(Template)]
#[template(path = "notes_search.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    hits: Option<Vec<HitRow>>,
    error: Option<String>,
    recent: Vec<NoteRow>,
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn search(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let owner = member.id;
    let mut page = SearchPage {
        ctx,
        q: query.q.clone(),
        hits: None,
        error: None,
        recent: Vec::new(),
    };
    let fts = match notes::fts_query(&query.q) {
        Ok(Some(fts)) => fts,
        Ok(None) => {
            let recent = state
                .store
                .call(move |c| store::list(c, owner, None))
                .await?;
            page.recent = rows(
                &state.content,
                recent.into_iter().take(10).collect(),
                &member.time_zone,
            );
            return Ok(render(&page)?.into_response());
        }
        Err(msg) => {
            page.error = Some(msg);
            return Ok(render(&page)?.into_response());
        }
    };
    let db = state.store.clone();
    match state
        .budget
        .run(Kind::Search, &format!("member:{owner}"), None, move || {
            db.call_interruptible(|c| store::search(c, owner, &fts, MAX_HITS))
        })
        .await??
    {
        Ok(hits) => {
            page.hits = Some(
                hits.into_iter()
                    .map(|h| HitRow {
                        id: h.id,
                        title: highlight(&h.title),
                        snippet: highlight(&h.snippet),
                        tags: h.tags,
                        updated: clock::date_time(h.updated_at, &member.time_zone),
                    })
                    .collect(),
            )
        }
        Err(msg) => page.error = Some(msg),
    }
    Ok(render(&page)?.into_response())
}
