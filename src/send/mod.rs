//! Sending traces to an OTLP backend (`spandojo sim send`): batching,
//! retries with exponential backoff, and the tally of what was accepted.
//!
//! - [`Batcher`] packs the spans of generated traces into
//!   `ExportTraceServiceRequest`s of at most `max_spans` spans (512, the
//!   SDK batch span processor's `maxExportBatchSize`); a trace larger than
//!   that is split across requests, as an SDK splits it.
//! - [`transport`] posts one request over OTLP/HTTP (protobuf or JSON) or
//!   OTLP/gRPC and classifies the answer as the OTLP specification says
//!   ("OTLP/HTTP Failures", "OTLP/gRPC Failures"): [`Answer`].
//! - [`send_with_retry`] retries the retryable answers (HTTP 429, 502, 503,
//!   504; gRPC `UNAVAILABLE`, `CANCELLED`, `DEADLINE_EXCEEDED`, `ABORTED`,
//!   `OUT_OF_RANGE`, `DATA_LOSS`, and `RESOURCE_EXHAUSTED` with `RetryInfo`)
//!   after the server's `Retry-After`/`RetryInfo` delay, or else an
//!   exponential backoff with jitter ([`RetryPolicy`]).

pub mod transport;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};
use serde::Serialize;

use crate::sim::formats::export::{proto_span, resource, scope};
use crate::sim::trace::Trace;

pub use transport::{Protocol, Transport};

/// Spans per request by default: the SDK batch span processor's
/// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` default.
pub const DEFAULT_BATCH_SPANS: usize = 512;

/// Packs spans of whole traces into requests of at most `max_spans` spans,
/// grouped by service (one `ResourceSpans` per service name and request).
pub struct Batcher {
    max_spans: usize,
    resource_spans: Vec<ResourceSpans>,
    by_service: HashMap<Arc<str>, usize>,
    spans: usize,
}

/// One request ready to send and the number of spans in it.
pub struct Batch {
    /// The request.
    pub request: ExportTraceServiceRequest,
    /// Spans in it.
    pub spans: usize,
}

/// The OTLP `Span.flags` an SDK exports for a sampled span: the W3C trace
/// flags in the low byte (0x01, sampled), and `SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE`
/// (0x100), with `SPAN_FLAGS_CONTEXT_IS_REMOTE` (0x200) when the parent came
/// from another process (the span carried an inbound `traceparent`), as
/// `trace.proto` defines them.
pub fn sdk_flags(s: &crate::sim::trace::Span) -> u32 {
    let remote = s.parent.is_some() && s.traceparent.is_some();
    0x01 | 0x100 | if remote { 0x200 } else { 0 }
}

impl Batcher {
    /// A batcher of at most `max_spans` (at least 1) spans per request.
    pub fn new(max_spans: usize) -> Batcher {
        Batcher {
            max_spans: max_spans.max(1),
            resource_spans: Vec::new(),
            by_service: HashMap::new(),
            spans: 0,
        }
    }

    /// Adds a trace's spans in trace order; returns the requests that filled
    /// up. A generated span is sent with the `flags` an SDK gives a
    /// sampled span ([`sdk_flags`]).
    pub fn push(&mut self, trace: &Trace) -> Vec<Batch> {
        let mut full = Vec::new();
        for s in &trace.spans {
            let Some(service) = trace.services.get(s.service) else {
                continue;
            };
            let slot = match self.by_service.get(&service.name) {
                Some(&i) => i,
                None => {
                    self.resource_spans.push(ResourceSpans {
                        resource: Some(resource(service)),
                        scope_spans: vec![ScopeSpans {
                            scope: Some(scope()),
                            ..Default::default()
                        }],
                        ..Default::default()
                    });
                    let i = self.resource_spans.len() - 1;
                    self.by_service.insert(service.name.clone(), i);
                    i
                }
            };
            if let Some(ss) = self.resource_spans[slot].scope_spans.first_mut() {
                let mut span = proto_span(s);
                if s.flags.is_none() {
                    span.flags = sdk_flags(s);
                }
                ss.spans.push(span);
            }
            self.spans += 1;
            if self.spans >= self.max_spans {
                full.extend(self.finish());
            }
        }
        full
    }

    /// The partly filled request, if any spans are waiting.
    pub fn finish(&mut self) -> Option<Batch> {
        if self.spans == 0 {
            return None;
        }
        self.by_service.clear();
        let spans = std::mem::take(&mut self.spans);
        Some(Batch {
            request: ExportTraceServiceRequest {
                resource_spans: std::mem::take(&mut self.resource_spans),
            },
            spans,
        })
    }
}

