//! The flame graph (an icicle on the trace's time line): one band per root,
//! one row per depth, each span a rectangle at its real start and duration.
//! Spans narrower than a pixel are merged with their neighbours into one
//! rectangle, so a 10,000-span trace stays a light SVG.

use std::fmt::Write;

use crate::web::render::scale::fmt_ns;
use crate::web::render::{DetailMode, TraceModel, colour, push_esc, truncate};

/// Width of the drawing in SVG units (it scales to the page).
pub const WIDTH: f64 = 1200.0;
/// Height of one row.
const ROW: f64 = 18.0;
/// Most rows drawn (a file of many unrelated roots would be endless).
pub const MAX_ROWS: usize = 200;
/// Approximate width of one label character.
const CHAR_W: f64 = 6.6;

/// A run of spans too narrow to draw alone.
struct Run {
    x0: f64,
    x1: f64,
    count: usize,
    first: usize,
    start_ns: u64,
    end_ns: u64,
}

/// The rendered flame graph.
pub struct Flame {
    /// The SVG, every text escaped.
    pub svg: String,
    /// Rectangles drawn for single spans.
    pub drawn: usize,
    /// Rectangles standing for several merged spans.
    pub merged: usize,
    /// Spans not drawn because they fall below [`MAX_ROWS`].
    pub skipped: usize,
}

/// Renders the flame graph of the whole trace.
pub fn render(model: &TraceModel, mode: &DetailMode) -> Flame {
    let n = model.len();
    let span_ns = model.duration_ns().max(1) as f64;
    let scale = WIDTH / span_ns;
    // Rows of earlier roots' bands come first.
    let mut deepest = vec![0usize; n];
    for i in 0..n {
        let r = model.root_of[i];
        deepest[r] = deepest[r].max(model.depth[i]);
    }
    let mut band_top = vec![0usize; n];
    let mut next_top = 0;
    for &r in &model.roots {
        band_top[r] = next_top;
        next_top += deepest[r] + 1;
    }
    let rows_total = next_top.clamp(1, MAX_ROWS);
    let height = rows_total as f64 * ROW;
    let mut order: Vec<(usize, u64, usize)> = (0..n)
        .map(|i| {
            let row = band_top[model.root_of[i]] + model.depth[i];
            (row, model.trace.spans[i].start_ns, i)
        })
        .collect();
    order.sort_unstable();
    let mut svg = String::with_capacity(n.min(20_000) * 160 + 512);
    let _ = write!(
        svg,
        r#"<svg class="flame" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="group" aria-label="flame graph: each bar links to its span">"#
    );
    let mut drawn = 0;
    let mut merged = 0;
    let mut skipped = 0;
    let mut run: Option<Run> = None;
    let mut run_row = usize::MAX;
    for &(row, _, i) in &order {
        crate::budget::yield_point();
        if row >= MAX_ROWS {
            skipped += 1;
            continue;
        }
        let s = &model.trace.spans[i];
        let x0 = s.start_ns.saturating_sub(model.t0) as f64 * scale;
        let x1 = s.end_ns.saturating_sub(model.t0) as f64 * scale;
        if row != run_row {
            if let Some(r) = run.take() {
                merged += flush(&mut svg, model, r, run_row, mode);
            }
            run_row = row;
        }
        if x1 - x0 >= 1.0 {
            if let Some(r) = run.take() {
                merged += flush(&mut svg, model, r, run_row, mode);
            }
            span_rect(&mut svg, model, i, x0, x1 - x0, row as f64 * ROW, mode);
            drawn += 1;
            continue;
        }
        match &mut run {
            Some(r) if x0 <= r.x1 + 1.0 => {
                r.x1 = r.x1.max(x1);
                r.count += 1;
                r.start_ns = r.start_ns.min(s.start_ns);
                r.end_ns = r.end_ns.max(s.end_ns);
            }
            _ => {
                if let Some(r) = run.take() {
                    merged += flush(&mut svg, model, r, run_row, mode);
                }
                run = Some(Run {
                    x0,
                    x1,
                    count: 1,
                    first: i,
                    start_ns: s.start_ns,
                    end_ns: s.end_ns,
                });
            }
        }
    }
    if let Some(r) = run.take() {
        merged += flush(&mut svg, model, r, run_row, mode);
    }
    svg.push_str("</svg>");
    Flame {
        svg,
        drawn,
        merged,
        skipped,
    }
}

