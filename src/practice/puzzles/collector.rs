//! Puzzles on Collector configuration applied to one trace: which
//! tail-sampling policies sample it, and which spans an OTTL condition
//! selects. Semantics follow the contrib tail_sampling processor (a policy
//! samples when any span matches; `latency` compares whole milliseconds from
//! the earliest start to the latest end with `>=`; `and` needs every
//! sub-policy) and the OTTL span context (`span.*`, `resource.attributes`).

use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::practice::puzzles::exhibit::{Exhibit, label, show_attrs, span_rows};
use crate::practice::puzzles::traces::{Seed, find_trace};
use crate::practice::puzzles::{Puzzle, PuzzleError, ms, shuffle_options};
use crate::sim::scenario::topology::{Protocol, Scenario};
use crate::sim::trace::{AttrValue, SpanKind, Trace};

/// One tail-sampling policy: its YAML lines, a one-line summary, and
/// whether it samples the trace.
struct Policy {
    name: &'static str,
    yaml: String,
    summary: String,
    samples: bool,
}

fn routes_in(t: &Trace) -> Vec<String> {
    let mut v: Vec<String> = t
        .spans
        .iter()
        .filter_map(|s| s.attr("http.route").map(|r| r.to_string()))
        .collect();
    v.sort();
    v.dedup();
    v
}

fn scenario_routes(sc: &Scenario) -> Vec<String> {
    let mut v: Vec<String> = sc
        .operations
        .iter()
        .filter_map(|o| match &o.protocol {
            Protocol::Http {
                route,
                address: None,
                ..
            } => Some(route.to_string()),
            _ => None,
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A threshold near `value` (×0.5, ×0.8, ×1.25 or ×2, rounded to `step`),
/// at least `gap` away from it.
fn near(value: u64, step: u64, gap: u64, rng: &mut ChaCha8Rng) -> u64 {
    let f = [0.5, 0.8, 1.25, 2.0][rng.random_range(0..4)];
    let mut t = (((value as f64 * f) / step as f64).round() as u64).max(1) * step;
    if t.abs_diff(value) < gap {
        t += step.max(gap);
    }
    t
}

/// Which tail-sampling policies sample this trace?
pub fn collector_policy(
    scenario: &Scenario,
    seed: Seed,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let (trace_seed, trace) = find_trace(scenario, seed, |t| t.spans.len() >= 3)?;
    let (t0, t1) = trace.time_range();
    let dur_ms = (t1 - t0) / 1_000_000;
    let n = trace.spans.len() as u64;
    let errors = trace.spans.iter().any(|s| s.status.is_error());
    let present = routes_in(&trace);
    let absent: Vec<String> = scenario_routes(scenario)
        .into_iter()
        .filter(|r| !present.contains(r))
        .collect();
    let route = match (present.is_empty(), absent.is_empty(), rng.random_bool(0.5)) {
        (false, _, true) | (false, true, _) => present[rng.random_range(0..present.len())].clone(),
        (_, false, _) => absent[rng.random_range(0..absent.len())].clone(),
        _ => "/health".to_string(),
    };
    let has_route = present.contains(&route);
    let five_xx = trace.spans.iter().any(|s| {
        s.attr("http.response.status_code")
            .and_then(AttrValue::as_int)
            .is_some_and(|c| (500..=599).contains(&c))
    });
    let slow = near(dur_ms.max(1), 10, 2, rng);
    let slow2 = near(dur_ms.max(1), 10, 2, rng);
    let min_spans = near(n, 1, 1, rng);
    let mut pool = vec![
        Policy {
            name: "errors",
            yaml: "type: status_code\n        status_code: {status_codes: [ERROR]}".into(),
            summary: "status_code ERROR".into(),
            samples: errors,
        },
        Policy {
            name: "slow",
            yaml: format!("type: latency\n        latency: {{threshold_ms: {slow}}}"),
            summary: format!("latency ≥ {slow} ms"),
            samples: dur_ms >= slow,
        },
        Policy {
            name: "route",
            yaml: format!(
                "type: string_attribute\n        string_attribute: {{key: http.route, values: [\"{route}\"]}}"
            ),
            summary: format!("http.route = {route}"),
            samples: has_route,
        },
        Policy {
            name: "big-traces",
            yaml: format!("type: span_count\n        span_count: {{min_spans: {min_spans}}}"),
            summary: format!("at least {min_spans} spans"),
            samples: n >= min_spans,
        },
        Policy {
            name: "server-errors",
            yaml: "type: numeric_attribute\n        numeric_attribute: {key: http.response.status_code, min_value: 500, max_value: 599}".into(),
            summary: "http.response.status_code 500–599".into(),
            samples: five_xx,
        },
        Policy {
            name: "slow-route",
            yaml: format!(
                "type: and\n        and:\n          and_sub_policy:\n            - name: slow-part\n              type: latency\n              latency: {{threshold_ms: {slow2}}}\n            - name: route-part\n              type: string_attribute\n              string_attribute: {{key: http.route, values: [\"{route}\"]}}"
            ),
            summary: format!("and(latency ≥ {slow2} ms, http.route = {route})"),
            samples: dur_ms >= slow2 && has_route,
        },
    ];
    pool.shuffle(rng);
    pool.truncate(4);
    let mut yaml =
        String::from("processors:\n  tail_sampling:\n    decision_wait: 10s\n    policies:\n");
    for p in &pool {
        yaml.push_str(&format!("      - name: {}\n        {}\n", p.name, p.yaml));
    }
    let any = pool.iter().any(|p| p.samples);
    let mut options: Vec<(String, bool)> = pool
        .iter()
        .map(|p| (format!("{} ({})", p.name, p.summary), p.samples))
        .collect();
    options.push(("None of them: the trace is not sampled".into(), !any));
    let why: Vec<String> = pool
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.name,
                if p.samples { "samples" } else { "does not" }
            )
        })
        .collect();
    let (options, correct) = shuffle_options(options, rng);
    let mut spans = span_rows(&trace);
    show_attrs(
        &mut spans,
        &trace,
        &["http.route", "http.response.status_code"],
    );
    Ok(Puzzle {
        prompt: "This trace reaches the tail_sampling processor below. Select every policy that samples it (or \"none\").".into(),
        exhibit: Exhibit::Config {
            yaml,
            facts: vec![
                (
                    "Duration (earliest start to latest end)".into(),
                    format!("{} ({dur_ms} whole ms)", ms(t1 - t0)),
                ),
                ("Spans".into(), n.to_string()),
            ],
            spans,
        },
        options,
        correct,
        multi: true,
        explanation: format!(
            "Each policy looks at every span of the trace: status_code matches if any span has status ERROR, latency compares the whole milliseconds from the earliest start to the latest end ({dur_ms} ms) with threshold_ms using ≥, string and numeric attributes match if any span (or its resource) carries a matching value, span_count compares the number of spans ({n}), and an and policy needs all of its sub-policies. Here: {}. The trace is kept when at least one policy samples it{}.",
            why.join(", "),
            if any { ", so it is kept" } else { "; none does, so it is dropped" }
        ),
        trace: Some((scenario.name.clone(), trace_seed, seed.1)),
    })
}