/// The answer to one request, classified by the OTLP failure rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Accepted (2xx / `OK`); `rejected` spans from `partial_success`.
    Accepted {
        /// `partial_success.rejected_spans`.
        rejected: u64,
        /// `partial_success.error_message` (may be empty).
        message: String,
    },
    /// A retryable failure; `after` is the server's requested delay.
    Retry {
        /// `Retry-After` or gRPC `RetryInfo.retry_delay`.
        after: Option<Duration>,
        /// Status and message, for the report.
        reason: String,
    },
    /// Not retryable: the batch's spans are lost. `fatal` answers (401,
    /// 403, 404, 415, `UNAUTHENTICATED`, `PERMISSION_DENIED`,
    /// `UNIMPLEMENTED`) mean that every later batch would fail too.
    Failed {
        /// Status and message.
        reason: String,
        /// Stop sending.
        fatal: bool,
    },
}

/// Exponential backoff: the n-th retry (from 0) waits `initial × 2^n`,
/// at most `max`, scaled by a jitter in [0.5, 1); at most `max_retries`
/// retries per batch. A server's delay is honoured up to `max_server_delay`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// First backoff (the SDKs use 1 s).
    pub initial: Duration,
    /// Largest backoff (the SDKs use 5 s).
    pub max: Duration,
    /// Retries per batch before its spans count as failed.
    pub max_retries: u32,
    /// Cap on a server-requested delay (`Retry-After`, `RetryInfo`).
    pub max_server_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(5),
            max_retries: 6,
            max_server_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry `attempt` (0-based); `jitter` in [0, 1).
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self
            .initial
            .saturating_mul(1u32 << attempt.min(20))
            .min(self.max);
        exp.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// Outcome of sending one batch, retries included.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOutcome {
    /// Spans the backend accepted.
    pub accepted: u64,
    /// Spans it refused (partial success, or a non-retryable failure).
    pub rejected: u64,
    /// Retries made.
    pub retries: u32,
    /// The last failure, if the batch was not accepted.
    pub error: Option<String>,
    /// The failure means every later batch would fail too.
    pub fatal: bool,
}

/// Sends one batch, retrying retryable answers per `policy`.
pub async fn send_with_retry(
    transport: &Transport,
    batch: &Batch,
    policy: &RetryPolicy,
) -> BatchOutcome {
    let spans = batch.spans as u64;
    let mut out = BatchOutcome::default();
    let mut jitter = Jitter::new(spans ^ u64::from(std::process::id()));
    loop {
        match transport.export(&batch.request).await {
            Answer::Accepted { rejected, message } => {
                let rejected = rejected.min(spans);
                out.accepted = spans - rejected;
                out.rejected = rejected;
                if rejected > 0 && !message.is_empty() {
                    out.error = Some(message);
                }
                return out;
            }
            Answer::Failed { reason, fatal } => {
                out.rejected = spans;
                out.error = Some(reason);
                out.fatal = fatal;
                return out;
            }
            Answer::Retry { after, reason } => {
                if out.retries >= policy.max_retries {
                    out.rejected = spans;
                    out.error = Some(format!("{reason} (gave up after {} retries)", out.retries));
                    return out;
                }
                let wait = match after {
                    Some(d) => d.min(policy.max_server_delay),
                    None => policy.backoff(out.retries, jitter.next()),
                };
                out.retries += 1;
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// A small xorshift generator for backoff jitter.
struct Jitter(u64);

impl Jitter {
    fn new(seed: u64) -> Jitter {
        Jitter(seed | 1)
    }

    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The tally of a whole run, as `sim send --json` prints it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Target URL.
    pub endpoint: String,
    /// `http/protobuf`, `http/json` or `grpc`.
    pub protocol: String,
    /// Traces generated.
    pub traces: u64,
    /// Spans generated.
    pub spans: u64,
    /// Requests (batches) sent, not counting retries.
    pub requests: u64,
    /// Spans the backend accepted.
    pub sent: u64,
    /// Spans refused or lost (partial success or failed batches).
    pub rejected: u64,
    /// Retries made over all batches.
    pub retried: u64,
    /// Batches that were not accepted.
    pub failed_requests: u64,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// Wall-clock seconds from the first trace to the last answer.
    pub seconds: f64,
    /// Accepted spans per second.
    pub spans_per_second: f64,
}

impl Summary {
    /// Adds one batch's outcome.
    pub fn add(&mut self, o: &BatchOutcome) {
        self.requests += 1;
        self.sent += o.accepted;
        self.rejected += o.rejected;
        self.retried += u64::from(o.retries);
        if o.accepted == 0 && o.rejected > 0 {
            self.failed_requests += 1;
        }
        if o.error.is_some() {
            self.last_error.clone_from(&o.error);
        }
    }
}
