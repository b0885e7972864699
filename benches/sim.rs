//! Simulator benchmark (no criterion): generation of a ≥10,000-span
//! large-estate trace, exports, imports and analysis. Reports the median of
//! N runs and nanoseconds per span. Run with `cargo bench`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use spandojo::sim::{
    GenerateOptions, critical_path, from_jaeger_json, from_otlp_json, generate, generate_with,
    parse_scenario, service_breakdown, to_jaeger_json, to_otlp_json,
};

const RUNS: usize = 31;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut(usize) -> T) -> Duration {
    let mut v = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        black_box(f(i));
        v.push(t.elapsed());
    }
    median(v)
}

fn report(what: &str, d: Duration, spans: usize) {
    println!(
        "{what:<40} median {:>9.3} ms  {:>7.0} ns/span",
        d.as_secs_f64() * 1e3,
        d.as_nanos() as f64 / spans as f64
    );
}

fn main() {
    let text = include_str!("../content/topologies/large-estate.toml");
    let sc = match parse_scenario(text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("large-estate.toml is invalid: {e:?}");
            std::process::exit(1);
        }
    };
    let opts = GenerateOptions {
        min_spans: 10_000,
        start_unix_nano: None,
        ..Default::default()
    };
    // Warm up, and learn the span count of each seed's trace.
    let sizes: Vec<usize> = (0..RUNS)
        .map(|s| generate_with(&sc, s as u64, &opts).spans.len())
        .collect();
    let mean_spans = sizes.iter().sum::<usize>() / sizes.len();
    println!(
        "large-estate: {} services, {} runs, spans per trace min {} mean {} max {}",
        sc.services.len(),
        RUNS,
        sizes.iter().min().unwrap_or(&0),
        mean_spans,
        sizes.iter().max().unwrap_or(&0)
    );
    let g = time(RUNS, |i| generate_with(&sc, i as u64, &opts));
    report("generate (min_spans 10000)", g, mean_spans);
    let typical: Vec<usize> = (0..RUNS)
        .map(|s| generate(&sc, 1000 + s as u64).spans.len())
        .collect();
    let typical_mean = typical.iter().sum::<usize>() / typical.len();
    let gt = time(RUNS, |i| generate(&sc, 1000 + i as u64));
    report(
        &format!("generate (typical, ~{typical_mean} spans)"),
        gt,
        typical_mean,
    );

    let trace = generate_with(&sc, 0, &opts);
    let n = trace.spans.len();
    println!("fixed trace for the rest: {n} spans");
    let otlp = to_otlp_json(&trace);
    let jaeger = to_jaeger_json(&trace);
    report("to_otlp_json", time(RUNS, |_| to_otlp_json(&trace)), n);
    report("to_jaeger_json", time(RUNS, |_| to_jaeger_json(&trace)), n);
    report(
        "from_otlp_json",
        time(11, |_| from_otlp_json(&otlp).map(|t| t.spans.len())),
        n,
    );
    report(
        "from_jaeger_json",
        time(11, |_| from_jaeger_json(&jaeger).map(|t| t.spans.len())),
        n,
    );
    report(
        "critical_path + service_breakdown",
        time(RUNS, |_| {
            (
                critical_path(&trace, 0).len(),
                service_breakdown(&trace).len(),
            )
        }),
        n,
    );
    println!(
        "export sizes: OTLP {:.1} MiB, Jaeger {:.1} MiB",
        otlp.len() as f64 / 1048576.0,
        jaeger.len() as f64 / 1048576.0
    );
    let target = Duration::from_millis(20);
    println!(
        "target: 10,000-span generation <= 20 ms: {} ({:.3} ms)",
        if g <= target { "met" } else { "NOT met" },
        g.as_secs_f64() * 1e3
    );
}
