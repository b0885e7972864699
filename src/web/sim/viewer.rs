//! The simulator's routes: one generated trace (`/sim/{scenario}/{seed}`),
//! its downloads (`…/otlp.json`, `…/jaeger.json`, `…/zipkin.json`), and the parsing and
//! bounds of their parameters. The gallery (`/sim`) and a scenario's page
//! (`/sim/{scenario}`) live in [`gallery`](crate::web::sim::gallery), the upload in
//! [`upload`](crate::web::sim::upload).
//!
//! Every page is a pure function of the URL: the same `(scenario, seed)`
//! shows the same trace to everyone in the group.

use std::sync::Arc;

use crate::web::guards::extract::Path;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;

use crate::budget::Kind;
use crate::content::markdown::render_inline;
use crate::sim::trace::parse_hex;
use crate::sim::{GenerateOptions, GeneratorVersion, Scenario, Trace, generate_with};
use crate::web::download::{AcceptsGzip, Encoded, TraceFile, attachment};
use crate::web::guards;
use crate::web::guards::budget::Client;
use crate::web::layout::Ctx;
use crate::web::render::PageLinks;
use crate::web::sim::page::{Generated, MAX_DEPTH, View};
use crate::web::sim::{gallery as sim_gallery, page as sim_page};
use crate::web::{AppError, AppState};

/// Largest `?spans=` (minimum span count) accepted.
pub const MAX_SPANS_PARAM: usize = 50_000;
/// Most subtrees expanded at once.
pub const MAX_EXPAND: usize = 32;

/// Routes under `/sim` (the upload lives in [`upload`](crate::web::sim::upload)).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sim", get(sim_gallery::gallery))
        .route("/sim/{scenario}", get(sim_gallery::scenario_page))
        .route("/sim/{scenario}/{seed}", get(trace_page))
        .route("/sim/{scenario}/{seed}/{file}", get(download_file))
}

/// The query of a trace page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceQuery {
    /// Minimum span count (`?spans=`, 0: the scenario's natural size).
    pub spans: usize,
    /// What to show.
    pub view: View,
    /// `?part=detail`: only the span detail fragment.
    pub detail_only: bool,
    /// `?seed=` (scenario page form).
    pub seed: Option<u64>,
    /// `?generator=N`: the generator version that drew the trace (default:
    /// the current one); simulator question attempts link with theirs.
    pub generator: GeneratorVersion,
}

fn bad(message: String) -> AppError {
    AppError::BadRequest(message)
}

fn span_id(value: &str, what: &str) -> Result<[u8; 8], AppError> {
    parse_hex::<8>(value).ok_or_else(|| {
        bad(format!(
            "{what} must be a span id of 16 hex digits, not {value:?}."
        ))
    })
}

/// Parses a seed: any unsigned 64-bit integer.
pub fn parse_seed(value: &str) -> Result<u64, AppError> {
    value.trim().parse::<u64>().map_err(|_| {
        bad(format!(
            "The seed must be a whole number from 0 to {}, not {value:?}.",
            u64::MAX
        ))
    })
}

