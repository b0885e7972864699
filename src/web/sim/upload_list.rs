//! The list page of an upload holding several traces: one row per trace id
//! (root service and operation, spans, roots, duration, errors), each
//! opening that trace alone in the viewer. The file travels in the page
//! ([`crate::web::sim::upload_state`]), so a row opens without it.

use askama::Template;

use crate::sim::TraceSummary;
use crate::sim::formats::import::Warnings;
use crate::web::AppError;
use crate::web::layout::Ctx;
use crate::web::render::scale::fmt_ns;

/// Most rows listed (the rest are counted).
pub const MAX_LISTED: usize = 1_000;

/// What the list shows.
pub struct Listed {
    /// File name as sent.
    pub file_name: String,
    /// Format read, e.g. `OTLP JSON`.
    pub format: String,
    /// Degraded fields.
    pub warnings: Warnings,
    /// One per trace id, in file order.
    pub summaries: Vec<TraceSummary>,
    /// The kept file; None when too large to keep in the page.
    pub state: Option<String>,
    /// Collapse depth chosen on the form (empty: adaptive).
    pub depth: String,
}

/// One row.
pub struct Row {
    /// Trace id, hex.
    pub id: String,
    /// `service: operation` of the first root.
    pub root: String,
    /// Spans.
    pub spans: usize,
    /// Roots (more than one: broken propagation inside the trace).
    pub roots: usize,
    /// Duration, formatted.
    pub duration: String,
    /// Failed spans.
    pub errors: usize,
}

#[derive(Template)]
#[template(path = "sim_upload_list.html")]
struct ListPage {
    ctx: Ctx,
    file_name: String,
    format: String,
    trace_count: usize,
    span_count: usize,
    rows: Vec<Row>,
    warnings: Vec<String>,
    warnings_total: usize,
    warnings_heading: String,
    state: Option<String>,
    depth: String,
}

/// Renders the list (linear in traces; at most [`MAX_LISTED`] rows).
pub fn render_list(ctx: Ctx, listed: Listed) -> Result<String, AppError> {
    let rows = listed
        .summaries
        .iter()
        .take(MAX_LISTED)
        .map(|s| Row {
            id: s.id_hex(),
            root: format!("{}: {}", s.root_service, s.root_name),
            spans: s.spans,
            roots: s.roots,
            duration: fmt_ns(s.duration_ns),
            errors: s.errors,
        })
        .collect();
    let page = ListPage {
        ctx,
        trace_count: listed.summaries.len(),
        span_count: listed.summaries.iter().map(|s| s.spans).sum(),
        file_name: listed.file_name,
        format: listed.format,
        rows,
        warnings: listed.warnings.list,
        warnings_heading: crate::web::sim::page::degraded_heading(listed.warnings.total),
        warnings_total: listed.warnings.total,
        state: listed.state,
        depth: listed.depth,
    };
    Ok(page.render()?)
}
