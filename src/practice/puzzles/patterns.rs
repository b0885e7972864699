//! Puzzles on trace patterns: the N+1 query, clock skew, a broken
//! propagation hop, and async work against the critical path.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::practice::puzzles::exhibit::{Exhibit, label, span_rows};
use crate::practice::puzzles::traces::{Seed, find_trace, service_name};
use crate::practice::puzzles::{Puzzle, PuzzleError, ms, shuffle_options};
use crate::sim::scenario::topology::Scenario;
use crate::sim::trace::{SpanKind, Trace};
use crate::sim::{critical_path, outside_parent};

/// `(parent, first span, count)` of every run of at least three sibling
/// database client spans with the same name and query text.
fn repeated_queries(t: &Trace) -> Vec<(usize, usize, usize)> {
    let mut groups: BTreeMap<(usize, &str, String), (usize, usize)> = BTreeMap::new();
    for (i, s) in t.spans.iter().enumerate() {
        if s.kind != SpanKind::Client {
            continue;
        }
        let (Some(p), Some(q)) = (s.parent, s.attr("db.query.text")) else {
            continue;
        };
        let e = groups.entry((p, &s.name, q.to_string())).or_insert((i, 0));
        e.1 += 1;
    }
    groups
        .into_iter()
        .filter(|(_, (_, n))| *n >= 3)
        .map(|((p, _, _), (first, n))| (p, first, n))
        .collect()
}

