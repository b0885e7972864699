//! Parsers for the terms of tail policies: lists, durations, bounds,
//! latency thresholds, attribute predicates and composites.

use crate::sim::sampling::spec::tail::{MAX_LATENCY_MS, Policy, policy};
use crate::sim::sampling::spec::{SpecError, probability};

/// Attribute keys treated as numbers by `attr:KEY=N`.
const NUMERIC_KEYS: [&str; 4] = [
    "http.response.status_code",
    "retry.attempt",
    "http.request.resend_count",
    "server.port",
];

/// Splits at top-level commas (not inside parentheses); tokens are trimmed.
pub(super) fn split_top(text: &str) -> Result<Vec<&str>, SpecError> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut from = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(SpecError::new(text, "a `)` has no matching `(`"));
                }
            }
            ',' if depth == 0 => {
                out.push(text[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(SpecError::new(text, "a `(` is not closed"));
    }
    out.push(text[from..].trim());
    if let Some(empty) = out.iter().position(|t| t.is_empty()) {
        let near = out.get(empty.saturating_sub(1)).copied().unwrap_or(text);
        return Err(SpecError::new(
            near,
            "empty policy (two commas in a row, or a trailing comma)",
        ));
    }
    Ok(out)
}

/// `name(...)` → the inside, if `token` has that form.
pub(super) fn call<'a>(token: &'a str, name: &str) -> Option<&'a str> {
    token
        .strip_prefix(name)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')
}

pub(super) fn composite(inner: &str, token: &str) -> Result<Policy, SpecError> {
    let parts = split_top(inner)?;
    let (first, rest) = parts
        .split_first()
        .ok_or_else(|| SpecError::new(token, "empty composite"))?;
    let max = first
        .strip_prefix("max=")
        .or_else(|| first.strip_prefix("max_total_spans_per_second="))
        .ok_or_else(|| SpecError::new(first, "a composite starts with max=N (spans per second)"))?;
    let max = max.strip_suffix("sps").unwrap_or(max).trim();
    let max_sps: f64 = max
        .replace('_', "")
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && *x > 0.0 && *x <= 1e9)
        .ok_or_else(|| SpecError::new(first, "max must be a number of spans per second above 0"))?;
    if rest.is_empty() {
        return Err(SpecError::new(
            token,
            "a composite needs at least one sub-policy",
        ));
    }
    let mut subs = Vec::new();
    let mut total = 0.0;
    for t in rest {
        let (p, share) = match t.rsplit_once('@') {
            Some((p, s)) if s.trim().ends_with('%') => {
                let pct = probability(t, s)? * 100.0;
                if pct <= 0.0 {
                    return Err(SpecError::new(t, "a rate allocation must be above 0%"));
                }
                total += pct;
                (p.trim(), Some(pct))
            }
            _ => (*t, None),
        };
        subs.push((policy(p, 2)?, share));
    }
    if total > 100.0 + 1e-9 {
        return Err(SpecError::new(
            token,
            format!("the rate allocations add up to {total}%, more than 100%"),
        ));
    }
    Ok(Policy::Composite {
        max_total_spans_per_second: max_sps,
        subs,
    })
}

pub(super) fn latency(token: &str, rest: &str) -> Result<Policy, SpecError> {
    let ms = |v: &str| -> Result<u64, SpecError> {
        let ns = duration_ns(token, v)?;
        let ms = ns / 1_000_000;
        if ms > MAX_LATENCY_MS {
            return Err(SpecError::new(
                token,
                "a latency threshold above one hour is not sensible here",
            ));
        }
        Ok(ms)
    };
    if let Some(v) = rest.strip_prefix(">=").or_else(|| rest.strip_prefix('>')) {
        return Ok(Policy::Latency {
            threshold_ms: ms(v)?,
            upper_ms: None,
        });
    }
    if let Some((a, b)) = rest.strip_prefix('=').and_then(|v| v.split_once("..")) {
        let (lo, hi) = (ms(a)?, ms(b)?);
        if hi <= lo {
            return Err(SpecError::new(
                token,
                "the upper threshold must be above the lower one",
            ));
        }
        return Ok(Policy::Latency {
            threshold_ms: lo,
            upper_ms: Some(hi),
        });
    }
    Err(SpecError::new(
        token,
        "write latency>=800ms or latency=800ms..5s",
    ))
}

