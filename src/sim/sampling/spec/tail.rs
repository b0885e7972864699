//! The tail spec grammar: the policies of one tail sampling processor,
//! modelled on the OpenTelemetry Collector's `tail_sampling` processor.
//!
//! | policy | processor equivalent |
//! | --- | --- |
//! | `always_sample` | `always_sample` |
//! | `status_code=error` (`error\|unset\|ok`) | `status_code: {status_codes: [ERROR]}` |
//! | `latency>=800ms` (also `latency>800ms`) | `latency: {threshold_ms: 800}`: duration ≥ 800 ms |
//! | `latency=800ms..5s` | `latency: {threshold_ms: 800, upper_threshold_ms: 5000}`: 800 < d ≤ 5000 |
//! | `probabilistic=5%` (or `0.05`) | `probabilistic: {sampling_percentage: 5}` (FNV hash of the trace id) |
//! | `span_count>=50`, `span_count<=20`, `span_count=2..20` | `span_count: {min_spans, max_spans}` |
//! | `attr:http.route=/checkout\|/cart` | `string_attribute: {key, values}` (exact match) |
//! | `attr:http.response.status_code>=500`, `<=N`, `=N..M` | `numeric_attribute: {key, min_value, max_value}` |
//! | `rate_limit=1000sps` (or `rate_limiting=1000`) | `rate_limiting: {spans_per_second: 1000}` (token bucket, burst 2×) |
//! | `and(P,P,…)` | `and` |
//! | `drop:P` or `drop(P,P,…)` | `drop` (drops when all sub-policies match) |
//! | `composite(max=1000sps,P@50%,P@25%,P)` | `composite` with `policy_order` and `rate_allocation` |
//!
//! Settings: `decision_wait=10s` (default 30s), `num_traces=50000` (default
//! 50000). A composite sub-policy without `@N%` gets max/n spans per second.

use crate::sim::sampling::spec::terms::{
    attribute, call, composite, duration_ns, int_bounds, latency, split_top,
};
use crate::sim::sampling::spec::{SpecError, probability};

/// Default `decision_wait` (the processor's): 30 s.
pub const DEFAULT_DECISION_WAIT_NS: u64 = 30_000_000_000;
/// Default `num_traces` (the processor's).
pub const DEFAULT_NUM_TRACES: usize = 50_000;
/// Largest `num_traces` the lab accepts (memory stays bounded).
pub const MAX_NUM_TRACES: usize = 100_000;
/// Longest `decision_wait` the lab accepts: 10 minutes.
pub const MAX_DECISION_WAIT_NS: u64 = 600_000_000_000;
/// Largest latency threshold accepted: one hour.
pub const MAX_LATENCY_MS: u64 = 3_600_000;
/// Most attribute policies in one processor.
pub const MAX_ATTR_POLICIES: usize = 64;

/// A tail sampling processor: policies and buffer settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TailSpec {
    /// Top-level policies, in order.
    pub policies: Vec<Policy>,
    /// Wait after a trace's first span before deciding, nanoseconds.
    pub decision_wait_ns: u64,
    /// Traces kept in the circular buffer.
    pub num_traces: usize,
}

/// A span status a `status_code` policy looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    /// ERROR.
    Error,
    /// OK (the simulator never sets it).
    Ok,
    /// UNSET (every successful span).
    Unset,
}

/// One policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// Samples every trace.
    AlwaysSample,
    /// Trace duration (latest end − earliest start), whole milliseconds.
    Latency {
        /// `threshold_ms`.
        threshold_ms: u64,
        /// `upper_threshold_ms`.
        upper_ms: Option<u64>,
    },
    /// Some span has one of these statuses.
    StatusCode(Vec<StatusCode>),
    /// Trace-id hash below the probability.
    Probabilistic(f64),
    /// Some span (or its resource) has the key with one of the values.
    StringAttribute {
        /// Attribute key.
        key: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// Some span has the integer key within [min, max].
    NumericAttribute {
        /// Attribute key.
        key: String,
        /// Lowest accepted value.
        min: Option<i64>,
        /// Highest accepted value.
        max: Option<i64>,
    },
    /// The number of spans is within [min, max].
    SpanCount {
        /// `min_spans`.
        min: u64,
        /// `max_spans`.
        max: Option<u64>,
    },
    /// Token bucket of spans per second (burst twice the rate).
    RateLimiting {
        /// `spans_per_second`.
        spans_per_second: f64,
    },
    /// Samples when every sub-policy samples.
    And(Vec<Policy>),
    /// Drops the trace when every sub-policy samples.
    Drop(Vec<Policy>),
    /// The first sampling sub-policy decides, within its share of the rate.
    Composite {
        /// `max_total_spans_per_second`.
        max_total_spans_per_second: f64,
        /// Sub-policies in `policy_order`, with their share in percent.
        subs: Vec<(Policy, Option<f64>)>,
    },
}

