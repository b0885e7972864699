use crate::content::Content;
use crate::practice::puzzles::*;

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
        let (name, trace_seed) = p.trace.clone().unwrap();
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
