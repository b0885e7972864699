//! `/sim/upload`: load an OTLP JSON (or JSON Lines), Jaeger JSON or Zipkin v2
//! JSON file, optionally gzip-compressed, into the viewer, or convert it to
//! another format. A file with several trace ids shows a list of its traces
//! ([`crate::web::sim::upload_list`]); each opens on its own. Nothing is
//! stored: the parsed file travels in the page ([`crate::web::sim::upload_state`]).
//!
//! Files up to [`MAX_UPLOAD_BYTES`]: the route has its own body limit
//! ([`router`]) instead of the default 1 MiB.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;

use crate::budget::Kind;
use crate::otlp::Failure;
use crate::sim::formats::split;
use crate::sim::trace::{hex as to_hex, parse_hex};
use crate::sim::{Format, Imported, read_file};
use crate::web::download::{AcceptsGzip, Encoded, TraceFile, attachment};
use crate::web::guards::budget::Client;
use crate::web::layout::{Ctx, render};
use crate::web::sim::page::{self, MAX_DEPTH, Uploaded, View};
use crate::web::sim::upload_list::{self, Listed};
use crate::web::sim::upload_state::{self, MAX_STATE_BYTES};
use crate::web::{AppError, AppState};

/// The upload's path.
pub const UPLOAD_PATH: &str = "/sim/upload";
/// Largest file accepted.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest request body on [`UPLOAD_PATH`]: the file plus the form around it.
pub const MAX_UPLOAD_BODY: usize = MAX_UPLOAD_BYTES + 64 * 1024;

/// The upload route, with its own body limit of [`MAX_UPLOAD_BODY`];
/// merged by `web::router` after the default limit, so that one does not apply.
pub fn router() -> Router<AppState> {
    Router::new().route(
        UPLOAD_PATH,
        get(form)
            .post(upload)
            .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BODY)),
    )
}

#[derive(Template)]
#[template(path = "sim_upload.html")]
struct UploadPage {
    ctx: Ctx,
    error: Option<String>,
    max_mib: usize,
}

fn page(ctx: Ctx, error: Option<String>) -> UploadPage {
    UploadPage {
        ctx,
        error,
        max_mib: MAX_UPLOAD_BYTES / (1024 * 1024),
    }
}

async fn form(ctx: Ctx) -> Result<Html<String>, AppError> {
    render(&page(ctx, None))
}

/// What the form sent.
#[derive(Default)]
struct Sent {
    file: Option<(String, Vec<u8>)>,
    format: String,
    output: String,
    depth: String,
    /// The kept file of a list page (see `upload_state`).
    state: String,
    /// Trace id to open.
    trace: String,
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    }
}

async fn read_form(mut multipart: Multipart) -> Result<Sent, AppError> {
    let mut sent = Sent::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" || name == "state" {
            let file_name =
                crate::web::render::truncate(field.file_name().unwrap_or(""), 120).into_owned();
            let limit = if name == "file" {
                MAX_UPLOAD_BYTES
            } else {
                MAX_STATE_BYTES
            };
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                if bytes.len() + chunk.len() > limit {
                    return Err(AppError::PayloadTooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            if name == "file" {
                sent.file = Some((file_name, bytes));
            } else {
                sent.state = String::from_utf8(bytes).unwrap_or_default();
            }
        } else if matches!(name.as_str(), "format" | "output" | "depth" | "trace") {
            let mut value = field.text().await.map_err(multipart_error)?;
            value.truncate(64);
            match name.as_str() {
                "format" => sent.format = value,
                "output" => sent.output = value,
                "trace" => sent.trace = value,
                _ => sent.depth = value,
            }
        }
    }
    Ok(sent)
}

/// A 400 page: the form again, with what was wrong.
fn refuse(ctx: Ctx, message: String) -> Result<Response, AppError> {
    let html = page(ctx, Some(message)).render()?;
    Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
}

/// A file name safe for `Content-Disposition`.
fn download_name(file_name: &str, suffix: &str) -> String {
    let stem = file_name.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = [".json.gz", ".jsonl.gz", ".json", ".jsonl", ".gz"]
        .iter()
        .find_map(|x| stem.strip_suffix(x))
        .unwrap_or(stem);
    let clean: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(80)
        .collect();
    let clean = if clean.is_empty() {
        "trace".to_string()
    } else {
        clean
    };
    format!("{clean}.{suffix}.json")
}

