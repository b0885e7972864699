//! OpenTelemetry Collector configuration in and out of the lab: a Collector
//! YAML file's `tail_sampling` processors become tail strategies
//! ([`parse`]), and any tail strategy is written back as the YAML that
//! configures it ([`to_yaml`]). Semantics follow the README and code of
//! `processor/tailsamplingprocessor` in opentelemetry-collector-contrib.
//!
//! - [`yaml`]: the document, processors and processor settings.
//! - [`policy`]: policy types and their settings.
//! - [`ottl`]: the OTTL subset of `ottl_condition`.
//! - [`emit`]: writing YAML.

pub mod emit;
pub mod ottl;
pub mod policy;
pub mod yaml;

use std::fmt;

pub use emit::to_yaml;

use crate::sim::sampling::spec::model::{MAX_ATTR_POLICIES, count_span_predicates};
use crate::sim::sampling::spec::{Strategy, StrategyKind, TailSpec};

/// Largest configuration accepted, bytes.
pub const MAX_CONFIG_LEN: usize = 64 * 1024;

/// A configuration the lab cannot read: the line (1-based) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Line of the offending node.
    pub line: usize,
    /// What is wrong, naming the key.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Reads a Collector YAML text (a whole file, one processor, or a
/// processor's body) into one tail strategy per `tail_sampling` processor,
/// named by its component id. `disable_invert_decisions` is the feature gate
/// `processor.tailsamplingprocessor.disableinvertdecisions`.
pub fn parse(text: &str, disable_invert_decisions: bool) -> Result<Vec<Strategy>, ConfigError> {
    if text.len() > MAX_CONFIG_LEN {
        return Err(ConfigError {
            line: 1,
            message: format!("the configuration is longer than {MAX_CONFIG_LEN} bytes"),
        });
    }
    let doc = yaml::load(text)?;
    let mut out = Vec::new();
    for (id, body) in yaml::processors(&doc)? {
        let mut spec = TailSpec::with_policies(Vec::new());
        spec.disable_invert_decisions = disable_invert_decisions;
        let list = yaml::settings(body, &mut spec)?;
        for p in yaml::items(list)? {
            spec.policies.push(policy::policy(p, policy::Level::Top)?);
        }
        if spec.policies.is_empty() {
            return Err(yaml::err(list, format!("`{id}` has no policies")));
        }
        if count_span_predicates(&spec.policies) > MAX_ATTR_POLICIES {
            return Err(yaml::err(
                list,
                format!(
                    "at most {MAX_ATTR_POLICIES} attribute, boolean and OTTL policies per processor"
                ),
            ));
        }
        out.push(Strategy {
            name: id,
            kind: StrategyKind::Tail(spec),
        });
    }
    Ok(out)
}

/// The Collector YAML of a strategy, `None` for a head (SDK) strategy. A
/// strategy read from YAML keeps its component id; one from the short
/// grammar is `tail_sampling`.
pub fn strategy_yaml(s: &Strategy) -> Option<String> {
    match &s.kind {
        StrategyKind::Tail(t) => {
            let id = if s.name == "tail_sampling" || s.name.starts_with("tail_sampling/") {
                s.name.as_str()
            } else {
                "tail_sampling"
            };
            Some(to_yaml(id, t))
        }
        StrategyKind::Head(_) => None,
    }
}

#[cfg(test)]
mod tests;
