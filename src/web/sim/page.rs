//! The trace page shared by generated traces (`/sim/{scenario}/{seed}`) and
//! uploads: header, timeline with span detail, critical path, latency
//! breakdown, flame graph and service graph.

use askama::Template;

use crate::sim::trace::hex;
use crate::sim::{Status, Trace};
use crate::web::Ctx;
use crate::web::render::detail::{self, SpanDetail};
use crate::web::render::scale::{fmt_ns, share};
use crate::web::render::{
    DetailMode, PageLinks, TraceModel, breakdown, flame, service_graph, timeline,
};

/// Rows emitted by default for a big trace (the collapse depth adapts).
pub const DEFAULT_ROW_BUDGET: usize = 600;
/// Most timeline rows on one page.
pub const MAX_ROWS: usize = 3_000;
/// Most rows with an inline detail (uploads).
pub const MAX_INLINE_DETAILS: usize = 1_000;
/// Deepest collapse depth accepted.
pub const MAX_DEPTH: usize = 64;

/// How the reader asked to see the trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// Collapse depth (None: adapt to the trace's size).
    pub depth: Option<usize>,
    /// Expanded subtrees.
    pub expand: Vec<[u8; 8]>,
    /// Subtrees collapsed by a ▾ link.
    pub collapse: Vec<[u8; 8]>,
    /// Span whose detail is shown.
    pub span: Option<[u8; 8]>,
    /// Only the critical path.
    pub critical_only: bool,
}

/// What a generated trace's header shows.
pub struct Generated {
    /// Scenario slug.
    pub name: String,
    /// Scenario title.
    pub title: String,
    /// Scenario description, rendered from trusted Markdown.
    pub description_html: String,
    /// Faults of the scenario, described.
    pub faults: Vec<String>,
    /// Seed.
    pub seed: u64,
    /// `?spans=` (0: none).
    pub spans: usize,
    /// Page path.
    pub path: String,
    /// Link to the next seed.
    pub next_href: String,
    /// The next seed.
    pub next_seed: u64,
    /// Link to a random seed.
    pub random_href: String,
    /// OTLP JSON download.
    pub otlp_href: String,
    /// Jaeger JSON download.
    pub jaeger_href: String,
    /// Zipkin v2 JSON download.
    pub zipkin_href: String,
    /// Links that keep the current view (all spans / critical path only / reset).
    pub all_href: String,
    /// Critical path only.
    pub critical_href: String,
}

/// An uploaded trace's header.
pub struct Uploaded {
    /// File name as sent (escaped by the template).
    pub file_name: String,
    /// Format read, e.g. `Jaeger JSON`.
    pub format: String,
    /// Fields degraded while reading the file (`path: what was done`).
    pub warnings: Vec<String>,
    /// All warnings, including those not listed.
    pub warnings_total: usize,
    /// The heading of the warnings box: values degraded on upload, or notes
    /// about a received trace (incomplete, orphans).
    pub warnings_heading: String,
    /// Traces in the file (more than one: the page offers the way back to
    /// their list).
    pub traces: usize,
    /// This trace's id, 32 hex digits.
    pub trace_id: String,
    /// The kept file ([`crate::web::sim::upload_state`]), so that the page
    /// converts it or goes back to its list without the file chosen again;
    /// empty when the file is too large to keep.
    pub state: String,
    /// Set for a trace the OTLP receiver stored for the member
    /// (`/traces/{trace_id}`): it is kept, so its downloads are links and
    /// it can be deleted and shared.
    pub received: bool,
    /// A received trace its owner shares with the group.
    pub shared: bool,
    /// Set when a member reads another member's shared trace: the owner's
    /// display name (the page is read-only).
    pub shared_by: Option<String>,
}

/// Where the errors start.
pub struct Origin {
    /// `service: span`.
    pub label: String,
    /// Status message.
    pub message: String,
    /// Link to its detail (generated traces).
    pub href: Option<String>,
}

