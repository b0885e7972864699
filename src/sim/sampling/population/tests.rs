use std::collections::HashMap;

use crate::sim::GeneratorVersion;
use crate::sim::sampling::attrs::all_attrs;
use crate::sim::sampling::population::*;
use crate::sim::testutil::{FILES, scenario};

fn attr_set(attrs: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = attrs.collect();
    v.sort();
    v
}

/// The lean trace of a seed is the generated trace: same span ids, trace
/// ids, parents, services, kinds, timings, status and attributes.
#[test]
fn lean_path_equals_generate() {
    for (name, _) in FILES {
        let sc = scenario(name);
        let tm = Templates::new(&sc);
        let mut lean = LeanTrace::default();
        let seeds = [0u64, 1, 7, 42, 1234, trace_seed(9, 3), u64::MAX];
        let versions = [
            GeneratorVersion::V1,
            GeneratorVersion::V2,
            GeneratorVersion::V3,
        ];
        for (seed, version) in seeds.into_iter().zip(versions.into_iter().cycle()) {
            let opts = crate::sim::GenerateOptions {
                version,
                ..Default::default()
            };
            let full = crate::sim::generate_with(&sc, seed, &opts);
            let root_start = full.spans[0].start_ns;
            lean_trace(&sc, &tm, (seed, version), root_start, &mut lean);
            assert_eq!(lean.spans.len(), full.spans.len(), "{name} {seed}");
            assert_eq!(lean.trace_ids, full.trace_ids(), "{name} {seed}");
            let by_id: HashMap<u64, usize> = full
                .spans
                .iter()
                .enumerate()
                .map(|(i, s)| (u64::from_be_bytes(s.span_id), i))
                .collect();
            for l in &lean.spans {
                let f = &full.spans[by_id[&l.span_id]];
                let what = format!("{name} seed {seed} span {}", f.name);
                assert_eq!(f.trace_id, lean.trace_ids[l.group as usize], "{what}");
                assert_eq!((l.start_ns, l.end_ns), (f.start_ns, f.end_ns), "{what}");
                assert_eq!(l.is_error(), f.status.is_error(), "{what}");
                let parent = (l.parent != NO_PARENT)
                    .then(|| lean.spans[l.parent as usize].span_id.to_be_bytes());
                assert_eq!(parent, f.parent_span_id, "{what}");
                assert_eq!(
                    sc.services[l.service as usize].name, full.services[f.service].name,
                    "{what}"
                );
                assert_eq!(tm.kind(&sc, l.template), f.kind, "{what}");
                let res = &full.services[f.service];
                let want = attr_set(
                    f.attributes
                        .iter()
                        .chain(res.attributes.iter())
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .chain([("service.name".to_string(), res.name.to_string())]),
                );
                let got = attr_set(
                    all_attrs(&sc, &tm, l)
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string())),
                );
                assert_eq!(got, want, "{what}");
            }
        }
    }
}

#[test]
fn population_is_deterministic_and_arrivals_follow_the_rate() {
    let sc = scenario("checkout");
    let run = |seed| {
        let mut p = Population::new(&sc, seed, 50.0, 2000);
        let mut t = LeanTrace::default();
        let mut out = Vec::new();
        while p.next_into(&mut t) {
            out.push((t.index, t.seed, t.start_ns, t.spans.len()));
        }
        out
    };
    let a = run(5);
    assert_eq!(a, run(5));
    assert_ne!(a, run(6));
    assert_eq!(a.len(), 2000);
    assert!(a.windows(2).all(|w| w[0].2 <= w[1].2), "arrivals ordered");
    let span_s = (a[1999].2 - a[0].2) as f64 / 1e9;
    let rate = 1999.0 / span_s;
    // 2000 exponential gaps: the mean has a standard error of about 2.2%.
    assert!((rate - 50.0).abs() < 50.0 * 0.09, "rate {rate}");
    assert_eq!(a[3].1, trace_seed(5, 3));
    // Exponential gaps: standard deviation equal to the mean, median at
    // ln 2 of the mean.
    let gaps: Vec<f64> = a.windows(2).map(|w| (w[1].2 - w[0].2) as f64).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let var = gaps.iter().map(|g| (g - mean) * (g - mean)).sum::<f64>() / gaps.len() as f64;
    let cv = var.sqrt() / mean;
    assert!((cv - 1.0).abs() < 0.12, "coefficient of variation {cv}");
    let below = gaps
        .iter()
        .filter(|&&g| g < mean * std::f64::consts::LN_2)
        .count();
    let share = below as f64 / gaps.len() as f64;
    assert!(
        (share - 0.5).abs() < 0.05,
        "{share} of gaps below the median"
    );
}

#[test]
fn trace_seeds_differ() {
    let mut seeds: Vec<u64> = (0..10_000).map(|i| trace_seed(1, i)).collect();
    seeds.extend((0..10_000).map(|i| trace_seed(2, i)));
    seeds.sort_unstable();
    seeds.dedup();
    assert_eq!(seeds.len(), 20_000);
}
