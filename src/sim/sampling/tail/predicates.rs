//! Attribute predicates (`string_attribute`, `numeric_attribute`) resolved
//! per span template once, so that a span costs one table lookup (plus a
//! check of its status code, `error.type` or retry attempt when a
//! predicate looks at those).

use crate::sim::sampling::attrs::{dynamic_attr, dynamic_key};
use crate::sim::sampling::population::{LeanSpan, NO_CODE, Templates};
use crate::sim::sampling::spec::Policy;
use crate::sim::scenario::topology::Scenario;
use crate::sim::trace::AttrValue;

#[derive(Debug, Clone)]
enum Matcher {
    Str(Vec<String>),
    Num(Option<i64>, Option<i64>),
}

impl Matcher {
    fn matches(&self, v: &AttrValue) -> bool {
        match (self, v) {
            (Matcher::Str(values), AttrValue::Str(s)) => values.iter().any(|x| **x == **s),
            (Matcher::Num(min, max), AttrValue::Int(i)) => {
                min.is_none_or(|m| *i >= m) && max.is_none_or(|m| *i <= m)
            }
            _ => false,
        }
    }
}

/// The attribute predicates of one processor, resolved per template.
#[derive(Debug, Clone, Default)]
pub struct Predicates {
    template_mask: Vec<u64>,
    dynamic: Vec<(u32, usize, Matcher)>,
}

impl Predicates {
    /// Resolves `attrs` (attribute policies, bit i = attrs\[i\]).
    pub fn new(sc: &Scenario, tm: &Templates, attrs: &[Policy]) -> Predicates {
        let preds: Vec<(&str, Matcher)> = attrs
            .iter()
            .filter_map(|p| match p {
                Policy::StringAttribute { key, values } => {
                    Some((key.as_str(), Matcher::Str(values.clone())))
                }
                Policy::NumericAttribute { key, min, max } => {
                    Some((key.as_str(), Matcher::Num(*min, *max)))
                }
                _ => None,
            })
            .collect();
        if preds.is_empty() {
            return Predicates::default();
        }
        let mut template_mask = vec![0u64; tm.list.len()];
        for (t, mask) in template_mask.iter_mut().enumerate() {
            let statics = tm.static_attrs(sc, t as u32);
            for (bit, (key, m)) in preds.iter().enumerate() {
                if statics.iter().any(|(k, v)| &**k == *key && m.matches(v)) {
                    *mask |= 1 << bit;
                }
            }
        }
        let dynamic = preds
            .iter()
            .enumerate()
            .filter_map(|(bit, (key, m))| dynamic_key(key).map(|w| (bit as u32, w, m.clone())))
            .collect();
        Predicates {
            template_mask,
            dynamic,
        }
    }

    /// The predicates a span matches.
    #[inline]
    pub fn mask(&self, sc: &Scenario, tm: &Templates, s: &LeanSpan) -> u64 {
        let Some(&m) = self.template_mask.get(s.template as usize) else {
            return 0;
        };
        if self.dynamic.is_empty() || (s.code == NO_CODE && s.flags == 0 && s.attempt == 0) {
            return m;
        }
        let mut m = m;
        for (bit, which, matcher) in &self.dynamic {
            if dynamic_attr(sc, tm, s, *which).is_some_and(|v| matcher.matches(&v)) {
                m |= 1 << bit;
            }
        }
        m
    }
}
