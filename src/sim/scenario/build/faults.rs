//! `[[fault]]` entries: validated and folded into the operations.

use std::sync::Arc;

use crate::sim::scenario::build::resolve;
use crate::sim::scenario::raw::{Lines, RawFault, RawScenario};
use crate::sim::scenario::topology::MAX_MS;
use crate::sim::scenario::topology::{
    Fault, FaultKind, Operation, Protocol, Service, TopologyError,
};

/// Validates every fault and applies it; returns the faults as declared.
pub(super) fn apply(
    raw: &RawScenario,
    lines: &Lines,
    services: &mut [Service],
    ops: &mut [Operation],
    errs: &mut Vec<TopologyError>,
) -> Vec<Fault> {
    let mut out = Vec::new();
    for rf in &raw.fault {
        if let Some(f) = apply_one(rf, lines, services, ops, errs) {
            out.push(f);
        }
    }
    out
}

/// Operations a fault target names: one operation, or all of a service's.
fn targets(services: &[Service], ops: &[Operation], target: &str) -> Result<Vec<usize>, String> {
    if target.contains(':') {
        resolve(services, ops, target).map(|o| vec![o])
    } else {
        services
            .iter()
            .find(|s| &*s.name == target)
            .map(|s| s.operations.clone())
            .ok_or_else(|| format!("unknown service `{target}`"))
    }
}

fn slow_params(rf: &RawFault, lines: &Lines, errs: &mut Vec<TopologyError>) -> Option<(f64, f64)> {
    if rf.multiply.is_none() && rf.add_ms.is_none() {
        errs.push(lines.err(&rf.kind, "a slow fault needs `multiply` and/or `add_ms`"));
        return None;
    }
    let multiply = match &rf.multiply {
        Some(m) => {
            let v = *m.get_ref();
            if !(v.is_finite() && v > 0.0 && v <= 1000.0) {
                errs.push(lines.err(m, format!("multiply must be in (0, 1000] (got {v})")));
                return None;
            }
            v
        }
        None => 1.0,
    };
    let add_ms = match &rf.add_ms {
        Some(a) => {
            let v = *a.get_ref();
            if !(v.is_finite() && (0.0..=MAX_MS).contains(&v)) {
                errs.push(lines.err(a, format!("add_ms must be in [0, {}] (got {v})", MAX_MS)));
                return None;
            }
            v
        }
        None => 0.0,
    };
    Some((multiply, add_ms))
}

fn apply_one(
    rf: &RawFault,
    lines: &Lines,
    services: &mut [Service],
    ops: &mut [Operation],
    errs: &mut Vec<TopologyError>,
) -> Option<Fault> {
    let target = rf.target.get_ref();
    let kind = match rf.kind.get_ref().as_str() {
        "slow" | "slow_query" => {
            let (multiply, add_ms) = slow_params(rf, lines, errs)?;
            if rf.kind.get_ref() == "slow" {
                FaultKind::Slow { multiply, add_ms }
            } else {
                FaultKind::SlowQuery { multiply, add_ms }
            }
        }
        "error_burst" => {
            let Some(r) = &rf.error_rate else {
                errs.push(lines.err(&rf.kind, "an error_burst fault needs `error_rate`"));
                return None;
            };
            let v = *r.get_ref();
            if !(0.0..=1.0).contains(&v) {
                errs.push(lines.err(r, format!("error_rate must be in [0, 1] (got {v})")));
                return None;
            }
            FaultKind::ErrorBurst { error_rate: v }
        }
        "drop_traceparent" => FaultKind::DropTraceparent,
        other => {
            errs.push(lines.err(
                &rf.kind,
                format!("unknown fault kind `{other}` (expected slow, error_burst, slow_query or drop_traceparent)"),
            ));
            return None;
        }
    };
    if kind == FaultKind::DropTraceparent {
        match services.iter_mut().find(|s| &*s.name == target.as_str()) {
            Some(s) => s.drop_traceparent = true,
            None => {
                errs.push(lines.err(
                    &rf.target,
                    format!("drop_traceparent targets a service; unknown service `{target}`"),
                ));
                return None;
            }
        }
    } else {
        let list = match targets(services, ops, target) {
            Ok(l) => l,
            Err(m) => {
                errs.push(lines.err(&rf.target, m));
                return None;
            }
        };
        let status = match &rf.error_status {
            Some(s) if !(0..=599).contains(s.get_ref()) => {
                errs.push(lines.err(s, "error_status must be 0-599"));
                return None;
            }
            Some(s) => Some(*s.get_ref() as u16),
            None => None,
        };
        let mut applied = 0;
        for o in list {
            let op = &mut ops[o];
            match &kind {
                FaultKind::Slow { multiply, add_ms } => {
                    op.self_time = op.self_time.adjusted(*multiply, *add_ms);
                    applied += 1;
                }
                FaultKind::SlowQuery { multiply, add_ms } => {
                    if matches!(op.protocol, Protocol::Db { .. }) {
                        op.self_time = op.self_time.adjusted(*multiply, *add_ms);
                        applied += 1;
                    }
                }
                FaultKind::ErrorBurst { error_rate } => {
                    op.error_rate = *error_rate;
                    if let Some(t) = &rf.error_type {
                        op.error_type = Some(Arc::from(t.as_str()));
                    }
                    if status.is_some() {
                        op.error_status = status;
                    }
                    applied += 1;
                }
                FaultKind::DropTraceparent => {}
            }
        }
        if applied == 0 {
            errs.push(lines.err(
                &rf.target,
                format!("slow_query target `{target}` has no database operation"),
            ));
            return None;
        }
    }
    Some(Fault {
        kind,
        target: target.clone(),
        description: rf.description.clone(),
    })
}
