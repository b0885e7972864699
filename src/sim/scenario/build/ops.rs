//! Compiling one operation: kind, self time, errors, protocol attributes.

use std::sync::Arc;

use crate::sim::scenario::build::dist;
use crate::sim::scenario::raw::{Lines, RawOperation, attr_map};
use crate::sim::scenario::topology::{Dist, Operation, Protocol, TopologyError};
use crate::sim::trace::SpanKind;

fn opt_str(s: &Option<String>) -> Option<Arc<str>> {
    s.as_deref().map(Arc::from)
}

pub(super) fn compile_op(
    ro: &RawOperation,
    service: usize,
    lines: &Lines,
    errs: &mut Vec<TopologyError>,
) -> Operation {
    let name = ro.name.get_ref();
    if name.trim().is_empty() {
        errs.push(lines.err(&ro.name, "operation names must not be empty"));
    }
    let kind = match SpanKind::from_name(ro.kind.get_ref()) {
        Some(k) => k,
        None => {
            errs.push(lines.err(
                &ro.kind,
                format!(
                    "unknown kind `{}` (expected server, client, internal, producer or consumer)",
                    ro.kind.get_ref()
                ),
            ));
            SpanKind::Internal
        }
    };
    let self_time = dist(&ro.self_time, lines, "self_time").unwrap_or_else(|e| {
        errs.push(e);
        Dist::fixed_ms(0.0)
    });
    let error_rate = match &ro.error_rate {
        Some(r) => {
            let v = *r.get_ref();
            if !(0.0..=1.0).contains(&v) {
                errs.push(lines.err(r, format!("error_rate must be in [0, 1] (got {v})")));
            }
            v
        }
        None => 0.0,
    };
    let error_status = ro.error_status.as_ref().and_then(|s| {
        let v = *s.get_ref();
        if (0..=599).contains(&v) {
            Some(v as u16)
        } else {
            errs.push(lines.err(
                s,
                format!("error_status must be an HTTP status or gRPC code, 0-599 (got {v})"),
            ));
            None
        }
    });
    let protocol = protocol(ro, kind, lines, errs);
    if kind == SpanKind::Consumer && !matches!(protocol, Protocol::Messaging { .. }) {
        errs.push(lines.err(
            &ro.kind,
            "a consumer operation needs `messaging = { system, destination }`",
        ));
    }
    if matches!(kind, SpanKind::Client | SpanKind::Producer) && !ro.call.is_empty() {
        errs.push(lines.err(
            &ro.kind,
            format!("a {kind} operation cannot make calls; model the remote side as an operation of another service"),
        ));
    }
    let attributes = ro
        .attributes
        .as_ref()
        .map(|m| attr_map(m, lines, "attribute", errs))
        .unwrap_or_default();
    Operation {
        service,
        name: Arc::from(name.as_str()),
        kind,
        self_time,
        error_rate,
        error_type: ro
            .error_type
            .as_ref()
            .map(|s| Arc::from(s.get_ref().as_str())),
        error_status,
        error_message: ro
            .error_message
            .as_ref()
            .map(|s| Arc::from(s.get_ref().as_str())),
        protocol,
        attributes,
        steps: Vec::new(),
    }
}

fn protocol(
    ro: &RawOperation,
    kind: SpanKind,
    lines: &Lines,
    errs: &mut Vec<TopologyError>,
) -> Protocol {
    let count = [
        ro.http.is_some(),
        ro.rpc.is_some(),
        ro.db.is_some(),
        ro.messaging.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if count > 1 {
        errs.push(lines.err(&ro.name, "give at most one of http, rpc, db, messaging"));
    }
    if let Some(h) = &ro.http {
        let r = h.get_ref();
        match (kind, &r.address) {
            (SpanKind::Client, None) => errs.push(lines.err(
                h,
                "an HTTP client operation needs `address` (the external host)",
            )),
            (SpanKind::Server | SpanKind::Internal, Some(_)) => {
                errs.push(lines.err(h, "`address` is only for client operations"))
            }
            _ => {}
        }
        return Protocol::Http {
            method: Arc::from(r.method.as_str()),
            route: Arc::from(r.route.as_str()),
            address: opt_str(&r.address),
        };
    }
    if let Some(r) = &ro.rpc {
        let r = r.get_ref();
        return Protocol::Rpc {
            system: Arc::from(r.system.as_str()),
            service: Arc::from(r.service.as_str()),
            method: Arc::from(r.method.as_str()),
            full_method: Arc::from(format!("{}/{}", r.service, r.method).as_str()),
        };
    }
    if let Some(d) = &ro.db {
        if kind != SpanKind::Client {
            errs.push(lines.err(d, "database and cache calls must be kind = \"client\""));
        }
        let r = d.get_ref();
        let operation = r.operation.clone().unwrap_or_else(|| {
            r.query
                .split_whitespace()
                .next()
                .unwrap_or("QUERY")
                .to_ascii_uppercase()
        });
        return Protocol::Db {
            system: Arc::from(r.system.as_str()),
            query: Arc::from(r.query.as_str()),
            namespace: opt_str(&r.namespace),
            address: opt_str(&r.address),
            operation: Arc::from(operation.as_str()),
        };
    }
    if let Some(m) = &ro.messaging {
        if !matches!(kind, SpanKind::Consumer | SpanKind::Producer) {
            errs.push(lines.err(
                m,
                "messaging details belong on consumer or producer operations",
            ));
        }
        let r = m.get_ref();
        return Protocol::Messaging {
            system: Arc::from(r.system.as_str()),
            destination: Arc::from(r.destination.as_str()),
        };
    }
    Protocol::None
}
