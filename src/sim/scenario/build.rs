//! Compiles the raw TOML structure into a validated [`Scenario`].

use std::collections::HashMap;
use std::sync::Arc;

use toml::Spanned;

use crate::sim::scenario::raw::{Lines, RawDist, RawScenario, RawService, attr_map, parse_raw};
use crate::sim::scenario::topology::{
    Dist, EstateParams, MAX_CLOCK_OFFSET_MS, MAX_MS, Operation, Scenario, Service, TopologyError,
};
use crate::sim::trace::SpanKind;

mod calls;
mod faults;
mod graph;
mod ops;

use calls::compile_calls;
use ops::compile_op;

pub(crate) fn build(text: &str) -> Result<Scenario, Vec<TopologyError>> {
    let lines = Lines::new(text);
    let raw = parse_raw(text, &lines)?;
    let mut errs = Vec::new();
    check_header(&raw, &lines, &mut errs);

    // Per operation: the line of each call (flattened in step order); and the
    // line of each operation name.
    let (services, mut operations, call_lines, generated) = match &raw.generate {
        Some(g) => {
            let line = lines.of(g);
            if !raw.service.is_empty() {
                errs.push(TopologyError {
                    line,
                    message: "use either [generate] or [[service]] entries, not both".into(),
                });
            }
            let params = match estate_params(g, &lines) {
                Ok(p) => p,
                Err(e) => {
                    errs.push(e);
                    return Err(errs);
                }
            };
            let (services, ops) = crate::sim::scenario::estate::build(&params);
            let call_lines = ops
                .iter()
                .map(|o| vec![line; o.steps.iter().map(|s| s.calls.len()).sum()])
                .collect();
            (services, ops, call_lines, Some(params))
        }
        None => {
            if raw.service.is_empty() {
                errs.push(TopologyError {
                    line: lines.of(&raw.name),
                    message: "a scenario needs at least one [[service]] (or a [generate] table)"
                        .into(),
                });
            }
            let (s, o, c) = compile_services(&raw, &lines, &mut errs);
            (s, o, c, None)
        }
    };
    if !errs.is_empty() {
        return Err(errs);
    }

    let entry = match &raw.entry {
        Some(e) => match resolve(&services, &operations, e.get_ref()) {
            Ok(op) => {
                let k = operations[op].kind;
                if matches!(k, SpanKind::Client | SpanKind::Producer) {
                    errs.push(lines.err(
                        e,
                        format!(
                            "the entry operation must be server, consumer or internal, not {k}"
                        ),
                    ));
                }
                op
            }
            Err(m) => {
                errs.push(lines.err(e, m));
                0
            }
        },
        None if generated.is_some() => 0,
        None => {
            errs.push(lines.err(&raw.name, "missing `entry` (\"service:operation\")"));
            0
        }
    };
    let mut services = services;
    let faults = faults::apply(&raw, &lines, &mut services, &mut operations, &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }
    let entry_line = raw.entry.as_ref().map(|e| lines.of(e)).unwrap_or(1);
    let (expected_spans, max_depth) =
        graph::check(&services, &operations, &call_lines, entry, entry_line)?;
    Ok(Scenario {
        name: raw.name.get_ref().clone(),
        title: raw.title.get_ref().clone(),
        description: raw.description.get_ref().trim().to_string(),
        rate_per_sec: *raw.rate_per_sec.get_ref(),
        entry,
        services,
        operations,
        faults,
        expected_spans,
        max_depth,
        generated,
        received: Vec::new(),
        received_origin_ns: 0,
    })
}

