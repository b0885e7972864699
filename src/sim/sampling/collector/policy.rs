//! One policy of a `tail_sampling` processor from YAML: `name`, `type` and
//! the settings block named after the type, as in the processor's
//! `config.go`. A block for another type, an unknown key or an unknown type
//! is refused with its line (the Collector would ignore a block that does
//! not match the type; the lab says so instead).

use crate::sim::sampling::collector::ConfigError;
use crate::sim::sampling::collector::ottl::Program;
use crate::sim::sampling::collector::yaml::{
    Node, boolean, entries, err, float, int, items, text, texts, uint, unsupported,
};
use crate::sim::sampling::spec::{ErrorMode, Named, Policy, StatusCode};

/// Where a policy sits: which types it may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Under `policies`.
    Top,
    /// Under `and_sub_policy` or `drop_sub_policy`.
    Shared,
    /// Under `composite_sub_policy` (shared types and `and`).
    Composite,
}

const TYPES: [&str; 16] = [
    "always_sample",
    "latency",
    "numeric_attribute",
    "probabilistic",
    "status_code",
    "string_attribute",
    "rate_limiting",
    "bytes_limiting",
    "span_count",
    "trace_state",
    "trace_flags",
    "boolean_attribute",
    "ottl_condition",
    "and",
    "drop",
    "composite",
];

/// Reads one policy.
pub fn policy(n: &Node, level: Level) -> Result<Named, ConfigError> {
    let fields = entries(n)?;
    let get = |key: &str| fields.iter().find(|(k, ..)| k == key).map(|(_, _, v)| *v);
    let name = get("name").ok_or_else(|| err(n, "a policy needs a `name`"))?;
    let name = text(name)?;
    let ty_node = get("type").ok_or_else(|| err(n, format!("policy `{name}` needs a `type`")))?;
    let ty = text(ty_node)?;
    if !TYPES.contains(&ty.as_str()) {
        return Err(err(ty_node, format!("unsupported policy type `{ty}`")));
    }
    let allowed = match (level, ty.as_str()) {
        (Level::Top, _) => true,
        (_, "drop" | "composite") => false,
        (Level::Shared, "and") => false,
        _ => true,
    };
    if !allowed {
        return Err(err(
            ty_node,
            format!("a `{ty}` policy cannot be nested here"),
        ));
    }
    let mut block = None;
    for (key, k, v) in &fields {
        match key.as_str() {
            "name" | "type" => {}
            _ if *key == ty => block = Some(*v),
            _ if TYPES.contains(&key.as_str()) => {
                return Err(err(
                    k,
                    format!("`{key}` has no effect on a policy of type `{ty}`"),
                ));
            }
            _ => return Err(unsupported(key, k)),
        }
    }
    let block = block.map(entries).transpose()?.unwrap_or_default();
    let policy = settings(&ty, &block, n)?;
    Ok(Named { name, policy })
}

