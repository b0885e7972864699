//! The per-service latency breakdown as rows for a table with bars.

use crate::web::render::scale::{fmt_ns, share};
use crate::web::render::{TraceModel, colour};

/// Most services listed one by one; the rest are summed into one row.
pub const MAX_ROWS: usize = 30;

/// One row of the breakdown table (plain data; the template escapes it).
#[derive(Debug, Clone)]
pub struct Row {
    /// Service name (or "N other services").
    pub service: String,
    /// Colour class index (None for the summary row).
    pub colour: Option<usize>,
    /// Spans.
    pub spans: usize,
    /// Spans with error status.
    pub errors: usize,
    /// Sum of self times, formatted.
    pub self_time: String,
    /// Time on the critical path, formatted.
    pub critical: String,
    /// Critical time as a share of the trace, formatted (`42.0%`).
    pub critical_share: String,
    /// Bar widths in percent of the largest value (for the SVG).
    pub self_pct: String,
    /// Critical-path bar width in percent of the largest value.
    pub critical_pct: String,
}

/// Rows sorted by time on the critical path, then self time.
pub fn rows(model: &TraceModel) -> Vec<Row> {
    let mut b = model.breakdown.clone();
    b.retain(|s| s.span_count > 0);
    b.sort_by(|x, y| {
        y.critical_ns
            .cmp(&x.critical_ns)
            .then(y.self_ns.cmp(&x.self_ns))
            .then(x.service.cmp(&y.service))
    });
    let total = model.duration_ns();
    let max = b
        .iter()
        .map(|s| s.self_ns.max(s.critical_ns))
        .max()
        .unwrap_or(0)
        .max(1);
    let row =
        |service: String, colour: Option<usize>, spans, errors, self_ns: u64, crit: u64| Row {
            service,
            colour,
            spans,
            errors,
            self_time: fmt_ns(self_ns),
            critical: fmt_ns(crit),
            critical_share: format!("{:.1}%", share(crit, total)),
            self_pct: format!("{:.2}", share(self_ns, max).min(100.0)),
            critical_pct: format!("{:.2}", share(crit, max).min(100.0)),
        };
    let mut out: Vec<Row> = b
        .iter()
        .take(MAX_ROWS)
        .map(|s| {
            let name = model
                .trace
                .services
                .get(s.service)
                .map_or("?".to_string(), |x| x.name.to_string());
            row(
                name,
                Some(colour(s.service)),
                s.span_count,
                s.error_count,
                s.self_ns,
                s.critical_ns,
            )
        })
        .collect();
    if b.len() > MAX_ROWS {
        let rest = &b[MAX_ROWS..];
        out.push(row(
            format!("{} other services", rest.len()),
            None,
            rest.iter().map(|s| s.span_count).sum(),
            rest.iter().map(|s| s.error_count).sum(),
            rest.iter().map(|s| s.self_ns).sum(),
            rest.iter().map(|s| s.critical_ns).sum(),
        ));
    }
    out
}
