//! Viewer benchmark (no criterion): the server-side work behind
//! `/sim/large-estate/{seed}?spans=10000`, i.e. generation, analysis and
//! rendering of the whole page, timed through the same function the handler
//! runs. Reports medians. Run with `cargo bench --bench viewer`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use spandojo::content::Content;
use spandojo::sim::{GenerateOptions, generate_with};
use spandojo::web::Ctx;
use spandojo::web::sim::viewer::{TraceQuery, render_generated, render_trace_page};

const RUNS: usize = 21;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn time<T>(mut f: impl FnMut(usize) -> T) -> Duration {
    let mut v = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let t = Instant::now();
        black_box(f(i));
        v.push(t.elapsed());
    }
    median(v)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let content = match Content::load(None) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("embedded content is invalid: {e}");
            std::process::exit(1);
        }
    };
    let Some(sc) = content.scenarios.get("large-estate") else {
        eprintln!("no large-estate scenario");
        std::process::exit(1);
    };
    let q = TraceQuery {
        spans: 10_000,
        ..TraceQuery::default()
    };
    let opts = GenerateOptions {
        min_spans: 10_000,
        start_unix_nano: None,
        ..Default::default()
    };
    let traces: Vec<_> = (0..RUNS as u64)
        .map(|s| generate_with(sc, s, &opts))
        .collect();
    let mean_spans = traces.iter().map(|t| t.spans.len()).sum::<usize>() / traces.len();
    let generate = time(|i| generate_with(sc, i as u64, &opts));
    println!("large-estate ?spans=10000: {RUNS} seeds, mean {mean_spans} spans per trace");
    println!(
        "generate                          median {:>8.3} ms  {:>6.0} ns/span",
        ms(generate),
        generate.as_nanos() as f64 / mean_spans as f64
    );
    let mut sizes = Vec::new();
    let render = time(|i| {
        let html = render_generated(Ctx::default(), sc, i as u64, &traces[i], &q);
        sizes.push(html.as_ref().map_or(0, String::len));
        html.map(|h| h.len())
    });
    println!(
        "render page (analysis + HTML)     median {:>8.3} ms  {:>6.0} ns/span",
        ms(render),
        render.as_nanos() as f64 / mean_spans as f64
    );
    let whole = time(|i| render_trace_page(Ctx::default(), sc, i as u64, &q).map(|h| h.len()));
    println!(
        "whole request (generate + render) median {:>8.3} ms",
        ms(whole)
    );
    let mut deep = q.clone();
    deep.view.depth = Some(64);
    let deep_t = time(|i| render_generated(Ctx::default(), sc, i as u64, &traces[i], &deep));
    println!(
        "render with ?depth=64 (3000 rows) median {:>8.3} ms",
        ms(deep_t)
    );
    sizes.sort_unstable();
    println!(
        "page size: median {:.0} KiB",
        sizes[sizes.len() / 2] as f64 / 1024.0
    );
    let target = Duration::from_millis(200);
    println!(
        "target: 10,000-span page rendered server side <= 200 ms: {} ({:.1} ms for the whole request)",
        if whole <= target { "met" } else { "NOT met" },
        ms(whole)
    );
}
