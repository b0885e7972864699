//! `/sim/upload`: load an OTLP JSON or Jaeger JSON file into the viewer, or
//! convert it to the other format. Nothing is stored: the trace is rendered
//! (or converted) in the response.
//!
//! Files up to [`MAX_UPLOAD_BYTES`]: the route has its own body limit
//! ([`router`]) instead of the default 1 MiB.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;

use crate::budget::Kind;
use crate::sim::{from_jaeger_json, from_otlp_json, to_jaeger_json, to_otlp_json};
use crate::web::guards::budget::Client;
use crate::web::layout::{Ctx, render};
use crate::web::sim::page::{self, MAX_DEPTH, Uploaded, View};
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

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Otlp,
    Jaeger,
}

impl Format {
    fn label(self) -> &'static str {
        match self {
            Format::Otlp => "OTLP JSON",
            Format::Jaeger => "Jaeger JSON",
        }
    }
}

/// Guesses the format from the first top-level key that names one.
fn sniff(text: &str) -> Option<Format> {
    let otlp = text.find("\"resourceSpans\"");
    let jaeger = text.find("\"data\"");
    match (otlp, jaeger) {
        (Some(a), Some(b)) => Some(if a < b { Format::Otlp } else { Format::Jaeger }),
        (Some(_), None) => Some(Format::Otlp),
        (None, Some(_)) => Some(Format::Jaeger),
        (None, None) => None,
    }
}

/// What the form sent.
#[derive(Default)]
struct Sent {
    file: Option<(String, Vec<u8>)>,
    format: String,
    output: String,
    depth: String,
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
        if name == "file" {
            let file_name =
                crate::web::render::truncate(field.file_name().unwrap_or(""), 120).into_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                    return Err(AppError::PayloadTooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            sent.file = Some((file_name, bytes));
        } else if matches!(name.as_str(), "format" | "output" | "depth") {
            let mut value = field.text().await.map_err(multipart_error)?;
            value.truncate(64);
            match name.as_str() {
                "format" => sent.format = value,
                "output" => sent.output = value,
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
    let stem = stem.strip_suffix(".json").unwrap_or(stem);
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

async fn upload(
    ctx: Ctx,
    client: Client,
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
    let Some((file_name, bytes)) = sent.file.filter(|(_, b)| !b.is_empty()) else {
        return refuse(
            ctx,
            "Choose a file to upload: none was sent, or it was empty.".into(),
        );
    };
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
    let Ok(text) = String::from_utf8(bytes) else {
        return refuse(
            ctx,
            format!("{file_name} is not UTF-8 text, so it cannot be JSON."),
        );
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let format = match sent.format.as_str() {
        "otlp" => Format::Otlp,
        "jaeger" => Format::Jaeger,
        _ => match sniff(&text) {
            Some(f) => f,
            None => {
                return refuse(
                    ctx,
                    format!(
                        "Could not tell the format of {file_name}: an OTLP JSON file has a top-level \"resourceSpans\" array, a Jaeger JSON file a top-level \"data\" array."
                    ),
                );
            }
        },
    };
    let output = sent.output.clone();
    let budget = &state.budget;
    let parsed = budget.run(Kind::Upload, &client.0, None, move || match format {
        Format::Otlp => from_otlp_json(&text),
        Format::Jaeger => from_jaeger_json(&text),
    });
    let trace = match parsed.await? {
        Ok(t) => t,
        Err(reason) => {
            return refuse(
                ctx,
                format!(
                    "{file_name} is not a valid {} trace: {reason}",
                    format.label()
                ),
            );
        }
    };
    if output == "otlp" || output == "jaeger" {
        let jaeger = output == "jaeger";
        let body = budget
            .run(Kind::Download, &client.0, None, move || {
                if jaeger {
                    to_jaeger_json(&trace)
                } else {
                    to_otlp_json(&trace)
                }
            })
            .await?;
        let name = download_name(&file_name, if jaeger { "jaeger" } else { "otlp" });
        let mut r = body.into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        return Ok(r);
    }
    let view = View {
        depth,
        ..View::default()
    };
    let label = format.label();
    let html = budget
        .run(Kind::Upload, &client.0, None, move || {
            let uploaded = Uploaded {
                file_name: if file_name.is_empty() {
                    "trace.json".into()
                } else {
                    file_name
                },
                format: label,
            };
            page::build(ctx, &trace, &view, None, Some(uploaded), None).render()
        })
        .await??;
    Ok(Html(html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_names() {
        assert_eq!(sniff(r#"{"resourceSpans":[]}"#), Some(Format::Otlp));
        assert_eq!(sniff(r#"{"data":[{"spans":[]}]}"#), Some(Format::Jaeger));
        assert_eq!(sniff(r#"{"x":1}"#), None);
        assert_eq!(
            download_name("../a b/ok trace.json", "otlp"),
            "oktrace.otlp.json"
        );
        assert_eq!(download_name("\"; evil", "jaeger"), "evil.jaeger.json");
        assert_eq!(download_name("", "otlp"), "trace.otlp.json");
    }
}
