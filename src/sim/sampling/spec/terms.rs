//! Parsers for the terms of tail policies: lists, exact durations, integer
//! bounds, latency thresholds, attribute predicates and composites. A value
//! the processor cannot hold exactly (a fraction of a millisecond for
//! `threshold_ms`, a fraction of a span per second) is refused, never rounded.

use crate::sim::sampling::spec::SpecError;
pub(crate) use crate::sim::sampling::spec::duration::{duration_ns, parse_duration};
use crate::sim::sampling::spec::tail::{MAX_LATENCY_MS, Named, Policy, named};

/// Attribute keys treated as numbers by `attr:KEY=N`.
const NUMERIC_KEYS: [&str; 4] = [
    "http.response.status_code",
    "retry.attempt",
    "http.request.resend_count",
    "server.port",
];

/// Splits at top-level commas (not inside `()` or `[]`); tokens are trimmed.
pub(crate) fn split_top(text: &str) -> Result<Vec<&str>, SpecError> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut from = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => {
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
    if depth > 0 {
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

/// A whole number (underscores allowed) from 1 to `u32::MAX`-ish bounds.
pub(super) fn whole(token: &str, v: &str, what: &str) -> Result<u64, SpecError> {
    v.trim()
        .replace('_', "")
        .parse::<u64>()
        .ok()
        .filter(|n| *n >= 1 && *n <= 1_000_000_000_000)
        .ok_or_else(|| {
            SpecError::new(
                token,
                format!("{what} must be a whole number above 0 (the processor holds an integer)"),
            )
        })
}

/// A count from 0 to `max`.
pub(super) fn count(token: &str, v: &str, max: u64) -> Result<u64, SpecError> {
    v.trim()
        .replace('_', "")
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| SpecError::new(token, format!("expected a whole number from 0 to {max}")))
}

pub(super) fn composite(inner: &str, token: &str, path: &str) -> Result<Policy, SpecError> {
    let parts = split_top(inner)?;
    let (first, rest) = parts
        .split_first()
        .ok_or_else(|| SpecError::new(token, "empty composite"))?;
    let max = first
        .strip_prefix("max=")
        .or_else(|| first.strip_prefix("max_total_spans_per_second="))
        .ok_or_else(|| SpecError::new(first, "a composite starts with max=N (spans per second)"))?;
    let max = whole(first, max.strip_suffix("sps").unwrap_or(max), "max")?;
    if rest.is_empty() {
        return Err(SpecError::new(
            token,
            "a composite needs at least one sub-policy",
        ));
    }
    let (mut subs, mut alloc) = (Vec::new(), Vec::new());
    let mut total = 0;
    for (j, t) in rest.iter().enumerate() {
        let Some((p, share)) = t.rsplit_once('@') else {
            return Err(SpecError::new(
                t,
                "write P@N% for each sub-policy: the processor gives a sub-policy without a \
                 rate allocation 0 spans per second (P@0% gets max/n)",
            ));
        };
        let pct: i64 = share
            .trim()
            .strip_suffix('%')
            .and_then(|n| n.trim().parse().ok())
            .filter(|n| (0..=100).contains(n))
            .ok_or_else(|| {
                SpecError::new(t, "a rate allocation is a whole percent from 0% to 100%")
            })?;
        total += pct;
        let sub: Named = named(p.trim(), &format!("{path}-{}", j + 1), 2)?;
        alloc.push((sub.name.clone(), pct));
        subs.push(sub);
    }
    if total > 100 {
        return Err(SpecError::new(
            token,
            format!("the rate allocations add up to {total}%, more than 100%"),
        ));
    }
    Ok(Policy::Composite {
        max_total_spans_per_second: max,
        policy_order: subs.iter().map(|s| s.name.clone()).collect(),
        subs,
        rate_allocation: alloc,
    })
}

/// Whole milliseconds of a duration, or a message saying why not.
fn whole_ms(token: &str, v: &str) -> Result<u64, SpecError> {
    let ns = duration_ns(token, v)?;
    if ns % 1_000_000 != 0 {
        return Err(SpecError::new(
            token,
            format!(
                "the latency policy compares whole milliseconds (threshold_ms); `{}` is not a \
                 whole number of milliseconds",
                v.trim()
            ),
        ));
    }
    let ms = ns / 1_000_000;
    if ms > MAX_LATENCY_MS {
        return Err(SpecError::new(
            token,
            "a latency threshold above one hour is not sensible here",
        ));
    }
    Ok(ms)
}

/// `latency>X`, `latency>=X` or `latency=(X,Y]` (any brackets).
pub(super) fn latency(token: &str, rest: &str) -> Result<Policy, SpecError> {
    let at_least_one = |ms: u64, what: &str| {
        ms.checked_sub(1).ok_or_else(|| {
            SpecError::new(
                token,
                format!("{what} 0ms holds for every trace: use always_sample"),
            )
        })
    };
    if let Some(v) = rest.strip_prefix(">=") {
        let ms = whole_ms(token, v)?;
        return Ok(Policy::Latency {
            threshold_ms: at_least_one(ms, "latency >=")?,
            upper_threshold_ms: 0,
        });
    }
    if let Some(v) = rest.strip_prefix('>') {
        return Ok(Policy::Latency {
            threshold_ms: whole_ms(token, v)?,
            upper_threshold_ms: 0,
        });
    }
    if rest.starts_with('<') {
        return Err(SpecError::new(
            token,
            "the latency policy needs a lower bound: write latency=(0ms,5s] for 0 < d ≤ 5000 ms",
        ));
    }
    let Some(v) = rest.strip_prefix('=') else {
        return Err(SpecError::new(
            token,
            "write latency>800ms or latency=(800ms,5s]",
        ));
    };
    if v.contains("..") {
        return Err(SpecError::new(
            token,
            "write the range with brackets: latency=(800ms,5s] is 800 < d ≤ 5000 ms",
        ));
    }
    let (lo_open, a, b, hi_closed) = interval(token, v)?;
    let lo = whole_ms(token, a)?;
    let hi = whole_ms(token, b)?;
    let threshold = if lo_open {
        lo
    } else {
        at_least_one(lo, "a closed lower bound of")?
    };
    let upper = if hi_closed { hi } else { hi.saturating_sub(1) };
    if upper <= threshold {
        return Err(SpecError::new(
            token,
            "the upper threshold must be above the lower one",
        ));
    }
    Ok(Policy::Latency {
        threshold_ms: threshold,
        upper_threshold_ms: upper,
    })
}

/// `(a,b]`-style interval: (lower open, a, b, upper closed).
fn interval<'a>(token: &str, v: &'a str) -> Result<(bool, &'a str, &'a str, bool), SpecError> {
    let v = v.trim();
    let bad = || {
        SpecError::new(
            token,
            "write an interval such as [2,20], (800ms,5s] or [500,599]",
        )
    };
    let lo_open = match v.chars().next() {
        Some('(') => true,
        Some('[') => false,
        _ => return Err(bad()),
    };
    let hi_closed = match v.chars().last() {
        Some(']') => true,
        Some(')') => false,
        _ => return Err(bad()),
    };
    let (a, b) = v[1..v.len() - 1].split_once(',').ok_or_else(bad)?;
    Ok((lo_open, a.trim(), b.trim(), hi_closed))
}

