use std::sync::Arc;

use super::{EventData, Program, SpanData};
use crate::sim::trace::AttrValue;

struct Fake {
    name: &'static str,
    error: bool,
    times: (u64, u64),
    attrs: Vec<(&'static str, AttrValue)>,
}

impl SpanData for Fake {
    fn name(&self) -> &str {
        self.name
    }
    fn kind(&self) -> i64 {
        2
    }
    fn status_code(&self) -> i64 {
        if self.error { 2 } else { 0 }
    }
    fn attr(&self, key: &str) -> Option<AttrValue> {
        self.attrs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    }
    fn resource_attr(&self, key: &str) -> Option<AttrValue> {
        (key == "service.name").then(|| AttrValue::Str(Arc::from("cart")))
    }
    fn times(&self) -> (u64, u64) {
        self.times
    }
    fn events(&self) -> Vec<EventData> {
        if !self.error {
            return Vec::new();
        }
        vec![EventData {
            name: "exception".into(),
            time_ns: self.times.1,
            attrs: vec![(
                "exception.type".into(),
                AttrValue::Str(Arc::from("timeout")),
            )],
        }]
    }
}

fn span(ms: u64, error: bool) -> Fake {
    Fake {
        name: "GET /cart",
        error,
        times: (1_000, 1_000 + ms * 1_000_000),
        attrs: vec![
            ("http.response.status_code", AttrValue::Int(500)),
            ("http.route", AttrValue::Str(Arc::from("/cart"))),
        ],
    }
}

fn holds(span_conds: &[&str], event_conds: &[&str], s: &Fake) -> bool {
    let own = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    Program::new(&own(span_conds), &own(event_conds))
        .unwrap_or_else(|e| panic!("{e}"))
        .matches(s)
}

#[test]
fn comparisons_at_their_boundaries() {
    let s = span(20, false);
    let d = "end_time_unix_nano - start_time_unix_nano";
    assert!(
        !holds(&[&format!("{d} > 20000000")], &[], &s),
        "equal is not above"
    );
    assert!(holds(&[&format!("{d} >= 20000000")], &[], &s));
    assert!(
        holds(&[&format!("{d} > 19999999")], &[], &s),
        "just below the value"
    );
    assert!(!holds(&[&format!("{d} < 20000000")], &[], &s));
    assert!(holds(&[&format!("{d} <= 20000000")], &[], &s));
    assert!(holds(
        &[r#"attributes["http.response.status_code"] >= 500"#],
        &[],
        &s
    ));
    assert!(!holds(
        &[r#"attributes["http.response.status_code"] > 500"#],
        &[],
        &s
    ));
    assert!(
        holds(
            &[r#"attributes["http.response.status_code"] == 500.0"#],
            &[],
            &s
        ),
        "int = float"
    );
    assert!(
        !holds(
            &[r#"attributes["http.response.status_code"] == "500""#],
            &[],
            &s
        ),
        "types differ"
    );
    assert!(holds(
        &[r#"attributes["http.response.status_code"] != "500""#],
        &[],
        &s
    ));
    assert!(holds(&[r#"attributes["missing"] == nil"#], &[], &s));
    assert!(
        !holds(&[r#"attributes["missing"] > 0"#], &[], &s),
        "nil is not ordered"
    );
}

#[test]
fn paths_logic_and_ismatch() {
    let ok = span(5, false);
    let bad = span(5, true);
    let c = r#"status.code == STATUS_CODE_ERROR and kind == SPAN_KIND_SERVER"#;
    assert!(!holds(&[c], &[], &ok) && holds(&[c], &[], &bad));
    assert!(holds(
        &[r#"not (name == "GET /x") and IsMatch(attributes["http.route"], "^/ca")"#],
        &[],
        &ok
    ));
    assert!(holds(
        &[r#"resource.attributes["service.name"] == "cart" or false"#],
        &[],
        &ok
    ));
    assert!(
        holds(&[r#"name == "nope""#, "true"], &[], &ok),
        "conditions are or-ed"
    );
    let ev = r#"name == "exception" and attributes["exception.type"] == "timeout" and span.status.code == 2"#;
    assert!(!holds(&[], &[ev], &ok) && holds(&[], &[ev], &bad));
}

#[test]
fn the_subset_refuses_what_it_does_not_know() {
    for (c, msg) in [
        ("Len(name) > 3", "unsupported OTTL function `Len`"),
        (
            "status.message == \"x\"",
            "unsupported OTTL path `status.message`",
        ),
        ("attributes[\"a\"] + 1 > 2", "arithmetic"),
        ("end_time_unix_nano / 0 > 1", "non-zero"),
        ("name", "comparison"),
        ("name == \"a", "not closed"),
    ] {
        let e = Program::new(&[c.to_string()], &[]).map(|_| ()).unwrap_err();
        assert!(e.contains(msg), "{c}: {e}");
    }
}