fn check_header(raw: &RawScenario, lines: &Lines, errs: &mut Vec<TopologyError>) {
    let name = raw.name.get_ref();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push(lines.err(
            &raw.name,
            "`name` must be 1-64 characters of a-z, 0-9 and `-`",
        ));
    }
    if raw.title.get_ref().trim().is_empty() {
        errs.push(lines.err(&raw.title, "`title` must not be empty"));
    }
    if raw.description.get_ref().trim().is_empty() {
        errs.push(lines.err(&raw.description, "`description` must not be empty"));
    }
    let r = *raw.rate_per_sec.get_ref();
    if !(r.is_finite() && r > 0.0 && r <= 1_000_000.0) {
        errs.push(lines.err(
            &raw.rate_per_sec,
            "`rate_per_sec` must be a number in (0, 1000000]",
        ));
    }
}

fn estate_params(
    g: &Spanned<crate::sim::scenario::raw::RawGenerate>,
    lines: &Lines,
) -> Result<EstateParams, TopologyError> {
    let g = g.get_ref();
    let services = *g.services.get_ref();
    if !(2..=5000).contains(&services) {
        return Err(lines.err(&g.services, "`services` must be between 2 and 5000"));
    }
    let layers = g.layers.as_ref().map(|l| *l.get_ref()).unwrap_or(8);
    if !(2..=20).contains(&layers) || layers > services {
        let at = g
            .layers
            .as_ref()
            .map(|l| lines.of(l))
            .unwrap_or(lines.of(&g.services));
        return Err(TopologyError {
            line: at,
            message: format!(
                "`layers` must be between 2 and 20 and at most `services` (got {layers})"
            ),
        });
    }
    let fan = g.max_fan_out.as_ref().map(|f| *f.get_ref()).unwrap_or(5);
    if let Some(f) = &g.max_fan_out
        && !(1..=20).contains(&fan)
    {
        return Err(lines.err(f, "`max_fan_out` must be between 1 and 20"));
    }
    let seed = *g.topology_seed.get_ref();
    if seed < 0 {
        return Err(lines.err(&g.topology_seed, "`topology_seed` must be ≥ 0"));
    }
    Ok(EstateParams {
        services: services as usize,
        layers: layers as usize,
        max_fan_out: fan as usize,
        topology_seed: seed as u64,
    })
}

/// Resolves `"service:operation"` or `"service"` (its first operation).
pub(super) fn resolve(
    services: &[Service],
    ops: &[Operation],
    reference: &str,
) -> Result<usize, String> {
    let (svc, op) = match reference.split_once(':') {
        Some((s, o)) => (s, Some(o)),
        None => (reference, None),
    };
    let Some(service) = services.iter().find(|s| &*s.name == svc) else {
        return Err(format!("unknown service `{svc}` in `{reference}`"));
    };
    match op {
        None => service
            .operations
            .first()
            .copied()
            .ok_or_else(|| format!("service `{svc}` has no operations")),
        Some(o) => service
            .operations
            .iter()
            .copied()
            .find(|&i| &*ops[i].name == o)
            .ok_or_else(|| {
                let names: Vec<&str> = service.operations.iter().map(|&i| &*ops[i].name).collect();
                format!(
                    "service `{svc}` has no operation `{o}` (it has: {})",
                    names.join(", ")
                )
            }),
    }
}

/// Validates a distribution table.
pub(super) fn dist(d: &Spanned<RawDist>, lines: &Lines, what: &str) -> Result<Dist, TopologyError> {
    let r = d.get_ref();
    let err = |m: String| lines.err(d, format!("{what}: {m}"));
    match (r.median_ms, r.p99_ms, r.fixed_ms) {
        (None, None, Some(f)) => {
            if !f.is_finite() || !(0.0..=MAX_MS).contains(&f) {
                return Err(err(format!(
                    "fixed_ms must be a finite number in [0, {MAX_MS}]"
                )));
            }
            Ok(Dist::fixed_ms(f))
        }
        (Some(m), Some(p), None) => {
            if !m.is_finite() || !p.is_finite() {
                return Err(err("median_ms and p99_ms must be finite".into()));
            }
            if m <= 0.0 {
                return Err(err(format!("median_ms must be > 0 (got {m})")));
            }
            if p < m {
                return Err(err(format!("p99_ms ({p}) must be ≥ median_ms ({m})")));
            }
            if p > MAX_MS {
                return Err(err(format!("p99_ms must be ≤ {MAX_MS}")));
            }
            Ok(Dist::lognormal(m, p))
        }
        _ => Err(err(
            "give either { median_ms, p99_ms } (log-normal) or { fixed_ms }".into(),
        )),
    }
}

