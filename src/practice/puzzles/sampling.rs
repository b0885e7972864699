//! Puzzles about sampling arithmetic on a described population.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::practice::puzzles::exhibit::Exhibit;
use crate::practice::puzzles::{Puzzle, shuffle_options};

fn pick<T: Copy>(rng: &mut ChaCha8Rng, from: &[T]) -> T {
    from[rng.random_range(0..from.len())]
}

fn count(n: f64) -> String {
    if (n - n.round()).abs() < 1e-9 {
        format!("{}", n.round() as i64)
    } else {
        format!("{n:.1}")
    }
}

fn percent(p: f64) -> String {
    let v = p * 100.0;
    if (v - v.round()).abs() < 1e-9 {
        format!("{}%", v.round() as i64)
    } else {
        format!("{v:.1}%")
    }
}

/// Expected error traces kept by head sampling (or by two chained consistent stages).
pub fn head_math(variant: Option<&str>, rng: &mut ChaCha8Rng) -> Puzzle {
    let traces = pick(rng, &[20_000.0, 50_000.0, 100_000.0, 200_000.0]);
    let error_rate = pick(rng, &[0.002, 0.005, 0.01, 0.02]);
    let errors = traces * error_rate;
    let mut facts = vec![
        ("Traces in the population".to_string(), count(traces)),
        (
            "Error traces among them".to_string(),
            format!("{} ({})", count(errors), percent(error_rate)),
        ),
    ];
    if variant == Some("chained") {
        let p1 = pick(rng, &[0.5, 0.25]);
        let p2 = pick(rng, &[0.1, 0.05]);
        facts.push(("Stage 1 (SDK, consistent probability)".into(), percent(p1)));
        facts.push((
            "Stage 2 (Collector, consistent probability)".into(),
            percent(p2),
        ));
        let right = errors * p2;
        let options = vec![
            (count(right), true),
            (count(errors * p1 * p2), false),
            (count(errors * p1), false),
            (count(traces * p2), false),
        ];
        let (options, correct) = shuffle_options(options, rng);
        return Puzzle {
            prompt: "Both stages use consistent probability sampling on the same trace-id randomness. About how many error traces survive both stages?".into(),
            exhibit: Exhibit::Facts(facts),
            options,
            correct,
            multi: false,
            explanation: format!(
                "Consistent samplers compare the same 56 random bits with each stage's threshold, so a trace kept at {} is necessarily one of those kept at {}: the stages compose to the lower probability, {}, not the product. Head decisions are blind to errors, so {} × {} = {} error traces.",
                percent(p2), percent(p1), percent(p2), count(errors), percent(p2), count(right)
            ),
            trace: None,
        };
    }
    let p = pick(rng, &[0.01, 0.05, 0.1, 0.25]);
    facts.push((
        "Head sampling probability (TraceIdRatioBased)".into(),
        percent(p),
    ));
    let right = errors * p;
    let mut options = vec![
        (count(right), true),
        (count(errors), false),
        (count(traces * p), false),
        (count(errors * (1.0 - p)), false),
    ];
    options.dedup_by(|a, b| a.0 == b.0);
    let (options, correct) = shuffle_options(options, rng);
    Puzzle {
        prompt: "How many error traces do you expect head sampling to keep?".into(),
        exhibit: Exhibit::Facts(facts),
        options,
        correct,
        multi: false,
        explanation: format!(
            "A head sampler decides at the root, before anyone knows the request will fail, so errors are kept at the same rate as everything else: {} × {} = {}.",
            count(errors),
            percent(p),
            count(right)
        ),
        trace: None,
    }
}

/// Which tail-sampling policy sets keep every error and every slow trace within a span budget?
pub fn tail_policy(rng: &mut ChaCha8Rng) -> Puzzle {
    let rate = pick(rng, &[200.0, 500.0, 1_000.0, 2_000.0]);
    let spans = pick(rng, &[20.0, 40.0, 60.0]);
    let e = pick(rng, &[0.005, 0.01, 0.02]);
    let s = pick(rng, &[0.01, 0.02, 0.03]);
    let slo = pick(rng, &[500.0, 800.0, 1_000.0, 2_000.0]);
    let q = pick(rng, &[0.02, 0.05]);
    let q_big = 0.5;
    let interesting = e + s - e * s;
    let kept = |baseline: f64| interesting + (1.0 - interesting) * baseline;
    let budget = (rate * spans * kept(q) * 1.15 / 100.0).ceil() * 100.0;
    let per_sec = |f: f64| rate * spans * f;
    let facts = vec![
        (
            "Traffic".to_string(),
            format!(
                "{} traces/s, about {} spans each",
                count(rate),
                count(spans)
            ),
        ),
        ("Error traces".into(), percent(e)),
        (
            format!("Traces over the {} ms SLO", count(slo)),
            format!("{} (independent of errors)", percent(s)),
        ),
        (
            "Storage budget".into(),
            format!("{} spans/s", count(budget)),
        ),
    ];
    let a = format!(
        "status_code=ERROR, latency ≥ {} ms, probabilistic {}",
        count(slo),
        percent(q)
    );
    let b = format!("status_code=ERROR, latency ≥ {} ms", count(slo));
    let c = format!("probabilistic {}", percent(q));
    let d = format!("latency ≥ {} ms, probabilistic {}", count(slo), percent(q));
    let f = format!(
        "status_code=ERROR, latency ≥ {} ms, probabilistic {}",
        count(slo),
        percent(q_big)
    );
    let fits = |frac: f64| per_sec(frac) <= budget;
    let options = vec![
        (a, fits(kept(q))),
        (b, fits(kept(0.0))),
        (c, false),
        (d, false),
        (f, fits(kept(q_big))),
    ];
    let (options, correct) = shuffle_options(options, rng);
    Puzzle {
        prompt: "Select every tail-sampling policy set that keeps all error traces and all traces over the SLO while staying within the storage budget.".into(),
        exhibit: Exhibit::Facts(facts),
        options,
        correct,
        multi: true,
        explanation: format!(
            "Keeping every error needs status_code and keeping every slow trace needs latency (a fast failing request is missed by latency alone; a probabilistic baseline alone keeps only a fraction of either). Errors or slow traces are {} of traffic; with a baseline of b of the rest, the kept share is {} + (1 − {})·b, times {} spans/s. A {} baseline costs about {} spans/s, within {}; a {} baseline costs {}, over it.",
            percent(interesting), percent(interesting), percent(interesting), count(rate * spans), percent(q), count(per_sec(kept(q)).round()), count(budget), percent(q_big), count(per_sec(kept(q_big)).round())
        ),
        trace: None,
    }
}
