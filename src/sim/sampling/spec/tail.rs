//! The tail spec grammar: the policies of one `tail_sampling` processor in
//! one line. Every form means exactly what it says on the processor's own
//! resolution, or is refused with a message:
//!
//! | policy | processor equivalent |
//! | --- | --- |
//! | `always_sample`, `trace_flags` | `always_sample`, `trace_flags` |
//! | `status_code=error` (`error\|unset\|ok`) | `status_code: {status_codes: [ERROR]}` |
//! | `latency>800ms` | `latency: {threshold_ms: 800}`: whole-ms duration > 800 |
//! | `latency>=800ms` | `latency: {threshold_ms: 799}`: whole-ms duration ≥ 800 |
//! | `latency=(800ms,5s]` (`[`/`)` too) | `latency: {threshold_ms: 800, upper_threshold_ms: 5000}` |
//! | `probabilistic=5%` (or `0.05`) | `probabilistic: {sampling_percentage: 5}` |
//! | `span_count>=50`, `>49`, `<=20`, `<21`, `=[2,20]`, `=7` | `span_count: {min_spans, max_spans}` (inclusive) |
//! | `attr:http.route=/a\|/b`, `attr:K!=V` (invert), `attr:K~=REGEX` | `string_attribute` |
//! | `attr:K>=N`, `>N`, `<=N`, `<N`, `=[N,M]`, `!=[N,M]` | `numeric_attribute` (inclusive) |
//! | `bool:K=true`, `bool:K!=true` | `boolean_attribute` |
//! | `trace_state:K=V\|W` | `trace_state` |
//! | `rate_limit=1000sps` | `rate_limiting: {spans_per_second: 1000}` |
//! | `bytes_limit=1000000` (`/2000000` burst) | `bytes_limiting: {bytes_per_second, burst_capacity}` |
//! | `and(P,P,…)`, `drop(P,…)`, `drop:P` | `and`, `drop` |
//! | `composite(max=1000sps,P@50%,P@25%,P@0%)` | `composite` with `rate_allocation` (whole percents; 0%: max/n) |
//!
//! Settings: `decision_wait=10s`, `num_traces=N`, `sample_on_first_match`,
//! `sampled_cache=N`, `non_sampled_cache=N`, `expected_new_traces_per_sec=N`,
//! `disable_invert_decisions` (the feature gate). Policies are named
//! `TYPE-PATH` (`latency-2`, `and-1-2`).

pub use crate::sim::sampling::spec::model::*;
use crate::sim::sampling::spec::terms::{
    attribute, call, composite, count, duration_ns, int_bounds, latency, split_top, whole,
};
use crate::sim::sampling::spec::{SpecError, probability};

/// Parses a tail spec.
pub fn parse(text: &str) -> Result<TailSpec, SpecError> {
    let mut spec = TailSpec::with_policies(Vec::new());
    for token in split_top(text)? {
        if setting(&mut spec, token)? {
            continue;
        }
        let path = (spec.policies.len() + 1).to_string();
        spec.policies.push(named(token, &path, 0)?);
    }
    if spec.policies.is_empty() {
        return Err(SpecError::new(
            text,
            "a tail strategy needs at least one policy",
        ));
    }
    if count_span_predicates(&spec.policies) > MAX_ATTR_POLICIES {
        return Err(SpecError::new(
            text,
            format!("at most {MAX_ATTR_POLICIES} attribute, boolean and OTTL policies"),
        ));
    }
    Ok(spec)
}

/// Reads a processor setting; false when `token` is not one.
fn setting(spec: &mut TailSpec, token: &str) -> Result<bool, SpecError> {
    let (word, value) = match token.split_once('=') {
        Some((w, v)) => (w.trim(), Some(v.trim())),
        None => (token, None),
    };
    match (word, value) {
        ("decision_wait", Some(v)) => {
            let ns = duration_ns(token, v)?;
            if !(1_000_000..=MAX_DECISION_WAIT_NS).contains(&ns) {
                return Err(SpecError::new(
                    token,
                    "decision_wait must be between 1ms and 10m",
                ));
            }
            spec.decision_wait_ns = ns;
        }
        ("num_traces", Some(v)) => {
            spec.num_traces = count(token, v, MAX_NUM_TRACES as u64)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    SpecError::new(
                        token,
                        format!("num_traces must be a whole number from 1 to {MAX_NUM_TRACES}"),
                    )
                })? as usize;
        }
        ("sampled_cache", Some(v)) => spec.sampled_cache_size = count(token, v, MAX_CACHE_SIZE)?,
        ("non_sampled_cache", Some(v)) => {
            spec.non_sampled_cache_size = count(token, v, MAX_CACHE_SIZE)?
        }
        ("expected_new_traces_per_sec", Some(v)) => {
            spec.expected_new_traces_per_sec = count(token, v, u64::from(u32::MAX))?
        }
        ("sample_on_first_match", None) => spec.sample_on_first_match = true,
        ("disable_invert_decisions", None) => spec.disable_invert_decisions = true,
        _ => return Ok(false),
    }
    Ok(true)
}

/// One policy named after its type and position.
pub(super) fn named(token: &str, path: &str, depth: u8) -> Result<Named, SpecError> {
    let policy = policy(token, path, depth)?;
    Ok(Named {
        name: format!("{}-{path}", policy.type_name()),
        policy,
    })
}

