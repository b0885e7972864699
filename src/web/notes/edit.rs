//! The note editor: a new note (from the study template or blank, maybe
//! attached to a lesson or question), editing, saving and previewing.

use crate::web::guards::extract::{Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::clock::now;
use crate::content::Content;
use crate::notes::quota::OverQuota;
use crate::notes::render::CleanHtml;
use crate::notes::{self, Draft, STUDY_TEMPLATE};
use crate::store::fault::fault_of;
use crate::store::notes::{self as store, Placement};
use crate::web::guards::error::STORAGE_RETRY_AFTER;
use crate::web::guards::extract::Form;
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::notes::read::note_id;
use crate::web::{AppError, AppState, Invalid};

/// Routes of the editor.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notes", post(create))
        .route("/notes/new", get(new))
        .route("/notes/preview", post(preview))
        .route("/notes/{id}", post(save))
        .route("/notes/{id}/edit", get(edit))
}

/// The editor, for a new note (`id` is `None`) or an existing one.
#[derive(Template)]
#[template(path = "notes_edit.html")]
struct EditPage {
    ctx: Ctx,
    id: Option<i64>,
    title: String,
    body: String,
    tags: String,
    lesson: String,
    question: String,
    question_title: Option<String>,
    shared: bool,
    lessons: Vec<(String, String)>,
    error: Option<String>,
    preview: Option<CleanHtml>,
}

/// The fields of the editor form.
#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    lesson: String,
    #[serde(default)]
    question: String,
    shared: Option<String>,
    #[serde(default)]
    action: String,
}

fn editor(
    ctx: Ctx,
    content: &Content,
    id: Option<i64>,
    form: NoteForm,
    error: Option<String>,
    preview: Option<CleanHtml>,
) -> EditPage {
    EditPage {
        ctx,
        id,
        question_title: content.question(&form.question).map(|q| q.title.clone()),
        lessons: content
            .lessons
            .iter()
            .map(|l| (l.slug.clone(), l.title.clone()))
            .collect(),
        shared: form.shared.is_some(),
        title: form.title,
        body: form.body,
        tags: form.tags,
        lesson: form.lesson,
        question: form.question,
        error,
        preview,
    }
}

/// Checks the attachment against the content; the error is for the form.
fn placement(content: &Content, form: &NoteForm) -> Result<Placement, Invalid> {
    let lesson = Some(form.lesson.trim()).filter(|s| !s.is_empty());
    let question = Some(form.question.trim()).filter(|s| !s.is_empty());
    if lesson.is_some_and(|l| content.lesson(l).is_none()) {
        return Err(Invalid(
            "That lesson does not exist; choose another or none.".into(),
        ));
    }
    if question.is_some_and(|q| content.question(q).is_none()) {
        return Err(Invalid("That question does not exist; choose none.".into()));
    }
    Ok(Placement {
        lesson: lesson.map(str::to_string),
        question: question.map(str::to_string),
        shared: form.shared.is_some(),
    })
}

