//! Span templates: every span the generator can emit is an operation's own
//! span, a client span calling a remote operation, or a producer span
//! publishing to a consumer. A template fixes everything static about such a
//! span (service, name, kind, attributes); a lean span only carries the
//! template index plus what varies per execution (times, status, codes).

use std::collections::HashMap;
use std::sync::Arc;

use crate::sim::generate::attrs::{client_attrs, keys, op_attrs, producer_attrs};
use crate::sim::random::rng::fnv1a;
use crate::sim::scenario::topology::{CallMode, Protocol, Scenario};
use crate::sim::trace::{AttrValue, SpanKind};

/// Marks a call slot without its own span template (a local call).
pub(crate) const NO_TEMPLATE: u32 = u32::MAX;

/// What kind of span a template describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The operation's own span (server, consumer, internal or local client).
    Op,
    /// The client span in the caller of a remote (cross-service) operation.
    Client,
    /// The producer span in the caller of an asynchronous consumer.
    Producer,
}

/// One span template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// Kind of span.
    pub role: Role,
    /// The operation run (for `Op`) or called (for `Client`/`Producer`).
    pub op: u32,
    /// Scenario index of the service that emits the span.
    pub service: u32,
}

/// The template table of one scenario, plus lookups for the generator.
#[derive(Debug, Clone)]
pub struct Templates {
    /// All templates; a lean span's `template` indexes this.
    pub list: Vec<Template>,
    /// Operation index → its `Op` template.
    pub(crate) op: Vec<u32>,
    /// Operation index → first call slot of its calls (all steps, in order).
    pub(crate) call_base: Vec<u32>,
    /// Call slot → template of the client/producer span (or [`NO_TEMPLATE`]).
    pub(crate) calls: Vec<u32>,
    /// The scenario's random stream (FNV-1a of its name), as `generate`
    /// seeds it.
    pub(crate) stream: u64,
    /// Whether any service's clock is offset.
    pub(crate) skewed: bool,
}

impl Templates {
    /// Builds the table for a scenario.
    pub fn new(sc: &Scenario) -> Templates {
        let mut list = Vec::new();
        let mut op = Vec::with_capacity(sc.operations.len());
        for (i, o) in sc.operations.iter().enumerate() {
            op.push(list.len() as u32);
            list.push(Template {
                role: Role::Op,
                op: i as u32,
                service: o.service as u32,
            });
        }
        let mut index: HashMap<(Role, u32, u32), u32> = HashMap::new();
        let mut call_base = Vec::with_capacity(sc.operations.len());
        let mut calls = Vec::new();
        for o in &sc.operations {
            call_base.push(calls.len() as u32);
            for c in o.steps.iter().flat_map(|s| s.calls.iter()) {
                let role = match c.mode {
                    CallMode::Local => {
                        calls.push(NO_TEMPLATE);
                        continue;
                    }
                    CallMode::Remote => Role::Client,
                    CallMode::Async => Role::Producer,
                };
                let key = (role, c.target as u32, o.service as u32);
                let t = *index.entry(key).or_insert_with(|| {
                    list.push(Template {
                        role,
                        op: key.1,
                        service: key.2,
                    });
                    list.len() as u32 - 1
                });
                calls.push(t);
            }
        }
        Templates {
            list,
            op,
            call_base,
            calls,
            stream: fnv1a(sc.name.as_bytes()),
            skewed: sc.services.iter().any(|s| s.clock_offset_ns != 0),
        }
    }

    /// Span kind of a template's spans.
    pub fn kind(&self, sc: &Scenario, t: u32) -> SpanKind {
        let tp = self.list[t as usize];
        match tp.role {
            Role::Op => sc.operations[tp.op as usize].kind,
            Role::Client => SpanKind::Client,
            Role::Producer => SpanKind::Producer,
        }
    }

    /// True when a template's spans carry an HTTP status code (else gRPC, if any).
    pub fn is_http(&self, sc: &Scenario, t: u32) -> bool {
        let tp = self.list[t as usize];
        matches!(
            sc.operations[tp.op as usize].protocol,
            Protocol::Http { .. }
        )
    }

    /// The static attributes of a template's spans: span attributes that do
    /// not depend on the execution, then the resource (`service.name` first).
    pub fn static_attrs(&self, sc: &Scenario, t: u32) -> Vec<(Arc<str>, AttrValue)> {
        let k = keys();
        let tp = self.list[t as usize];
        let target = &sc.operations[tp.op as usize];
        let service = &sc.services[tp.service as usize];
        let mut out = Vec::with_capacity(12);
        match tp.role {
            Role::Op => op_attrs(k, target, &mut out),
            Role::Client => {
                let callee = &sc.services[target.service].name;
                client_attrs(k, target, callee, &mut out);
            }
            Role::Producer => producer_attrs(k, target, &mut out),
        }
        out.push((
            Arc::from("service.name"),
            AttrValue::Str(service.name.clone()),
        ));
        out.extend(service.resource.iter().cloned());
        out
    }
}
