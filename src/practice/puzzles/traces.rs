//! Puzzles read off one generated trace.

use std::collections::BTreeMap;

use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::practice::puzzles::exhibit::{Exhibit, label, span_rows};
use crate::practice::puzzles::{Puzzle, PuzzleError, ms, shuffle_options};
use crate::sim::scenario::topology::Scenario;
use crate::sim::trace::{SpanKind, Trace};
use crate::sim::{
    GenerateOptions, GeneratorVersion, critical_path, error_origin, generate_with,
    service_breakdown,
};

/// A puzzle seed and the generator version its trace is drawn with.
pub(crate) type Seed = (u64, GeneratorVersion);

/// Seeds tried when looking for a trace with the wanted feature.
const SEARCH: u64 = 64;
/// Traces larger than this make unreadable exhibits and are skipped.
const MAX_EXHIBIT_SPANS: usize = 120;

pub(super) fn service_name(trace: &Trace, service: usize) -> String {
    trace
        .services
        .get(service)
        .map(|s| s.name.to_string())
        .unwrap_or_default()
}

/// The first trace at or after `seed` that fits an exhibit and passes `want`.
pub(super) fn find_trace(
    scenario: &Scenario,
    (seed, version): Seed,
    want: impl Fn(&Trace) -> bool,
) -> Result<(u64, Trace), PuzzleError> {
    let opts = GenerateOptions {
        version,
        ..Default::default()
    };
    for k in 0..SEARCH {
        let s = seed.wrapping_add(k);
        let trace = generate_with(scenario, s, &opts);
        if trace.spans.len() <= MAX_EXHIBIT_SPANS && want(&trace) {
            return Ok((s, trace));
        }
    }
    Err(PuzzleError(format!(
        "no suitable trace of {} near seed {seed}",
        scenario.name
    )))
}

