//! The SDKs' own sampler settings and the composable sampler grammar.
//!
//! `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (OpenTelemetry "SDK
//! environment variables", known values of `OTEL_TRACES_SAMPLER`), written
//! `env:NAME` or `env:NAME=ARG`, or pasted as the two variables
//! (`OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1`,
//! separated by spaces, newlines or `;`). Names are case-insensitive, as the
//! spec asks of enum values.
//!
//! | value | sampler | ARG |
//! | --- | --- | --- |
//! | `always_on`, `always_off` | AlwaysOn, AlwaysOff | none |
//! | `traceidratio` | TraceIdRatioBased | probability in [0, 1], default 1.0 |
//! | `parentbased_always_on`, `parentbased_always_off` | ParentBased(AlwaysOn/AlwaysOff) | none |
//! | `parentbased_traceidratio` | ParentBased(TraceIdRatioBased) | as `traceidratio` |
//! | `jaeger_remote`, `parentbased_jaeger_remote` | the initial sampler, TraceIdRatioBased(`initialSamplingRate`, default 0.001), used until the first poll answers | `endpoint=…,pollingIntervalMs=…,initialSamplingRate=…` |
//!
//! `xray` needs AWS's centralized rules and is refused. Where an SDK would
//! log a warning and ignore a bad value, the lab refuses it with the reason,
//! so that what runs is what was written.
//!
//! Composite samplers: `composite=EXPR` where EXPR is `always_on`,
//! `always_off`, `probability(P)`, `parent_threshold(EXPR)` or
//! `rule_based(PRED -> EXPR, …)`; PRED is `*`, `root`, `kind=server|client`
//! or `attr:KEY=V1|V2` (see [`Predicate`]).

use crate::sim::sampling::composite::{Composable, Predicate};
use crate::sim::sampling::spec::terms::{call, split_top};
use crate::sim::sampling::spec::{HeadSpec, RootSampler, SpecError};
use crate::sim::trace::SpanKind;

/// The known `OTEL_TRACES_SAMPLER` values the lab runs.
pub const ENV_SAMPLERS: [&str; 8] = [
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
    "jaeger_remote",
    "parentbased_jaeger_remote",
];

/// Default initial sampling rate of the Jaeger remote sampler.
pub const JAEGER_INITIAL_RATE: f64 = 0.001;

/// Deepest nesting of composable samplers.
const MAX_DEPTH: usize = 8;

/// Parses `OTEL_TRACES_SAMPLER` = `name` with `OTEL_TRACES_SAMPLER_ARG` = `arg`.
pub fn parse_env(name: &str, arg: Option<&str>) -> Result<HeadSpec, SpecError> {
    let token = match arg {
        Some(a) => format!("{name}={a}"),
        None => name.to_string(),
    };
    let lower = name.trim().to_ascii_lowercase();
    let arg = arg.map(str::trim).filter(|a| !a.is_empty());
    let no_arg = |spec: HeadSpec| match arg {
        None => Ok(spec),
        Some(_) => Err(SpecError::new(
            &token,
            format!("{lower} takes no OTEL_TRACES_SAMPLER_ARG (an SDK would ignore it)"),
        )),
    };
    let ratio = || -> Result<f64, SpecError> {
        let Some(a) = arg else { return Ok(1.0) };
        let p: f64 = a
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| {
                SpecError::new(
                    &token,
                    format!(
                        "OTEL_TRACES_SAMPLER_ARG `{a}` is not a number in [0, 1]; an SDK would \
                     log a warning and sample everything, as if it were unset"
                    ),
                )
            })?;
        if !(0.0..=1.0).contains(&p) {
            return Err(SpecError::new(
                &token,
                format!("OTEL_TRACES_SAMPLER_ARG {p} is outside [0, 1]"),
            ));
        }
        Ok(p)
    };
    match lower.as_str() {
        "always_on" => no_arg(HeadSpec::AlwaysOn),
        "always_off" => no_arg(HeadSpec::AlwaysOff),
        "parentbased_always_on" => no_arg(HeadSpec::ParentBased(RootSampler::AlwaysOn)),
        "parentbased_always_off" => no_arg(HeadSpec::ParentBased(RootSampler::AlwaysOff)),
        "traceidratio" => Ok(HeadSpec::Ratio(ratio()?)),
        "parentbased_traceidratio" => Ok(HeadSpec::ParentBased(RootSampler::Ratio(ratio()?))),
        "jaeger_remote" => Ok(HeadSpec::Ratio(jaeger_rate(&token, arg)?)),
        "parentbased_jaeger_remote" => Ok(HeadSpec::ParentBased(RootSampler::Ratio(jaeger_rate(
            &token, arg,
        )?))),
        "xray" => Err(SpecError::new(
            &token,
            "xray samples by rules kept in AWS X-Ray; the lab cannot simulate it",
        )),
        _ => Err(SpecError::new(
            &token,
            format!(
                "unknown OTEL_TRACES_SAMPLER value; known: {}",
                ENV_SAMPLERS.join(", ")
            ),
        )),
    }
}

