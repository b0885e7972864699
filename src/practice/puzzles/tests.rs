use crate::content::Content;
use crate::practice::puzzles::*;
use crate::sim::GeneratorVersion;

fn catalog() -> Catalog {
    Content::load(None).unwrap().scenarios
}

fn spec(g: &str, scenario: Option<&str>, variant: Option<&str>) -> PuzzleSpec {
    PuzzleSpec {
        generator: g.into(),
        scenario: scenario.map(Into::into),
        variant: variant.map(Into::into),
    }
}

#[test]
fn every_generator_makes_gradable_puzzles_for_many_seeds() {
    let cat = catalog();
    let specs = [
        spec("root_cause", None, None),
        spec("root_cause", Some("retry-storm"), None),
        spec("root_cause", Some("checkout"), Some("slow")),
        spec("critical_path", None, None),
        spec("critical_path", Some("async-orders"), None),
        spec("critical_path", Some("retry-storm"), None),
        spec("traceparent", None, None),
        spec("traceparent", Some("async-orders"), None),
        spec("retries", None, None),
        spec("head_math", None, None),
        spec("head_math", None, Some("chained")),
        spec("tail_policy", None, None),
        spec("n_plus_one", None, None),
        spec("clock_skew", None, None),
        spec("clock_skew", None, Some("service")),
        spec("broken_propagation", None, None),
        spec("async_critical_path", None, None),
        spec("collector_policy", None, None),
        spec("collector_policy", Some("retry-storm"), None),
        spec("ottl_condition", None, None),
        spec("ottl_condition", Some("checkout"), None),
        spec("ottl_condition", Some("n-plus-one"), None),
    ];
    for s in &specs {
        validate(s, &cat).unwrap();
        for seed in 0..40 {
            let p = generate(s, &cat, seed).unwrap_or_else(|e| panic!("{s:?} seed {seed}: {e}"));
            assert!(p.options.len() >= 2, "{s:?} {seed}");
            assert!(!p.correct.is_empty(), "{s:?} {seed}: some option is right");
            assert!(
                p.correct.len() < p.options.len(),
                "{s:?} {seed}: some option is wrong"
            );
            assert!(p.multi || p.correct.len() == 1, "{s:?} {seed}");
            let mut texts = p.options.clone();
            texts.sort();
            texts.dedup();
            assert_eq!(
                texts.len(),
                p.options.len(),
                "{s:?} {seed}: distinct options {:?}",
                p.options
            );
        }
    }
}

#[test]
fn same_seed_same_puzzle() {
    let cat = catalog();
    let s = spec("critical_path", None, None);
    let a = generate(&s, &cat, 7).unwrap();
    let b = generate(&s, &cat, 7).unwrap();
    assert_eq!(
        (a.prompt, a.options, a.correct),
        (b.prompt, b.options, b.correct)
    );
}

/// An attempt stored with an earlier generator version (1 or 2) reopens the
/// very trace it showed, although the current generator draws another
/// trace for its seed.
#[test]
fn earlier_generator_versions_reopen_their_trace() {
    use crate::sim::{GenerateOptions, generate_with};
    let cat = catalog();
    let s = spec("critical_path", None, None);
    for version in [GeneratorVersion::V1, GeneratorVersion::V2] {
        for seed in [3u64, 7, 11] {
            let old = generate_versioned(&s, &cat, seed, version).unwrap();
            let again = generate_versioned(&s, &cat, seed, version).unwrap();
            let new = generate(&s, &cat, seed).unwrap();
            assert_eq!(format!("{:?}", old.exhibit), format!("{:?}", again.exhibit));
            assert_eq!(
                (&old.options, &old.correct),
                (&again.options, &again.correct)
            );
            assert_ne!(
                format!("{:?}", old.exhibit),
                format!("{:?}", new.exhibit),
                "seed {seed}: the versions draw different traces"
            );
            let (name, trace_seed, stored) = old.trace.clone().unwrap();
            assert_eq!(stored, version);
            assert_eq!(
                old.trace_href().unwrap(),
                format!("/sim/{name}/{trace_seed}?generator={version}")
            );
            // The viewer's `?generator=N` trace is the one the puzzle was cut from.
            let sc = cat.get(&name).unwrap();
            let opts = GenerateOptions {
                version,
                ..Default::default()
            };
            let shown = generate_with(sc, trace_seed, &opts);
            assert_eq!(shown, generate_with(sc, trace_seed, &opts));
            let current = generate_with(sc, trace_seed, &GenerateOptions::default());
            assert_ne!(shown, current);
        }
    }
}

#[test]
fn root_cause_answer_is_the_error_origin_service() {
    let cat = catalog();
    let sc = cat.get("retry-storm").unwrap();
    for seed in 0..10 {
        let p = generate(
            &spec("root_cause", Some("retry-storm"), Some("error")),
            &cat,
            seed,
        )
        .unwrap();
        let (name, trace_seed, version) = p.trace.clone().unwrap();
        assert_eq!(version, GeneratorVersion::CURRENT);
        assert_eq!(name, "retry-storm");
        let trace = crate::sim::generate(sc, trace_seed);
        if trace.spans[0].status.is_error() {
            let origin = crate::sim::error_origin(&trace).unwrap();
            let service = trace.services[trace.spans[origin].service].name.to_string();
            assert_eq!(p.options[p.correct[0]], service);
        }
    }
}

