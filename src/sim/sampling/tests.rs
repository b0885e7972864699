//! Statistical and behavioural tests of the lab with fixed seeds.

mod boundaries;
mod composite;
mod delivery;
mod head;
mod late;
mod pipeline;
mod tail;

use crate::sim::sampling::population::Population;
use crate::sim::sampling::{LabConfig, LabReport, Pipeline, parse_strategy, run};
use crate::sim::testutil::scenario;

/// Seed of every test population.
const SEED: u64 = 7;

/// Runs `specs` over `n` traces of a bundled scenario (SLO 1 s).
pub(super) fn lab(name: &str, n: u64, specs: &[&str]) -> LabReport {
    lab_with(name, n, 1000.0, specs)
}

fn lab_with(name: &str, n: u64, slo_ms: f64, specs: &[&str]) -> LabReport {
    lab_on(name, n, slo_ms, None, Pipeline::SINGLE, specs)
}

/// Runs `specs` at `rate` traces per second (default: the scenario's) with
/// the tail strategies on `pipeline`.
fn lab_on(
    name: &str,
    n: u64,
    slo_ms: f64,
    rate: Option<f64>,
    pipeline: Pipeline,
    specs: &[&str],
) -> LabReport {
    let sc = scenario(name);
    let strategies: Vec<_> = specs
        .iter()
        .map(|s| parse_strategy(s).unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect();
    let cfg = LabConfig {
        traces: n,
        rate_per_sec: rate.unwrap_or(sc.rate_per_sec),
        seed: SEED,
        slo_ms,
        bytes_per_span: 500,
        pipeline,
    };
    run(&sc, &cfg, &strategies).unwrap_or_else(|e| panic!("{e}"))
}

/// The same population the lab sees (the scenario is leaked: tests only).
fn population_of(name: &str, n: u64) -> Population<'static> {
    let sc = Box::leak(Box::new(scenario(name)));
    Population::new(sc, SEED, sc.rate_per_sec, n)
}
