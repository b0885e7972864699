//! What the lab page shows for a run: table rows, SVG bar charts (plain
//! data; the template draws them with presentation attributes and CSS
//! classes) and links into the trace viewer.

use crate::sim::Scenario;
use crate::sim::sampling::outcome::Example;
use crate::sim::sampling::{LabReport, Strategy, StrategyReport, explain};

/// Width of the bar area, in SVG units.
const BAR_W: f64 = 380.0;
/// Left edge of the bar area.
const BAR_X: f64 = 190.0;

/// A link to one trace in the viewer.
pub struct TraceLink {
    pub href: String,
    pub label: String,
}

/// One strategy's row.
pub struct Row {
    pub num: usize,
    pub name: String,
    pub kind: &'static str,
    pub kept: String,
    pub spans: String,
    pub storage: String,
    pub errors: String,
    pub slow: String,
    pub complete: String,
    pub broken: String,
    pub late: String,
    pub lost: String,
    pub p50: String,
    pub p95: String,
    pub p99: String,
    pub memory: String,
    pub tracestate: Option<String>,
    /// The Collector YAML of a tail strategy.
    pub collector: Option<String>,
    pub note: String,
    pub kept_links: Vec<TraceLink>,
    pub dropped_links: Vec<TraceLink>,
    pub broken_links: Vec<TraceLink>,
}

/// One bar of a chart.
pub struct Bar {
    pub label: String,
    pub title: String,
    pub y: u32,
    pub text_y: u32,
    pub height: u32,
    pub width: String,
    pub text_x: String,
    pub text: String,
    pub class: &'static str,
}

/// A horizontal bar chart.
pub struct Chart {
    pub title: String,
    pub height: u32,
    pub bars: Vec<Bar>,
    pub legend: Vec<(&'static str, &'static str)>,
}

/// Everything the page shows about a run.
pub struct LabView {
    pub summary: String,
    pub truth: String,
    pub lesson: String,
    pub rows: Vec<Row>,
    pub charts: Vec<Chart>,
    pub share: String,
}

use crate::sim::sampling::report::thousands;

fn ms(x: Option<f64>) -> String {
    x.map_or("—".to_string(), |v| format!("{v:.0}"))
}

fn of(part: u64, whole: u64) -> String {
    if whole == 0 {
        "—".to_string()
    } else {
        format!("{} / {}", thousands(part), thousands(whole))
    }
}

fn bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} kB", b / 1e3)
    }
}

fn short(name: &str) -> String {
    if name.chars().count() <= 26 {
        name.to_string()
    } else {
        name.chars().take(25).collect::<String>() + "…"
    }
}

/// Where an example trace opens.
type Href<'a> = &'a dyn Fn(&Example) -> String;

fn links(href: Href, examples: &[Example]) -> Vec<TraceLink> {
    examples
        .iter()
        .map(|e| {
            let mut label = format!("#{}", e.index);
            if e.error {
                label.push_str(" error");
            }
            if e.slow {
                label.push_str(" slow");
            }
            TraceLink {
                href: href(e),
                label,
            }
        })
        .collect()
}

fn row(num: usize, r: &LabReport, spec: &Strategy, s: &StrategyReport, href: Href) -> Row {
    let memory = match (s.peak_buffered_traces, s.peak_buffered_spans) {
        (Some(t), Some(sp)) => format!("{} traces, {} spans", thousands(t), thousands(sp)),
        _ => "—".to_string(),
    };
    let dash = |n: u64, tail: bool| {
        if tail {
            thousands(n)
        } else {
            "—".to_string()
        }
    };
    let tail = s.kind == "tail";
    Row {
        num,
        name: s.name.clone(),
        kind: s.kind,
        kept: format!("{} ({:.1}%)", thousands(s.traces_kept), s.traces_kept_pct),
        spans: thousands(s.spans_kept),
        storage: bytes(s.bytes_kept),
        errors: of(s.error_traces_kept, s.error_traces_total),
        slow: of(s.slow_traces_kept, s.slow_traces_total),
        complete: thousands(s.complete_traces),
        broken: thousands(s.broken_traces),
        late: dash(s.late_spans, tail),
        lost: dash(s.lost_traces, tail),
        p50: format!("{} / {}", ms(s.p50_ms), ms(s.p50_weighted_ms)),
        p95: format!("{} / {}", ms(s.p95_ms), ms(s.p95_weighted_ms)),
        p99: format!("{} / {}", ms(s.p99_ms), ms(s.p99_weighted_ms)),
        memory,
        tracestate: s.tracestate.clone(),
        collector: crate::sim::sampling::collector::strategy_yaml(spec),
        note: explain::note(r, spec, s),
        kept_links: links(href, &s.kept_examples),
        dropped_links: links(href, &s.dropped_examples),
        broken_links: links(href, &s.broken_examples),
    }
}

