//! The sampling lab page: `/sim/lab`. A GET form whose query holds every
//! parameter, so a run's URL can be shared; `?preset=…` fills the form and
//! runs it. The lab itself is `sim::sampling`, run in the heavy-work budget.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::budget::Kind;
use crate::content::Content;
use crate::sim::Scenario;
use crate::sim::sampling::{LabConfig, PRESETS, Preset, Routing, Strategy, run, suggest_slo_ms};
use crate::web::guards::budget::Client;
use crate::web::guards::extract::Query;
use crate::web::guards::session::MaybeMember;
use crate::web::layout::{Ctx, render};
use crate::web::sim::lab_chart::LabView;
use crate::web::sim::lab_form::{
    FORM_STRATEGIES, LabForm, number, pipeline_of, read_query, sentence, strategies_of,
};
use crate::web::sim::lab_mine::{self, MineSource};
use crate::web::{AppError, AppState, Invalid};

/// Most traces one web run may have (the CLI allows more).
pub const MAX_WEB_TRACES: u64 = 100_000;
/// Most spans (estimated) one web run may generate.
pub const MAX_WEB_SPANS: f64 = 5_000_000.0;

/// Routes `/sim/lab` and `/sim/lab/trace`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sim/lab", get(page))
        .route("/sim/lab/trace", get(open_trace))
}

#[derive(serde::Deserialize)]
struct TraceQuery {
    scenario: String,
    seed: String,
    index: String,
}

/// Trace `index` of the population with `seed`, in the viewer.
async fn open_trace(
    State(state): State<AppState>,
    Query(q): Query<TraceQuery>,
) -> Result<Response, AppError> {
    if state.content.scenarios.get(&q.scenario).is_none() {
        return Err(AppError::BadRequest(format!(
            "There is no scenario “{}”.",
            q.scenario
        )));
    }
    let seed: u64 = number(q.seed.trim(), "seed")?;
    let index: u64 = number(q.index.trim(), "trace number")?;
    if index >= MAX_WEB_TRACES.max(crate::sim::sampling::MAX_TRACES) {
        return Err(AppError::BadRequest(
            "That trace number is beyond any population.".into(),
        ));
    }
    let to = format!(
        "/sim/{}/{}",
        q.scenario,
        crate::sim::sampling::trace_seed(seed, index)
    );
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// Checks the form; fills in defaults (rate, SLO) so the link is complete.
fn validate(
    content: &Content,
    form: &mut LabForm,
) -> Result<(Arc<Scenario>, LabConfig, Vec<Strategy>), Invalid> {
    let sc = content
        .scenarios
        .get(&form.scenario)
        .cloned()
        .ok_or_else(|| {
            Invalid(format!(
                "There is no scenario “{}”. Scenarios: {}.",
                form.scenario,
                content.scenarios.names().join(", ")
            ))
        })?;
    let traces: u64 = number(&form.traces, "number of traces")?;
    if traces == 0 || traces > MAX_WEB_TRACES {
        return Err(Invalid(format!(
            "The number of traces must be between 1 and {MAX_WEB_TRACES} here; \
             `spandojo sim lab` on the command line runs up to a million."
        )));
    }
    let per_trace = sc.expected_spans.max(1.0);
    if traces as f64 * per_trace > MAX_WEB_SPANS {
        return Err(Invalid(format!(
            "{} has about {per_trace:.0} spans per trace: at most {} traces here.",
            sc.name,
            (MAX_WEB_SPANS / per_trace) as u64
        )));
    }
    if form.rate.is_empty() {
        form.rate = sc.rate_per_sec.to_string();
    }
    let rate: f64 = number(&form.rate, "rate")?;
    if form.seed.is_empty() {
        form.seed = "1".to_string();
    }
    let seed: u64 = number(&form.seed, "seed")?;
    if form.slo_ms.is_empty() {
        form.slo_ms = suggest_slo_ms(&sc, seed).to_string();
    }
    let slo_ms: f64 = number(&form.slo_ms, "SLO")?;
    if form.preset.is_empty() && form.default_strategies {
        form.strategies = crate::web::sim::lab_form::default_strategies(slo_ms);
    }
    let (bytes_per_span, pipeline) = pipeline_of(form)?;
    let cfg = LabConfig {
        traces,
        rate_per_sec: rate,
        seed,
        slo_ms,
        bytes_per_span,
        pipeline,
    };
    cfg.validate().map_err(sentence)?;
    let strategies = strategies_of(form)?;
    Ok((sc, cfg, strategies))
}

#[derive(Template)]
#[template(path = "lab.html")]
struct LabPage {
    ctx: Ctx,
    form: LabForm,
    fields: Vec<String>,
    scenarios: Vec<(String, String)>,
    presets: &'static [Preset],
    error: Option<String>,
    view: Option<LabView>,
    max_traces: u64,
    routings: [Routing; 3],
    max_collectors: u32,
    /// The member's own traces as the population (`source=mine`).
    mine: Option<MineSource>,
}

/// The lab page: `form` again, the reason it was refused (a 400) or the
/// run's `view`, and `mine` when the population is the member's traces.
pub(super) fn page_response(
    ctx: Ctx,
    content: &Content,
    form: LabForm,
    (error, view): (Option<String>, Option<LabView>),
    mine: Option<MineSource>,
) -> Result<Response, AppError> {
    let mut fields = form.strategies.clone();
    fields.resize(FORM_STRATEGIES.max(fields.len()), String::new());
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = LabPage {
        ctx,
        fields,
        form,
        scenarios: content
            .scenarios
            .iter()
            .map(|s| (s.name.clone(), s.title.clone()))
            .collect(),
        presets: PRESETS,
        error,
        view,
        max_traces: MAX_WEB_TRACES,
        routings: Routing::ALL,
        max_collectors: crate::sim::sampling::MAX_COLLECTORS,
        mine,
    };
    Ok((status, render(&page)?).into_response())
}

async fn page(
    ctx: Ctx,
    client: Client,
    member: MaybeMember,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let content = &state.content;
    let (mut form, go) = read_query(query.as_deref());
    if form.mine {
        let path = format!("/sim/lab?{}", query.as_deref().unwrap_or(""));
        return lab_mine::page(ctx, client, member, &state, form, go, path).await;
    }
    match go {
        Ok(true) => {}
        Ok(false) => return page_response(ctx, content, form, (None, None), None),
        Err(Invalid(msg)) => return page_response(ctx, content, form, (Some(msg), None), None),
    }
    let (sc, cfg, strategies) = match validate(content, &mut form) {
        Ok(x) => x,
        Err(Invalid(msg)) => return page_response(ctx, content, form, (Some(msg), None), None),
    };
    let specs = strategies.clone();
    let sc2 = sc.clone();
    let report = state
        .budget
        .run(Kind::Lab, &client.0, None, move || run(&sc2, &cfg, &specs))
        .await?;
    match report {
        Ok(report) => {
            let view = LabView::new(&report, &strategies, &sc, form.query());
            page_response(ctx, content, form, (None, Some(view)), None)
        }
        Err(msg) => page_response(ctx, content, form, (Some(msg), None), None),
    }
}