/// One policy; `depth` 1 inside and/drop, 2 inside composite.
fn policy(token: &str, path: &str, depth: u8) -> Result<Policy, SpecError> {
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
        return Ok(Policy::And(sub_list(inner, token, path)?));
    }
    if let Some(inner) = call(token, "drop") {
        if depth > 0 {
            return Err(nested("drop"));
        }
        return Ok(Policy::Drop(sub_list(inner, token, path)?));
    }
    if let Some(rest) = token.strip_prefix("drop:") {
        if depth > 0 {
            return Err(nested("drop"));
        }
        return Ok(Policy::Drop(vec![named(
            rest.trim(),
            &format!("{path}-1"),
            1,
        )?]));
    }
    if let Some(inner) = call(token, "composite") {
        if depth > 0 {
            return Err(nested("composite"));
        }
        return composite(inner, token, path);
    }
    match token {
        "always_sample" => return Ok(Policy::AlwaysSample),
        "trace_flags" => return Ok(Policy::TraceFlags),
        _ => {}
    }
    if let Some(rest) = token.strip_prefix("attr:") {
        return attribute(token, rest);
    }
    if let Some(rest) = token.strip_prefix("bool:") {
        return boolean(token, rest);
    }
    if let Some(rest) = token.strip_prefix("trace_state:") {
        let (key, values) = rest
            .split_once('=')
            .ok_or_else(|| SpecError::new(token, "write trace_state:KEY=V1|V2"))?;
        return Ok(Policy::TraceState {
            key: key.trim().to_string(),
            values: values.split('|').map(|v| v.trim().to_string()).collect(),
        });
    }
    if let Some(rest) = token.strip_prefix("latency") {
        return latency(token, rest);
    }
    if let Some(rest) = token.strip_prefix("span_count") {
        let (min, max) = int_bounds(token, rest, i64::from(i32::MAX))?;
        let min = min.unwrap_or(0);
        if min < 0 {
            return Err(SpecError::new(token, "a span count cannot be negative"));
        }
        if max == Some(0) {
            return Err(SpecError::new(
                token,
                "max_spans 0 means no maximum to the processor; a trace has at least one span",
            ));
        }
        return Ok(Policy::SpanCount {
            min_spans: min as u32,
            max_spans: max.unwrap_or(0) as u32,
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
        "probabilistic" => Ok(Policy::Probabilistic {
            hash_salt: String::new(),
            sampling_percentage: percentage(token, value)?,
        }),
        "rate_limit" | "rate_limiting" => Ok(Policy::RateLimiting {
            spans_per_second: whole(
                token,
                value.strip_suffix("sps").unwrap_or(value),
                "spans per second",
            )?,
        }),
        "bytes_limit" | "bytes_limiting" => {
            let (rate, burst) = match value.split_once('/') {
                Some((r, b)) => (r, whole(token, b, "bytes of burst capacity")?),
                None => (value, 0),
            };
            Ok(Policy::BytesLimiting {
                bytes_per_second: whole(token, rate, "bytes per second")?,
                burst_capacity: burst,
            })
        }
        _ => Err(unknown(token)),
    }
}

/// `sampling_percentage` from `5%` (exactly 5) or `0.05` (shifted by two
/// decimal places in the text, so 0.05 is exactly 5, not 5.000000000000001).
fn percentage(token: &str, value: &str) -> Result<f64, SpecError> {
    let p = probability(token, value)?;
    let v = value.trim();
    let pct = match v.strip_suffix('%') {
        Some(n) => n.trim().parse::<f64>().ok(),
        None => format!("{v}e2").parse::<f64>().ok(),
    };
    Ok(pct.unwrap_or(p * 100.0))
}

fn boolean(token: &str, rest: &str) -> Result<Policy, SpecError> {
    let (key, invert, value) = if let Some((k, v)) = rest.split_once("!=") {
        (k, true, v)
    } else if let Some((k, v)) = rest.split_once('=') {
        (k, false, v)
    } else {
        return Err(SpecError::new(
            token,
            "write bool:KEY=true or bool:KEY=false",
        ));
    };
    let value = match value.trim() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(SpecError::new(
                token,
                "a boolean attribute is true or false",
            ));
        }
    };
    Ok(Policy::BooleanAttribute {
        key: key.trim().to_string(),
        value,
        invert_match: invert,
    })
}

fn unknown(token: &str) -> SpecError {
    SpecError::new(
        token,
        "unknown tail policy; use always_sample, status_code=, latency>, probabilistic=, \
         span_count>=, attr:KEY=, bool:KEY=, trace_state:KEY=, trace_flags, rate_limit=, \
         bytes_limit=, and(…), drop:…, composite(…), or a setting (decision_wait=, \
         num_traces=, sample_on_first_match, sampled_cache=, non_sampled_cache=)",
    )
}

fn sub_list(inner: &str, token: &str, path: &str) -> Result<Vec<Named>, SpecError> {
    if inner.trim().is_empty() {
        return Err(SpecError::new(token, "needs at least one sub-policy"));
    }
    split_top(inner)?
        .into_iter()
        .enumerate()
        .map(|(i, t)| named(t, &format!("{path}-{}", i + 1), 1))
        .collect()
}