/// A chart of one percentage per strategy.
fn pct_chart(title: &str, r: &LabReport, value: impl Fn(&StrategyReport) -> f64) -> Chart {
    let bars = r
        .strategies
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let v = value(s).clamp(0.0, 100.0);
            let w = BAR_W * v / 100.0;
            let y = 8 + 26 * i as u32;
            Bar {
                label: format!("{}. {}", i + 1, short(&s.name)),
                title: s.name.clone(),
                y,
                text_y: y + 14,
                height: 18,
                width: format!("{w:.1}"),
                text_x: format!("{:.1}", BAR_X + w + 6.0),
                text: format!("{v:.1}%"),
                class: if s.kind == "head" {
                    "bar-head"
                } else {
                    "bar-tail"
                },
            }
        })
        .collect();
    Chart {
        title: title.to_string(),
        height: 16 + 26 * r.strategies.len() as u32,
        bars,
        legend: vec![("bar-head", "head"), ("bar-tail", "tail")],
    }
}

/// p99 as kept (raw), weighted, and true, per strategy.
fn p99_chart(r: &LabReport) -> Chart {
    let max = r
        .strategies
        .iter()
        .flat_map(|s| [s.p99_ms, s.p99_weighted_ms])
        .flatten()
        .fold(r.true_p99_ms, f64::max)
        .max(1e-9);
    let mut bars = Vec::new();
    for (i, s) in r.strategies.iter().enumerate() {
        let base = 8 + 50 * i as u32;
        let trio = [
            (s.p99_ms, "bar-raw", "kept"),
            (s.p99_weighted_ms, "bar-weighted", "weighted"),
            (Some(r.true_p99_ms), "bar-true", "true"),
        ];
        for (j, (v, class, what)) in trio.into_iter().enumerate() {
            let w = v.map_or(0.0, |v| BAR_W * v / max);
            let y = base + 14 * j as u32;
            bars.push(Bar {
                label: if j == 0 {
                    format!("{}. {}", i + 1, short(&s.name))
                } else {
                    String::new()
                },
                title: format!("{}: {what} p99", s.name),
                y,
                text_y: y + 11,
                height: 12,
                width: format!("{w:.1}"),
                text_x: format!("{:.1}", BAR_X + w + 6.0),
                text: v.map_or("nothing kept".to_string(), |v| format!("{v:.0} ms")),
                class,
            });
        }
    }
    Chart {
        title: "p99 trace duration: from what was kept, weighted by adjusted count, and true"
            .to_string(),
        height: 12 + 50 * r.strategies.len() as u32,
        bars,
        legend: vec![
            ("bar-raw", "kept (raw)"),
            ("bar-weighted", "weighted"),
            ("bar-true", "true"),
        ],
    }
}

impl LabView {
    /// The view of a finished run over a generated population; `query`
    /// reproduces it; example traces open as `/sim/{scenario}/{seed}`.
    pub fn new(r: &LabReport, specs: &[Strategy], sc: &Scenario, query: String) -> LabView {
        let summary = format!(
            "{} traces of {} ({} spans) at {} per second: {} with an error, {} slower than the {} ms SLO.",
            thousands(r.traces),
            sc.title,
            thousands(r.spans),
            r.rate_per_sec,
            thousands(r.error_traces),
            thousands(r.slow_traces),
            r.slo_ms
        );
        let href = |e: &Example| format!("/sim/{}/{}", r.scenario, e.seed);
        LabView::with(r, specs, summary, query, &href)
    }

    /// The view of a finished run: `summary` describes the population,
    /// `query` reproduces the run, `href` says where an example trace opens.
    pub fn with(
        r: &LabReport,
        specs: &[Strategy],
        summary: String,
        query: String,
        href: Href,
    ) -> LabView {
        let pct = |a: u64, b: u64| {
            if b == 0 {
                0.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        let mut charts = vec![pct_chart("Traces kept (% of all traces)", r, |s| {
            s.traces_kept_pct
        })];
        if r.error_traces > 0 {
            charts.push(pct_chart("Error traces kept (% of error traces)", r, |s| {
                pct(s.error_traces_kept, s.error_traces_total)
            }));
        }
        if r.slow_traces > 0 {
            charts.push(pct_chart(
                &format!("Slow traces kept (% of traces over {} ms)", r.slo_ms),
                r,
                |s| pct(s.slow_traces_kept, s.slow_traces_total),
            ));
        }
        charts.push(p99_chart(r));
        LabView {
            summary,
            truth: format!(
                "True trace duration: p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms.{}",
                r.true_p50_ms,
                r.true_p95_ms,
                r.true_p99_ms,
                explain::pipeline(r)
                    .map(|p| format!(" {p}"))
                    .unwrap_or_default()
            ),
            lesson: explain::lesson(r, specs),
            rows: specs
                .iter()
                .zip(&r.strategies)
                .enumerate()
                .map(|(i, (spec, s))| row(i + 1, r, spec, s, href))
                .collect(),
            charts,
            share: format!("/sim/lab?{query}"),
        }
    }
}