/// Whether span `i` of a trace satisfies an atom.
type SpanTest = Box<dyn Fn(&Trace, usize) -> bool>;

/// One OTTL boolean atom over a span, with its text.
struct Atom {
    text: String,
    test: SpanTest,
}

fn kind_enum(k: SpanKind) -> &'static str {
    match k {
        SpanKind::Internal => "SPAN_KIND_INTERNAL",
        SpanKind::Server => "SPAN_KIND_SERVER",
        SpanKind::Client => "SPAN_KIND_CLIENT",
        SpanKind::Producer => "SPAN_KIND_PRODUCER",
        SpanKind::Consumer => "SPAN_KIND_CONSUMER",
    }
}

/// A random atom built from what the trace holds.
fn atom(t: &Trace, rng: &mut ChaCha8Rng) -> Atom {
    let pick = |rng: &mut ChaCha8Rng| rng.random_range(0..t.spans.len());
    loop {
        let s = &t.spans[pick(rng)];
        match rng.random_range(0..7) {
            0 => {
                let k = s.kind;
                return Atom {
                    text: format!("span.kind == {}", kind_enum(k)),
                    test: Box::new(move |t, i| t.spans[i].kind == k),
                };
            }
            1 => {
                return Atom {
                    text: "span.status.code == STATUS_CODE_ERROR".into(),
                    test: Box::new(|t, i| t.spans[i].status.is_error()),
                };
            }
            2 => {
                let Some(v) = s.attr("db.system.name").map(|v| v.to_string()) else {
                    continue;
                };
                return Atom {
                    text: format!("span.attributes[\"db.system.name\"] == \"{v}\""),
                    test: Box::new(move |t, i| {
                        t.spans[i].attr("db.system.name").map(|x| x.to_string()) == Some(v.clone())
                    }),
                };
            }
            3 => {
                let name = t.services[s.service].name.to_string();
                return Atom {
                    text: format!("resource.attributes[\"service.name\"] == \"{name}\""),
                    test: Box::new(move |t, i| *t.services[t.spans[i].service].name == *name),
                };
            }
            4 => {
                let Some(word) =
                    s.name.split(' ').next().filter(|w| {
                        s.name.contains(' ') && w.chars().all(|c| c.is_ascii_alphabetic())
                    })
                else {
                    continue;
                };
                let prefix = format!("{word} ");
                return Atom {
                    text: format!("IsMatch(span.name, \"^{word} \")"),
                    test: Box::new(move |t, i| t.spans[i].name.starts_with(&prefix)),
                };
            }
            5 => {
                let Some(r) = s.attr("http.route").map(|v| v.to_string()) else {
                    continue;
                };
                return Atom {
                    text: format!("span.attributes[\"http.route\"] == \"{r}\""),
                    test: Box::new(move |t, i| {
                        t.spans[i].attr("http.route").map(|x| x.to_string()) == Some(r.clone())
                    }),
                };
            }
            _ => {
                // Whole milliseconds, at least 0.5 ms away from every duration.
                let d = s.duration_ns() / 1_000_000;
                let ms_t = near(d.max(1), 1, 1, rng);
                let ns = ms_t * 1_000_000;
                if t.spans
                    .iter()
                    .any(|x| x.duration_ns().abs_diff(ns) < 500_000)
                {
                    continue;
                }
                return Atom {
                    text: format!("span.end_time_unix_nano - span.start_time_unix_nano > {ns}"),
                    test: Box::new(move |t, i| t.spans[i].duration_ns() > ns),
                };
            }
        }
    }
}

