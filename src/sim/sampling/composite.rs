//! The specification's composable samplers (OpenTelemetry trace SDK,
//! "CompositeSampler" and "Built-in ComposableSamplers"), evaluated span by
//! span on the simulated trace.
//!
//! Every span asks its sampler for a *sampling intent*: a rejection
//! threshold `T` (or none: drop) and whether `T` gives a reliable adjusted
//! count. The composite then keeps the span when the randomness `R ≥ T`,
//! where `R` is the trace id's lowest 56 bits when the intent is reliable,
//! and a fresh random 56-bit number otherwise. A kept span with a reliable
//! threshold carries `ot=th:T` in its tracestate to its children; a dropped
//! span, or one kept unreliably, carries no `th`.
//!
//! Because every reliable decision compares the same `R` with a threshold,
//! a span kept at threshold `T` is kept at any lower threshold: composite
//! samplers keep nested subsets of traces.

use crate::sim::random::rng::splitmix64;
use crate::sim::sampling::consistent;
use crate::sim::sampling::population::{LeanSpan, NO_PARENT, Templates};
use crate::sim::scenario::topology::Scenario;
use crate::sim::trace::SpanKind;

/// A composable sampler (the spec's `ComposableSampler` implementations).
#[derive(Debug, Clone, PartialEq)]
pub enum Composable {
    /// ComposableAlwaysOn: threshold 0, reliable.
    AlwaysOn,
    /// ComposableAlwaysOff: no threshold.
    AlwaysOff,
    /// ComposableProbability(ratio): the ratio's threshold, reliable.
    /// Ratio 0 behaves as [`Composable::AlwaysOff`], as the spec asks.
    Probability(f64),
    /// ComposableParentThreshold(root): a span with a parent follows it
    /// (the parent's `th`; else threshold 0 if the parent was sampled,
    /// unreliable; else none); a span without a parent asks `root`.
    ParentThreshold(Box<Composable>),
    /// ComposableRuleBased(rules): the first rule whose predicate matches
    /// the span decides; no match gives no threshold.
    RuleBased(Vec<(Predicate, Composable)>),
}

/// A rule predicate over what a sampler knows when a span starts: its
/// kind, its service and the attributes it starts with.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Every span (`*`).
    Any,
    /// Spans without a parent context (`root`).
    Root,
    /// Spans of these kinds (`kind=server|consumer`).
    Kind(Vec<SpanKind>),
    /// A start-time span or resource attribute equal to one of the values
    /// (`attr:http.route=/health|/ready`; integers compare by their text).
    Attr {
        /// Attribute key.
        key: String,
        /// Accepted values.
        values: Vec<String>,
    },
}

/// A sampling intent: the threshold (`None`: drop) and its reliability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    /// Rejection threshold in [0, 2^56).
    pub threshold: Option<u64>,
    /// `adjusted_count_reliable`.
    pub reliable: bool,
}

/// What a span passes to its children: its sampled flag and `th`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpanState {
    /// The sampled flag.
    pub sampled: bool,
    /// The `th` sub-key of the `ot` tracestate entry, if any.
    pub th: Option<u64>,
}

/// A composable sampler with its predicates resolved per span template.
#[derive(Debug, Clone)]
enum Compiled {
    Fixed(Intent),
    ParentThreshold(Box<Compiled>),
    Rules(Vec<(CompiledPredicate, Compiled)>),
}

#[derive(Debug, Clone)]
enum CompiledPredicate {
    Any,
    Root,
    /// Template index → matches.
    Templates(Vec<bool>),
}

/// A `CompositeSampler` ready to run over lean traces.
#[derive(Debug, Clone)]
pub struct CompositeSampler {
    root: Compiled,
}

fn probability_intent(p: f64) -> Intent {
    if p <= 0.0 || p.is_nan() {
        return Intent {
            threshold: None,
            reliable: false,
        };
    }
    Intent {
        threshold: Some(consistent::threshold(p, consistent::DEFAULT_PRECISION)),
        reliable: true,
    }
}