/// Draws a run; returns 1 when it stood for several spans.
fn flush(out: &mut String, model: &TraceModel, r: Run, row: usize, mode: &DetailMode) -> usize {
    let y = row as f64 * ROW;
    if r.count == 1 {
        span_rect(out, model, r.first, r.x0, (r.x1 - r.x0).max(1.0), y, mode);
        return 0;
    }
    let _ = write!(
        out,
        r#"<g class="fm"><title>{} spans narrower than a pixel, +{} to +{}</title><rect x="{:.2}" y="{y:.1}" width="{:.2}" height="{}"/></g>"#,
        r.count,
        fmt_ns(r.start_ns.saturating_sub(model.t0)),
        fmt_ns(r.end_ns.saturating_sub(model.t0)),
        r.x0,
        (r.x1 - r.x0).max(1.0),
        ROW - 1.0
    );
    1
}

fn span_rect(
    out: &mut String,
    model: &TraceModel,
    i: usize,
    x: f64,
    w: f64,
    y: f64,
    mode: &DetailMode,
) {
    let s = &model.trace.spans[i];
    let service = model.service_name(i);
    let href = if w >= 4.0 {
        mode.span_href(&s.span_id)
    } else {
        None
    };
    if let Some(h) = &href {
        out.push_str(r#"<a href=""#);
        push_esc(out, h);
        out.push_str(r#"">"#);
    }
    let _ = write!(
        out,
        r#"<g class="f c{}{}{}"><title>"#,
        colour(s.service),
        if model.is_critical(i) { " crit" } else { "" },
        if s.status.is_error() { " err" } else { "" }
    );
    push_esc(out, &truncate(service, 60));
    out.push_str(": ");
    push_esc(out, &truncate(&s.name, 160));
    let _ = write!(
        out,
        " — start +{}, duration {}, self {}</title><rect x=\"{x:.2}\" y=\"{y:.1}\" width=\"{w:.2}\" height=\"{}\"/>",
        fmt_ns(s.start_ns.saturating_sub(model.t0)),
        fmt_ns(s.duration_ns()),
        fmt_ns(model.self_ns[i]),
        ROW - 1.0
    );
    let chars = ((w - 6.0) / CHAR_W).floor();
    if chars >= 3.0 {
        let label = format!("{service}: {}", s.name);
        let _ = write!(out, r#"<text x="{:.2}" y="{:.1}">"#, x + 3.0, y + ROW - 5.0);
        push_esc(out, &truncate(&label, chars as usize));
        out.push_str("</text>");
    }
    out.push_str("</g>");
    if href.is_some() {
        out.push_str("</a>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{GenerateOptions, generate, generate_with, parse_scenario};

    #[test]
    fn small_trace_draws_every_span() {
        let sc = parse_scenario(include_str!("../../../content/topologies/study-sheet.toml"))
            .expect("valid");
        let t = generate(&sc, 1);
        let m = TraceModel::new(&t);
        let f = render(&m, &DetailMode::Inline);
        assert_eq!(f.drawn + f.merged, f.svg.matches("<g ").count());
        assert!(f.drawn >= 1);
        assert!(f.svg.contains("class=\"f c0 crit"));
    }

    #[test]
    fn big_trace_merges_tiny_spans() {
        let sc = parse_scenario(include_str!(
            "../../../content/topologies/large-estate.toml"
        ))
        .expect("valid");
        let opts = GenerateOptions {
            min_spans: 10_000,
            start_unix_nano: None,
            ..Default::default()
        };
        let t = generate_with(&sc, 1, &opts);
        let m = TraceModel::new(&t);
        let f = render(&m, &DetailMode::Inline);
        assert!(f.merged > 0);
        assert!(f.drawn + f.merged < t.spans.len());
    }
}