/// A span that holds the critical path.
pub struct PathRow {
    /// `service: span`.
    pub label: String,
    /// Time on the path.
    pub time: String,
    /// Share of the trace.
    pub share: String,
    /// Link to its detail (generated traces).
    pub href: Option<String>,
}

/// The trace page.
#[derive(Template)]
#[template(path = "sim_trace.html")]
pub struct TracePage {
    pub ctx: Ctx,
    pub title: String,
    pub generated: Option<Generated>,
    pub uploaded: Option<Uploaded>,
    pub span_count: usize,
    pub service_count: usize,
    pub trace_ids: Vec<String>,
    pub duration: String,
    pub error_count: usize,
    pub origin: Option<Origin>,
    pub timeline: String,
    pub timeline_note: Option<String>,
    pub depth: usize,
    pub depth_choices: Vec<usize>,
    pub critical_only: bool,
    /// The selected span's detail (generated traces; uploads show theirs
    /// inline in the timeline).
    pub detail: Option<SpanDetail>,
    pub path_rows: Vec<PathRow>,
    pub path_spans: usize,
    pub path_services: usize,
    pub root_count: usize,
    pub breakdown: Vec<breakdown::Row>,
    pub flame: String,
    pub flame_note: Option<String>,
    pub graph: String,
    pub graph_note: Option<String>,
}

/// Resolves span ids of the view to indices.
fn indices(model: &TraceModel, ids: &[[u8; 8]]) -> Vec<usize> {
    ids.iter().filter_map(|id| model.find(id)).collect()
}

/// The detail fragment alone (for `?part=detail`): None when the span is unknown.
pub fn detail_fragment(trace: &Trace, span: &[u8; 8], links: PageLinks) -> Option<String> {
    let model = TraceModel::new(trace);
    let i = model.find(span)?;
    Some(detail::span_detail(&model, i, &DetailMode::Link(links)))
}