impl TraceQuery {
    /// Parses and bounds every parameter; anything malformed is a 400.
    pub fn parse(raw: Option<&str>) -> Result<TraceQuery, AppError> {
        let mut q = TraceQuery::default();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match &*k {
                "spans" if !v.is_empty() => q.spans = v
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n <= MAX_SPANS_PARAM)
                    .ok_or_else(|| {
                        bad(format!(
                            "spans must be a whole number from 0 to {MAX_SPANS_PARAM}, not {v:?}."
                        ))
                    })?,
                "depth" if !v.is_empty() => {
                    q.view.depth = Some(
                        v.parse::<usize>()
                            .ok()
                            .filter(|n| (1..=MAX_DEPTH).contains(n))
                            .ok_or_else(|| {
                                bad(format!(
                                    "depth must be a whole number from 1 to {MAX_DEPTH}, not {v:?}."
                                ))
                            })?,
                    )
                }
                "expand" => {
                    for id in v.split(',').filter(|s| !s.is_empty()) {
                        let id = span_id(id, "expand")?;
                        if !q.view.expand.contains(&id) {
                            q.view.expand.push(id);
                        }
                    }
                    if q.view.expand.len() > MAX_EXPAND {
                        return Err(bad(format!(
                            "At most {MAX_EXPAND} subtrees can be expanded at once."
                        )));
                    }
                }
                "collapse" => {
                    for id in v.split(',').filter(|s| !s.is_empty()) {
                        let id = span_id(id, "collapse")?;
                        if !q.view.collapse.contains(&id) {
                            q.view.collapse.push(id);
                        }
                    }
                    if q.view.collapse.len() > MAX_EXPAND {
                        return Err(bad(format!(
                            "At most {MAX_EXPAND} subtrees can be collapsed at once."
                        )));
                    }
                }
                "span" if !v.is_empty() => q.view.span = Some(span_id(&v, "span")?),
                "view" => q.view.critical_only = v == "critical",
                "part" => q.detail_only = v == "detail",
                "seed" if !v.is_empty() => q.seed = Some(parse_seed(&v)?),
                "generator" if !v.is_empty() => {
                    q.generator = v
                        .parse::<GeneratorVersion>()
                        .map_err(|e| bad(format!("generator {e}.")))?
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// The parameters every link of the page keeps.
    fn keep(&self) -> Vec<(&'static str, String)> {
        let mut keep = Vec::new();
        if self.spans > 0 {
            keep.push(("spans", self.spans.to_string()));
        }
        if let Some(d) = self.view.depth {
            keep.push(("depth", d.to_string()));
        }
        if self.view.critical_only {
            keep.push(("view", "critical".to_string()));
        }
        if self.generator != GeneratorVersion::CURRENT {
            keep.push(("generator", self.generator.to_string()));
        }
        keep
    }

    /// `?spans=…&generator=…` (what names the trace), or nothing.
    fn trace_params(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if self.spans > 0 {
            q.append_pair("spans", &self.spans.to_string());
        }
        if self.generator != GeneratorVersion::CURRENT {
            q.append_pair("generator", &self.generator.to_string());
        }
        let q = q.finish();
        if q.is_empty() { q } else { format!("?{q}") }
    }
}

pub(super) fn scenario(state: &AppState, name: &str) -> Result<Arc<Scenario>, AppError> {
    state
        .content
        .scenarios
        .get(name)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// Generates the trace a URL names.
pub fn trace_for(scenario: &Scenario, seed: u64, spans: usize, version: GeneratorVersion) -> Trace {
    let opts = GenerateOptions {
        min_spans: spans.min(MAX_SPANS_PARAM),
        start_unix_nano: None,
        version,
    };
    generate_with(scenario, seed, &opts)
}

fn random_seed() -> u64 {
    let mut b = [0u8; 8];
    rand::fill(&mut b);
    u64::from_le_bytes(b) % 1_000_000
}

/// Renders the whole page for `/sim/{scenario}/{seed}?…` (generation
/// included): what the handler runs on the blocking pool, and what the
/// benchmark times.
pub fn render_trace_page(
    ctx: Ctx,
    scenario: &Scenario,
    seed: u64,
    q: &TraceQuery,
) -> Result<String, AppError> {
    let trace = trace_for(scenario, seed, q.spans, q.generator);
    render_generated(ctx, scenario, seed, &trace, q)
}

/// Renders the page of an already generated `trace` of `(scenario, seed)`
/// (the rendering half of [`render_trace_page`]).
pub fn render_generated(
    ctx: Ctx,
    scenario: &Scenario,
    seed: u64,
    trace: &Trace,
    q: &TraceQuery,
) -> Result<String, AppError> {
    let path = format!("/sim/{}/{seed}", scenario.name);
    let links = PageLinks {
        path: path.clone(),
        keep: q.keep(),
        expand: q.view.expand.clone(),
        collapse: q.view.collapse.clone(),
    };
    if q.detail_only {
        let span = q
            .view
            .span
            .ok_or_else(|| bad("part=detail needs a span.".into()))?;
        return sim_page::detail_fragment(trace, &span, links).ok_or(AppError::NotFound);
    }
    let spans_q = q.trace_params();
    let next_seed = seed.wrapping_add(1);
    let view_links = |critical: bool| {
        let mut l = PageLinks {
            path: path.clone(),
            keep: q.keep(),
            expand: Vec::new(),
            collapse: Vec::new(),
        };
        l.keep.retain(|(k, _)| *k != "view");
        if critical {
            l.keep.push(("view", "critical".into()));
        }
        l.href(None, None)
    };
    let generated = Generated {
        name: scenario.name.clone(),
        title: scenario.title.clone(),
        description_html: render_inline(&scenario.description),
        faults: scenario
            .faults
            .iter()
            .map(sim_gallery::fault_text)
            .collect(),
        seed,
        spans: q.spans,
        next_href: format!("/sim/{}/{next_seed}{spans_q}", scenario.name),
        next_seed,
        random_href: format!("/sim/{}/{}{spans_q}", scenario.name, random_seed()),
        otlp_href: format!("{path}/otlp.json{spans_q}"),
        jaeger_href: format!("{path}/jaeger.json{spans_q}"),
        zipkin_href: format!("{path}/zipkin.json{spans_q}"),
        all_href: view_links(false),
        critical_href: view_links(true),
        path,
    };
    let page = sim_page::build(ctx, trace, &q.view, Some(generated), None, Some(links));
    Ok(page.render()?)
}

async fn trace_page(
    ctx: Ctx,
    client: Client,
    gzip: AcceptsGzip,
    State(state): State<AppState>,
    Path((name, seed)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let sc = scenario(&state, &name)?;
    let seed = parse_seed(&seed)?;
    let q = TraceQuery::parse(raw.as_deref())?;
    let detail_only = q.detail_only;
    let spans = q.spans;
    let mut r = guards::budget::trace_page(&state, &client, spans, gzip, move || {
        render_trace_page(ctx, &sc, seed, &q)
    })
    .await?;
    if detail_only {
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(r)
}

async fn download(
    state: AppState,
    client: Client,
    name: String,
    seed: String,
    raw: Option<String>,
    file: TraceFile,
    gzip: AcceptsGzip,
) -> Result<Response, AppError> {
    let sc = scenario(&state, &name)?;
    let seed = parse_seed(&seed)?;
    let q = TraceQuery::parse(raw.as_deref())?;
    // The name tells apart what the query changes: `?spans=` and an
    // earlier generator version give other traces for the same seed.
    let mut variant = String::new();
    if q.spans > 0 {
        variant.push_str(&format!("-{}spans", q.spans));
    }
    if q.generator != GeneratorVersion::CURRENT {
        variant.push_str(&format!("-v{}", q.generator));
    }
    let body = state
        .budget
        .run(Kind::Download, &client.0, None, move || {
            let t = trace_for(&sc, seed, q.spans, q.generator);
            // Past the deadline after generating: skip building the body.
            if crate::budget::cancelled() {
                return Encoded::new(String::new(), AcceptsGzip(false));
            }
            Encoded::new(file.write(&t), gzip)
        })
        .await?;
    let file_name = format!("spandojo-{name}-{seed}{variant}.{}.json", file.suffix());
    Ok(attachment(body, &file_name))
}

/// `GET /sim/{scenario}/{seed}/{file}`, `file` one of `otlp.json`,
/// `jaeger.json`, `zipkin.json`.
async fn download_file(
    client: Client,
    gzip: AcceptsGzip,
    State(state): State<AppState>,
    Path((name, seed, file)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let file = TraceFile::from_file_name(&file).ok_or(AppError::NotFound)?;
    download(state, client, name, seed, raw, file, gzip).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::trace::hex;

    #[test]
    fn queries_are_bounded() {
        let q = TraceQuery::parse(Some("spans=10000&depth=3&expand=00f067aa0ba902b7,00f067aa0ba902b7&span=00f067aa0ba902b7&view=critical")).unwrap();
        assert_eq!(q.spans, 10_000);
        assert_eq!(q.view.depth, Some(3));
        assert_eq!(q.view.expand.len(), 1);
        let c = TraceQuery::parse(Some("collapse=00f067aa0ba902b7,00f067aa0ba902b7")).unwrap();
        assert_eq!(c.view.collapse.len(), 1);
        assert!(q.view.critical_only && q.view.span.is_some());
        assert_eq!(hex(&q.view.span.unwrap()), "00f067aa0ba902b7");
        for bad in [
            "spans=50001",
            "spans=x",
            "depth=0",
            "depth=65",
            "span=xyz",
            "expand=1",
            "collapse=00f067aa0ba902",
            "seed=-1",
        ] {
            assert!(TraceQuery::parse(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(TraceQuery::parse(None).unwrap(), TraceQuery::default());
        assert!(parse_seed("18446744073709551615").is_ok());
        assert!(parse_seed("18446744073709551616").is_err());
    }
}
