//! The "My traces" pages: tokens (create, shown once; list; revoke) and the
//! member's received traces, each opening in the upload viewer. Only the
//! owner ever sees a trace: every query is scoped by the logged-in member,
//! and another member's trace id is a 404.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::budget::Kind;
use crate::sim::trace::parse_hex;
use crate::store::traces::read::{self, TraceSummary};
use crate::store::traces::share;
use crate::store::traces::tokens::{self, CreateError, IngestToken};
use crate::store::traces::write;
use crate::web::download::{AcceptsGzip, Encoded, TraceFile, attachment};
use crate::web::guards;
use crate::web::guards::budget::Client;
use crate::web::guards::extract::{Form, Path, Query};
use crate::web::guards::session::Member;
use crate::web::layout::{Ctx, render};
use crate::web::sim::page::{self, Uploaded, View};
use crate::web::traces::search::{self, SearchForm};
use crate::web::{AppError, AppState};

/// One row of the trace list, formatted.
pub struct Row {
    /// Trace id, hex.
    pub id: String,
    /// `service: operation` of the root, or of the earliest span when the
    /// root's parent was not received ([`TraceSummary::label`]).
    pub root: String,
    /// Spans.
    pub spans: u64,
    /// Services.
    pub services: u64,
    /// Duration, e.g. `12.3 ms`.
    pub duration: String,
    /// Error spans.
    pub errors: u64,
    /// Start, in the member's zone.
    pub start: String,
    /// "incomplete: 12 spans, last received 3 s ago", or empty.
    pub incomplete: String,
}

/// A token row.
pub struct TokenRow {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Created, in the member's zone.
    pub created: String,
    /// Last used, or "never".
    pub used: String,
    /// Revoked.
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "traces_list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    tokens: Vec<TokenRow>,
    /// The two environment lines of a token just created (shown once).
    created: Option<[String; 2]>,
    endpoint: String,
    error: Option<String>,
    /// The search as sent, to fill the form again.
    form: SearchForm,
    /// The time windows offered.
    windows: &'static [(u64, &'static str)],
    /// The duration scatter plot of `rows` (SVG, escaped), or empty.
    scatter: String,
    /// Whether a filter was applied.
    filtered: bool,
    /// The list stopped at the search's limit: there may be more.
    at_limit: bool,
    /// The search did not validate (`error` says why): no rows, and no
    /// "nothing received yet".
    search_failed: bool,
}

