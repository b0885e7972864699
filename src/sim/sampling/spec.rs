//! Strategy specs: the text form of a sampling strategy, shared by the CLI
//! (`--head SPEC`, `--tail SPEC`) and the lab page (one field per strategy).
//!
//! Head specs (decided at the root, carried in the sampled flag):
//!
//! | spec | sampler |
//! | --- | --- |
//! | `always_on`, `always_off` | AlwaysOn, AlwaysOff |
//! | `ratio=0.1` (or `10%`) | TraceIdRatioBased in every service (same trace id, same answer) |
//! | `parent_based=ratio:0.1` | ParentBased with root `ratio:P`, `consistent:P`, `always_on` or `always_off` |
//! | `consistent=0.1` | consistent probability sampler at the root, children follow; writes `ot=th:…` |
//! | `alone=0.1` | every span decides alone with probability P (no parent-based): broken traces |
//! | `probability=0.1` | ProbabilitySampler in every service (threshold on the trace id's 56 random bits; writes `ot=th:…`) |
//! | `composite=EXPR` | CompositeSampler over composable samplers (see [`head`](self::head)) |
//! | `env:NAME[=ARG]` | `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG` values (see [`head`](self::head)) |
//!
//! `ratio` is TraceIdRatioBased, which the specification deprecates in
//! favour of ProbabilitySampler (`probability=P`).
//!
//! Tail specs are comma-separated policies and settings of one tail
//! sampling processor (see [`tail`](self::tail) for the grammar and
//! [`model`] for the processor's configuration they stand for). A spec may start with `head:` or `tail:`; without it the
//! kind is recognised from the first word.

mod duration;
pub mod head;
pub mod model;
pub mod tail;
pub(crate) mod terms;

use std::fmt;

use crate::sim::sampling::composite::Composable;
pub use head::{ENV_SAMPLERS, parse_env};
pub use model::{ErrorMode, Named, Policy, StatusCode, TailSpec};

/// A strategy: its text, and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    /// The spec as written (trimmed, without a `head:`/`tail:` prefix).
    pub name: String,
    /// Head or tail, with parameters.
    pub kind: StrategyKind,
}

/// A head or a tail strategy.
#[derive(Debug, Clone, PartialEq)]
pub enum StrategyKind {
    /// Decided at the root (or per span for `alone`).
    Head(HeadSpec),
    /// Decided by a tail sampling processor after the spans arrive.
    Tail(TailSpec),
}

/// A head sampler.
#[derive(Debug, Clone, PartialEq)]
pub enum HeadSpec {
    /// Keep everything.
    AlwaysOn,
    /// Keep nothing.
    AlwaysOff,
    /// TraceIdRatioBased(p) in every service (deprecated by the
    /// specification in favour of ProbabilitySampler).
    Ratio(f64),
    /// ProbabilitySampler(p) in every service: keep when R ≥ T.
    Probability(f64),
    /// CompositeSampler over a composable sampler, in every service.
    Composite(Composable),
    /// ParentBased with the given root sampler.
    ParentBased(RootSampler),
    /// Consistent probability sampling at the root (parent-based children).
    Consistent(f64),
    /// Every span decides alone with probability p.
    Alone(f64),
}

/// The root sampler of a parent-based head sampler.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RootSampler {
    /// Keep every root.
    AlwaysOn,
    /// Keep no root.
    AlwaysOff,
    /// TraceIdRatioBased(p).
    Ratio(f64),
    /// ProbabilitySampler(p).
    Probability(f64),
    /// Consistent probability (OTel `th` threshold).
    Consistent(f64),
}

/// A spec that does not parse: the offending token and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The token (or whole spec) at fault.
    pub token: String,
    /// What is wrong with it.
    pub message: String,
}

impl SpecError {
    pub(crate) fn new(token: &str, message: impl Into<String>) -> SpecError {
        SpecError {
            token: token.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.token, self.message)
    }
}

impl std::error::Error for SpecError {}

/// Words that start a head spec.
/// (`composite=` is the head CompositeSampler; the tail policy is `composite(…)`.)
const HEAD_WORDS: [&str; 9] = [
    "always_on",
    "always_off",
    "ratio",
    "parent_based",
    "consistent",
    "alone",
    "probability",
    "env",
    "OTEL_TRACES_SAMPLER",
];

/// Longest accepted spec, in bytes.
pub const MAX_SPEC_LEN: usize = 1000;

/// Parses a strategy, recognising head or tail from a `head:`/`tail:`
/// prefix or from the first word.
pub fn parse_strategy(text: &str) -> Result<Strategy, SpecError> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix("head:") {
        return parse_head(rest);
    }
    if let Some(rest) = t.strip_prefix("tail:") {
        return parse_tail(rest);
    }
    let first = t
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    if HEAD_WORDS.contains(&first)
        || t.starts_with("composite=")
        || t.contains("OTEL_TRACES_SAMPLER")
    {
        parse_head(t)
    } else {
        parse_tail(t)
    }
}