/// The block's value for `key`, refusing keys not in `known`.
fn pick<'a>(
    block: &[(String, &'a Node, &'a Node)],
    known: &[&str],
) -> Result<impl Fn(&str) -> Option<&'a Node> + use<'a>, ConfigError> {
    if let Some((key, k, _)) = block
        .iter()
        .find(|(key, ..)| !known.contains(&key.as_str()))
    {
        return Err(unsupported(key, k));
    }
    let found: Vec<(String, &'a Node)> = block.iter().map(|(k, _, v)| (k.clone(), *v)).collect();
    Ok(move |key: &str| found.iter().find(|(k, _)| k == key).map(|(_, v)| *v))
}

fn opt<T>(
    v: Option<&Node>,
    f: impl Fn(&Node) -> Result<T, ConfigError>,
) -> Result<Option<T>, ConfigError> {
    v.map(f).transpose()
}

fn settings(ty: &str, block: &[(String, &Node, &Node)], at: &Node) -> Result<Policy, ConfigError> {
    let flag = |v| Ok(opt(v, boolean)?.unwrap_or(false));
    let u = |v, max| Ok::<_, ConfigError>(opt(v, |n| uint(n, max))?.unwrap_or(0));
    Ok(match ty {
        "always_sample" | "trace_flags" => {
            let _ = pick(block, &[])?;
            if ty == "trace_flags" {
                Policy::TraceFlags
            } else {
                Policy::AlwaysSample
            }
        }
        "latency" => {
            let g = pick(block, &["threshold_ms", "upper_threshold_ms"])?;
            Policy::Latency {
                threshold_ms: u(g("threshold_ms"), i64::MAX as u64)?,
                upper_threshold_ms: u(g("upper_threshold_ms"), i64::MAX as u64)?,
            }
        }
        "numeric_attribute" => {
            let g = pick(block, &["key", "min_value", "max_value", "invert_match"])?;
            Policy::NumericAttribute {
                key: opt(g("key"), text)?.unwrap_or_default(),
                min_value: opt(g("min_value"), int)?,
                max_value: opt(g("max_value"), int)?,
                invert_match: flag(g("invert_match"))?,
            }
        }
        "probabilistic" => {
            let g = pick(block, &["hash_salt", "sampling_percentage"])?;
            let pct = opt(g("sampling_percentage"), float)?.unwrap_or(0.0);
            if pct < 0.0 {
                return Err(err(at, "sampling_percentage cannot be negative"));
            }
            Policy::Probabilistic {
                hash_salt: opt(g("hash_salt"), text)?.unwrap_or_default(),
                sampling_percentage: pct,
            }
        }
        "status_code" => {
            let g = pick(block, &["status_codes"])?;
            let list =
                g("status_codes").ok_or_else(|| err(at, "status_code needs `status_codes`"))?;
            let mut codes = Vec::new();
            for c in items(list)? {
                codes.push(match text(c)?.as_str() {
                    "ERROR" => StatusCode::Error,
                    "OK" => StatusCode::Ok,
                    "UNSET" => StatusCode::Unset,
                    other => {
                        return Err(err(
                            c,
                            format!("unknown status code `{other}`; use OK, ERROR or UNSET"),
                        ));
                    }
                });
            }
            if codes.is_empty() {
                return Err(err(list, "expected at least one status code"));
            }
            Policy::StatusCode(codes)
        }
        "string_attribute" => {
            let g = pick(
                block,
                &[
                    "key",
                    "values",
                    "enabled_regex_matching",
                    "cache_max_size",
                    "invert_match",
                ],
            )?;
            let regex = flag(g("enabled_regex_matching"))?;
            let values = opt(g("values"), texts)?.unwrap_or_default();
            if regex && let Some(v) = g("values") {
                for (node, pat) in items(v)?.iter().zip(&values) {
                    if regex::Regex::new(pat).is_err() {
                        return Err(err(node, format!("`{pat}` is not a regular expression")));
                    }
                }
            }
            Policy::StringAttribute {
                key: opt(g("key"), text)?.unwrap_or_default(),
                values,
                enabled_regex_matching: regex,
                cache_max_size: u(g("cache_max_size"), u64::from(u32::MAX))?,
                invert_match: flag(g("invert_match"))?,
            }
        }
        "rate_limiting" => {
            let g = pick(block, &["spans_per_second"])?;
            Policy::RateLimiting {
                spans_per_second: u(g("spans_per_second"), 1 << 40)?,
            }
        }
        "bytes_limiting" => {
            let g = pick(block, &["bytes_per_second", "burst_capacity"])?;
            Policy::BytesLimiting {
                bytes_per_second: u(g("bytes_per_second"), 1 << 50)?,
                burst_capacity: u(g("burst_capacity"), 1 << 50)?,
            }
        }
        "span_count" => {
            let g = pick(block, &["min_spans", "max_spans"])?;
            Policy::SpanCount {
                min_spans: u(g("min_spans"), i32::MAX as u64)? as u32,
                max_spans: u(g("max_spans"), i32::MAX as u64)? as u32,
            }
        }
        "trace_state" => {
            let g = pick(block, &["key", "values"])?;
            Policy::TraceState {
                key: opt(g("key"), text)?.unwrap_or_default(),
                values: opt(g("values"), texts)?.unwrap_or_default(),
            }
        }
        "boolean_attribute" => {
            let g = pick(block, &["key", "value", "invert_match"])?;
            Policy::BooleanAttribute {
                key: opt(g("key"), text)?.unwrap_or_default(),
                value: flag(g("value"))?,
                invert_match: flag(g("invert_match"))?,
            }
        }
        "ottl_condition" => ottl(block, at)?,
        "and" | "drop" => {
            let list_key = if ty == "and" {
                "and_sub_policy"
            } else {
                "drop_sub_policy"
            };
            let g = pick(block, &[list_key])?;
            let list = g(list_key).ok_or_else(|| err(at, format!("`{ty}` needs `{list_key}`")))?;
            let subs = items(list)?
                .iter()
                .map(|p| policy(p, Level::Shared))
                .collect::<Result<Vec<_>, _>>()?;
            if subs.is_empty() {
                return Err(err(list, format!("`{list_key}` is empty")));
            }
            if ty == "and" {
                Policy::And(subs)
            } else {
                Policy::Drop(subs)
            }
        }
        _ => composite(block, at)?,
    })
}

fn ottl(block: &[(String, &Node, &Node)], at: &Node) -> Result<Policy, ConfigError> {
    let g = pick(block, &["error_mode", "span", "spanevent"])?;
    let error_mode = match opt(g("error_mode"), text)?.as_deref() {
        None | Some("propagate") => ErrorMode::Propagate,
        Some("ignore") => ErrorMode::Ignore,
        Some("silent") => ErrorMode::Silent,
        Some(other) => {
            let n = g("error_mode").unwrap_or(at);
            return Err(err(
                n,
                format!("unknown error_mode `{other}`; use ignore, silent or propagate"),
            ));
        }
    };
    let mut lists = [Vec::new(), Vec::new()];
    for (i, key) in ["span", "spanevent"].iter().enumerate() {
        if let Some(list) = g(key) {
            for c in items(list)? {
                let cond = text(c)?;
                let check = if i == 0 {
                    Program::new(std::slice::from_ref(&cond), &[])
                } else {
                    Program::new(&[], std::slice::from_ref(&cond))
                };
                check.map_err(|e| err(c, e))?;
                lists[i].push(cond);
            }
        }
    }
    let [span, spanevent] = lists;
    if span.is_empty() && spanevent.is_empty() {
        return Err(err(
            at,
            "ottl_condition needs `span` or `spanevent` conditions",
        ));
    }
    Ok(Policy::OttlCondition {
        error_mode,
        span,
        spanevent,
    })
}

fn composite(block: &[(String, &Node, &Node)], at: &Node) -> Result<Policy, ConfigError> {
    let g = pick(
        block,
        &[
            "max_total_spans_per_second",
            "policy_order",
            "composite_sub_policy",
            "rate_allocation",
        ],
    )?;
    let max = opt(g("max_total_spans_per_second"), |n| uint(n, 1 << 40))?.unwrap_or(0);
    let list = g("composite_sub_policy")
        .ok_or_else(|| err(at, "`composite` needs `composite_sub_policy`"))?;
    let subs = items(list)?
        .iter()
        .map(|p| policy(p, Level::Composite))
        .collect::<Result<Vec<_>, _>>()?;
    if subs.is_empty() {
        return Err(err(list, "`composite_sub_policy` is empty"));
    }
    let mut alloc = Vec::new();
    let allocations = match g("rate_allocation") {
        Some(r) => items(r)?,
        None => &[],
    };
    for a in allocations {
        let fields = entries(a)?;
        let ag = pick(&fields, &["policy", "percent"])?;
        let name =
            opt(ag("policy"), text)?.ok_or_else(|| err(a, "a rate allocation needs `policy`"))?;
        alloc.push((name, opt(ag("percent"), int)?.unwrap_or(0)));
    }
    Ok(Policy::Composite {
        max_total_spans_per_second: max,
        policy_order: opt(g("policy_order"), texts)?.unwrap_or_default(),
        subs,
        rate_allocation: alloc,
    })
}