/// A duration: `800ms`, `1.5s`, `250us`, `2m`, or a number of milliseconds.
pub(crate) fn duration_ns(token: &str, v: &str) -> Result<u64, SpecError> {
    let v = v.trim();
    let (num, unit) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1e6)
    } else if let Some(n) = v.strip_suffix("us") {
        (n, 1e3)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e9)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60e9)
    } else {
        (v, 1e6)
    };
    let x: f64 = num
        .trim()
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| {
            SpecError::new(token, format!("`{v}` is not a duration (e.g. 800ms or 2s)"))
        })?;
    if x < 0.0 {
        return Err(SpecError::new(token, "a duration cannot be negative"));
    }
    let ns = x * unit;
    if ns > 3.6e15 {
        return Err(SpecError::new(token, "the duration is absurdly long"));
    }
    Ok(ns as u64)
}

/// `>=N`, `<=N` or `=N..M` (or `=N`) as optional integer bounds within ±limit.
pub(super) fn int_bounds(
    token: &str,
    rest: &str,
    limit: i64,
) -> Result<(Option<i64>, Option<i64>), SpecError> {
    let int = |v: &str| -> Result<i64, SpecError> {
        v.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| n.unsigned_abs() <= limit.unsigned_abs())
            .ok_or_else(|| {
                SpecError::new(
                    token,
                    format!("`{}` is not a whole number within ±{limit}", v.trim()),
                )
            })
    };
    let bounds = if let Some(v) = rest.strip_prefix(">=") {
        (Some(int(v)?), None)
    } else if let Some(v) = rest.strip_prefix("<=") {
        (None, Some(int(v)?))
    } else if let Some(v) = rest.strip_prefix('=') {
        match v.split_once("..") {
            Some((a, b)) => (Some(int(a)?), Some(int(b)?)),
            None => {
                let n = int(v)?;
                (Some(n), Some(n))
            }
        }
    } else {
        return Err(SpecError::new(token, "write >=N, <=N or =N..M"));
    };
    if let (Some(a), Some(b)) = bounds
        && a > b
    {
        return Err(SpecError::new(
            token,
            "the lower bound is above the upper bound",
        ));
    }
    if bounds.0.is_some_and(|a| a < 0) && token.starts_with("span_count") {
        return Err(SpecError::new(token, "a span count cannot be negative"));
    }
    Ok(bounds)
}

pub(super) fn attribute(token: &str, rest: &str) -> Result<Policy, SpecError> {
    let op = rest.find(['=', '<', '>']).ok_or_else(|| {
        SpecError::new(
            token,
            "write attr:KEY=VALUE, attr:KEY>=N, attr:KEY<=N or attr:KEY=N..M",
        )
    })?;
    let key = rest[..op].trim();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/@:".contains(c))
    {
        return Err(SpecError::new(
            token,
            "the attribute key is missing or has odd characters",
        ));
    }
    let tail = &rest[op..];
    let numeric = NUMERIC_KEYS.contains(&key)
        || tail.starts_with(">=")
        || tail.starts_with("<=")
        || tail.strip_prefix('=').is_some_and(|v| v.contains(".."));
    if numeric {
        let (min, max) = int_bounds(token, tail, i64::MAX)?;
        return Ok(Policy::NumericAttribute {
            key: key.to_string(),
            min,
            max,
        });
    }
    let value = tail
        .strip_prefix('=')
        .ok_or_else(|| SpecError::new(token, "a string attribute takes =VALUE (several: =A|B)"))?;
    let values: Vec<String> = value.split('|').map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err(SpecError::new(token, "empty attribute value"));
    }
    Ok(Policy::StringAttribute {
        key: key.to_string(),
        values,
    })
}
