//! The simulator's gallery (`/sim`) and a scenario's page (`/sim/{scenario}`):
//! descriptions, faults, the topology as a service graph, and sample seeds.

use crate::web::guards::extract::Path;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::content::markdown::render_inline;
use crate::sim::Scenario;
use crate::sim::scenario::topology::{Fault, FaultKind};
use crate::web::layout::{Ctx, render};
use crate::web::render::scale::fmt_ns;
use crate::web::render::service_graph;
use crate::web::sim::viewer::{TraceQuery, scenario, trace_for};
use crate::web::{AppError, AppState, blocking};

/// Sample seeds listed on a scenario's page.
const SAMPLE_SEEDS: u64 = 8;

/// A fault in one line.
pub(super) fn fault_text(f: &Fault) -> String {
    let what = match &f.kind {
        FaultKind::Slow { multiply, add_ms } => format!("slower (×{multiply}, +{add_ms} ms)"),
        FaultKind::ErrorBurst { error_rate } => {
            format!("error burst ({:.0}% of calls fail)", error_rate * 100.0)
        }
        FaultKind::SlowQuery { multiply, add_ms } => {
            format!("slow query (×{multiply}, +{add_ms} ms)")
        }
        FaultKind::DropTraceparent => "drops the inbound traceparent".to_string(),
    };
    match &f.description {
        Some(d) => format!("{}: {what}. {d}", f.target),
        None => format!("{}: {what}.", f.target),
    }
}

/// One scenario on the gallery.
struct Card {
    name: String,
    title: String,
    description_html: String,
    services: usize,
    operations: usize,
    expected_spans: String,
    faults: usize,
    graph: String,
    graph_note: Option<String>,
}

#[derive(Template)]
#[template(path = "sim_gallery.html")]
struct GalleryPage {
    ctx: Ctx,
    cards: Vec<Card>,
}

/// Most services per layer on the gallery's small cards.
const GALLERY_PER_LAYER: usize = 4;

fn graph_of(sc: &Scenario, per_layer: usize) -> (String, Option<String>) {
    let d = service_graph::render(&service_graph::from_scenario(sc), &sc.name, per_layer);
    let note = (d.shown < d.total).then(|| {
        format!(
            "A summary: {} of {} services, those with the most operations in each layer; services the entry never calls are left out.",
            d.shown, d.total
        )
    });
    (d.svg, note)
}

pub(super) async fn gallery(
    ctx: Ctx,
    State(state): State<AppState>,
) -> Result<Html<String>, AppError> {
    let cards = state
        .content
        .scenarios
        .iter()
        .map(|sc| {
            let (graph, graph_note) = graph_of(sc, GALLERY_PER_LAYER);
            Card {
                name: sc.name.clone(),
                title: sc.title.clone(),
                description_html: render_inline(&sc.description),
                services: sc.services.len(),
                operations: sc.operations.len(),
                expected_spans: format!("{:.0}", sc.expected_spans),
                faults: sc.faults.len(),
                graph,
                graph_note,
            }
        })
        .collect();
    render(&GalleryPage { ctx, cards })
}

/// A sample trace on a scenario's page.
struct Sample {
    seed: u64,
    spans: usize,
    duration: String,
    errors: usize,
    trace_ids: usize,
}

#[derive(Template)]
#[template(path = "sim_scenario.html")]
struct ScenarioPage {
    ctx: Ctx,
    name: String,
    title: String,
    description_html: String,
    faults: Vec<String>,
    services: usize,
    operations: usize,
    graph: String,
    graph_note: Option<String>,
    samples: Vec<Sample>,
}

pub(super) async fn scenario_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let sc = scenario(&state, &name)?;
    let q = TraceQuery::parse(raw.as_deref())?;
    if let Some(seed) = q.seed {
        let spans = if q.spans > 0 {
            format!("?spans={}", q.spans)
        } else {
            String::new()
        };
        return Ok(Redirect::to(&format!("/sim/{}/{seed}{spans}", sc.name)).into_response());
    }
    let page = blocking(move || {
        let samples = (1..=SAMPLE_SEEDS)
            .map(|seed| {
                let t = trace_for(&sc, seed, 0, crate::sim::GeneratorVersion::CURRENT);
                let (a, b) = t.time_range();
                Sample {
                    seed,
                    spans: t.spans.len(),
                    duration: fmt_ns(b.saturating_sub(a)),
                    errors: t.spans.iter().filter(|s| s.status.is_error()).count(),
                    trace_ids: t.trace_ids().len(),
                }
            })
            .collect();
        let (graph, graph_note) = graph_of(&sc, service_graph::MAX_PER_LAYER);
        ScenarioPage {
            ctx,
            name: sc.name.clone(),
            title: sc.title.clone(),
            description_html: render_inline(&sc.description),
            faults: sc.faults.iter().map(fault_text).collect(),
            services: sc.services.len(),
            operations: sc.operations.len(),
            graph,
            graph_note,
            samples,
        }
    })
    .await?;
    Ok(render(&page)?.into_response())
}