/// Which span runs an N+1 loop, and how many identical queries does it issue?
pub fn n_plus_one(
    scenario: &Scenario,
    seed: Seed,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let (trace_seed, trace) = find_trace(scenario, seed, |t| !repeated_queries(t).is_empty())?;
    let (parent, first, n) = repeated_queries(&trace)
        .into_iter()
        .max_by_key(|&(p, _, n)| (n, std::cmp::Reverse(p)))
        .ok_or_else(|| PuzzleError("no repeated query".into()))?;
    let other = (0..trace.spans.len())
        .filter(|&i| i != parent && trace.spans[i].kind == SpanKind::Server)
        .max_by_key(|&i| (trace.spans[i].parent == Some(0), std::cmp::Reverse(i)))
        .unwrap_or(0);
    if other == parent {
        return Err(PuzzleError("the trace has a single server span".into()));
    }
    let total: u64 = trace
        .spans
        .iter()
        .filter(|s| s.parent == Some(parent) && s.name == trace.spans[first].name)
        .map(|s| s.duration_ns())
        .sum();
    let root = trace.spans[0].duration_ns();
    let option = |span: usize, count: usize| {
        format!(
            "{}, {count} {} queries",
            label(&trace, span),
            trace.spans[first].name
        )
    };
    let options = vec![
        (option(parent, n), true),
        (option(parent, n + 1), false),
        (option(parent, n - 1), false),
        (option(other, n), false),
    ];
    let (options, correct) = shuffle_options(options, rng);
    Ok(Puzzle {
        prompt: "This request is slow, yet no single query is. Which span runs an N+1 loop, and how many identical queries does it issue in that loop?".into(),
        exhibit: Exhibit::Spans(span_rows(&trace)),
        options,
        correct,
        multi: false,
        explanation: format!(
            "Under {} there are {n} sibling {} client spans with the same db.query.text, one after another: one round trip per item. Together they take {} of the request's {}, although each takes only a few milliseconds. The one query that fetched the list is the \"1\" and is not part of the loop; count only the identical siblings. The fix is one batched query (WHERE id = ANY($1)) or a join, which turns N round trips into one.",
            label(&trace, parent),
            trace.spans[first].name,
            ms(total),
            ms(root)
        ),
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

/// Which spans lie outside their parent (variant `spans`, the default), or
/// which service's clock is off (variant `service`)?
pub fn clock_skew(
    scenario: &Scenario,
    seed: Seed,
    variant: Option<&str>,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let early = |t: &Trace| outside_parent(t).iter().flatten().any(|o| o.early_ns > 0);
    let (trace_seed, trace) = find_trace(scenario, seed, early)?;
    let outside = outside_parent(&trace);
    if variant == Some("service") {
        return skewed_service(scenario, (trace_seed, seed.1), &trace, rng);
    }
    let mut yes: Vec<usize> = (1..trace.spans.len())
        .filter(|&i| outside[i].is_some())
        .collect();
    let mut no: Vec<usize> = (1..trace.spans.len())
        .filter(|&i| outside[i].is_none())
        .collect();
    if no.is_empty() {
        return Err(PuzzleError("every span lies outside its parent".into()));
    }
    let describe: Vec<String> = yes
        .iter()
        .map(|&i| {
            let o = outside[i].unwrap_or(crate::sim::Outside {
                early_ns: 0,
                late_ns: 0,
            });
            if o.early_ns > 0 {
                format!(
                    "{} starts {} before its parent",
                    label(&trace, i),
                    ms(o.early_ns)
                )
            } else {
                format!(
                    "{} ends {} after its parent",
                    label(&trace, i),
                    ms(o.late_ns)
                )
            }
        })
        .collect();
    yes.shuffle(rng);
    no.shuffle(rng);
    let n_yes = yes.len().min(3);
    let n_no = (5 - n_yes).min(no.len());
    let mut options: Vec<(String, bool)> = yes
        .iter()
        .take(n_yes)
        .map(|&i| (label(&trace, i), true))
        .collect();
    options.extend(no.iter().take(n_no).map(|&i| (label(&trace, i), false)));
    let (options, correct) = shuffle_options(options, rng);
    Ok(Puzzle {
        prompt: "Select every span that lies outside its parent's time range: it starts before its parent starts, or ends after its parent ends.".into(),
        exhibit: Exhibit::Spans(span_rows(&trace)),
        options,
        correct,
        multi: true,
        explanation: format!(
            "Compare each span's start and end with its parent's. {}. A child starting before its parent is impossible on one clock, so the hosts disagree; a child ending late is also what a timeout looks like, but a child that starts only after its parent ended is skew again. Spans of one service agree with each other, so the mismatches sit on the hops into and out of the skewed host.",
            describe.join("; ")
        ),
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

/// Which service's clock is off? The answer is the scenario's skewed service.
fn skewed_service(
    scenario: &Scenario,
    (trace_seed, version): Seed,
    trace: &Trace,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let skewed: Vec<usize> = (0..trace.services.len())
        .filter(|&i| {
            scenario
                .services
                .iter()
                .any(|s| s.name == trace.services[i].name && s.clock_offset_ns != 0)
        })
        .collect();
    let [answer] = skewed[..] else {
        return Err(PuzzleError(
            "the service variant needs exactly one skewed service in the trace".into(),
        ));
    };
    let offset = scenario
        .services
        .iter()
        .find(|s| s.name == trace.services[answer].name)
        .map_or(0, |s| s.clock_offset_ns);
    let mut others: Vec<usize> = (0..trace.services.len()).filter(|&i| i != answer).collect();
    others.shuffle(rng);
    let mut options = vec![(service_name(trace, answer), true)];
    options.extend(
        others
            .iter()
            .take(3)
            .map(|&i| (service_name(trace, i), false)),
    );
    if options.len() < 2 {
        return Err(PuzzleError("the trace has a single service".into()));
    }
    let (options, correct) = shuffle_options(options, rng);
    Ok(Puzzle {
        prompt: "One host's clock is wrong. Which service's timestamps are off?".into(),
        exhibit: Exhibit::Spans(span_rows(trace)),
        options,
        correct,
        multi: false,
        explanation: format!(
            "{name}'s server span starts before the client span that called it, and the calls {name} makes appear to be served after {name}'s client spans: early on the way in, late on the way out. Only a clock {dir} by about {off} on {name}'s host explains both, while its own spans agree with each other. A slow network or a timeout can make a child end late, never start early.",
            name = service_name(trace, answer),
            dir = if offset < 0 { "behind" } else { "ahead" },
            off = ms(offset.unsigned_abs())
        ),
        trace: Some((scenario.name.clone(), trace_seed, version)),
    })
}

/// The client span whose callee started a new trace, and that new root.
fn lost_hop(t: &Trace) -> Option<(usize, usize)> {
    let root = (1..t.spans.len()).find(|&i| t.spans[i].parent.is_none())?;
    let r = &t.spans[root];
    let sender = (0..t.spans.len())
        .filter(|&i| {
            let s = &t.spans[i];
            s.kind == SpanKind::Client
                && s.name == r.name
                && s.trace_id != r.trace_id
                && s.start_ns <= r.start_ns
                && !t.spans.iter().any(|c| c.parent == Some(i))
        })
        .max_by_key(|&i| t.spans[i].start_ns)?;
    Some((sender, root))
}

/// Which call lost the trace context?
pub fn broken_propagation(
    scenario: &Scenario,
    seed: Seed,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let (trace_seed, trace) = find_trace(scenario, seed, |t| lost_hop(t).is_some())?;
    let (sender, root) = lost_hop(&trace).ok_or_else(|| PuzzleError("no lost hop".into()))?;
    let mut good: Vec<usize> = (0..trace.spans.len())
        .filter(|&i| {
            i != sender
                && trace.spans[i].kind == SpanKind::Client
                && trace.spans.iter().any(|c| c.parent == Some(i))
        })
        .collect();
    good.shuffle(rng);
    let mut options = vec![(label(&trace, sender), true)];
    options.extend(good.iter().take(3).map(|&i| (label(&trace, i), false)));
    if options.len() < 2 {
        return Err(PuzzleError("no other cross-service call".into()));
    }
    let (options, correct) = shuffle_options(options, rng);
    Ok(Puzzle {
        prompt:
            "One request produced spans under two trace ids. Which call lost the trace context?"
                .into(),
        exhibit: Exhibit::Spans(span_rows(&trace)),
        options,
        correct,
        multi: false,
        explanation: format!(
            "{} is a client span with no server span below it, although the call went to another service; {} starts {} later as a root with a new trace id and no received traceparent. That hop is where the context was lost: the callee ignored (or never received) the header and started its own trace. The other client calls each have their server child in the same trace.",
            label(&trace, sender),
            label(&trace, root),
            ms(trace.spans[root]
                .start_ns
                .saturating_sub(trace.spans[sender].start_ns))
        ),
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

/// Which span (below the root) contributes most to the request's latency,
/// when part of the work runs asynchronously?
pub fn async_critical_path(
    scenario: &Scenario,
    seed: Seed,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let kind = |t: &Trace, k: SpanKind| t.spans.iter().position(|s| s.kind == k);
    let sync =
        |t: &Trace, i: usize| !matches!(t.spans[i].kind, SpanKind::Consumer | SpanKind::Producer);
    let usable = |t: &Trace| {
        let c = contributions(t);
        kind(t, SpanKind::Producer).is_some()
            && kind(t, SpanKind::Consumer).is_some()
            && (1..t.spans.len()).any(|i| sync(t, i) && c[i] > 0)
    };
    let (trace_seed, trace) = find_trace(scenario, seed, usable)?;
    let contrib = contributions(&trace);
    let best = (1..trace.spans.len())
        .filter(|&i| sync(&trace, i))
        .max_by_key(|&i| (contrib[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    let producer = kind(&trace, SpanKind::Producer).unwrap_or(0);
    let consumer = kind(&trace, SpanKind::Consumer).unwrap_or(0);
    let other = (1..trace.spans.len())
        .filter(|&i| ![best, producer, consumer].contains(&i))
        .filter(|&i| !matches!(trace.spans[i].kind, SpanKind::Consumer | SpanKind::Producer))
        .max_by_key(|&i| (trace.spans[i].duration_ns(), std::cmp::Reverse(i)));
    let mut options = vec![
        (label(&trace, best), true),
        (label(&trace, consumer), false),
    ];
    if producer != best {
        options.push((label(&trace, producer), false));
    }
    if let Some(o) = other {
        options.push((label(&trace, o), false));
    }
    let (options, correct) = shuffle_options(options, rng);
    let root = &trace.spans[0];
    let c = &trace.spans[consumer];
    Ok(Puzzle {
        prompt: format!(
            "The caller waited {} for this request. Which span below the root accounts for most of that wait (the most time on the request's critical path)?",
            ms(root.duration_ns())
        ),
        exhibit: Exhibit::Spans(span_rows(&trace)),
        options,
        correct,
        multi: false,
        explanation: format!(
            "Walk the critical path from the root: the blocking child that finished last, then the one before it. {} holds {} of it. The producer span only covers the publish ({}); the root does not wait for {}, which starts {} after the root started and ends {} after the response was sent. It is on the end-to-end path (until the order is processed), not on the request's latency.",
            label(&trace, best),
            ms(contrib[best]),
            ms(trace.spans[producer].duration_ns()),
            label(&trace, consumer),
            ms(c.start_ns.saturating_sub(root.start_ns)),
            ms(c.end_ns.saturating_sub(root.end_ns))
        ),
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

/// Nanoseconds each span holds on the root's critical path.
fn contributions(t: &Trace) -> Vec<u64> {
    let mut out = vec![0u64; t.spans.len()];
    if !t.spans.is_empty() {
        for seg in critical_path(t, 0) {
            out[seg.span] += seg.end_ns - seg.start_ns;
        }
    }
    out
}