/// Which spans does this OTTL condition select?
pub fn ottl_condition(
    scenario: &Scenario,
    seed: Seed,
    rng: &mut ChaCha8Rng,
) -> Result<Puzzle, PuzzleError> {
    let (trace_seed, trace) = find_trace(scenario, seed, |t| t.spans.len() >= 4)?;
    for _ in 0..40 {
        let a = atom(&trace, rng);
        let b = atom(&trace, rng);
        let form = rng.random_range(0..4);
        let text = match form {
            0 => a.text.clone(),
            1 => format!("{} and {}", a.text, b.text),
            2 => format!("{} or {}", a.text, b.text),
            _ => format!("{} and not {}", a.text, b.text),
        };
        let hit = |i: usize| match form {
            0 => (a.test)(&trace, i),
            1 => (a.test)(&trace, i) && (b.test)(&trace, i),
            2 => (a.test)(&trace, i) || (b.test)(&trace, i),
            _ => (a.test)(&trace, i) && !(b.test)(&trace, i),
        };
        let mut yes: Vec<usize> = (0..trace.spans.len()).filter(|&i| hit(i)).collect();
        let mut no: Vec<usize> = (0..trace.spans.len()).filter(|&i| !hit(i)).collect();
        if yes.is_empty() || no.is_empty() || a.text == b.text {
            continue;
        }
        let all_yes: Vec<String> = yes.iter().take(8).map(|&i| label(&trace, i)).collect();
        yes.shuffle(rng);
        no.shuffle(rng);
        let n_yes = yes.len().min(rng.random_range(1..=3));
        let n_no = (5 - n_yes).min(no.len());
        let mut options: Vec<(String, bool)> = yes
            .iter()
            .take(n_yes)
            .map(|&i| (label(&trace, i), true))
            .collect();
        options.extend(no.iter().take(n_no).map(|&i| (label(&trace, i), false)));
        let (options, correct) = shuffle_options(options, rng);
        let yaml = format!(
            "processors:\n  filter/noise:\n    error_mode: ignore\n    trace_conditions:\n      - '{text}'\n"
        );
        let mut spans = span_rows(&trace);
        show_attrs(&mut spans, &trace, &["db.system.name", "http.route"]);
        return Ok(Puzzle {
            prompt: "The filter processor below drops every span its condition matches. Select the spans it drops.".into(),
            exhibit: Exhibit::Config {
                yaml,
                facts: vec![("Durations".into(), "end_time_unix_nano − start_time_unix_nano is in nanoseconds (1 ms = 1000000)".into())],
                spans,
            },
            options,
            correct,
            multi: true,
            explanation: format!(
                "Evaluate the condition once per span, with its own kind, status, name, attributes and its resource's service.name; a missing attribute reads as nil, which equals no string. It matches {} of the {} spans: {}{}. Dropping a span in the middle of a trace orphans its children, which is why conditions on whole traces belong in tail sampling instead.",
                yes.len(),
                trace.spans.len(),
                all_yes.join(", "),
                if yes.len() > 8 { ", …" } else { "" }
            ),
            trace: Some((scenario.name.clone(), trace_seed, seed.1)),
        });
    }
    Err(PuzzleError(format!(
        "no condition splits a trace of {} near seed {}",
        scenario.name, seed.0
    )))
}
