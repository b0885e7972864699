//! Serde mirror of the scenario TOML, keeping byte spans for line numbers.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::sim::scenario::topology::TopologyError;
use crate::sim::trace::AttrValue;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Spanned<String>,
    pub title: Spanned<String>,
    pub description: Spanned<String>,
    pub rate_per_sec: Spanned<f64>,
    pub entry: Option<Spanned<String>>,
    #[serde(default)]
    pub service: Vec<RawService>,
    #[serde(default)]
    pub fault: Vec<RawFault>,
    pub generate: Option<Spanned<RawGenerate>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    pub name: Spanned<String>,
    pub resource: Option<BTreeMap<String, Spanned<toml::Value>>>,
    pub drop_traceparent: Option<Spanned<bool>>,
    pub clock_offset_ms: Option<Spanned<f64>>,
    #[serde(default)]
    pub operation: Vec<RawOperation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOperation {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub self_time: Spanned<RawDist>,
    pub error_rate: Option<Spanned<f64>>,
    pub error_type: Option<Spanned<String>>,
    pub error_status: Option<Spanned<i64>>,
    pub error_message: Option<Spanned<String>>,
    pub http: Option<Spanned<RawHttp>>,
    pub rpc: Option<Spanned<RawRpc>>,
    pub db: Option<Spanned<RawDb>>,
    pub messaging: Option<Spanned<RawMessaging>>,
    pub attributes: Option<BTreeMap<String, Spanned<toml::Value>>>,
    #[serde(default)]
    pub call: Vec<RawCall>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDist {
    pub median_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub fixed_ms: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHttp {
    pub method: String,
    pub route: String,
    pub address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRpc {
    pub system: String,
    pub service: String,
    pub method: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDb {
    pub system: String,
    pub query: String,
    pub namespace: Option<String>,
    pub address: Option<String>,
    pub operation: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMessaging {
    pub system: String,
    pub destination: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCall {
    pub to: Spanned<String>,
    pub probability: Option<Spanned<f64>>,
    pub repeat: Option<Spanned<i64>>,
    pub retries: Option<Spanned<i64>>,
    pub backoff_ms: Option<Spanned<f64>>,
    pub timeout_ms: Option<Spanned<f64>>,
    #[serde(rename = "async")]
    pub is_async: Option<Spanned<bool>>,
    pub queue_delay: Option<Spanned<RawDist>>,
    pub network: Option<Spanned<RawDist>>,
    pub parallel: Option<Spanned<String>>,
    pub ignore_errors: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFault {
    pub kind: Spanned<String>,
    pub target: Spanned<String>,
    pub multiply: Option<Spanned<f64>>,
    pub add_ms: Option<Spanned<f64>>,
    pub error_rate: Option<Spanned<f64>>,
    pub error_type: Option<String>,
    pub error_status: Option<Spanned<i64>>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGenerate {
    pub services: Spanned<i64>,
    pub layers: Option<Spanned<i64>>,
    pub max_fan_out: Option<Spanned<i64>>,
    pub topology_seed: Spanned<i64>,
}

/// Maps byte offsets to 1-based line numbers.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        Lines { starts }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i.max(1),
        }
    }

    pub(crate) fn of<T>(&self, s: &Spanned<T>) -> usize {
        self.line(s.span().start)
    }

    pub(crate) fn err<T>(&self, s: &Spanned<T>, message: impl Into<String>) -> TopologyError {
        TopologyError {
            line: self.of(s),
            message: message.into(),
        }
    }
}

/// Parses the TOML into the raw structure; syntax and shape errors carry the
/// toml error's span.
pub(crate) fn parse_raw(text: &str, lines: &Lines) -> Result<RawScenario, Vec<TopologyError>> {
    toml::from_str::<RawScenario>(text).map_err(|e| {
        let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
        vec![TopologyError {
            line,
            message: e.message().trim().to_string(),
        }]
    })
}

/// Converts a TOML attribute map into attribute values (strings, integers,
/// floats, booleans only).
pub(crate) fn attr_map(
    map: &BTreeMap<String, Spanned<toml::Value>>,
    lines: &Lines,
    what: &str,
    errors: &mut Vec<TopologyError>,
) -> Vec<(Arc<str>, AttrValue)> {
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let value = match v.get_ref() {
            toml::Value::String(s) => AttrValue::Str(Arc::from(s.as_str())),
            toml::Value::Integer(i) => AttrValue::Int(*i),
            toml::Value::Float(f) if f.is_finite() => AttrValue::Float(*f),
            toml::Value::Boolean(b) => AttrValue::Bool(*b),
            _ => {
                errors.push(lines.err(
                    v,
                    format!("{what} `{k}` must be a string, integer, finite float or boolean"),
                ));
                continue;
            }
        };
        if k.is_empty() {
            errors.push(lines.err(v, format!("{what} keys must not be empty")));
            continue;
        }
        out.push((Arc::from(k.as_str()), value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers() {
        let l = Lines::new("a\nbb\n\nc");
        assert_eq!(l.line(0), 1);
        assert_eq!(l.line(1), 1);
        assert_eq!(l.line(2), 2);
        assert_eq!(l.line(5), 3);
        assert_eq!(l.line(6), 4);
        assert_eq!(l.line(100), 4);
    }
}
