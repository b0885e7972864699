//! `/tools/traceparent`: paste a `traceparent` (and optionally a
//! `tracestate`) and see each field explained, or exactly why it is invalid.
//! A GET form, so every result is a link that can be shared.

use askama::Template;
use axum::Router;
use axum::extract::RawQuery;
use axum::response::Html;
use axum::routing::get;

use crate::sim::w3c::traceparent::TraceParentError;
use crate::sim::{explain, format_traceparent, parse_traceparent, parse_tracestate};
use crate::web::layout::{Ctx, render};
use crate::web::{AppError, AppState};

/// Longest `traceparent` accepted by the tool.
pub const MAX_TRACEPARENT: usize = 1024;
/// Longest `tracestate` accepted by the tool.
pub const MAX_TRACESTATE: usize = 16 * 1024;

/// Routes under `/tools`.
pub fn router() -> Router<AppState> {
    Router::new().route("/tools/traceparent", get(traceparent_tool))
}

/// One explained field.
struct Field {
    name: &'static str,
    value: String,
    meaning: String,
}

/// The result for the `traceparent`.
struct TpResult {
    fields: Vec<Field>,
    error: Option<String>,
    /// The trimmed value cut around the offending character.
    marked: Option<(String, String, String)>,
    /// What a version-00 service forwards (when it differs from the input).
    forwarded: Option<String>,
}

/// The result for the `tracestate`.
struct TsResult {
    entries: Vec<(String, String, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "tools_traceparent.html")]
struct ToolPage {
    ctx: Ctx,
    traceparent: String,
    tracestate: String,
    tp: Option<TpResult>,
    ts: Option<TsResult>,
    examples: Vec<(&'static str, String)>,
}

const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "valid, sampled",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    ),
    (
        "not sampled",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
        "",
    ),
    (
        "upper-case hex",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "",
    ),
    (
        "version ff",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "",
    ),
    (
        "all-zero trace-id",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "",
    ),
    (
        "a future version",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-what-the-future-holds",
        "",
    ),
    (
        "bad tracestate",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "Rojo=1,congo=2",
    ),
];

fn example_href(tp: &str, ts: &str) -> String {
    let mut href = format!(
        "/tools/traceparent?traceparent={}",
        crate::web::guards::extract::urlencode(tp)
    );
    if !ts.is_empty() {
        href.push_str("&tracestate=");
        href.push_str(&crate::web::guards::extract::urlencode(ts));
    }
    href
}

/// Where an error points into the trimmed value, if it does.
fn error_index(e: &TraceParentError) -> Option<usize> {
    match e {
        TraceParentError::UppercaseHex { index, .. }
        | TraceParentError::NotHex { index, .. }
        | TraceParentError::MissingDash { index, .. } => Some(*index),
        _ => None,
    }
}

fn check_traceparent(value: &str) -> TpResult {
    match parse_traceparent(value) {
        Ok(tp) => {
            let canonical = format_traceparent(&tp);
            let trimmed = value.trim_matches([' ', '\t']);
            TpResult {
                fields: explain(&tp)
                    .into_iter()
                    .map(|(name, value, meaning)| Field {
                        name,
                        value,
                        meaning,
                    })
                    .collect(),
                error: None,
                marked: None,
                forwarded: (canonical != trimmed).then_some(canonical),
            }
        }
        Err(e) => {
            let trimmed = value.trim_matches([' ', '\t']);
            let marked = error_index(&e).and_then(|i| {
                let c = trimmed.get(i..)?.chars().next()?;
                Some((
                    trimmed[..i].to_string(),
                    c.to_string(),
                    trimmed[i + c.len_utf8()..].to_string(),
                ))
            });
            TpResult {
                fields: Vec::new(),
                error: Some(e.to_string()),
                marked,
                forwarded: None,
            }
        }
    }
}

fn check_tracestate(value: &str) -> TsResult {
    match parse_tracestate(value) {
        Ok(ts) => TsResult {
            entries: ts
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, v))| {
                    let mut note = match k.split_once('@') {
                        Some((tenant, system)) => {
                            format!("multi-tenant key: tenant {tenant} of tracing system {system}")
                        }
                        None => "simple key: one tracing system".to_string(),
                    };
                    if i == 0 {
                        note.push_str("; left-most, so the most recently updated entry");
                    }
                    (k.clone(), v.clone(), note)
                })
                .collect(),
            error: None,
        },
        Err(e) => TsResult {
            entries: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

async fn traceparent_tool(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Html<String>, AppError> {
    let mut traceparent = String::new();
    let mut tracestate = String::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match &*k {
            "traceparent" => traceparent = v.into_owned(),
            "tracestate" => tracestate = v.into_owned(),
            _ => {}
        }
    }
    if traceparent.len() > MAX_TRACEPARENT || tracestate.len() > MAX_TRACESTATE {
        return Err(AppError::BadRequest(format!(
            "That is too long to be a header: a traceparent here may have up to {MAX_TRACEPARENT} characters and a tracestate up to {MAX_TRACESTATE}."
        )));
    }
    let tp = (!traceparent.trim().is_empty()).then(|| check_traceparent(&traceparent));
    let ts = (!tracestate.trim().is_empty()).then(|| check_tracestate(&tracestate));
    render(&ToolPage {
        ctx,
        tp,
        ts,
        traceparent,
        tracestate,
        examples: EXAMPLES
            .iter()
            .map(|(label, tp, ts)| (*label, example_href(tp, ts)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_offending_character() {
        let r = check_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01");
        let (before, at, after) = r.marked.expect("marked");
        assert_eq!(at, "_");
        assert!(before.ends_with("b7") && after == "01");
        let r = check_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x");
        assert!(r.error.is_none());
        assert_eq!(
            r.forwarded.as_deref(),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        );
        let s = check_tracestate("a@b=1,c=2");
        assert_eq!(s.entries.len(), 2);
        assert!(s.entries[0].2.contains("tenant a"));
    }
}
