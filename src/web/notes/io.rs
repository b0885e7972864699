//! Notes: export (all as a zip of Markdown files, one as `.md`) and import
//! of the same files. Import has a larger body limit of its own
//! ([`import_router`]).

use crate::web::guards::extract::Path;
use askama::Template;
use axum::Router;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;

use crate::budget::Kind;
use crate::clock::{self, now};
use crate::notes::archive::{self, NoteFile};
use crate::store::notes::{self as store, Note};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::notes::read::note_id;
use crate::web::{AppError, AppState, IMPORT_PATH, MAX_IMPORT_BYTES, blocking};

/// Routes for export.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notes/export.zip", get(export_all))
        .route("/notes/{id}/export", get(export_one))
}

/// The import route, with its own body limit of [`MAX_IMPORT_BYTES`];
/// merged by `web::router` after the default limit, so that one does not apply.
pub fn import_router() -> Router<AppState> {
    Router::new().route(
        IMPORT_PATH,
        get(import_form)
            .post(import)
            .layer(RequestBodyLimitLayer::new(MAX_IMPORT_BYTES)),
    )
}

/// A download with a file name.
fn download(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

async fn export_all(State(state): State<AppState>, member: Member) -> Result<Response, AppError> {
    let owner = member.id;
    let notes = state
        .store
        .call(move |c| store::all_for_export(c, owner))
        .await?;
    let files: Vec<NoteFile> = notes.iter().map(Note::to_file).collect();
    let bytes = state
        .budget
        .run(Kind::Export, &format!("member:{owner}"), None, move || {
            archive::zip_notes(&files)
        })
        .await??;
    let name = format!(
        "spandojo-notes-{}.zip",
        clock::date(now(), &member.time_zone)
    );
    Ok(download("application/zip", &name, bytes))
}

async fn export_one(
    State(state): State<AppState>,
    member: Member,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let (id, owner) = (note_id(&raw)?, member.id);
    let note = state
        .store
        .call(move |c| store::get_owned(c, owner, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let file = note.to_file();
    let text = archive::to_markdown(&file)?;
    Ok(download(
        "text/markdown; charset=utf-8",
        &archive::file_name(&file),
        text.into_bytes(),
    ))
}

/// The import form, or what an import did.
#[derive(Template)]
#[template(path = "notes_import.html")]
struct ImportPage {
    ctx: Ctx,
    max_mib: usize,
    done: bool,
    imported: Vec<(i64, String)>,
    duplicates: Vec<(String, String)>,
    warnings: Vec<(String, String)>,
    problems: Vec<(String, String)>,
    error: Option<String>,
}

impl ImportPage {
    fn new(ctx: Ctx) -> ImportPage {
        ImportPage {
            ctx,
            max_mib: MAX_IMPORT_BYTES / 1024 / 1024,
            done: false,
            imported: Vec::new(),
            duplicates: Vec::new(),
            warnings: Vec::new(),
            problems: Vec::new(),
            error: None,
        }
    }
}

async fn import_form(ctx: Ctx, _member: Member) -> Result<Response, AppError> {
    Ok(render(&ImportPage::new(ctx))?.into_response())
}

fn upload_error(err: MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(format!("The upload was malformed ({}).", err.body_text()))
    }
}

/// The `file` field of the upload, with its name.
async fn read_file_field(multipart: &mut Multipart) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let mut upload = None;
    while let Some(field) = multipart.next_field().await.map_err(upload_error)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload.zip").to_string();
            let bytes = field.bytes().await.map_err(upload_error)?;
            upload = Some((name, bytes.to_vec()));
        }
    }
    Ok(upload.filter(|(_, bytes)| !bytes.is_empty()))
}

async fn import(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let mut multipart = multipart.map_err(|e| {
        AppError::BadRequest(format!("The upload was malformed ({}).", e.body_text()))
    })?;
    let mut page = ImportPage::new(ctx);
    let Some((name, bytes)) = read_file_field(&mut multipart).await? else {
        page.error = Some("Choose a file to import: a zip export or one .md note.".into());
        return Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response());
    };
    let unpacked = match blocking(move || archive::read_upload(&name, &bytes, now())).await? {
        Ok(unpacked) => unpacked,
        Err(msg) => {
            page.error = Some(msg);
            return Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response());
        }
    };
    let mut notes = unpacked.notes;
    for (file, note) in &mut notes {
        if let Some(slug) = note.lesson.take_if(|l| state.content.lesson(l).is_none()) {
            let msg = format!("lesson \"{slug}\" does not exist here; imported without it");
            page.warnings.push((file.clone(), msg));
        }
        if let Some(id) = note
            .question
            .take_if(|q| state.content.question(q).is_none())
        {
            let msg = format!("question \"{id}\" does not exist here; imported without it");
            page.warnings.push((file.clone(), msg));
        }
    }
    let owner = member.id;
    let quota = state.config.notes_quota;
    let (imported, duplicates, over) = state
        .store
        .call(move |c| {
            let tx = c.transaction()?;
            let (mut imported, mut duplicates, mut over) = (Vec::new(), Vec::new(), Vec::new());
            let mut used = store::used_bytes(&tx, owner)?;
            for (file, note) in notes {
                let adding =
                    (note.title.len() + note.body.len() + note.tags.join(" ").len()) as u64;
                if let Err(refused) = quota.check(used, adding) {
                    over.push((file, refused.message()));
                    continue;
                }
                match store::insert(&tx, owner, &note)? {
                    Some(id) => {
                        used += adding;
                        imported.push((id, note.title));
                    }
                    None => duplicates.push((file, note.title)),
                }
            }
            tx.commit()?;
            Ok((imported, duplicates, over))
        })
        .await?;
    let mut problems = unpacked.problems;
    problems.extend(over);
    let status = if imported.is_empty() && duplicates.is_empty() && !problems.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    page.done = true;
    page.imported = imported;
    page.duplicates = duplicates;
    page.problems = problems;
    Ok((status, render(&page)?).into_response())
}