/// Formats nanoseconds as µs, ms or s.
pub fn duration(ns: u64) -> String {
    let ns = ns as f64;
    if ns < 1e6 {
        format!("{:.0} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn incomplete(t: &TraceSummary, now: i64) -> String {
    if t.incomplete(now) {
        format!(
            "incomplete: {} spans, last received {} s ago",
            t.spans,
            (now - t.last_received_at).max(0)
        )
    } else {
        String::new()
    }
}

fn row(t: &TraceSummary, ctx: &Ctx, now: i64) -> Row {
    let root = t.label();
    Row {
        id: crate::accounts::hex(&t.trace_id),
        root,
        spans: t.spans,
        services: t.services,
        duration: duration(t.duration_ns),
        errors: t.errors,
        start: crate::clock::date_time((t.start_ns / 1_000_000_000) as i64, &ctx.time_zone()),
        incomplete: incomplete(t, now),
    }
}

fn token_row(t: IngestToken, ctx: &Ctx) -> TokenRow {
    let zone = ctx.time_zone();
    TokenRow {
        id: t.id,
        name: t.name,
        created: crate::clock::date_time(t.created_at, &zone),
        used: t.last_used_at.map_or_else(
            || "never".to_string(),
            |u| crate::clock::date_time(u, &zone),
        ),
        revoked: t.revoked_at.is_some(),
    }
}

/// The page with the traces `form` finds; a search that does not validate
/// is a 400 page with the form again and the reason.
async fn page(
    ctx: Ctx,
    state: &AppState,
    member: &Member,
    created: Option<[String; 2]>,
    error: Option<String>,
    form: SearchForm,
) -> Result<Response, AppError> {
    let user = member.id;
    let limits = state.config.otlp.limits;
    let now = crate::clock::now();
    let (search, error, status) = match form.to_search(now) {
        Ok(search) => (Some(search), error, StatusCode::OK),
        Err(reason) => (None, Some(reason), StatusCode::BAD_REQUEST),
    };
    let limit = search.as_ref().map(|s| s.limit);
    let (traces, tokens) = state
        .store
        .call(move |c| {
            write::expire(c, user, &limits, crate::clock::now())?;
            let traces = match search {
                Some(search) => read::list(c, user, &search)?,
                None => Vec::new(),
            };
            Ok((traces, tokens::list(c, user)?))
        })
        .await?;
    let endpoint = crate::otlp::endpoint(&state.config.otlp, state.config.public_url.as_deref());
    let rows: Vec<Row> = traces.iter().map(|t| row(t, &ctx, now)).collect();
    let at_limit = limit.is_some_and(|l| rows.len() as u64 >= l as u64);
    let scatter = search::scatter(&traces, |t| {
        format!(
            "{}, {}, {} spans",
            t.label(),
            duration(t.duration_ns),
            t.spans
        )
    });
    let html = render(&ListPage {
        rows,
        tokens: tokens.into_iter().map(|t| token_row(t, &ctx)).collect(),
        created,
        endpoint,
        error,
        filtered: form.is_filtered(),
        at_limit,
        search_failed: status == StatusCode::BAD_REQUEST,
        form,
        windows: &search::WINDOWS,
        scatter,
        ctx,
    })?;
    Ok((status, html).into_response())
}

/// `GET /traces`, with the search form's fields in the query.
pub async fn list(
    ctx: Ctx,
    member: Member,
    State(state): State<AppState>,
    Query(form): Query<SearchForm>,
) -> Result<Response, AppError> {
    page(ctx, &state, &member, None, None, form).await
}

/// The token form.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

/// `POST /traces/tokens`: creates a token and shows it once, in the page.
pub async fn create_token(
    ctx: Ctx,
    member: Member,
    State(state): State<AppState>,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let user = member.id;
    let created = state
        .store
        .call(move |c| tokens::create(c, user, &form.name, crate::clock::now()))
        .await?;
    match created {
        Ok((_, token)) => {
            let endpoint =
                crate::otlp::endpoint(&state.config.otlp, state.config.public_url.as_deref());
            let lines = crate::otlp::env_lines(&endpoint, &token);
            page(
                ctx,
                &state,
                &member,
                Some(lines),
                None,
                SearchForm::default(),
            )
            .await
        }
        Err(CreateError::TooMany) => {
            let message = format!(
                "You have {} live tokens, the most allowed: revoke one first.",
                tokens::MAX_TOKENS_PER_MEMBER
            );
            page(
                ctx,
                &state,
                &member,
                None,
                Some(message),
                SearchForm::default(),
            )
            .await
        }
    }
}

/// `POST /traces/tokens/{id}/revoke`.
pub async fn revoke_token(
    member: Member,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = member.id;
    let done = state
        .store
        .call(move |c| tokens::revoke(c, user, id, crate::clock::now()))
        .await?;
    if !done {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/traces").into_response())
}

pub fn trace_id(value: &str) -> Result<[u8; 16], AppError> {
    parse_hex::<16>(value).ok_or(AppError::NotFound)
}

/// `GET /traces/{trace_id}`: the trace in the upload viewer; a header line
/// says when it is incomplete and which spans are orphans.
pub async fn view(
    ctx: Ctx,
    member: Member,
    client: Client,
    gzip: AcceptsGzip,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = trace_id(&id)?;
    let user = member.id;
    let loaded = state
        .store
        .call(move |c| {
            Ok((
                read::summary(c, user, &id)?,
                read::load(c, user, &id)?,
                share::is_shared(c, user, &id)?,
            ))
        })
        .await?;
    let (Some(summary), Some(imported), shared) = loaded else {
        return Err(AppError::NotFound);
    };
    let received = Received {
        summary,
        imported,
        shared,
        shared_by: None,
    };
    received_page(&state, &client, gzip, ctx, received).await
}

/// A received trace as loaded for its page.
pub struct Received {
    pub summary: TraceSummary,
    pub imported: crate::sim::Imported,
    /// Whether it is shared with the group.
    pub shared: bool,
    /// The owner's name when another member reads a trace shared with the
    /// group (the page is read-only then).
    pub shared_by: Option<String>,
}

/// A received trace in the upload viewer, with a header that says when it
/// is incomplete and which spans are orphans. A large trace is rendered
/// under the budget ([`guards::budget::trace_page`]).
pub async fn received_page(
    state: &AppState,
    client: &Client,
    gzip: AcceptsGzip,
    ctx: Ctx,
    received: Received,
) -> Result<Response, AppError> {
    let spans = received.imported.trace.spans.len();
    guards::budget::trace_page(state, client, spans, gzip, move || {
        render_received(ctx, received)
    })
    .await
}

fn render_received(ctx: Ctx, received: Received) -> Result<String, AppError> {
    let Received {
        summary,
        imported,
        shared,
        shared_by,
    } = received;
    let summary = &summary;
    let id = summary.trace_id;
    let now = crate::clock::now();
    let mut notes = Vec::new();
    let note = incomplete(summary, now);
    if !note.is_empty() {
        notes.push(note);
    }
    let trace = imported.trace;
    let orphans: Vec<String> = trace
        .spans
        .iter()
        .filter(|s| s.parent.is_none() && s.parent_span_id.is_some())
        .map(|s| {
            let service = trace.services.get(s.service).map_or("?", |v| &v.name);
            format!(
                "orphan: {service}: {} (parent {} never arrived)",
                s.name,
                s.parent_span_id
                    .map(|p| crate::accounts::hex(&p))
                    .unwrap_or_default()
            )
        })
        .collect();
    notes.extend(orphans.into_iter().take(20));
    notes.extend(imported.warnings.list);
    let total = notes.len();
    let uploaded = Uploaded {
        file_name: format!("trace {}", crate::accounts::hex(&id)),
        format: "OTLP, received".to_string(),
        warnings: notes,
        warnings_total: total,
        warnings_heading: if total == 1 {
            "1 warning about this trace".to_string()
        } else {
            format!("{total} warnings about this trace")
        },
        traces: 1,
        trace_id: crate::accounts::hex(&id),
        state: String::new(),
        received: true,
        shared,
        shared_by,
    };
    Ok(page::build(ctx, &trace, &View::default(), None, Some(uploaded), None).render()?)
}

/// `GET /traces/{trace_id}/{file}`, `file` one of `otlp.json`,
/// `jaeger.json`, `zipkin.json`: one received trace as a file, for the
/// member who owns it (anyone else gets 404).
///
/// `otlp.json` is what the SDKs sent, losslessly: the stored spans,
/// regrouped under their resources and instrumentation scopes (with their
/// schema URLs), in the OTLP JSON encoding, so that trace state, flags,
/// dropped counts, events, links and array, map and bytes values come back
/// as they were received ([`crate::otlp::assemble::to_request`]). The other
/// formats are written from the viewer's model, as those formats can hold.
pub async fn download(
    member: Member,
    client: Client,
    gzip: AcceptsGzip,
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = trace_id(&id)?;
    let file = TraceFile::from_file_name(&file).ok_or(AppError::NotFound)?;
    let user = member.id;
    let rows = state
        .store
        .call(move |c| read::load_rows(c, user, &id))
        .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let body = state
        .budget
        .run(
            Kind::Download,
            &client.0,
            None,
            move || -> anyhow::Result<Encoded> {
                let text = match file {
                    TraceFile::Otlp => {
                        serde_json::to_string(&crate::otlp::assemble::to_request(&rows))?
                    }
                    _ => file.write(&crate::otlp::assemble::to_imported(&rows)?.trace),
                };
                Ok(Encoded::new(text, gzip))
            },
        )
        .await??;
    let name = format!("trace-{}.{}.json", crate::accounts::hex(&id), file.suffix());
    Ok(attachment(body, &name))
}

/// `POST /traces/{trace_id}/delete`.
pub async fn delete(
    member: Member,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = trace_id(&id)?;
    let user = member.id;
    let done = state
        .store
        .call(move |c| read::delete(c, user, &id))
        .await?;
    if !done {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/traces").into_response())
}