/// Parses a head spec (`--head`).
pub fn parse_head(text: &str) -> Result<Strategy, SpecError> {
    let t = check_len(text)?;
    if t.starts_with("env:") || t.contains("OTEL_TRACES_SAMPLER") {
        return Ok(Strategy {
            name: t.to_string(),
            kind: StrategyKind::Head(head::parse_env_text(t)?),
        });
    }
    let (word, value) = match t.split_once('=') {
        Some((w, v)) => (w.trim(), Some(v.trim())),
        None => (t, None),
    };
    let need = |what: &str| -> Result<&str, SpecError> {
        value.ok_or_else(|| SpecError::new(t, format!("write {word}={what}")))
    };
    let spec = match word {
        "always_on" | "always_off" if value.is_some() => {
            return Err(SpecError::new(t, format!("{word} takes no value")));
        }
        "always_on" => HeadSpec::AlwaysOn,
        "always_off" => HeadSpec::AlwaysOff,
        "ratio" => HeadSpec::Ratio(probability(t, need("P")?)?),
        "consistent" => HeadSpec::Consistent(consistent_p(t, need("P")?)?),
        "alone" => HeadSpec::Alone(probability(t, need("P")?)?),
        "probability" => HeadSpec::Probability(consistent_p(t, need("P")?)?),
        "composite" => HeadSpec::Composite(head::composable(need("SAMPLER")?)?),
        "parent_based" => HeadSpec::ParentBased(root_sampler(t, need("ROOT")?)?),
        _ => {
            return Err(SpecError::new(
                word,
                "unknown head sampler; use always_on, always_off, probability=P, ratio=P, \
                 parent_based=ROOT, consistent=P, alone=P, composite=SAMPLER or env:NAME=ARG",
            ));
        }
    };
    Ok(Strategy {
        name: t.to_string(),
        kind: StrategyKind::Head(spec),
    })
}

/// Parses a tail spec (`--tail`).
pub fn parse_tail(text: &str) -> Result<Strategy, SpecError> {
    let t = check_len(text)?;
    Ok(Strategy {
        name: t.to_string(),
        kind: StrategyKind::Tail(tail::parse(t)?),
    })
}

fn check_len(text: &str) -> Result<&str, SpecError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(SpecError::new("", "the strategy is empty"));
    }
    if t.len() > MAX_SPEC_LEN {
        return Err(SpecError::new(
            &t[..t.floor_char_boundary(40)],
            format!("the strategy is longer than {MAX_SPEC_LEN} characters"),
        ));
    }
    Ok(t)
}

fn root_sampler(token: &str, v: &str) -> Result<RootSampler, SpecError> {
    match v.split_once(':') {
        None if v == "always_on" => Ok(RootSampler::AlwaysOn),
        None if v == "always_off" => Ok(RootSampler::AlwaysOff),
        Some(("ratio", p)) => Ok(RootSampler::Ratio(probability(token, p)?)),
        Some(("consistent", p)) => Ok(RootSampler::Consistent(consistent_p(token, p)?)),
        Some(("probability", p)) => Ok(RootSampler::Probability(consistent_p(token, p)?)),
        _ => Err(SpecError::new(
            token,
            "unknown root sampler; use always_on, always_off, probability:P, ratio:P or consistent:P",
        )),
    }
}

/// A probability written as `0.25` or `25%`, within [0, 1]; errors name `token`.
pub(crate) fn probability(token: &str, v: &str) -> Result<f64, SpecError> {
    let v = v.trim();
    let (num, scale) = match v.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (v, 1.0),
    };
    let x: f64 = num
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| SpecError::new(token, "expected a probability such as 0.1 or 10%"))?;
    let p = x / scale;
    if !(0.0..=1.0).contains(&p) {
        let hint = if scale == 1.0 && x > 1.0 && x <= 100.0 {
            format!(" (write {x}% for a percentage)")
        } else {
            String::new()
        };
        return Err(SpecError::new(
            token,
            format!(
                "probability {x}{} is outside [0, 1]{hint}",
                if scale == 1.0 { "" } else { "%" }
            ),
        ));
    }
    Ok(p)
}

fn consistent_p(token: &str, v: &str) -> Result<f64, SpecError> {
    let p = probability(token, v)?;
    if p < crate::sim::sampling::consistent::MIN_PROBABILITY {
        return Err(SpecError::new(
            token,
            "consistent sampling needs a probability of at least 2^-56; use always_off to keep nothing",
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests;
