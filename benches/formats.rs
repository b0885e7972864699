//! Upload benchmark (no criterion) with adversarial shapes: every step from
//! the file's bytes to the rendered page, timed on files built to defeat
//! quadratic code. Reports medians. Run with `cargo bench --bench formats`.
//!
//! Shapes: 80,000 roots in one trace; 80,000 traces of one span (the list
//! page); 80,000 spans of distinct services; one parent with 60,000
//! children; a 20,000-deep chain; 20,000 spans in parent cycles.

use std::hint::black_box;
use std::time::{Duration, Instant};

use spandojo::sim::formats::split;
use spandojo::sim::{Trace, read_file};
use spandojo::web::Ctx;
use spandojo::web::sim::page::{self, Uploaded, View};

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    let mut v = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        black_box(f());
        v.push(t.elapsed());
    }
    median(v)
}

/// One OTLP span; `parent` 0 means none.
fn span(out: &mut String, trace: u64, id: u64, parent: u64, start: u64) {
    use std::fmt::Write;
    let _ = write!(out, r#"{{"traceId":"{trace:032x}","spanId":"{id:016x}","#);
    if parent != 0 {
        let _ = write!(out, r#""parentSpanId":"{parent:016x}","#);
    }
    let _ = write!(
        out,
        r#""name":"op {}","kind":2,"startTimeUnixNano":"{}","endTimeUnixNano":"{}","status":{{"code":{}}}}}"#,
        id % 7,
        1_700_000_000_000_000_000 + start,
        1_700_000_000_000_000_000 + start + 1_000_000,
        if id.is_multiple_of(11) { 2 } else { 0 }
    );
}

/// A file: spans given as (trace, id, parent, start, service).
fn file(spans: impl Iterator<Item = (u64, u64, u64, u64, u64)>) -> String {
    let mut by_service: Vec<(u64, String)> = Vec::new();
    for (trace, id, parent, start, service) in spans {
        if by_service.last().is_none_or(|(s, _)| *s != service) {
            by_service.push((service, String::new()));
        }
        if let Some((_, body)) = by_service.last_mut() {
            if !body.is_empty() {
                body.push(',');
            }
            span(body, trace, id, parent, start);
        }
    }
    let parts: Vec<String> = by_service
        .into_iter()
        .map(|(s, body)| {
            format!(
                r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc-{s}"}}}}]}},"scopeSpans":[{{"spans":[{body}]}}]}}"#
            )
        })
        .collect();
    format!(r#"{{"resourceSpans":[{}]}}"#, parts.join(","))
}

fn render(trace: &Trace) -> usize {
    let uploaded = Uploaded {
        file_name: "bench.json".into(),
        format: "OTLP JSON".into(),
        warnings: Vec::new(),
        warnings_total: 0,
        warnings_heading: String::new(),
        traces: 1,
        trace_id: String::new(),
        state: String::new(),
        received: false,
        shared: false,
        shared_by: None,
    };
    let p = page::build(
        Ctx::default(),
        trace,
        &View::default(),
        None,
        Some(uploaded),
        None,
    );
    askama::Template::render(&p).map(|h| h.len()).unwrap_or(0)
}

fn report(name: &str, text: &str) {
    let read = time(|| read_file(text.as_bytes(), None).map(|i| i.trace.spans.len()));
    let Ok(im) = read_file(text.as_bytes(), None) else {
        println!("{name}: refused");
        return;
    };
    let n = im.trace.spans.len();
    let sums = time(|| split::summaries(&im.trace).len());
    let traces = split::summaries(&im.trace).len();
    let page = if traces == 1 {
        time(|| render(&im.trace))
    } else {
        time(|| split::split(im.trace.clone()).len())
    };
    let total = read + sums + page;
    println!(
        "{name:<34} {:>5.1} MiB {n:>6} spans {traces:>6} traces  read {:>7.1} ms  list {:>5.1} ms  {} {:>7.1} ms  total {:>7.1} ms ({:>5.0} ns/span)  warnings {}",
        text.len() as f64 / (1024.0 * 1024.0),
        read.as_secs_f64() * 1e3,
        sums.as_secs_f64() * 1e3,
        if traces == 1 { "page " } else { "split" },
        page.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e9 / n as f64,
        im.warnings.total,
    );
}

fn main() {
    let t = 1u64;
    report(
        "80,000 roots, one trace id",
        &file((1..=80_000).map(|i| (t, i, 0, i * 10, 0))),
    );
    report(
        "80,000 traces of one span",
        &file((1..=80_000).map(|i| (i, i, 0, i * 10, 0))),
    );
    report(
        "80,000 spans, distinct services",
        &file((1..=80_000).map(|i| (t, i, if i == 1 { 0 } else { 1 }, i, i))),
    );
    report(
        "one parent, 60,000 children",
        &file((1..=60_001).map(|i| (t, i, if i == 1 { 0 } else { 1 }, i, 0))),
    );
    report(
        "20,000-deep chain",
        &file((1..=20_000).map(|i| (t, i, i - 1, i, i % 5))),
    );
    report(
        "20,000 spans in parent cycles",
        &file((1..=20_000u64).map(|i| {
            let partner = if i.is_multiple_of(2) { i - 1 } else { i + 1 };
            (t, i, partner, i, 0)
        })),
    );
}