/// What one request asked for, once the file (or the kept state) is read.
enum Outcome {
    Refused(String),
    Download(Encoded, String),
    /// The page, compressed here on the heavy-work thread when the client
    /// accepts gzip (a large upload's page runs to megabytes).
    Html(Encoded),
    /// `output=save`: the chosen trace as an OTLP JSON request, and its id,
    /// for the member's "My traces".
    Save(String, [u8; 16]),
}

/// The blocking part: read, split, convert or render.
fn work(
    ctx: Ctx,
    sent: Sent,
    depth: Option<usize>,
    gzip: AcceptsGzip,
) -> Result<Outcome, AppError> {
    let chosen = match sent.format.as_str() {
        "otlp" => Some(Format::Otlp),
        "jaeger" => Some(Format::Jaeger),
        "zipkin" => Some(Format::Zipkin),
        "" | "auto" => None,
        other => {
            return Ok(Outcome::Refused(format!(
                "Unknown format {other:?}: choose auto, otlp, jaeger or zipkin."
            )));
        }
    };
    if !matches!(sent.output.as_str(), "" | "view" | "save")
        && TraceFile::from_output(&sent.output).is_none()
    {
        return Ok(Outcome::Refused(format!(
            "Unknown output {:?}: choose view, otlp, jaeger, zipkin or save.",
            sent.output
        )));
    }
    let (file_name, label, imported): (String, String, Imported) = match sent.file {
        Some((name, bytes)) if !bytes.is_empty() => match read_file(&bytes, chosen) {
            Ok(im) => (name, im.format.label().to_string(), im),
            Err(r) => {
                let shown = if name.is_empty() { "The file" } else { &name };
                return Ok(Outcome::Refused(match r.format {
                    Some(f) => format!("{shown} is not a valid {} trace: {}", f.label(), r.error),
                    None => format!("Could not read {shown}: {}", r.error),
                }));
            }
        },
        _ if !sent.state.is_empty() => match upload_state::decode(&sent.state) {
            Ok(k) => (k.file_name, k.format, k.imported),
            Err(m) => return Ok(Outcome::Refused(m)),
        },
        _ => {
            return Ok(Outcome::Refused(
                "Choose a file to upload: none was sent, or it was empty.".into(),
            ));
        }
    };
    let file_name = if file_name.is_empty() {
        "trace.json".to_string()
    } else {
        file_name
    };
    let output = TraceFile::from_output(&sent.output);
    let summaries = split::summaries(&imported.trace);
    let wanted = match sent.trace.trim() {
        "" if summaries.len() == 1 => summaries.first().map(|s| s.trace_id),
        "" => None,
        id => match parse_hex::<16>(id) {
            Some(t) if summaries.iter().any(|s| s.trace_id == t) => Some(t),
            _ => {
                return Ok(Outcome::Refused(format!(
                    "{file_name} has no trace with id {id:?}."
                )));
            }
        },
    };
    if sent.output == "save" {
        let Some(id) = wanted else {
            return Ok(Outcome::Refused(
                "Choose the trace to save: open it from the list first.".into(),
            ));
        };
        return Ok(match split::extract(imported.trace, &id) {
            Some(t) => Outcome::Save(TraceFile::Otlp.write(&t), id),
            None => Outcome::Refused(format!("{file_name} has no such trace.")),
        });
    }
    if let Some(output) = output {
        // One trace when one was chosen, else the whole file.
        let suffix = output.suffix();
        let (trace, name) = match wanted.filter(|_| !sent.trace.trim().is_empty()) {
            Some(id) => match split::extract(imported.trace, &id) {
                Some(t) => (t, format!("{}.{suffix}", &to_hex(&id)[..8])),
                None => return Ok(Outcome::Refused(format!("{file_name} has no such trace."))),
            },
            None => (imported.trace, suffix.to_string()),
        };
        let body = Encoded::new(output.write(&trace), gzip);
        return Ok(Outcome::Download(body, download_name(&file_name, &name)));
    }
    let state = upload_state::encode(&file_name, &imported);
    let Some(trace_id) = wanted else {
        let listed = Listed {
            file_name,
            format: label,
            warnings: imported.warnings,
            summaries,
            state,
            depth: depth.map(|d| d.to_string()).unwrap_or_default(),
        };
        let html = upload_list::render_list(ctx, listed)?;
        return Ok(Outcome::Html(Encoded::new(html, gzip)));
    };
    let count = summaries.len();
    let Some(trace) = split::extract(imported.trace, &trace_id) else {
        return Ok(Outcome::Refused(format!("{file_name} has no such trace.")));
    };
    let view = View {
        depth,
        ..View::default()
    };
    let uploaded = Uploaded {
        traces: count,
        trace_id: to_hex(&trace_id),
        state: state.unwrap_or_default(),
        received: false,
        shared: false,
        shared_by: None,
        file_name,
        format: label,
        warnings: imported.warnings.list,
        warnings_total: imported.warnings.total,
        warnings_heading: crate::web::sim::page::degraded_heading(imported.warnings.total),
    };
    let html = page::build(ctx, &trace, &view, None, Some(uploaded), None).render()?;
    Ok(Outcome::Html(Encoded::new(html, gzip)))
}

