//! What a puzzle shows: a span table, a header, or a table of facts.

use crate::sim::trace::{Trace, hex};

/// One span as a table row.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRow {
    /// 1-based number used in options (`#3`).
    pub number: usize,
    pub depth: usize,
    pub service: String,
    pub name: String,
    pub kind: &'static str,
    /// Start offset from the trace's first span, in ms.
    pub start_ms: f64,
    pub duration_ms: f64,
    pub error: bool,
    pub span_id: String,
    /// `retry.attempt`, when the span is one of several attempts.
    pub attempt: Option<i64>,
    /// The first 8 hex digits of the trace id, when the exhibit spans
    /// several trace ids.
    pub trace: Option<String>,
    /// Attributes a puzzle needs shown, as `key=value`.
    pub attrs: Vec<String>,
}

impl SpanRow {
    /// Indentation for the tree column.
    pub fn indent(&self) -> String {
        "· ".repeat(self.depth)
    }
}

/// The material a puzzle is worked from.
#[derive(Debug, Clone, PartialEq)]
pub enum Exhibit {
    /// A trace as a table of spans.
    Spans(Vec<SpanRow>),
    /// A `traceparent` header received by a span, with the spans that could have sent it.
    Header {
        traceparent: String,
        receiver: String,
        spans: Vec<SpanRow>,
    },
    /// Facts about a population (label, value).
    Facts(Vec<(String, String)>),
    /// A Collector configuration to apply to a trace: the YAML, facts about
    /// the trace, and its spans.
    Config {
        yaml: String,
        facts: Vec<(String, String)>,
        spans: Vec<SpanRow>,
    },
}

/// Depth of each span (0 for roots).
fn depths(trace: &Trace) -> Vec<usize> {
    let mut depth = vec![0usize; trace.spans.len()];
    for (i, s) in trace.spans.iter().enumerate() {
        if let Some(p) = s.parent.filter(|&p| p < i) {
            depth[i] = depth[p] + 1;
        }
    }
    depth
}

/// Every span of `trace` as a row, numbered from 1 in trace order.
pub fn span_rows(trace: &Trace) -> Vec<SpanRow> {
    let base = trace.spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
    let depth = depths(trace);
    let several = trace.trace_ids().len() > 1;
    trace
        .spans
        .iter()
        .enumerate()
        .map(|(i, s)| SpanRow {
            number: i + 1,
            depth: depth[i],
            service: trace
                .services
                .get(s.service)
                .map(|x| x.name.to_string())
                .unwrap_or_default(),
            name: s.name.to_string(),
            kind: s.kind.as_str(),
            start_ms: (s.start_ns - base) as f64 / 1e6,
            duration_ms: s.duration_ns() as f64 / 1e6,
            error: s.status.is_error(),
            span_id: hex(&s.span_id),
            attempt: s.attr("retry.attempt").and_then(|v| v.as_int()),
            trace: several.then(|| hex(&s.trace_id)[..8].to_string()),
            attrs: Vec::new(),
        })
        .collect()
}

/// Adds `key=value` of each of `keys` a span carries to its row.
pub fn show_attrs(rows: &mut [SpanRow], trace: &Trace, keys: &[&str]) {
    for r in rows {
        let s = &trace.spans[r.number - 1];
        for k in keys {
            if let Some(v) = s.attr(k) {
                r.attrs.push(format!("{k}={v}"));
            }
        }
    }
}

/// `#n service: name` for option texts.
pub fn label(trace: &Trace, i: usize) -> String {
    let s = &trace.spans[i];
    let service = trace
        .services
        .get(s.service)
        .map(|x| &*x.name)
        .unwrap_or("?");
    format!("#{} {service}: {}", i + 1, s.name)
}