/// Validates a submitted editor form, or renders it again: with a preview
/// (200) or with the problem and the text as typed (400).
async fn check(
    ctx: Ctx,
    state: &AppState,
    member: &Member,
    id: Option<i64>,
    mut form: NoteForm,
) -> Result<Result<(Draft, Placement), Response>, AppError> {
    let content = &state.content;
    if form.action == "preview" {
        let kept = form.body.clone();
        let (error, preview, refused) =
            match super::render_markdown(state, member.id, std::mem::take(&mut form.body)).await {
                Ok((html, body)) => {
                    form.body = body;
                    (None, Some(html), None)
                }
                // Refused by the budget: the editor comes back with the text
                // as typed and the reason, never an error page without it.
                Err(AppError::Busy {
                    message,
                    retry_after,
                    ..
                }) => (
                    Some(message),
                    None,
                    Some((StatusCode::TOO_MANY_REQUESTS, retry_after)),
                ),
                Err(AppError::Unavailable {
                    message,
                    retry_after,
                }) => (
                    Some(message),
                    None,
                    Some((StatusCode::SERVICE_UNAVAILABLE, retry_after)),
                ),
                Err(other) => return Err(other),
            };
        if refused.is_some() {
            form.body = kept;
        }
        let page = editor(ctx, content, id, form, error, preview);
        let mut response = render(&page)?.into_response();
        if let Some((status, retry_after)) = refused {
            *response.status_mut() = status;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        return Ok(Err(response));
    }
    let checked = placement(content, &form).and_then(|p| {
        let draft = notes::validate(&form.title, &form.body, &form.tags).map_err(Invalid)?;
        Ok((draft, p))
    });
    match checked {
        Ok(ok) => Ok(Ok(ok)),
        Err(Invalid(msg)) => {
            let page = editor(ctx, content, id, form, Some(msg), None);
            Ok(Err(
                (StatusCode::BAD_REQUEST, render(&page)?).into_response()
            ))
        }
    }
}

/// The form as the member sent it, from its checked parts, to show again.
fn keep_form(draft: &Draft, place: &Placement) -> NoteForm {
    NoteForm {
        title: draft.title.clone(),
        body: draft.body.clone(),
        tags: draft.tags.join(", "),
        lesson: place.lesson.clone().unwrap_or_default(),
        question: place.question.clone().unwrap_or_default(),
        shared: place.shared.then(String::new),
        action: String::new(),
    }
}

/// The editor again, with the member's text and why it was not saved (409).
fn refused(
    ctx: Ctx,
    content: &Content,
    id: Option<i64>,
    form: NoteForm,
    over: OverQuota,
) -> Result<Response, AppError> {
    let msg = format!("{} Your text is still here.", over.message());
    let page = editor(ctx, content, id, form, Some(msg), None);
    Ok((StatusCode::CONFLICT, render(&page)?).into_response())
}

/// The editor again after a failed write: for a storage fault (read-only
/// directory, full disk), a 503 with `Retry-After` that says what happened
/// and keeps the member's text; any other error is ours (500).
fn unsaved(
    ctx: Ctx,
    content: &Content,
    id: Option<i64>,
    form: NoteForm,
    err: anyhow::Error,
) -> Result<Response, AppError> {
    let Some(fault) = fault_of(&err) else {
        return Err(AppError::Internal(err));
    };
    tracing::error!(error = format!("{err:#}"), "note not saved: storage fault");
    let msg = format!(
        "Not saved. {} Your text is still here: keep a copy, and save again in a while.",
        fault.message()
    );
    let page = editor(ctx, content, id, form, Some(msg), None);
    Ok((
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, STORAGE_RETRY_AFTER.to_string())],
        render(&page)?,
    )
        .into_response())
}

#[derive(Deserialize)]
struct NewQuery {
    lesson: Option<String>,
    question: Option<String>,
    blank: Option<String>,
}

async fn new(
    ctx: Ctx,
    State(state): State<AppState>,
    _member: Member,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let content = &state.content;
    let mut title = String::new();
    if let Some(slug) = q.lesson.as_deref().filter(|s| !s.is_empty()) {
        let lesson = content.lesson(slug).ok_or_else(|| {
            AppError::BadRequest("There is no such lesson to attach a note to.".into())
        })?;
        title = format!("Notes on {}", lesson.title);
    }
    if let Some(id) = q.question.as_deref().filter(|s| !s.is_empty()) {
        let question = content.question(id).ok_or_else(|| {
            AppError::BadRequest("There is no such question to attach a note to.".into())
        })?;
        title = format!("Notes on: {}", question.title)
            .chars()
            .take(notes::MAX_TITLE_CHARS)
            .collect();
    }
    let form = NoteForm {
        title,
        body: if q.blank.is_some() {
            String::new()
        } else {
            STUDY_TEMPLATE.into()
        },
        tags: String::new(),
        lesson: q.lesson.unwrap_or_default(),
        question: q.question.unwrap_or_default(),
        shared: None,
        action: String::new(),
    };
    Ok(render(&editor(ctx, content, None, form, None, None))?.into_response())
}