async fn upload(
    ctx: Ctx,
    client: Client,
    gzip: AcceptsGzip,
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let multipart = multipart.map_err(|e| {
        AppError::BadRequest(format!(
            "Send the file from the upload form ({}).",
            e.body_text()
        ))
    })?;
    let sent = read_form(multipart).await?;
    let depth = match sent.depth.trim() {
        "" => None,
        d => match d
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_DEPTH).contains(n))
        {
            Some(n) => Some(n),
            None => {
                return refuse(
                    ctx,
                    format!("The depth must be a whole number from 1 to {MAX_DEPTH}."),
                );
            }
        },
    };
    let page_ctx = ctx.clone();
    let outcome = state
        .budget
        .run(Kind::Upload, &client.0, None, move || {
            work(page_ctx, sent, depth, gzip)
        })
        .await??;
    match outcome {
        Outcome::Refused(m) => refuse(ctx, m),
        Outcome::Download(body, name) => Ok(attachment(body, &name)),
        Outcome::Html(page) => Ok(page.html()),
        Outcome::Save(otlp_json, id) => save(ctx, &state, otlp_json, id).await,
    }
}

/// Stores an uploaded trace in the member's "My traces" through the OTLP
/// receiver (the same validation, caps, retention and write queue as a
/// sender's request), then shows it there. Visitors are sent to log in.
async fn save(
    ctx: Ctx,
    state: &AppState,
    otlp_json: String,
    id: [u8; 16],
) -> Result<Response, AppError> {
    let Some(member) = ctx.user.as_ref() else {
        return Err(AppError::LoginRequired("/sim/upload".into()));
    };
    let request = crate::otlp::decode::request(otlp_json.as_bytes(), crate::otlp::Encoding::Json);
    let saved = match request {
        Ok(request) => state.otlp.export(member.id, request).await,
        Err(failure) => Err(failure),
    };
    match saved {
        Ok(reply) => {
            let partial = reply
                .partial_success
                .filter(|p| p.rejected_spans > 0)
                .map(|p| p.error_message);
            if let Some(message) = partial {
                tracing::info!(%message, "an uploaded trace was saved in part");
            }
            Ok(Redirect::to(&format!("/traces/{}", to_hex(&id))).into_response())
        }
        Err(Failure::Busy | Failure::Throttled | Failure::Unavailable) => {
            Err(AppError::Unavailable {
                message: "Traces are being written right now; try saving again in a moment.".into(),
                retry_after: crate::otlp::RETRY_AFTER.as_secs() as i64,
            })
        }
        Err(failure) => refuse(
            ctx,
            format!("The trace could not be saved: {}.", failure.message()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_downloads() {
        assert_eq!(
            download_name("../a b/ok trace.json", "otlp"),
            "oktrace.otlp.json"
        );
        assert_eq!(download_name("\"; evil", "jaeger"), "evil.jaeger.json");
        assert_eq!(download_name("", "otlp"), "trace.otlp.json");
        assert_eq!(download_name("x.jsonl.gz", "zipkin"), "x.zipkin.json");
    }
}