/// `initialSamplingRate` from a Jaeger remote sampler's ARG.
fn jaeger_rate(token: &str, arg: Option<&str>) -> Result<f64, SpecError> {
    let mut rate = JAEGER_INITIAL_RATE;
    for part in arg
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.trim().is_empty())
    {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| SpecError::new(token, format!("`{part}` is not key=value")))?;
        match k.trim() {
            "endpoint" | "pollingIntervalMs" => {}
            "initialSamplingRate" => {
                rate = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|p: &f64| (0.0..=1.0).contains(p))
                    .ok_or_else(|| {
                        SpecError::new(token, "initialSamplingRate must be a number in [0, 1]")
                    })?;
            }
            other => {
                return Err(SpecError::new(
                    token,
                    format!(
                        "unknown jaeger_remote key `{other}`; known: endpoint, \
                         pollingIntervalMs, initialSamplingRate"
                    ),
                ));
            }
        }
    }
    Ok(rate)
}

/// Parses `env:NAME[=ARG]` or pasted `OTEL_TRACES_SAMPLER=… OTEL_TRACES_SAMPLER_ARG=…`.
pub fn parse_env_text(t: &str) -> Result<HeadSpec, SpecError> {
    if let Some(rest) = t.strip_prefix("env:") {
        let (name, arg) = match rest.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (rest.trim(), None),
        };
        return parse_env(name, arg);
    }
    let (mut name, mut arg) = (None, None);
    for part in t
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|p| !p.is_empty() && *p != "export")
    {
        match part.split_once('=') {
            Some(("OTEL_TRACES_SAMPLER", v)) => name = Some(unquote(v)),
            Some(("OTEL_TRACES_SAMPLER_ARG", v)) => arg = Some(unquote(v)),
            _ => {
                return Err(SpecError::new(
                    part,
                    "expected OTEL_TRACES_SAMPLER=NAME and optionally OTEL_TRACES_SAMPLER_ARG=VALUE",
                ));
            }
        }
    }
    let name = name.ok_or_else(|| {
        SpecError::new(
            t,
            "OTEL_TRACES_SAMPLER_ARG is only read with OTEL_TRACES_SAMPLER",
        )
    })?;
    parse_env(name, arg)
}

fn unquote(v: &str) -> &str {
    let v = v.trim();
    v.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(v)
}

/// Parses a composable sampler expression (the value of `composite=`).
pub fn composable(text: &str) -> Result<Composable, SpecError> {
    composable_at(text.trim(), 0)
}

fn composable_at(t: &str, depth: usize) -> Result<Composable, SpecError> {
    if depth > MAX_DEPTH {
        return Err(SpecError::new(t, "composable samplers nest too deeply"));
    }
    if t == "always_on" {
        return Ok(Composable::AlwaysOn);
    }
    if t == "always_off" {
        return Ok(Composable::AlwaysOff);
    }
    if let Some(p) = call(t, "probability") {
        let p = crate::sim::sampling::spec::probability(t, p)?;
        if p > 0.0 && p < crate::sim::sampling::consistent::MIN_PROBABILITY {
            return Err(SpecError::new(
                t,
                "a probability must be 0 or at least 2^-56",
            ));
        }
        return Ok(Composable::Probability(p));
    }
    if let Some(inner) = call(t, "parent_threshold") {
        return Ok(Composable::ParentThreshold(Box::new(composable_at(
            inner.trim(),
            depth + 1,
        )?)));
    }
    if let Some(inner) = call(t, "rule_based") {
        let mut rules = Vec::new();
        for rule in split_top(inner)? {
            let (pred, sampler) = rule.split_once("->").ok_or_else(|| {
                SpecError::new(
                    rule,
                    "a rule is PREDICATE -> SAMPLER, e.g. * -> probability(0.1)",
                )
            })?;
            rules.push((
                predicate(pred.trim())?,
                composable_at(sampler.trim(), depth + 1)?,
            ));
        }
        return Ok(Composable::RuleBased(rules));
    }
    Err(SpecError::new(
        t,
        "unknown composable sampler; use always_on, always_off, probability(P), \
         parent_threshold(S) or rule_based(PRED -> S, …)",
    ))
}

fn predicate(t: &str) -> Result<Predicate, SpecError> {
    if t == "*" {
        return Ok(Predicate::Any);
    }
    if t == "root" {
        return Ok(Predicate::Root);
    }
    if let Some(v) = t.strip_prefix("kind=") {
        let kinds = v
            .split('|')
            .map(|k| {
                SpanKind::from_name(k.trim()).ok_or_else(|| {
                    SpecError::new(
                        t,
                        format!("unknown span kind `{}`; use server, client, internal, producer or consumer", k.trim()),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Predicate::Kind(kinds));
    }
    if let Some((key, v)) = t.strip_prefix("attr:").and_then(|r| r.split_once('=')) {
        let key = key.trim();
        let values: Vec<String> = v.split('|').map(|x| x.trim().to_string()).collect();
        if key.is_empty() || values.iter().any(String::is_empty) {
            return Err(SpecError::new(t, "write attr:KEY=VALUE (several: =A|B)"));
        }
        return Ok(Predicate::Attr {
            key: key.to_string(),
            values,
        });
    }
    Err(SpecError::new(
        t,
        "unknown predicate; use *, root, kind=KIND or attr:KEY=VALUE",
    ))
}
