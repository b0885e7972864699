//! Sampling lab benchmark (no criterion): spans generated and evaluated per
//! second and nanoseconds per span, for the lean population alone, one head
//! strategy, one head + one tail strategy on study-sheet (the target: ≥ 15
//! million spans/s on one thread), with one and with two generating
//! threads, and the four strategies of the head-vs-tail preset. Reports the
//! median of a few runs and the process's peak resident memory. Run with
//! `cargo bench --bench lab`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use spandojo::sim::sampling::{LabConfig, LeanTrace, Population, parse_strategy, run_threads};
use spandojo::sim::{Scenario, parse_scenario};

const RUNS: usize = 3;
const TRACES: u64 = 1_000_000;

fn scenario(text: &str) -> Scenario {
    match parse_scenario(text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("invalid scenario: {e:?}");
            std::process::exit(1);
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn report(what: &str, d: Duration, spans: u64) {
    let sps = spans as f64 / d.as_secs_f64();
    println!(
        "{what:<64} {spans:>10} spans  median {:>7.3} s  {:>6.2} M spans/s  {:>5.0} ns/span",
        d.as_secs_f64(),
        sps / 1e6,
        1e9 / sps
    );
}

fn lab(sc: &Scenario, traces: u64, specs: &[&str]) -> (Duration, u64) {
    lab_threads(sc, traces, specs, 1)
}

fn lab_threads(sc: &Scenario, traces: u64, specs: &[&str], threads: usize) -> (Duration, u64) {
    let strategies: Vec<_> = specs
        .iter()
        .filter_map(|s| parse_strategy(s).ok())
        .collect();
    let cfg = LabConfig {
        traces,
        rate_per_sec: sc.rate_per_sec,
        seed: 1,
        slo_ms: 4_500.0,
        bytes_per_span: 500,
        pipeline: Default::default(),
    };
    let mut spans = 0;
    let times = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let r = run_threads(sc, &cfg, &strategies, threads);
            let d = t.elapsed();
            spans = r.map(|r| black_box(r).spans).unwrap_or(0);
            d
        })
        .collect();
    (median(times), spans)
}

/// Generating the population alone, without any strategy.
fn population_only(sc: &Scenario) -> (Duration, u64) {
    let mut spans = 0;
    let times = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let mut pop = Population::new(sc, 1, sc.rate_per_sec, TRACES);
            let mut trace = LeanTrace::default();
            spans = 0;
            while pop.next_into(&mut trace) {
                spans += trace.spans.len() as u64;
            }
            black_box(&trace);
            t.elapsed()
        })
        .collect();
    (median(times), spans)
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let checkout = scenario(include_str!("../content/topologies/checkout.toml"));
    let study = scenario(include_str!("../content/topologies/study-sheet.toml"));
    println!("checkout: {TRACES} traces (14 spans each), median of {RUNS} runs, one thread");

    let (d, n) = population_only(&checkout);
    report("population only (lean generation)", d, n);

    let (d, n) = lab(&checkout, TRACES, &["parent_based=ratio:0.1"]);
    report("head parent_based=ratio:0.1", d, n);
    let tail = "status_code=error,latency>=4500ms,probabilistic=10%";
    let (d, n) = lab(&checkout, TRACES, &["parent_based=ratio:0.1", tail]);
    report(&format!("head + tail {tail}"), d, n);

    let study_tail = "status_code=error,latency>=50ms,probabilistic=10%";
    let (d, n) = population_only(&study);
    report("study-sheet population only (lean generation)", d, n);
    let (d, n) = lab(&study, TRACES, &["parent_based=ratio:0.1"]);
    report("study-sheet head parent_based=ratio:0.1", d, n);
    let mut target = false;
    for threads in [1, 2] {
        let (d, n) = lab_threads(
            &study,
            TRACES,
            &["parent_based=ratio:0.1", study_tail],
            threads,
        );
        report(
            &format!("study-sheet head + tail, {threads} thread(s)"),
            d,
            n,
        );
        if threads == 1 {
            target = n as f64 / d.as_secs_f64() >= 15e6;
        }
    }

    let preset = [
        "always_on",
        "parent_based=ratio:0.1",
        "consistent=0.1",
        "status_code=error,latency>=50ms,probabilistic=10%",
    ];
    let (d, n) = lab(&study, TRACES, &preset);
    report("study-sheet, the four head-vs-tail strategies", d, n);

    println!(
        "target: >= 15 M spans/s on study-sheet with one head and one tail strategy, one thread: {}",
        if target { "met" } else { "NOT met" }
    );
    if let Some(mb) = peak_rss_mb() {
        println!("peak resident memory of this process: {mb:.1} MB (target <= 200 MB)");
    }
}