/// `>=N`, `>N`, `<=N`, `<N`, `=N` or `=[N,M]` (any brackets) as optional
/// inclusive integer bounds within ±limit.
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
    let step = |n: i64, d: i64| {
        n.checked_add(d)
            .ok_or_else(|| SpecError::new(token, "the bound is out of range"))
    };
    let bounds = if let Some(v) = rest.strip_prefix(">=") {
        (Some(int(v)?), None)
    } else if let Some(v) = rest.strip_prefix('>') {
        (Some(step(int(v)?, 1)?), None)
    } else if let Some(v) = rest.strip_prefix("<=") {
        (None, Some(int(v)?))
    } else if let Some(v) = rest.strip_prefix('<') {
        (None, Some(step(int(v)?, -1)?))
    } else if let Some(v) = rest.strip_prefix('=') {
        if v.contains("..") {
            return Err(SpecError::new(
                token,
                "write the range with brackets: =[2,20] includes both ends",
            ));
        }
        if v.trim_start().starts_with(['[', '(']) {
            let (lo_open, a, b, hi_closed) = interval(token, v)?;
            let a = int(a)?;
            let b = int(b)?;
            (
                Some(if lo_open { step(a, 1)? } else { a }),
                Some(if hi_closed { b } else { step(b, -1)? }),
            )
        } else {
            let n = int(v)?;
            (Some(n), Some(n))
        }
    } else {
        return Err(SpecError::new(
            token,
            "write >=N, >N, <=N, <N, =N or =[N,M]",
        ));
    };
    if let (Some(a), Some(b)) = bounds
        && a > b
    {
        return Err(SpecError::new(
            token,
            "the lower bound is above the upper bound",
        ));
    }
    Ok(bounds)
}

/// `attr:KEY…`: a string or numeric attribute policy.
pub(super) fn attribute(token: &str, rest: &str) -> Result<Policy, SpecError> {
    let op = rest.find(['=', '<', '>', '!', '~']).ok_or_else(|| {
        SpecError::new(
            token,
            "write attr:KEY=VALUE, attr:KEY!=VALUE, attr:KEY~=REGEX, attr:KEY>=N or attr:KEY=[N,M]",
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
    let (invert, tail) = match tail.strip_prefix('!') {
        Some(t) => (true, t),
        None => (false, tail),
    };
    let (regex, tail) = match tail.strip_prefix('~') {
        Some(t) => (true, t),
        None => (false, tail),
    };
    let value = tail.strip_prefix('=');
    let numeric = !regex
        && (NUMERIC_KEYS.contains(&key)
            || tail.starts_with(['<', '>'])
            || value.is_some_and(|v| v.trim_start().starts_with(['[', '('])));
    if numeric {
        if invert && !tail.starts_with('=') {
            return Err(SpecError::new(
                token,
                "write attr:KEY!=[N,M] to invert a range",
            ));
        }
        let (min, max) = int_bounds(token, tail, i64::MAX)?;
        return Ok(Policy::NumericAttribute {
            key: key.to_string(),
            min_value: min,
            max_value: max,
            invert_match: invert,
        });
    }
    let value = value
        .ok_or_else(|| SpecError::new(token, "a string attribute takes =VALUE (several: =A|B)"))?;
    let values: Vec<String> = value.split('|').map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err(SpecError::new(token, "empty attribute value"));
    }
    if regex && let Some(bad) = values.iter().find(|v| regex::Regex::new(v).is_err()) {
        return Err(SpecError::new(
            token,
            format!("`{bad}` is not a regular expression"),
        ));
    }
    Ok(Policy::StringAttribute {
        key: key.to_string(),
        values,
        enabled_regex_matching: regex,
        cache_max_size: 0,
        invert_match: invert,
    })
}
