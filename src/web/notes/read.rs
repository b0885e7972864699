//! Personal learning notes: the list and reading a note. The editor is in
//! [`edit`](crate::web::notes::edit); trash, sharing, history and search in
//! [`manage`](crate::web::notes::manage); export and import in
//! [`io`](crate::web::notes::io).

use crate::web::guards::extract::{Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::clock::{self, TimeZone, now};
use crate::content::Content;
use crate::notes::render::CleanHtml;
use crate::notes::{self, TRASH_DAYS};
use crate::store::notes::{self as store, Summary};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::notes::{edit as notes_edit, io as notes_io, manage as notes_manage};
use crate::web::{AppError, AppState};

/// Routes under `/notes`, except the import: it has its own body limit, so
/// `web::router` merges [`notes_io::import_router`] after the default one.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notes", get(list))
        .route("/notes/{id}", get(show))
        .merge(notes_edit::router())
        .merge(notes_manage::router())
        .merge(notes_io::router())
}

/// A note id from the URL; anything else is a page that does not exist.
pub(super) fn note_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|&id| id > 0)
        .ok_or(AppError::NotFound)
}

/// What a note is attached to, for display.
pub(super) struct Attached {
    pub label: String,
    pub href: Option<String>,
}

/// The lesson or question a note is attached to, if it still exists.
pub(super) fn attached(
    content: &Content,
    lesson: Option<&str>,
    question: Option<&str>,
) -> Option<Attached> {
    if let Some(l) = lesson.and_then(|slug| content.lesson(slug)) {
        return Some(Attached {
            label: format!("Lesson: {}", l.title),
            href: Some(format!("/lessons/{}", l.slug)),
        });
    }
    question
        .and_then(|id| content.question(id))
        .map(|q| Attached {
            label: format!("Question: {}", q.title),
            href: None,
        })
}

/// One note in a list.
pub(super) struct NoteRow {
    pub id: i64,
    pub title: String,
    pub tags: Vec<String>,
    pub attached: Option<Attached>,
    pub shared: bool,
    pub updated: String,
}

/// List rows for `notes`, dated in the reader's `zone`.
pub(super) fn rows(content: &Content, notes: Vec<Summary>, zone: &TimeZone) -> Vec<NoteRow> {
    notes
        .into_iter()
        .map(|n| NoteRow {
            attached: attached(content, n.lesson.as_deref(), n.question.as_deref()),
            id: n.id,
            title: n.title,
            tags: n.tags,
            shared: n.shared,
            updated: clock::date_time(n.updated_at, zone),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "notes_list.html")]
struct ListPage {
    ctx: Ctx,
    notes: Vec<NoteRow>,
    tags: Vec<(String, usize)>,
    tag: Option<String>,
    trash_count: usize,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct ListQuery {
    tag: Option<String>,
    done: Option<String>,
}

async fn list(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let tag = q
        .tag
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    if tag.as_deref().is_some_and(|t| !notes::is_tag(t)) {
        return Err(AppError::BadRequest("That is not a valid tag.".into()));
    }
    let (owner, filter) = (member.id, tag.clone());
    let (found, tags, trash_count) = state
        .store
        .call(move |c| {
            store::purge_expired(c, now())?;
            Ok((
                store::list(c, owner, filter.as_deref())?,
                store::tag_counts(c, owner)?,
                store::trash(c, owner)?.len(),
            ))
        })
        .await?;
    let notice = match q.done.as_deref() {
        Some("trashed") => Some("Moved to the trash. You can restore it from there for 30 days."),
        Some("purged") => Some("Deleted for good."),
        _ => None,
    };
    let page = ListPage {
        notes: rows(&state.content, found, &member.time_zone),
        ctx,
        tags,
        tag,
        trash_count,
        notice,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "notes_view.html")]
struct ViewPage {
    ctx: Ctx,
    id: i64,
    title: String,
    html: CleanHtml,
    tags: Vec<String>,
    attached: Option<Attached>,
    created: String,
    updated: String,
    shared: bool,
    /// The owner's name when a group member reads a shared note.
    author: Option<String>,
    /// Until when a note in the trash can be restored.
    trash_until: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// Renders a note's body off the async workers (counted against the
/// `reader`'s budget share) and caches the result for this revision of the
/// body.
async fn rendered_and_cached(
    state: &AppState,
    reader: i64,
    id: i64,
    body: String,
) -> Result<CleanHtml, AppError> {
    let (html, body) = super::render_markdown(state, reader, body).await?;
    let cached = html.as_str().to_owned();
    state
        .store
        .call(move |c| store::cache_html(c, id, &body, &cached))
        .await?;
    Ok(html)
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let (id, owner) = (note_id(&raw)?, member.id);
    let found = state
        .store
        .call(move |c| {
            let found = match store::get_owned(c, owner, id)? {
                Some(note) => Some((note, None)),
                None => store::get_shared(c, id)?.map(|(n, author)| (n, Some(author))),
            };
            match found {
                Some((note, author)) => Ok(Some((note, author, store::cached_html(c, id)?))),
                None => Ok(None),
            }
        })
        .await?;
    let (note, author, cached) = found.ok_or(AppError::NotFound)?;
    let html = match cached {
        Some(html) => CleanHtml::from_cache(html),
        None => rendered_and_cached(&state, owner, id, note.body.clone()).await?,
    };
    let notice = match q.done.as_deref().filter(|_| author.is_none()) {
        Some("created") => Some("Saved. Later edits keep each earlier version in the history."),
        Some("saved") => Some("Saved. The previous version is in the history."),
        Some("restored") => Some("Restored from the trash."),
        Some("reverted") => Some("That version is back; the text it replaced is in the history."),
        Some("shared") => Some("Shared: your group can now read this note (not edit it)."),
        Some("unshared") => Some("This note is private again."),
        _ => None,
    };
    let page = ViewPage {
        ctx,
        id,
        html,
        attached: attached(
            &state.content,
            note.lesson.as_deref(),
            note.question.as_deref(),
        ),
        created: clock::date_time(note.created_at, &member.time_zone),
        updated: clock::date_time(note.updated_at, &member.time_zone),
        trash_until: note
            .deleted_at
            .map(|d| clock::date_time(d + TRASH_DAYS * 86_400, &member.time_zone)),
        title: note.title,
        tags: note.tags,
        shared: note.shared,
        author,
        notice,
    };
    Ok(render(&page)?.into_response())
}
