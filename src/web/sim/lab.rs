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
use crate::sim::sampling::{
    LabConfig, PRESETS, Pipeline, Preset, Routing, Strategy, parse_strategy, preset, run,
    suggest_slo_ms,
};
use crate::web::guards::budget::Client;
use crate::web::guards::extract::Query;
use crate::web::layout::{Ctx, render};
use crate::web::sim::lab_chart::LabView;
use crate::web::{AppError, AppState, Invalid};

/// Most traces one web run may have (the CLI allows more).
pub const MAX_WEB_TRACES: u64 = 100_000;
/// Most spans (estimated) one web run may generate.
pub const MAX_WEB_SPANS: f64 = 5_000_000.0;
/// Strategy fields on the form.
pub const FORM_STRATEGIES: usize = 4;

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

/// The form as typed, echoed back (also on errors).
#[derive(Debug, Clone, Default)]
pub struct LabForm {
    pub preset: String,
    pub scenario: String,
    pub traces: String,
    pub rate: String,
    pub seed: String,
    pub slo_ms: String,
    pub bytes_per_span: String,
    pub strategies: Vec<String>,
    /// Pasted Collector YAML (a whole file, a processor or its body).
    pub collector: String,
    /// The feature gate `processor.tailsamplingprocessor.disableinvertdecisions`.
    pub disable_invert: bool,
    /// Collector replicas behind the load balancer (`1` to `16`).
    pub collectors: String,
    /// Routing to them: `traceID`, `round_robin` or `service`.
    pub routing: String,
}

impl LabForm {
    fn from_preset(p: &Preset) -> LabForm {
        LabForm {
            preset: p.name.to_string(),
            scenario: p.scenario.to_string(),
            traces: p.traces.to_string(),
            rate: p.rate_per_sec.map(|r| r.to_string()).unwrap_or_default(),
            seed: p.seed.to_string(),
            slo_ms: p.slo_ms.to_string(),
            bytes_per_span: p.bytes_per_span.to_string(),
            strategies: p.strategies.iter().map(|s| s.to_string()).collect(),
            collector: String::new(),
            disable_invert: false,
            collectors: p.pipeline.collectors.to_string(),
            routing: p.pipeline.routing.name().to_string(),
        }
    }

    /// The query string that reproduces this run.
    pub fn query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("scenario", &self.scenario),
            ("traces", &self.traces),
            ("rate", &self.rate),
            ("seed", &self.seed),
            ("slo_ms", &self.slo_ms),
            ("bytes_per_span", &self.bytes_per_span),
        ] {
            q.append_pair(k, v);
        }
        for s in self.strategies.iter().filter(|s| !s.trim().is_empty()) {
            q.append_pair("s", s);
        }
        if !self.collector.trim().is_empty() {
            q.append_pair("collector", &self.collector);
        }
        if self.disable_invert {
            q.append_pair("gate", "disableinvertdecisions");
        }
        if !matches!(self.collectors.as_str(), "" | "1") {
            q.append_pair("collectors", &self.collectors);
            q.append_pair("routing", &self.routing);
        }
        q.finish()
    }
}

/// Reads the query: the form to show, and whether to run it (or why not).
fn read_query(query: Option<&str>) -> (LabForm, Result<bool, Invalid>) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
    };
    let mut form = LabForm::from_preset(&PRESETS[0]);
    form.preset.clear();
    if pairs.is_empty() {
        return (form, Ok(false));
    }
    if let Some(name) = get("preset").filter(|n| !n.is_empty()) {
        match preset(&name) {
            Some(p) => form = LabForm::from_preset(p),
            None => {
                let known: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
                let msg = format!(
                    "There is no preset “{name}”. Presets: {}.",
                    known.join(", ")
                );
                return (form, Err(Invalid(msg)));
            }
        }
    }
    for (key, field) in [
        ("scenario", &mut form.scenario),
        ("traces", &mut form.traces),
        ("rate", &mut form.rate),
        ("seed", &mut form.seed),
        ("slo_ms", &mut form.slo_ms),
        ("bytes_per_span", &mut form.bytes_per_span),
        ("collectors", &mut form.collectors),
        ("routing", &mut form.routing),
    ] {
        if let Some(v) = get(key) {
            *field = v;
        }
    }
    if let Some((_, c)) = pairs.iter().rev().find(|(k, _)| k == "collector") {
        form.collector = c.clone();
    }
    form.disable_invert = pairs
        .iter()
        .any(|(k, v)| k == "gate" && v == "disableinvertdecisions");
    let given: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "s")
        .map(|(_, v)| v.trim().to_string())
        .collect();
    if !given.is_empty() {
        let filled: Vec<String> = given.into_iter().filter(|s| !s.is_empty()).collect();
        form.strategies = filled;
        if form.strategies.len() > FORM_STRATEGIES {
            return (
                form,
                Err(Invalid(format!(
                    "At most {FORM_STRATEGIES} strategies at once."
                ))),
            );
        }
    }
    (form, Ok(true))
}