/// Up to `n` distractor services, preferring the busiest.
fn other_services(trace: &Trace, not: usize, n: usize) -> Vec<usize> {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for s in &trace.spans {
        if s.service != not {
            *counts.entry(s.service).or_default() += 1;
        }
    }
    let mut v: Vec<(usize, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter().take(n).map(|(s, _)| s).collect()
}

/// Which service did the failure start in (or, for `slow`, which service
/// holds most of the critical path)?
pub fn root_cause(
    scenario: &Scenario,
    seed: Seed,
    variant: Option<&str>,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let failed = |t: &Trace| {
        t.spans.first().is_some_and(|r| r.status.is_error()) && error_origin(t).is_some()
    };
    let want_error = variant != Some("slow");
    let found = if want_error {
        find_trace(scenario, seed, failed).ok()
    } else {
        None
    };
    let (trace_seed, trace, answer, prompt, explanation) = match found {
        Some((s, trace)) => {
            let origin = error_origin(&trace).unwrap_or(0);
            let service = trace.spans[origin].service;
            let explanation = format!(
                "Follow the errors down: {} is the deepest span in error whose own children succeeded, so the failure started in {}. Spans above it failed only because it did.",
                label(&trace, origin),
                service_name(&trace, service)
            );
            (
                s,
                trace,
                service,
                "This request failed. In which service did the failure start?".to_string(),
                explanation,
            )
        }
        None => {
            let (s, trace) = find_trace(scenario, seed, |t| !t.spans.is_empty())?;
            let breakdown = service_breakdown(&trace);
            let top = breakdown
                .iter()
                .max_by_key(|b| (b.critical_ns, std::cmp::Reverse(b.service)))
                .map(|b| (b.service, b.critical_ns))
                .unwrap_or((0, 0));
            let total = trace.spans.first().map(|r| r.duration_ns()).unwrap_or(0);
            let explanation = format!(
                "{} accounts for {} of the {} critical path: its own (self) time on the path is larger than any other service's, so speeding anything else up cannot help as much.",
                service_name(&trace, top.0),
                ms(top.1),
                ms(total)
            );
            (s, trace, top.0, "This request was slow. Which service is responsible for most of its latency (its time on the critical path)?".to_string(), explanation)
        }
    };
    let mut options = vec![(service_name(&trace, answer), true)];
    options.extend(
        other_services(&trace, answer, 3)
            .into_iter()
            .map(|s| (service_name(&trace, s), false)),
    );
    if options.len() < 2 {
        return Err(PuzzleError("the trace has a single service".into()));
    }
    let (options, correct) = shuffle_options(options, rng);
    Ok(Puzzle {
        prompt,
        exhibit: Exhibit::Spans(span_rows(&trace)),
        options,
        correct,
        multi: false,
        explanation,
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

/// Which of these spans lie on the critical path?
pub fn critical_path_puzzle(
    scenario: &Scenario,
    seed: Seed,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let split = |t: &Trace| {
        let on = on_path(t);
        on.iter().filter(|&&x| x).count() >= 2 && on.iter().skip(1).filter(|&&x| !x).count() >= 2
    };
    let (trace_seed, trace) = find_trace(scenario, seed, split)?;
    let on = on_path(&trace);
    let mut yes: Vec<usize> = (1..trace.spans.len()).filter(|&i| on[i]).collect();
    let mut no: Vec<usize> = (1..trace.spans.len()).filter(|&i| !on[i]).collect();
    yes.shuffle(rng);
    no.shuffle(rng);
    let n_yes = rng.random_range(1..=yes.len().min(3));
    let n_no = (4 - n_yes).min(no.len()).max(1);
    let mut options: Vec<(String, bool)> = yes
        .iter()
        .take(n_yes)
        .map(|&i| (label(&trace, i), true))
        .collect();
    options.extend(no.iter().take(n_no).map(|&i| (label(&trace, i), false)));
    let (options, correct) = shuffle_options(options, rng);
    let path_len: u64 = critical_path(&trace, 0)
        .iter()
        .map(|s| s.end_ns - s.start_ns)
        .sum();
    Ok(Puzzle {
        prompt: "Select every span that lies on this trace's critical path (the chain of work the root was actually waiting for).".into(),
        exhibit: Exhibit::Spans(span_rows(&trace)),
        options,
        correct,
        multi: true,
        explanation: format!(
            "Start at the root and repeatedly take the child that finished last before the current boundary, then move the boundary to that child's start. Parallel children that finished earlier are off the path. Here the path covers the root's whole {} and runs through: {}.",
            ms(path_len),
            yes.iter().take(6).map(|&i| label(&trace, i)).collect::<Vec<_>>().join(", ")
        ),
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

fn on_path(trace: &Trace) -> Vec<bool> {
    let mut on = vec![false; trace.spans.len()];
    if !trace.spans.is_empty() {
        for seg in critical_path(trace, 0) {
            if seg.end_ns > seg.start_ns {
                on[seg.span] = true;
            }
        }
    }
    on
}

/// Which span sent the request carrying this header, and is it sampled?
pub fn traceparent(
    scenario: &Scenario,
    seed: Seed,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let hops = |t: &Trace| {
        t.spans
            .iter()
            .filter(|s| s.traceparent.is_some() && s.parent.is_some())
            .count()
            >= 1
            && t.spans
                .iter()
                .filter(|s| s.kind == SpanKind::Client)
                .count()
                >= 3
    };
    let (trace_seed, trace) = find_trace(scenario, seed, hops)?;
    let receivers: Vec<usize> = (0..trace.spans.len())
        .filter(|&i| trace.spans[i].traceparent.is_some() && trace.spans[i].parent.is_some())
        .collect();
    let receiver = receivers[rng.random_range(0..receivers.len())];
    let header = trace.spans[receiver]
        .traceparent
        .clone()
        .unwrap_or_default();
    let sender = trace.spans[receiver].parent.unwrap_or(0);
    let mut others: Vec<usize> = (0..trace.spans.len())
        .filter(|&i| i != sender && trace.spans[i].kind == SpanKind::Client)
        .collect();
    others.shuffle(rng);
    let other = others.first().copied().unwrap_or(0);
    let sampled = header.ends_with("-01");
    let state = |s: bool| if s { "sampled" } else { "not sampled" };
    let options = vec![
        (
            format!("{}, {}", label(&trace, sender), state(sampled)),
            true,
        ),
        (
            format!("{}, {}", label(&trace, sender), state(!sampled)),
            false,
        ),
        (
            format!("{}, {}", label(&trace, other), state(sampled)),
            false,
        ),
        (
            format!("{}, {}", label(&trace, other), state(!sampled)),
            false,
        ),
    ];
    let (options, correct) = shuffle_options(options, rng);
    let mut rows = span_rows(&trace);
    rows.retain(|r| trace.spans[r.number - 1].kind == SpanKind::Client);
    Ok(Puzzle {
        prompt: format!(
            "{} received a request carrying the traceparent header below. Which span sent it, and does the header say the trace is sampled?",
            label(&trace, receiver)
        ),
        exhibit: Exhibit::Header {
            traceparent: header.clone(),
            receiver: label(&trace, receiver),
            spans: rows,
        },
        options,
        correct,
        multi: false,
        explanation: format!(
            "The header is version-traceid-parentid-flags. Its third field, {}, is the span id of the client span that made the call, {}; the flags {} have the sampled bit (0x01) {}.",
            header.split('-').nth(2).unwrap_or(""),
            label(&trace, sender),
            header.rsplit('-').next().unwrap_or(""),
            if sampled { "set" } else { "clear" }
        ),
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

/// How many attempts did a caller make?
pub fn retries(
    scenario: &Scenario,
    seed: Seed,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let groups = |t: &Trace| attempt_groups(t).into_iter().any(|(_, n)| n >= 2);
    let (trace_seed, trace) = find_trace(scenario, seed, groups)?;
    let mut candidates: Vec<(usize, usize)> = attempt_groups(&trace)
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .collect();
    candidates.shuffle(rng);
    let (first, attempts) = candidates
        .first()
        .copied()
        .ok_or_else(|| PuzzleError("no retried call".into()))?;
    let span = &trace.spans[first];
    let caller = span.parent.map(|p| label(&trace, p)).unwrap_or_default();
    let mut numbers = vec![
        attempts,
        attempts + 1,
        attempts.saturating_sub(1).max(1),
        attempts + 2,
        1,
    ];
    numbers.dedup();
    let mut seen = Vec::new();
    numbers.retain(|n| {
        if seen.contains(n) {
            false
        } else {
            seen.push(*n);
            true
        }
    });
    let options = numbers
        .into_iter()
        .take(4)
        .map(|n| {
            (
                format!("{n} attempt{}", if n == 1 { "" } else { "s" }),
                n == attempts,
            )
        })
        .collect();
    let (options, correct) = shuffle_options(options, rng);
    Ok(Puzzle {
        prompt: format!(
            "Under {caller}, how many attempts did {} make at `{}` in total (the first try plus retries)?",
            service_name(&trace, span.service),
            span.name
        ),
        exhibit: Exhibit::Spans(span_rows(&trace)),
        options,
        correct,
        multi: false,
        explanation: format!(
            "Each attempt is its own client span, a sibling under the same parent, numbered by retry.attempt (and http.request.resend_count from the second one). There are {attempts} such siblings; the gaps between them are the backoff."
        ),
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

/// `(first span, attempts)` for every group of sibling client spans with the same name.
fn attempt_groups(trace: &Trace) -> Vec<(usize, usize)> {
    let mut groups: BTreeMap<(usize, &str), (usize, usize)> = BTreeMap::new();
    for (i, s) in trace.spans.iter().enumerate() {
        if s.kind == SpanKind::Client
            && s.attr("retry.attempt").is_some()
            && let Some(p) = s.parent
        {
            let e = groups.entry((p, &s.name)).or_insert((i, 0));
            e.1 += 1;
        }
    }
    groups.into_values().collect()
}
