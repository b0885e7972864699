//! Exact durations for the grammar and for Collector YAML: Go's units, a
//! sequence such as `1m30s`, and no value that is not a whole number of
//! nanoseconds (it is refused, never rounded).

use crate::sim::sampling::spec::SpecError;

/// An exact duration in nanoseconds: `800ms`, `1.5s`, `250us`, `1m30s`
/// (units ns, us, µs, ms, s, m, h), or a bare number of milliseconds.
/// A value that is not a whole number of nanoseconds is refused.
pub(crate) fn duration_ns(token: &str, v: &str) -> Result<u64, SpecError> {
    parse_duration(v, 1_000_000).map_err(|m| SpecError::new(token, m))
}

/// As [`duration_ns`], a bare number counting `bare_unit_ns`; the error is
/// a message.
pub(crate) fn parse_duration(v: &str, bare_unit_ns: u128) -> Result<u64, String> {
    let v = v.trim();
    let not = || format!("`{v}` is not a duration (e.g. 800ms or 2s)");
    if v.starts_with('-') {
        return Err("a duration cannot be negative".to_string());
    }
    let mut rest = v;
    let mut total: u128 = 0;
    if rest.is_empty() {
        return Err(not());
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let unit_ns: u128 = match unit {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" if v.len() == num_len => bare_unit_ns,
            _ => return Err(not()),
        };
        let num = num.replace('_', "");
        let (int, frac) = num.split_once('.').unwrap_or((&num, ""));
        if int.is_empty() && frac.is_empty() || frac.len() > 18 {
            return Err(not());
        }
        let digits: u128 = format!("{int}{frac}").parse().map_err(|_| not())?;
        let scale = 10u128.pow(frac.len() as u32);
        let ns = digits.checked_mul(unit_ns).ok_or_else(not)?;
        if ns % scale != 0 {
            return Err(format!(
                "`{v}` is not a whole number of nanoseconds; the processor holds durations in ns"
            ));
        }
        total = total.checked_add(ns / scale).ok_or_else(not)?;
        rest = next;
    }
    if total > 3_600_000_000_000_000 {
        return Err("the duration is absurdly long".to_string());
    }
    Ok(total as u64)
}