async fn create(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    let (draft, place) = match check(ctx.clone(), &state, &member, None, form).await? {
        Ok(ok) => ok,
        Err(page) => return Ok(page),
    };
    let owner = member.id;
    let quota = state.config.notes_quota;
    let form = keep_form(&draft, &place);
    let id = state
        .store
        .call(move |c| {
            if let Err(over) = quota.check(store::used_bytes(c, owner)?, draft.bytes()) {
                return Ok(Err(over));
            }
            let now = now();
            let file = notes::archive::NoteFile {
                uid: notes::new_uid(),
                title: draft.title,
                body: draft.body,
                tags: draft.tags,
                lesson: place.lesson,
                question: place.question,
                shared: place.shared,
                created_at: now,
                updated_at: now,
            };
            let id = store::insert(c, owner, &file)?
                .ok_or_else(|| anyhow::anyhow!("note id collision"))?;
            Ok(Ok(id))
        })
        .await;
    let id = match id {
        Ok(Ok(id)) => id,
        Ok(Err(over)) => return refused(ctx, &state.content, None, form, over),
        Err(err) => return unsaved(ctx, &state.content, None, form, err),
    };
    Ok(Redirect::to(&format!("/notes/{id}?done=created")).into_response())
}

async fn edit(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let (id, owner) = (note_id(&raw)?, member.id);
    let note = state
        .store
        .call(move |c| store::get_owned(c, owner, id))
        .await?
        .filter(|n| n.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let form = NoteForm {
        title: note.title,
        body: note.body,
        tags: note.tags.join(", "),
        lesson: note.lesson.unwrap_or_default(),
        question: note.question.unwrap_or_default(),
        shared: note.shared.then(String::new),
        action: String::new(),
    };
    Ok(render(&editor(ctx, &state.content, Some(id), form, None, None))?.into_response())
}

async fn save(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    let (id, owner) = (note_id(&raw)?, member.id);
    let exists = state
        .store
        .call(move |c| Ok(store::get_owned(c, owner, id)?.is_some_and(|n| n.deleted_at.is_none())))
        .await?;
    if !exists {
        return Err(AppError::NotFound);
    }
    let (draft, place) = match check(ctx.clone(), &state, &member, Some(id), form).await? {
        Ok(ok) => ok,
        Err(page) => return Ok(page),
    };
    let quota = state.config.notes_quota;
    let form = keep_form(&draft, &place);
    let saved = state
        .store
        .call(move |c| {
            if let Err(over) = quota.check(store::used_bytes(c, owner)?, draft.bytes()) {
                return Ok(Err(over));
            }
            let saved = store::update(c, owner, id, &draft, &place, now())?;
            store::prune_revisions(c, id, quota.revisions_per_note)?;
            Ok(Ok(saved))
        })
        .await;
    let saved = match saved {
        Ok(Ok(saved)) => saved,
        Ok(Err(over)) => return refused(ctx, &state.content, Some(id), form, over),
        Err(err) => return unsaved(ctx, &state.content, Some(id), form, err),
    };
    if !saved {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/notes/{id}?done=saved")).into_response())
}

#[derive(Deserialize)]
struct PreviewForm {
    #[serde(default)]
    body: String,
}

/// The live preview: the body rendered and sanitised, as an HTML fragment.
async fn preview(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<PreviewForm>,
) -> Result<Response, AppError> {
    let body = notes::normalize_body(&form.body).map_err(AppError::BadRequest)?;
    let (html, _) = super::render_markdown(&state, member.id, body).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html.to_string(),
    )
        .into_response())
}
