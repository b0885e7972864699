//! Span predicates (`string_attribute`, `numeric_attribute`,
//! `boolean_attribute`, `ottl_condition`, `trace_state`, `trace_flags`)
//! resolved per span template once,
//! so that a span costs one table lookup, plus a per-span evaluation of the
//! predicates that read what varies per execution (status codes,
//! `error.type`, retry attempts, status, times, events).
//!
//! Value conversions follow the processor's use of pdata: a string policy
//! reads `Str()` (empty for other types; an empty span value never
//! matches), a numeric one `Int()` (0 for other types), a boolean one
//! `Bool()` (false for other types). A span matches when its own
//! attributes or its resource's do.
//!
//! `trace_state` parses the span's `tracestate` as W3C Trace Context does
//! (a malformed one matches nothing) and compares the key's value with the
//! policy's values, skipping empty values and pairs of 256 characters or
//! more, as the processor's `NewTraceStateFilter`; `trace_flags` matches a
//! span whose `flags` low byte has the sampled bit (0x01).

use regex::Regex;

use crate::sim::sampling::attrs::dynamic_key;
use crate::sim::sampling::collector::ottl::{Program, SpanData};
use crate::sim::sampling::population::{LeanSpan, NO_CODE, Templates};
use crate::sim::sampling::spec::Policy;
use crate::sim::sampling::tail::view::{TemplateFacts, View, template_facts};
use crate::sim::scenario::topology::Scenario;
use crate::sim::trace::AttrValue;
use crate::sim::w3c::tracestate::parse_tracestate;

#[derive(Debug, Clone)]
enum Matcher {
    Str {
        key: String,
        exact: Vec<String>,
        regex: Vec<Regex>,
    },
    Num {
        key: String,
        min: i64,
        max: i64,
    },
    Bool {
        key: String,
        value: bool,
    },
    Ottl(Box<Program>),
    TraceState {
        key: String,
        values: Vec<String>,
    },
    TraceFlags,
    Never,
}

fn text(v: &AttrValue) -> &str {
    match v {
        AttrValue::Str(s) => s,
        _ => "",
    }
}

impl Matcher {
    fn new(p: &Policy) -> Matcher {
        match p {
            Policy::StringAttribute {
                key,
                values,
                enabled_regex_matching,
                ..
            } => Matcher::Str {
                key: key.clone(),
                exact: if *enabled_regex_matching {
                    Vec::new()
                } else {
                    values.iter().filter(|v| !v.is_empty()).cloned().collect()
                },
                regex: if *enabled_regex_matching {
                    values.iter().filter_map(|v| Regex::new(v).ok()).collect()
                } else {
                    Vec::new()
                },
            },
            Policy::NumericAttribute {
                key,
                min_value,
                max_value,
                ..
            } => Matcher::Num {
                key: key.clone(),
                min: min_value.unwrap_or(i64::MIN),
                max: max_value.unwrap_or(i64::MAX),
            },
            Policy::BooleanAttribute { key, value, .. } => Matcher::Bool {
                key: key.clone(),
                value: *value,
            },
            Policy::OttlCondition {
                span, spanevent, ..
            } => {
                Program::new(span, spanevent).map_or(Matcher::Never, |p| Matcher::Ottl(Box::new(p)))
            }
            Policy::TraceState { key, values } => Matcher::TraceState {
                key: key.clone(),
                values: values
                    .iter()
                    .filter(|v| !v.is_empty() && key.len() + v.len() < 256)
                    .cloned()
                    .collect(),
            },
            Policy::TraceFlags => Matcher::TraceFlags,
            _ => Matcher::Never,
        }
    }

    fn value_matches(&self, v: &AttrValue, on_span: bool) -> bool {
        match self {
            Matcher::Str { exact, regex, .. } => {
                let s = text(v);
                if on_span && s.is_empty() {
                    return false;
                }
                exact.iter().any(|x| x == s) || regex.iter().any(|r| r.is_match(s))
            }
            Matcher::Num { min, max, .. } => {
                let i = if let AttrValue::Int(i) = v { *i } else { 0 };
                *min <= i && i <= *max
            }
            Matcher::Bool { value, .. } => {
                matches!(v, AttrValue::Bool(b) if b == value)
                    || (!*value && !matches!(v, AttrValue::Bool(_)))
            }
            _ => false,
        }
    }

    fn key(&self) -> Option<&str> {
        match self {
            Matcher::Str { key, .. } | Matcher::Num { key, .. } | Matcher::Bool { key, .. } => {
                Some(key)
            }
            _ => None,
        }
    }

    fn matches(&self, s: &View) -> bool {
        match self {
            Matcher::Ottl(p) => p.matches(s),
            Matcher::TraceState { key, values } => parse_tracestate(s.trace_state())
                .ok()
                .and_then(|ts| ts.get(key).map(|v| values.iter().any(|x| x == v)))
                .unwrap_or(false),
            Matcher::TraceFlags => s.span_flags() & 0x01 != 0,
            Matcher::Never => false,
            m => {
                let key = m.key().unwrap_or("");
                s.resource_attr(key)
                    .is_some_and(|v| m.value_matches(&v, false))
                    || s.attr(key).is_some_and(|v| m.value_matches(&v, true))
            }
        }
    }

