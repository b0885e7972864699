//! Reading an OpenTelemetry Collector YAML file: the whole file (every
//! `tail_sampling` or `tail_sampling/NAME` under `processors`), one
//! processor (`tail_sampling: {…}`), or a processor's body (`policies: …`).
//! Nodes carry their line (saphyr's marked nodes), so every refusal says
//! `line N: …`; a key the lab does not read is refused, never skipped.

use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};

use crate::sim::sampling::collector::ConfigError;
use crate::sim::sampling::spec::TailSpec;
use crate::sim::sampling::spec::model::{MAX_CACHE_SIZE, MAX_DECISION_WAIT_NS, MAX_NUM_TRACES};
use crate::sim::sampling::spec::terms::parse_duration;

/// A YAML node.
pub type Node = MarkedYamlOwned;

/// The line of a node (1-based).
pub fn line(n: &Node) -> usize {
    n.span.start.line().max(1)
}

/// An error at a node.
pub fn err(n: &Node, message: impl Into<String>) -> ConfigError {
    ConfigError {
        line: line(n),
        message: message.into(),
    }
}

fn inner(n: &Node) -> &Node {
    match &n.data {
        YamlDataOwned::Tagged(_, b) => inner(b),
        _ => n,
    }
}

/// A mapping's entries as (key, key node, value node); null is empty.
pub fn entries(n: &Node) -> Result<Vec<(String, &Node, &Node)>, ConfigError> {
    match &inner(n).data {
        YamlDataOwned::Mapping(m) => m.iter().map(|(k, v)| Ok((text(k)?, k, v))).collect(),
        YamlDataOwned::Value(ScalarOwned::Null) => Ok(Vec::new()),
        _ => Err(err(n, "expected a mapping of keys to values")),
    }
}

/// A sequence's items; null is empty.
pub fn items(n: &Node) -> Result<&[Node], ConfigError> {
    match &inner(n).data {
        YamlDataOwned::Sequence(s) => Ok(s),
        YamlDataOwned::Value(ScalarOwned::Null) => Ok(&[]),
        _ => Err(err(n, "expected a list")),
    }
}

/// A scalar as text (numbers and booleans as written).
pub fn text(n: &Node) -> Result<String, ConfigError> {
    match &inner(n).data {
        YamlDataOwned::Value(ScalarOwned::String(s)) => Ok(s.clone()),
        YamlDataOwned::Value(ScalarOwned::Integer(i)) => Ok(i.to_string()),
        YamlDataOwned::Value(ScalarOwned::FloatingPoint(f)) => Ok(f.0.to_string()),
        YamlDataOwned::Value(ScalarOwned::Boolean(b)) => Ok(b.to_string()),
        YamlDataOwned::Representation(s, ..) => Ok(s.clone()),
        YamlDataOwned::Alias(_) => Err(err(n, "YAML aliases are not supported here")),
        _ => Err(err(n, "expected a single value")),
    }
}

/// A list of texts.
pub fn texts(n: &Node) -> Result<Vec<String>, ConfigError> {
    items(n)?.iter().map(text).collect()
}

/// An integer (`100_000` too, as the Collector's YAML reads it).
pub fn int(n: &Node) -> Result<i64, ConfigError> {
    match &inner(n).data {
        YamlDataOwned::Value(ScalarOwned::Integer(i)) => Ok(*i),
        YamlDataOwned::Value(ScalarOwned::String(s))
            if !s.is_empty()
                && s.trim_start_matches('-')
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '_') =>
        {
            s.replace('_', "")
                .parse()
                .map_err(|_| err(n, format!("`{s}` is out of range")))
        }
        _ => Err(err(n, "expected a whole number")),
    }
}

/// A whole number from 0 to `max`.
pub fn uint(n: &Node, max: u64) -> Result<u64, ConfigError> {
    let i = int(n)?;
    u64::try_from(i)
        .ok()
        .filter(|v| *v <= max)
        .ok_or_else(|| err(n, format!("expected a whole number from 0 to {max}")))
}

/// A number.
pub fn float(n: &Node) -> Result<f64, ConfigError> {
    match &inner(n).data {
        YamlDataOwned::Value(ScalarOwned::FloatingPoint(f)) if f.0.is_finite() => Ok(f.0),
        _ => int(n)
            .map(|i| i as f64)
            .map_err(|_| err(n, "expected a number")),
    }
}

