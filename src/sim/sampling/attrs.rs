//! The attributes of a lean span, as a tail-sampling policy sees them:
//! static ones come from the span's template (and its resource), dynamic
//! ones (status codes, `error.type`, retry attempts) from the span's fields.

use std::sync::Arc;

use crate::sim::generate::attrs::grpc_name;
use crate::sim::sampling::population::{LeanSpan, NO_CODE, Role, Templates, flags};
use crate::sim::scenario::topology::{Protocol, Scenario};
use crate::sim::trace::AttrValue;

/// Attribute keys whose value depends on the execution, not the template.
pub const DYNAMIC_KEYS: [&str; 5] = [
    "http.response.status_code",
    "rpc.response.status_code",
    "error.type",
    "retry.attempt",
    "http.request.resend_count",
];

/// Which dynamic key (index into [`DYNAMIC_KEYS`]) a key is.
pub fn dynamic_key(key: &str) -> Option<usize> {
    DYNAMIC_KEYS.iter().position(|k| *k == key)
}

/// The value of dynamic key `which` (see [`DYNAMIC_KEYS`]) on a span; None
/// on a received span ([`flags::LITERAL`]), whose template holds them all.
pub fn dynamic_attr(
    sc: &Scenario,
    tm: &Templates,
    s: &LeanSpan,
    which: usize,
) -> Option<AttrValue> {
    if s.flags & flags::LITERAL != 0 {
        return None;
    }
    let tp = tm.list[s.template as usize];
    let op = &sc.operations[tp.op as usize];
    let http = matches!(op.protocol, Protocol::Http { .. });
    let timeout = s.flags & flags::TIMEOUT != 0;
    let code = (s.code != NO_CODE && !timeout && tp.role != Role::Producer).then_some(s.code);
    match which {
        0 => code.filter(|_| http).map(|c| AttrValue::Int(i64::from(c))),
        1 => code
            .filter(|_| !http)
            .map(|c| AttrValue::Str(Arc::from(grpc_name(c)))),
        2 => error_type(op, tp.role, s, code).map(AttrValue::Str),
        3 => (s.attempt > 0).then(|| AttrValue::Int(i64::from(s.attempt))),
        4 => (http && s.attempt > 1).then(|| AttrValue::Int(i64::from(s.attempt) - 1)),
        _ => None,
    }
}

fn error_type(
    op: &crate::sim::scenario::topology::Operation,
    role: Role,
    s: &LeanSpan,
    code: Option<u16>,
) -> Option<Arc<str>> {
    if s.flags & flags::TIMEOUT != 0 {
        return Some(Arc::from("timeout"));
    }
    if !s.is_error() {
        return None;
    }
    let rpc = matches!(op.protocol, Protocol::Rpc { .. });
    let http = matches!(op.protocol, Protocol::Http { .. });
    Some(match (role, code) {
        (Role::Op, _) if s.flags & flags::OWN != 0 && op.error_type.is_some() => {
            op.error_type.clone().unwrap_or_else(|| Arc::from("_OTHER"))
        }
        (Role::Op, Some(c)) if rpc => Arc::from(grpc_name(c)),
        (Role::Client, Some(c)) if !http => Arc::from(grpc_name(c)),
        (_, Some(c)) => Arc::from(c.to_string().as_str()),
        _ => Arc::from("_OTHER"),
    })
}

/// Every attribute of a lean span: the template's (with the resource) and
/// the dynamic ones that are present.
pub fn all_attrs(sc: &Scenario, tm: &Templates, s: &LeanSpan) -> Vec<(Arc<str>, AttrValue)> {
    let mut out = tm.static_attrs(sc, s.template);
    for (i, k) in DYNAMIC_KEYS.iter().enumerate() {
        if let Some(v) = dynamic_attr(sc, tm, s, i) {
            out.push((Arc::from(*k), v));
        }
    }
    out
}