fn compile(c: &Composable, sc: &Scenario, tm: &Templates) -> Compiled {
    match c {
        Composable::AlwaysOn => Compiled::Fixed(Intent {
            threshold: Some(0),
            reliable: true,
        }),
        Composable::AlwaysOff => Compiled::Fixed(Intent {
            threshold: None,
            reliable: false,
        }),
        Composable::Probability(p) => Compiled::Fixed(probability_intent(*p)),
        Composable::ParentThreshold(root) => {
            Compiled::ParentThreshold(Box::new(compile(root, sc, tm)))
        }
        Composable::RuleBased(rules) => Compiled::Rules(
            rules
                .iter()
                .map(|(p, s)| (compile_predicate(p, sc, tm), compile(s, sc, tm)))
                .collect(),
        ),
    }
}

fn compile_predicate(p: &Predicate, sc: &Scenario, tm: &Templates) -> CompiledPredicate {
    let per_template = |f: &dyn Fn(u32) -> bool| {
        CompiledPredicate::Templates((0..tm.list.len() as u32).map(f).collect())
    };
    match p {
        Predicate::Any => CompiledPredicate::Any,
        Predicate::Root => CompiledPredicate::Root,
        Predicate::Kind(kinds) => per_template(&|t| kinds.contains(&tm.kind(sc, t))),
        Predicate::Attr { key, values } => per_template(&|t| {
            tm.static_attrs(sc, t)
                .iter()
                .any(|(k, v)| **k == **key && values.iter().any(|x| *x == v.to_string()))
        }),
    }
}

impl Compiled {
    fn intent(&self, s: &LeanSpan, parent: Option<SpanState>) -> Intent {
        match self {
            Compiled::Fixed(i) => *i,
            Compiled::ParentThreshold(root) => match parent {
                None => root.intent(s, None),
                Some(SpanState { th: Some(t), .. }) => Intent {
                    threshold: Some(t),
                    reliable: true,
                },
                Some(SpanState { sampled, th: None }) => Intent {
                    threshold: sampled.then_some(0),
                    reliable: false,
                },
            },
            Compiled::Rules(rules) => {
                for (p, c) in rules {
                    let hit = match p {
                        CompiledPredicate::Any => true,
                        CompiledPredicate::Root => parent.is_none(),
                        CompiledPredicate::Templates(m) => {
                            m.get(s.template as usize).copied().unwrap_or(false)
                        }
                    };
                    if hit {
                        return c.intent(s, parent);
                    }
                }
                Intent {
                    threshold: None,
                    reliable: false,
                }
            }
        }
    }
}

/// A fresh 56-bit randomness for an unreliable intent: derived from the
/// span id, so a run is reproducible.
fn fresh_randomness(span_id: u64) -> u64 {
    let mut x = span_id ^ 0x2545_f491_4f6c_dd1d;
    splitmix64(&mut x) & (consistent::MAX_THRESHOLD - 1)
}

impl CompositeSampler {
    /// Resolves `c` against the scenario's span templates.
    pub fn new(c: &Composable, sc: &Scenario, tm: &Templates) -> CompositeSampler {
        CompositeSampler {
            root: compile(c, sc, tm),
        }
    }

    /// Decides every span of a trace in order (parents come before their
    /// children), writing each span's state into `states`.
    pub fn decide(&self, trace_ids: &[[u8; 16]], spans: &[LeanSpan], states: &mut Vec<SpanState>) {
        states.clear();
        for s in spans {
            let parent = (s.parent != NO_PARENT)
                .then(|| states.get(s.parent as usize).copied())
                .flatten();
            let intent = self.root.intent(s, parent);
            let state = match intent.threshold {
                None => SpanState::default(),
                Some(t) => {
                    let r = if intent.reliable {
                        trace_ids
                            .get(s.group as usize)
                            .map_or(0, consistent::randomness)
                    } else {
                        fresh_randomness(s.span_id)
                    };
                    let sampled = r >= t;
                    SpanState {
                        sampled,
                        th: (sampled && intent.reliable).then_some(t),
                    }
                }
            };
            states.push(state);
        }
    }
}

/// The threshold every kept span carries, when the sampler has a single
/// one (always-on, a probability, or those under a parent threshold).
pub fn fixed_threshold(c: &Composable) -> Option<u64> {
    match c {
        Composable::AlwaysOn => Some(0),
        Composable::Probability(p) => probability_intent(*p).threshold,
        Composable::ParentThreshold(root) => fixed_threshold(root),
        Composable::AlwaysOff | Composable::RuleBased(_) => None,
    }
}