/// `true` or `false`.
pub fn boolean(n: &Node) -> Result<bool, ConfigError> {
    match &inner(n).data {
        YamlDataOwned::Value(ScalarOwned::Boolean(b)) => Ok(*b),
        _ => Err(err(n, "expected true or false")),
    }
}

/// The refusal of a key the lab does not read.
pub fn unsupported(key: &str, k: &Node) -> ConfigError {
    err(k, format!("unsupported key `{key}`"))
}

/// Loads a YAML text: its first document.
pub fn load(text: &str) -> Result<Node, ConfigError> {
    let docs = Node::load_from_str(text).map_err(|e| ConfigError {
        line: e.marker().line().max(1),
        message: format!("not valid YAML: {}", e.info()),
    })?;
    docs.into_iter().next().ok_or(ConfigError {
        line: 1,
        message: "the file is empty".into(),
    })
}

/// The Collector sections a whole file may have besides `processors`.
const SECTIONS: [&str; 5] = [
    "receivers",
    "exporters",
    "extensions",
    "connectors",
    "service",
];

fn is_processor(key: &str) -> bool {
    key == "tail_sampling"
        || key
            .strip_prefix("tail_sampling/")
            .is_some_and(|n| !n.is_empty())
}

/// The `tail_sampling` processors of a document: (component id, body).
pub fn processors(doc: &Node) -> Result<Vec<(String, &Node)>, ConfigError> {
    let top = entries(doc)?;
    if top.iter().any(|(k, ..)| k == "processors") {
        let mut out = Vec::new();
        for (key, k, v) in &top {
            if key == "processors" {
                for (id, _, body) in entries(v)? {
                    if is_processor(&id) {
                        out.push((id, body));
                    }
                }
            } else if !SECTIONS.contains(&key.as_str()) {
                return Err(unsupported(key, k));
            }
        }
        if out.is_empty() {
            return Err(err(doc, "no tail_sampling processor under `processors`"));
        }
        return Ok(out);
    }
    if top.iter().any(|(k, ..)| is_processor(k)) {
        return top
            .into_iter()
            .map(|(key, k, v)| {
                if is_processor(&key) {
                    Ok((key, v))
                } else {
                    Err(unsupported(&key, k))
                }
            })
            .collect();
    }
    Ok(vec![("tail_sampling".to_string(), doc)])
}

/// Reads a processor body's settings into `spec` and returns its `policies` node.
pub fn settings<'a>(body: &'a Node, spec: &mut TailSpec) -> Result<&'a Node, ConfigError> {
    let mut policies = None;
    for (key, k, v) in entries(body)? {
        match key.as_str() {
            "decision_wait" => {
                let ns = match int(v) {
                    Ok(i) => {
                        u64::try_from(i).map_err(|_| err(v, "a duration cannot be negative"))?
                    }
                    Err(_) => parse_duration(&text(v)?, 1).map_err(|m| err(v, m))?,
                };
                if !(1_000_000..=MAX_DECISION_WAIT_NS).contains(&ns) {
                    return Err(err(
                        v,
                        format!(
                            "decision_wait is {ns} ns; the lab takes 1ms to 10m (a bare number \
                             counts nanoseconds, as in the Collector)"
                        ),
                    ));
                }
                spec.decision_wait_ns = ns;
            }
            "num_traces" => {
                let n = uint(v, MAX_NUM_TRACES as u64)?;
                if n == 0 {
                    return Err(err(v, "num_traces must be at least 1"));
                }
                spec.num_traces = n as usize;
            }
            "expected_new_traces_per_sec" => {
                spec.expected_new_traces_per_sec = uint(v, u64::MAX >> 1)?
            }
            "sample_on_first_match" => spec.sample_on_first_match = boolean(v)?,
            "drop_pending_traces_on_shutdown" => spec.drop_pending_traces_on_shutdown = boolean(v)?,
            "decision_cache" => {
                for (ck, ckn, cv) in entries(v)? {
                    match ck.as_str() {
                        "sampled_cache_size" => spec.sampled_cache_size = uint(cv, MAX_CACHE_SIZE)?,
                        "non_sampled_cache_size" => {
                            spec.non_sampled_cache_size = uint(cv, MAX_CACHE_SIZE)?
                        }
                        _ => return Err(unsupported(&ck, ckn)),
                    }
                }
            }
            "policies" => policies = Some(v),
            _ => return Err(unsupported(&key, k)),
        }
    }
    policies.ok_or_else(|| err(body, "a tail_sampling processor needs `policies`"))
}
