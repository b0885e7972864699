//! Calls between operations: retries, timeouts, remote hops and async publishes.

use std::sync::Arc;

use crate::sim::generate::attrs::{client_attrs, grpc_name, producer_attrs};
use crate::sim::generate::{Ctx, Failure, Gen};
use crate::sim::scenario::topology::{Call, CallMode, Protocol};
use crate::sim::trace::{AttrValue, Event, Link, SpanKind, Status};

impl Gen<'_> {
    /// One call with its retries; returns when the caller may go on.
    pub(super) fn do_call(
        &mut self,
        c: &Call,
        parent: usize,
        start: u64,
    ) -> (u64, Option<Failure>) {
        let mut t = start;
        let mut attempt = 0;
        loop {
            let (end, failure) = self.attempt(c, parent, t, attempt);
            if failure.is_none() || attempt >= c.retries || self.full() {
                return (end, failure);
            }
            attempt += 1;
            t = end + c.backoff_ns;
        }
    }

    fn attempt_attrs(&mut self, idx: usize, c: &Call, attempt: u32, http: bool) {
        if c.retries == 0 {
            return;
        }
        let k = self.k;
        let a = &mut self.spans[idx].attributes;
        if http && attempt > 0 {
            a.push((k.resend_count.clone(), AttrValue::Int(i64::from(attempt))));
        }
        a.push((
            k.retry_attempt.clone(),
            AttrValue::Int(i64::from(attempt) + 1),
        ));
    }

    fn attempt(&mut self, c: &Call, parent: usize, t: u64, attempt: u32) -> (u64, Option<Failure>) {
        let sc = self.sc;
        let target = &sc.operations[c.target];
        let http = matches!(target.protocol, Protocol::Http { .. });
        match c.mode {
            CallMode::Local => {
                let ctx = self.child_ctx(parent);
                let done = self.run_op(c.target, t, ctx, None, None, false);
                self.attempt_attrs(done.idx, c, attempt, http);
                match c.timeout_ns {
                    Some(to) if done.end > t + to => {
                        self.time_out(done.idx, t + to, to, c.target);
                        (
                            t + to,
                            Some(Failure {
                                timeout: true,
                                op: c.target,
                            }),
                        )
                    }
                    _ => (done.end, done.failure),
                }
            }
            CallMode::Remote => self.remote(c, parent, t, attempt, http),
            CallMode::Async => {
                let caller_service = self.spans[parent].service;
                let name = self.publish_name(c.target);
                let ctx = self.child_ctx(parent);
                let p = self.push(ctx, caller_service, name, SpanKind::Producer, t);
                // Publishing is quick: 0.1 to 2.1 ms.
                let pend = t + 100_000 + self.rng.below(2_000_000);
                let mut attrs = Vec::with_capacity(4);
                producer_attrs(self.k, target, &mut attrs);
                let ps = &mut self.spans[p];
                ps.end_ns = pend;
                ps.attributes = attrs;
                let (tid, sid) = (ps.trace_id, ps.span_id);
                let qd = c.queue_delay.sample_ns(&mut self.rng);
                if sc.services[target.service].drop_traceparent {
                    let ctx = Ctx {
                        trace_id: self.rng.trace_id(),
                        parent: None,
                        parent_span_id: None,
                    };
                    self.run_op(c.target, pend + qd, ctx, None, None, false);
                } else {
                    let header = traceparent_header(&tid, &sid);
                    let ctx = self.child_ctx(p);
                    let link = Link {
                        trace_id: tid,
                        span_id: sid,
                        attributes: Vec::new(),
                    };
                    self.run_op(c.target, pend + qd, ctx, Some(header), Some(link), false);
                }
                (pend, None)
            }
        }
    }

    fn publish_name(&mut self, target: usize) -> Arc<str> {
        if let Some(n) = &self.publish_names[target] {
            return n.clone();
        }
        let name: Arc<str> = match &self.sc.operations[target].protocol {
            Protocol::Messaging { destination, .. } => {
                Arc::from(format!("publish {destination}").as_str())
            }
            _ => Arc::from("publish"),
        };
        self.publish_names[target] = Some(name.clone());
        name
    }

    /// Marks a span as cut off by the caller's deadline.
    fn time_out(&mut self, idx: usize, deadline: u64, timeout_ns: u64, target: usize) {
        let k = self.k;
        let message = format!(
            "deadline of {} ms exceeded calling {}",
            timeout_ns as f64 / 1e6,
            self.sc.op_label(target)
        );
        let s = &mut self.spans[idx];
        s.end_ns = deadline;
        s.attributes.retain(|(key, _)| {
            *key != k.http_status && *key != k.rpc_status && *key != k.error_type
        });
        s.attributes
            .push((k.error_type.clone(), AttrValue::Str(k.timeout.clone())));
        s.events.clear();
        s.events.push(Event {
            time_ns: deadline,
            name: k.exception.clone(),
            attributes: vec![
                (k.exc_type.clone(), AttrValue::Str(k.timeout.clone())),
                (
                    k.exc_message.clone(),
                    AttrValue::Str(Arc::from(message.as_str())),
                ),
            ],
        });
        s.status = Status::Error { message };
    }

    /// A blocking cross-service call: client span here, server span there.
    fn remote(
        &mut self,
        c: &Call,
        parent: usize,
        t: u64,
        attempt: u32,
        http: bool,
    ) -> (u64, Option<Failure>) {
        let sc = self.sc;
        let target = &sc.operations[c.target];
        let callee = &sc.services[target.service];
        let ctx = self.child_ctx(parent);
        let caller_service = self.spans[parent].service;
        let client = self.push(
            ctx,
            caller_service,
            target.name.clone(),
            SpanKind::Client,
            t,
        );
        let net = c.network.sample_ns(&mut self.rng);
        let out = net / 2;
        let back = net - out;
        let done = if callee.drop_traceparent {
            let ctx = Ctx {
                trace_id: self.rng.trace_id(),
                parent: None,
                parent_span_id: None,
            };
            self.run_op(c.target, t + out, ctx, None, None, false)
        } else {
            let s = &self.spans[client];
            let header = traceparent_header(&s.trace_id, &s.span_id);
            let ctx = self.child_ctx(client);
            self.run_op(c.target, t + out, ctx, Some(header), None, false)
        };
        let mut attrs = Vec::with_capacity(8);
        client_attrs(self.k, target, &callee.name, &mut attrs);
        self.spans[client].attributes = attrs;
        self.attempt_attrs(client, c, attempt, http);
        let end = done.end + back;
        if let Some(to) = c.timeout_ns
            && end > t + to
        {
            self.time_out(client, t + to, to, c.target);
            let failure = Failure {
                timeout: true,
                op: c.target,
            };
            return (t + to, Some(failure));
        }
        let k = self.k;
        let s = &mut self.spans[client];
        s.end_ns = end;
        if let Some(code) = done.code {
            let attr = if http {
                (k.http_status.clone(), AttrValue::Int(i64::from(code)))
            } else {
                (
                    k.rpc_status.clone(),
                    AttrValue::Str(Arc::from(grpc_name(code))),
                )
            };
            s.attributes.push(attr);
        }
        match done.failure {
            None => (end, None),
            Some(f) => {
                let (etype, message): (Arc<str>, String) = match (done.code, http) {
                    (Some(code), true) => (
                        Arc::from(code.to_string().as_str()),
                        format!("HTTP {code} from {}", callee.name),
                    ),
                    (Some(code), false) => (
                        Arc::from(grpc_name(code)),
                        format!("{} from {}", grpc_name(code), callee.name),
                    ),
                    (None, _) => (k.other.clone(), format!("{} failed", callee.name)),
                };
                s.attributes
                    .push((k.error_type.clone(), AttrValue::Str(etype)));
                s.status = Status::Error { message };
                (end, Some(f))
            }
        }
    }
}

/// `00-<trace-id>-<parent-id>-01`.
fn traceparent_header(trace_id: &[u8; 16], span_id: &[u8; 8]) -> String {
    let mut s = String::with_capacity(55);
    s.push_str("00-");
    crate::sim::trace::push_hex(&mut s, trace_id);
    s.push('-');
    crate::sim::trace::push_hex(&mut s, span_id);
    s.push_str("-01");
    s
}
