//! Shared attribute keys and the semantic-convention attributes of each span.
//!
//! Names follow OpenTelemetry semantic conventions v1.44.0: HTTP and database
//! client spans (stable), RPC (release candidate: `rpc.system.name`, a fully
//! qualified `rpc.method` such as `shop.v1.CartService/GetCart` in place of the
//! deprecated `rpc.service`, and `rpc.response.status_code` as the gRPC status
//! name, e.g. `UNAVAILABLE`, in place of the deprecated integer
//! `rpc.grpc.status_code`), messaging (development).

use std::sync::{Arc, OnceLock};

use crate::sim::scenario::topology::{Operation, Protocol};
use crate::sim::trace::AttrValue;

/// Interned attribute keys and constant values, shared by every trace.
pub(crate) struct Keys {
    pub(crate) http_method: Arc<str>,
    pub(crate) http_route: Arc<str>,
    pub(crate) http_status: Arc<str>,
    pub(crate) url_template: Arc<str>,
    pub(crate) url_full: Arc<str>,
    pub(crate) server_address: Arc<str>,
    pub(crate) server_port: Arc<str>,
    pub(crate) resend_count: Arc<str>,
    pub(crate) retry_attempt: Arc<str>,
    pub(crate) rpc_system: Arc<str>,
    pub(crate) rpc_method: Arc<str>,
    pub(crate) rpc_status: Arc<str>,
    pub(crate) db_system: Arc<str>,
    pub(crate) db_query: Arc<str>,
    pub(crate) db_namespace: Arc<str>,
    pub(crate) db_operation: Arc<str>,
    pub(crate) msg_system: Arc<str>,
    pub(crate) msg_destination: Arc<str>,
    pub(crate) msg_op_type: Arc<str>,
    pub(crate) msg_op_name: Arc<str>,
    pub(crate) error_type: Arc<str>,
    pub(crate) exception: Arc<str>,
    pub(crate) exc_type: Arc<str>,
    pub(crate) exc_message: Arc<str>,
    pub(crate) rounds: Arc<str>,
    pub(crate) send: Arc<str>,
    pub(crate) publish: Arc<str>,
    pub(crate) process: Arc<str>,
    pub(crate) timeout: Arc<str>,
    pub(crate) other: Arc<str>,
}

pub(crate) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let k = |s: &str| Arc::<str>::from(s);
        Keys {
            http_method: k("http.request.method"),
            http_route: k("http.route"),
            http_status: k("http.response.status_code"),
            url_template: k("url.template"),
            url_full: k("url.full"),
            server_address: k("server.address"),
            server_port: k("server.port"),
            resend_count: k("http.request.resend_count"),
            retry_attempt: k("retry.attempt"),
            rpc_system: k("rpc.system.name"),
            rpc_method: k("rpc.method"),
            rpc_status: k("rpc.response.status_code"),
            db_system: k("db.system.name"),
            db_query: k("db.query.text"),
            db_namespace: k("db.namespace"),
            db_operation: k("db.operation.name"),
            msg_system: k("messaging.system"),
            msg_destination: k("messaging.destination.name"),
            msg_op_type: k("messaging.operation.type"),
            msg_op_name: k("messaging.operation.name"),
            error_type: k("error.type"),
            exception: k("exception"),
            exc_type: k("exception.type"),
            exc_message: k("exception.message"),
            rounds: k("spandojo.rounds"),
            send: k("send"),
            publish: k("publish"),
            process: k("process"),
            timeout: k("timeout"),
            other: k("_OTHER"),
        }
    })
}

/// gRPC status code names (0-16), used for `rpc.response.status_code` and
/// `error.type` (semconv v1.44.0 gRPC spans: the string form of the code).
pub(crate) fn grpc_name(code: u16) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    NAMES.get(usize::from(code)).copied().unwrap_or("UNKNOWN")
}

fn v(s: &Arc<str>) -> AttrValue {
    AttrValue::Str(s.clone())
}

/// Attributes of the operation's own span (server, consumer, internal, local client).
pub(crate) fn op_attrs(k: &Keys, op: &Operation, out: &mut Vec<(Arc<str>, AttrValue)>) {
    match &op.protocol {
        Protocol::None => {}
        Protocol::Http {
            method,
            route,
            address,
        } => {
            out.push((k.http_method.clone(), v(method)));
            match address {
                None => out.push((k.http_route.clone(), v(route))),
                Some(a) => {
                    out.push((k.server_address.clone(), v(a)));
                    let url = format!("https://{a}{route}");
                    out.push((k.url_full.clone(), AttrValue::Str(Arc::from(url.as_str()))));
                }
            }
        }
        Protocol::Rpc {
            system,
            full_method,
            ..
        } => {
            out.push((k.rpc_system.clone(), v(system)));
            out.push((k.rpc_method.clone(), v(full_method)));
        }
        Protocol::Db {
            system,
            query,
            namespace,
            address,
            operation,
        } => {
            out.push((k.db_system.clone(), v(system)));
            if let Some(n) = namespace {
                out.push((k.db_namespace.clone(), v(n)));
            }
            out.push((k.db_operation.clone(), v(operation)));
            out.push((k.db_query.clone(), v(query)));
            if let Some(a) = address {
                out.push((k.server_address.clone(), v(a)));
            }
        }
        Protocol::Messaging {
            system,
            destination,
        } => {
            out.push((k.msg_system.clone(), v(system)));
            out.push((k.msg_destination.clone(), v(destination)));
            out.push((k.msg_op_type.clone(), v(&k.process)));
            out.push((k.msg_op_name.clone(), v(&k.process)));
        }
    }
    out.extend(op.attributes.iter().cloned());
}

/// Attributes of the client span that calls `target` in `callee_service`.
pub(crate) fn client_attrs(
    k: &Keys,
    target: &Operation,
    callee_service: &Arc<str>,
    out: &mut Vec<(Arc<str>, AttrValue)>,
) {
    match &target.protocol {
        Protocol::Http { method, route, .. } => {
            out.push((k.http_method.clone(), v(method)));
            out.push((k.server_address.clone(), v(callee_service)));
            out.push((k.server_port.clone(), AttrValue::Int(8080)));
            out.push((k.url_template.clone(), v(route)));
        }
        Protocol::Rpc {
            system,
            full_method,
            ..
        } => {
            out.push((k.rpc_system.clone(), v(system)));
            out.push((k.rpc_method.clone(), v(full_method)));
            out.push((k.server_address.clone(), v(callee_service)));
            out.push((k.server_port.clone(), AttrValue::Int(50051)));
        }
        _ => out.push((k.server_address.clone(), v(callee_service))),
    }
}

/// Attributes of a producer span publishing to the consumer `target`.
pub(crate) fn producer_attrs(k: &Keys, target: &Operation, out: &mut Vec<(Arc<str>, AttrValue)>) {
    if let Protocol::Messaging {
        system,
        destination,
    } = &target.protocol
    {
        out.push((k.msg_system.clone(), v(system)));
        out.push((k.msg_destination.clone(), v(destination)));
        out.push((k.msg_op_type.clone(), v(&k.send)));
        out.push((k.msg_op_name.clone(), v(&k.publish)));
    }
}