fn number<T: std::str::FromStr>(value: &str, what: &str) -> Result<T, Invalid> {
    value
        .replace(['_', ','], "")
        .parse()
        .map_err(|_| Invalid(format!("The {what} “{value}” is not a number.")))
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
    if form.bytes_per_span.is_empty() {
        form.bytes_per_span = "500".to_string();
    }
    let bytes_per_span: u64 = number(&form.bytes_per_span, "size per span")?;
    if form.collectors.is_empty() {
        form.collectors = "1".to_string();
    }
    let collectors: u32 = number(&form.collectors, "number of collectors")?;
    let routing = if form.routing.is_empty() {
        Routing::default()
    } else {
        Routing::parse(&form.routing).map_err(|e| Invalid(format!("Routing: {e}.")))?
    };
    form.routing = routing.name().to_string();
    let cfg = LabConfig {
        traces,
        rate_per_sec: rate,
        seed,
        slo_ms,
        bytes_per_span,
        pipeline: Pipeline {
            collectors,
            routing,
        },
    };
    cfg.validate().map_err(|e| {
        let mut c = e.chars();
        Invalid(
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>() + ".")
                .unwrap_or(e),
        )
    })?;
    let mut strategies = Vec::new();
    for (i, s) in form.strategies.iter().enumerate() {
        if !s.trim().is_empty() {
            strategies
                .push(parse_strategy(s).map_err(|e| Invalid(format!("Strategy {}: {e}.", i + 1)))?);
        }
    }
    if !form.collector.trim().is_empty() {
        let from_yaml =
            crate::sim::sampling::collector::parse(&form.collector, form.disable_invert)
                .map_err(|e| Invalid(format!("Collector configuration, {e}.")))?;
        strategies.extend(from_yaml);
    }
    if form.disable_invert {
        for s in &mut strategies {
            if let crate::sim::sampling::StrategyKind::Tail(t) = &mut s.kind {
                t.disable_invert_decisions = true;
            }
        }
    }
    if strategies.is_empty() {
        return Err(Invalid("Give at least one strategy.".to_string()));
    }
    if strategies.len() > crate::sim::sampling::MAX_STRATEGIES {
        return Err(Invalid(format!(
            "At most {} strategies at once, counting each tail_sampling processor of the configuration.",
            crate::sim::sampling::MAX_STRATEGIES
        )));
    }
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
}

fn page_response(
    ctx: Ctx,
    content: &Content,
    form: LabForm,
    error: Option<String>,
    view: Option<LabView>,
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
    };
    Ok((status, render(&page)?).into_response())
}

async fn page(
    ctx: Ctx,
    client: Client,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let content = &state.content;
    let (mut form, go) = read_query(query.as_deref());
    match go {
        Ok(true) => {}
        Ok(false) => return page_response(ctx, content, form, None, None),
        Err(Invalid(msg)) => return page_response(ctx, content, form, Some(msg), None),
    }
    let (sc, cfg, strategies) = match validate(content, &mut form) {
        Ok(x) => x,
        Err(Invalid(msg)) => return page_response(ctx, content, form, Some(msg), None),
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
            page_response(ctx, content, form, None, Some(view))
        }
        Err(msg) => page_response(ctx, content, form, Some(msg), None),
    }
}