/// A service's `clock_offset_ms` in nanoseconds (0 when absent or invalid).
fn clock_offset(rs: &RawService, lines: &Lines, errs: &mut Vec<TopologyError>) -> i64 {
    let Some(v) = &rs.clock_offset_ms else {
        return 0;
    };
    let ms = *v.get_ref();
    if !ms.is_finite() || ms.abs() > MAX_CLOCK_OFFSET_MS {
        errs.push(lines.err(
            v,
            format!("clock_offset_ms must be a finite number in [-{MAX_CLOCK_OFFSET_MS}, {MAX_CLOCK_OFFSET_MS}]"),
        ));
        return 0;
    }
    (ms * 1e6).round() as i64
}

fn compile_services(
    raw: &RawScenario,
    lines: &Lines,
    errs: &mut Vec<TopologyError>,
) -> (Vec<Service>, Vec<Operation>, Vec<Vec<usize>>) {
    let mut services: Vec<Service> = Vec::new();
    let mut ops: Vec<Operation> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    // Pass 1: names, kinds and bodies without calls.
    for rs in &raw.service {
        let name = rs.name.get_ref();
        if name.is_empty() || name.contains(':') || name.trim() != name {
            errs.push(lines.err(
                &rs.name,
                "service names must be non-empty, without `:` or surrounding spaces",
            ));
        }
        if let Some(prev) = seen.insert(name.as_str(), lines.of(&rs.name)) {
            errs.push(lines.err(
                &rs.name,
                format!("duplicate service `{name}` (first on line {prev})"),
            ));
        }
        let resource = rs
            .resource
            .as_ref()
            .map(|m| attr_map(m, lines, "resource attribute", errs))
            .unwrap_or_default();
        if resource.iter().any(|(k, _)| &**k == "service.name") {
            errs.push(lines.err(
                &rs.name,
                "`service.name` comes from `name`; remove it from `resource`",
            ));
        }
        let si = services.len();
        let mut svc = Service {
            name: Arc::from(name.as_str()),
            resource,
            drop_traceparent: rs.drop_traceparent.as_ref().is_some_and(|d| *d.get_ref()),
            clock_offset_ns: clock_offset(rs, lines, errs),
            operations: Vec::new(),
        };
        if rs.operation.is_empty() {
            errs.push(lines.err(
                &rs.name,
                format!("service `{name}` has no [[service.operation]]"),
            ));
        }
        let mut op_names: HashMap<&str, usize> = HashMap::new();
        for ro in &rs.operation {
            if let Some(prev) = op_names.insert(ro.name.get_ref().as_str(), lines.of(&ro.name)) {
                errs.push(lines.err(
                    &ro.name,
                    format!(
                        "duplicate operation `{}` in `{name}` (first on line {prev})",
                        ro.name.get_ref()
                    ),
                ));
            }
            svc.operations.push(ops.len());
            ops.push(compile_op(ro, si, lines, errs));
        }
        services.push(svc);
    }
    // Pass 2: calls.
    let mut call_lines = vec![Vec::new(); ops.len()];
    let mut oi = 0;
    for rs in &raw.service {
        for ro in &rs.operation {
            let (steps, cl) = compile_calls(ro, oi, &services, &ops, lines, errs);
            ops[oi].steps = steps;
            call_lines[oi] = cl;
            oi += 1;
        }
    }
    (services, ops, call_lines)
}

#[cfg(test)]
mod tests;