#[test]
fn traceparent_answer_names_the_parent_span() {
    let cat = catalog();
    let p = generate(&spec("traceparent", None, None), &cat, 3).unwrap();
    let Exhibit::Header {
        traceparent, spans, ..
    } = &p.exhibit
    else {
        panic!("header exhibit")
    };
    let parent_id = traceparent.split('-').nth(2).unwrap();
    let sender = spans
        .iter()
        .find(|r| r.span_id == parent_id)
        .expect("sender listed");
    assert!(
        p.options[p.correct[0]].starts_with(&format!("#{} ", sender.number)),
        "{:?}",
        p.options
    );
}

#[test]
fn tail_policy_keeps_the_two_complete_cheap_sets() {
    let cat = catalog();
    for seed in 0..20 {
        let p = generate(&spec("tail_policy", None, None), &cat, seed).unwrap();
        for &i in &p.correct {
            assert!(
                p.options[i].contains("status_code") && p.options[i].contains("latency"),
                "{:?}",
                p.options
            );
            assert!(!p.options[i].contains("50%"));
        }
    }
}

#[test]
fn validation_names_the_problem() {
    let cat = catalog();
    assert!(
        validate(&spec("nope", None, None), &cat)
            .unwrap_err()
            .contains("unknown generator")
    );
    assert!(
        validate(&spec("retries", Some("mars"), None), &cat)
            .unwrap_err()
            .contains("unknown scenario")
    );
    assert!(
        validate(&spec("head_math", Some("checkout"), None), &cat)
            .unwrap_err()
            .contains("uses no scenario")
    );
    assert!(
        validate(&spec("retries", None, Some("chained")), &cat)
            .unwrap_err()
            .contains("no variant")
    );
}

fn trace_of(p: &Puzzle, cat: &Catalog) -> crate::sim::Trace {
    let (name, seed, version) = p.trace.clone().expect("a trace");
    let opts = crate::sim::GenerateOptions {
        version,
        ..Default::default()
    };
    crate::sim::generate_with(cat.get(&name).unwrap(), seed, &opts)
}

fn number(option: &str) -> usize {
    option[1..option.find(' ').unwrap()].parse().unwrap()
}

#[test]
fn n_plus_one_counts_the_identical_siblings() {
    let cat = catalog();
    for seed in 0..15 {
        let p = generate(&spec("n_plus_one", None, None), &cat, seed).unwrap();
        let t = trace_of(&p, &cat);
        let right = &p.options[p.correct[0]];
        let parent = number(right) - 1;
        let n = t
            .spans
            .iter()
            .filter(|s| s.parent == Some(parent) && &*s.name == "SELECT order_lines")
            .count();
        assert!(n >= 8, "{right}");
        assert!(
            right.contains(&format!(", {n} SELECT order_lines queries")),
            "{right}"
        );
    }
}

#[test]
fn clock_skew_answers_match_the_trace_and_the_scenario() {
    let cat = catalog();
    for seed in 0..10 {
        let p = generate(&spec("clock_skew", None, None), &cat, seed).unwrap();
        let t = trace_of(&p, &cat);
        let outside = crate::sim::outside_parent(&t);
        for (i, o) in p.options.iter().enumerate() {
            assert_eq!(
                p.correct.contains(&i),
                outside[number(o) - 1].is_some(),
                "{o}"
            );
        }
        let q = generate(&spec("clock_skew", None, Some("service")), &cat, seed).unwrap();
        assert_eq!(q.options[q.correct[0]], "inventory");
    }
}

#[test]
fn broken_propagation_names_the_orphaned_client_span() {
    let cat = catalog();
    for seed in 0..10 {
        let p = generate(&spec("broken_propagation", None, None), &cat, seed).unwrap();
        let t = trace_of(&p, &cat);
        let i = number(&p.options[p.correct[0]]) - 1;
        assert_eq!(t.spans[i].kind, crate::sim::SpanKind::Client);
        assert!(!t.spans.iter().any(|c| c.parent == Some(i)));
        assert_eq!(&*t.services[t.spans[i].service].name, "api");
    }
}

#[test]
fn async_critical_path_never_picks_the_consumer() {
    let cat = catalog();
    for seed in 0..10 {
        let p = generate(&spec("async_critical_path", None, None), &cat, seed).unwrap();
        let t = trace_of(&p, &cat);
        let right = number(&p.options[p.correct[0]]) - 1;
        assert!(!matches!(
            t.spans[right].kind,
            crate::sim::SpanKind::Consumer | crate::sim::SpanKind::Producer
        ));
        let on: u64 = crate::sim::critical_path(&t, 0)
            .iter()
            .filter(|s| s.span == right)
            .map(|s| s.end_ns - s.start_ns)
            .sum();
        assert!(on > 0);
    }
}

#[test]
fn config_puzzles_show_their_yaml() {
    let cat = catalog();
    for (g, needle) in [
        ("collector_policy", "tail_sampling:"),
        ("ottl_condition", "trace_conditions:"),
    ] {
        let p = generate(&spec(g, None, None), &cat, 4).unwrap();
        let Exhibit::Config { yaml, .. } = &p.exhibit else {
            panic!("{g}: config exhibit")
        };
        assert!(yaml.contains(needle), "{yaml}");
    }
}

#[test]
fn validation_rejects_a_scenario_the_generator_cannot_use() {
    let cat = catalog();
    let e = validate(&spec("n_plus_one", Some("study-sheet"), None), &cat).unwrap_err();
    assert!(e.contains("cannot make a puzzle"), "{e}");
    let e = validate(&spec("clock_skew", Some("checkout"), None), &cat).unwrap_err();
    assert!(e.contains("cannot make a puzzle"), "{e}");
}