    fn is_static(&self) -> bool {
        let st = |k: &str| dynamic_key(k).is_none();
        match self {
            Matcher::Ottl(p) => p.is_static(&st),
            Matcher::TraceState { .. } | Matcher::TraceFlags | Matcher::Never => true,
            m => m.key().is_none_or(st),
        }
    }
}

/// The span predicates of one processor, resolved per template.
#[derive(Debug, Clone, Default)]
pub struct Predicates {
    template_mask: Vec<u64>,
    dynamic: Vec<(u32, Matcher)>,
    facts: Vec<TemplateFacts>,
    /// Some dynamic predicate reads more than the dynamic attributes.
    deep: bool,
}

impl Predicates {
    /// Resolves `preds` (span predicate policies, bit i = preds\[i\]).
    pub fn new(sc: &Scenario, tm: &Templates, preds: &[Policy]) -> Predicates {
        if preds.is_empty() {
            return Predicates::default();
        }
        let matchers: Vec<Matcher> = preds.iter().map(Matcher::new).collect();
        let facts = template_facts(sc, tm);
        let mut template_mask = vec![0u64; tm.list.len()];
        let mut dynamic = Vec::new();
        let mut deep = false;
        for (bit, m) in matchers.into_iter().enumerate() {
            if m.is_static() {
                for (t, mask) in template_mask.iter_mut().enumerate() {
                    let probe = LeanSpan {
                        span_id: 0,
                        start_ns: 0,
                        end_ns: 0,
                        parent: 0,
                        template: t as u32,
                        group: 0,
                        service: 0,
                        code: NO_CODE,
                        flags: 0,
                        attempt: 0,
                    };
                    let view = View {
                        sc,
                        tm,
                        facts: &facts[t],
                        span: &probe,
                    };
                    if m.matches(&view) {
                        *mask |= 1 << bit;
                    }
                }
            } else {
                deep |= matches!(m, Matcher::Ottl(_));
                dynamic.push((bit as u32, m));
            }
        }
        Predicates {
            template_mask,
            dynamic,
            facts,
            deep,
        }
    }

    /// The predicates a span matches.
    #[inline]
    pub fn mask(&self, sc: &Scenario, tm: &Templates, s: &LeanSpan) -> u64 {
        let Some(&m) = self.template_mask.get(s.template as usize) else {
            return 0;
        };
        if self.dynamic.is_empty()
            || (!self.deep && s.code == NO_CODE && s.flags == 0 && s.attempt == 0)
        {
            return m;
        }
        let Some(facts) = self.facts.get(s.template as usize) else {
            return m;
        };
        let view = View {
            sc,
            tm,
            facts,
            span: s,
        };
        let mut m = m;
        for (bit, matcher) in &self.dynamic {
            if matcher.matches(&view) {
                m |= 1 << bit;
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Matcher;
    use crate::sim::sampling::spec::tail;
    use crate::sim::trace::AttrValue;

    fn matcher(spec: &str) -> Matcher {
        let t = tail::parse(spec).unwrap_or_else(|e| panic!("{e}"));
        Matcher::new(&t.policies[0].policy)
    }

    #[test]
    fn numeric_bounds_are_inclusive_and_other_types_read_as_zero() {
        let m = matcher("attr:http.response.status_code=[500,599]");
        let int = |i| AttrValue::Int(i);
        assert!(!m.value_matches(&int(499), true));
        assert!(m.value_matches(&int(500), true));
        assert!(m.value_matches(&int(599), true));
        assert!(!m.value_matches(&int(600), true));
        let zero = matcher("attr:x=[0,0]");
        assert!(
            zero.value_matches(&AttrValue::Str(Arc::from("abc")), true),
            "Int() of a string is 0"
        );
    }

    #[test]
    fn strings_exact_regex_and_empty_values() {
        let s = |v: &str| AttrValue::Str(Arc::from(v));
        let m = matcher("attr:http.route=/cart");
        assert!(m.value_matches(&s("/cart"), true));
        assert!(!m.value_matches(&s("/cart/"), true), "exact");
        let r = matcher("attr:http.route~=/v1/name/.+");
        assert!(r.value_matches(&s("/v1/name/7"), true));
        assert!(!r.value_matches(&s("/v1/name/"), true));
        assert!(
            r.value_matches(&s("x/v1/name/7"), true),
            "unanchored, as Go's MatchString"
        );
        let any = matcher("attr:k~=.*");
        assert!(
            !any.value_matches(&s(""), true),
            "an empty span value never matches"
        );
        assert!(
            any.value_matches(&s(""), false),
            "a resource value is matched as is"
        );
    }

    #[test]
    fn booleans_read_other_types_as_false() {
        let t = matcher("bool:flag=true");
        assert!(t.value_matches(&AttrValue::Bool(true), true));
        assert!(!t.value_matches(&AttrValue::Bool(false), true));
        let f = matcher("bool:flag=false");
        assert!(
            f.value_matches(&AttrValue::Int(1), true),
            "Bool() of an int is false"
        );
    }
}