/// Parses a tail spec.
pub fn parse(text: &str) -> Result<TailSpec, SpecError> {
    let mut spec = TailSpec {
        policies: Vec::new(),
        decision_wait_ns: DEFAULT_DECISION_WAIT_NS,
        num_traces: DEFAULT_NUM_TRACES,
    };
    for token in split_top(text)? {
        if let Some(v) = token.strip_prefix("decision_wait=") {
            let ns = duration_ns(token, v)?;
            if ns == 0 || ns > MAX_DECISION_WAIT_NS {
                return Err(SpecError::new(
                    token,
                    "decision_wait must be between 1ms and 10m",
                ));
            }
            spec.decision_wait_ns = ns;
        } else if let Some(v) = token.strip_prefix("num_traces=") {
            spec.num_traces = v
                .trim()
                .replace('_', "")
                .parse()
                .ok()
                .filter(|n| (1..=MAX_NUM_TRACES).contains(n))
                .ok_or_else(|| {
                    SpecError::new(
                        token,
                        format!("num_traces must be a whole number from 1 to {MAX_NUM_TRACES}"),
                    )
                })?;
        } else {
            spec.policies.push(policy(token, 0)?);
        }
    }
    if spec.policies.is_empty() {
        return Err(SpecError::new(
            text,
            "a tail strategy needs at least one policy",
        ));
    }
    let mut attrs = 0;
    count_attrs(&spec.policies, &mut attrs);
    if attrs > MAX_ATTR_POLICIES {
        return Err(SpecError::new(
            text,
            format!("at most {MAX_ATTR_POLICIES} attribute policies"),
        ));
    }
    Ok(spec)
}

fn count_attrs(ps: &[Policy], n: &mut usize) {
    for p in ps {
        match p {
            Policy::StringAttribute { .. } | Policy::NumericAttribute { .. } => *n += 1,
            Policy::And(s) | Policy::Drop(s) => count_attrs(s, n),
            Policy::Composite { subs, .. } => {
                for (s, _) in subs {
                    count_attrs(std::slice::from_ref(s), n);
                }
            }
            _ => {}
        }
    }
}

/// One policy; `depth` 1 inside and/drop, 2 inside composite.
pub(super) fn policy(token: &str, depth: u8) -> Result<Policy, SpecError> {
    let nested = |what: &str| {
        SpecError::new(
            token,
            format!("{what} cannot be used inside and/drop/composite here"),
        )
    };
    if let Some(inner) = call(token, "and") {
        if depth == 1 {
            return Err(nested("and"));
        }
        return Ok(Policy::And(sub_list(inner, token, 1)?));
    }
    if let Some(inner) = call(token, "drop") {
        if depth > 0 {
            return Err(nested("drop"));
        }
        return Ok(Policy::Drop(sub_list(inner, token, 1)?));
    }
    if let Some(rest) = token.strip_prefix("drop:") {
        if depth > 0 {
            return Err(nested("drop"));
        }
        return Ok(Policy::Drop(vec![policy(rest.trim(), 1)?]));
    }
    if let Some(inner) = call(token, "composite") {
        if depth > 0 {
            return Err(nested("composite"));
        }
        return composite(inner, token);
    }
    if token == "always_sample" {
        return Ok(Policy::AlwaysSample);
    }
    if let Some(rest) = token.strip_prefix("attr:") {
        return attribute(token, rest);
    }
    if let Some(rest) = token.strip_prefix("latency") {
        return latency(token, rest);
    }
    if let Some(rest) = token.strip_prefix("span_count") {
        let (min, max) = int_bounds(token, rest, 1_000_000)?;
        return Ok(Policy::SpanCount {
            min: min.unwrap_or(0) as u64,
            max: max.map(|m| m as u64),
        });
    }
    let (word, value) = token
        .split_once('=')
        .map(|(w, v)| (w.trim(), v.trim()))
        .ok_or_else(|| unknown(token))?;
    match word {
        "status_code" => value
            .split('|')
            .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                "error" => Ok(StatusCode::Error),
                "ok" => Ok(StatusCode::Ok),
                "unset" => Ok(StatusCode::Unset),
                _ => Err(SpecError::new(
                    token,
                    format!("unknown status `{v}`; use error, ok or unset"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Policy::StatusCode),
        "probabilistic" => Ok(Policy::Probabilistic(probability(token, value)?)),
        "rate_limit" | "rate_limiting" => {
            let n = value.strip_suffix("sps").unwrap_or(value).trim();
            let sps: f64 = n
                .replace('_', "")
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite() && *x > 0.0 && *x <= 1e9)
                .ok_or_else(|| {
                    SpecError::new(
                        token,
                        "spans per second must be a number above 0 (at most 1e9)",
                    )
                })?;
            Ok(Policy::RateLimiting {
                spans_per_second: sps,
            })
        }
        _ => Err(unknown(token)),
    }
}

fn unknown(token: &str) -> SpecError {
    SpecError::new(
        token,
        "unknown tail policy; use always_sample, status_code=, latency>=, probabilistic=, \
         span_count>=, attr:KEY=, rate_limit=, and(…), drop:…, composite(…), \
         decision_wait= or num_traces=",
    )
}

fn sub_list(inner: &str, token: &str, depth: u8) -> Result<Vec<Policy>, SpecError> {
    if inner.trim().is_empty() {
        return Err(SpecError::new(token, "needs at least one sub-policy"));
    }
    split_top(inner)?
        .into_iter()
        .map(|t| policy(t, depth))
        .collect()
}