/// Builds the page. `links` is Some for generated traces (link mode), None
/// for uploads (inline details).
pub fn build(
    ctx: Ctx,
    trace: &Trace,
    view: &View,
    generated: Option<Generated>,
    uploaded: Option<Uploaded>,
    links: Option<PageLinks>,
) -> TracePage {
    let model = TraceModel::new(trace);
    let mode = match links {
        Some(l) => DetailMode::Link(l),
        None => DetailMode::Inline,
    };
    let depth = view
        .depth
        .unwrap_or_else(|| timeline::default_depth(&model, DEFAULT_ROW_BUDGET))
        .clamp(1, MAX_DEPTH);
    let selected = view.span.and_then(|s| model.find(&s));
    let expand = indices(&model, &view.expand);
    let collapse = indices(&model, &view.collapse);
    let tl = timeline::render(
        &model,
        &timeline::Options {
            depth,
            expand: &expand,
            collapse: &collapse,
            selected,
            critical_only: view.critical_only,
            max_rows: MAX_ROWS,
            max_inline_details: MAX_INLINE_DETAILS,
            mode: &mode,
        },
    );
    let mut notes = Vec::new();
    if tl.hidden > 0 {
        notes.push(if view.critical_only {
            let critical = (0..model.len()).filter(|&i| model.is_critical(i)).count();
            let others = model.len() - critical;
            if tl.rows < critical {
                format!(
                    "Showing {} of the {critical} spans on the critical path (the list stops at {MAX_ROWS} rows); {others} spans are not on it.",
                    tl.rows
                )
            } else {
                format!(
                    "Showing the {critical} spans on the critical path; {others} others are left out."
                )
            }
        } else {
            format!(
                "Showing {} of {} spans: {} sit inside collapsed rows below depth {depth}. Open a row's +N to expand it, or choose a deeper level.",
                tl.rows,
                model.len(),
                tl.hidden
            )
        });
    }
    if tl.capped {
        notes.push(format!(
            "The list stops after {MAX_ROWS} rows; collapse deeper levels or expand single subtrees to see the rest."
        ));
    }
    if matches!(mode, DetailMode::Inline) && tl.rows > MAX_INLINE_DETAILS {
        notes.push(format!(
            "Span details are included for the first {MAX_INLINE_DETAILS} rows."
        ));
    }
    let detail = match &mode {
        DetailMode::Link(_) => SpanDetail::new(
            &model,
            selected.or(model.roots.first().copied()).unwrap_or(0),
            &mode,
        ),
        DetailMode::Inline => None,
    };
    let origin = model.error_origin.map(|i| {
        let s = &trace.spans[i];
        Origin {
            label: format!("{}: {}", model.service_name(i), s.name),
            message: match &s.status {
                Status::Error { message } => message.clone(),
                _ => String::new(),
            },
            href: mode.span_href(&s.span_id),
        }
    });
    let mut on_path: Vec<usize> = (0..model.len()).filter(|&i| model.is_critical(i)).collect();
    let path_spans = on_path.len();
    let mut path_services: Vec<usize> = on_path.iter().map(|&i| trace.spans[i].service).collect();
    path_services.sort_unstable();
    path_services.dedup();
    on_path.sort_by(|&a, &b| {
        model
            .critical_ns(b)
            .cmp(&model.critical_ns(a))
            .then(a.cmp(&b))
    });
    let path_rows = on_path
        .iter()
        .take(8)
        .map(|&i| PathRow {
            label: format!("{}: {}", model.service_name(i), trace.spans[i].name),
            time: fmt_ns(model.critical_ns(i)),
            share: format!("{:.1}%", share(model.critical_ns(i), model.duration_ns())),
            href: mode.span_href(&trace.spans[i].span_id),
        })
        .collect();
    let fl = flame::render(&model, &mode);
    let mut flame_notes = Vec::new();
    if fl.merged > 0 {
        flame_notes.push(format!(
            "{} grey blocks each stand for several spans narrower than a pixel.",
            fl.merged
        ));
    }
    if fl.skipped > 0 {
        flame_notes.push(format!(
            "{} spans below row {} are not drawn.",
            fl.skipped,
            flame::MAX_ROWS
        ));
    }
    let graph = service_graph::render(
        &service_graph::from_trace(trace),
        "trace",
        service_graph::MAX_PER_LAYER,
    );
    let graph_note = (graph.shown < graph.total).then(|| {
        format!(
            "Showing {} of {} services: the busiest of each layer.",
            graph.shown, graph.total
        )
    });
    let max_depth = model.max_depth();
    let mut depth_choices: Vec<usize> = (1..=(max_depth + 1).min(MAX_DEPTH)).collect();
    if !depth_choices.contains(&depth) {
        depth_choices.push(depth);
    }
    let title = match (&generated, &uploaded) {
        (Some(g), _) => format!("{} · seed {}", g.title, g.seed),
        (None, Some(u)) if u.received => format!("Received {}", u.file_name),
        (None, Some(u)) => format!("Uploaded trace · {}", u.file_name),
        (None, None) => "Trace".to_string(),
    };
    TracePage {
        ctx,
        title,
        span_count: model.len(),
        service_count: trace.services.len(),
        trace_ids: trace.trace_ids().iter().map(|t| hex(t)).collect(),
        duration: fmt_ns(model.duration_ns()),
        error_count: model.error_count,
        origin,
        timeline: tl.html,
        timeline_note: (!notes.is_empty()).then(|| notes.join(" ")),
        depth,
        depth_choices,
        critical_only: view.critical_only,
        detail,
        path_rows,
        path_spans,
        path_services: path_services.len(),
        root_count: model.roots.len(),
        breakdown: breakdown::rows(&model),
        flame: fl.svg,
        flame_note: (!flame_notes.is_empty()).then(|| flame_notes.join(" ")),
        graph: graph.svg,
        graph_note,
        generated,
        uploaded,
    }
}

/// "1 value of the file could not be read as written and was degraded", or
/// the plural: the heading of an upload's warnings.
pub fn degraded_heading(total: usize) -> String {
    if total == 1 {
        "1 value of the file could not be read as written and was degraded".to_string()
    } else {
        format!("{total} values of the file could not be read as written and were degraded")
    }
}
