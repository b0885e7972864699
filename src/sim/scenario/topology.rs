//! The scenario model: services, operations, calls and faults, compiled and
//! validated from a TOML file by [`parse_scenario`].
//!
//! File format (one scenario per `content/topologies/<name>.toml`):
//!
//! ```toml
//! name = "study-sheet"              # a-z 0-9 -, equals the file name
//! title = "Study sheet"
//! description = "A paragraph: what to look at."
//! rate_per_sec = 20.0               # traffic, used by the sampling lab
//! entry = "frontend:GET /"          # root: "service:operation" (or "service")
//!
//! [[service]]
//! name = "frontend"                 # service.name; no ":"
//! resource = { "service.version" = "1.2.0" }   # extra resource attributes
//! drop_traceparent = false          # true: inbound context lost, new trace id
//! clock_offset_ms = 0.0             # this host's clock error, signed ms, |v| <= 600000
//!
//! [[service.operation]]
//! name = "GET /"                    # span name; unique within the service
//! kind = "server"                   # server | client | internal | producer | consumer
//! self_time = { median_ms = 12, p99_ms = 40 }   # log-normal, or { fixed_ms = 3 }
//! error_rate = 0.01                 # own failures, [0, 1]
//! error_type = "500"                # error.type / exception.type on own failures
//! error_status = 500                # HTTP status (gRPC code for rpc) on own failures
//! error_message = "..."             # exception.message
//! http = { method = "GET", route = "/" }        # + address = "api.x.example" on an external client
//! # rpc = { system = "grpc", service = "cart.Cart", method = "Get" }  # rpc.method = "cart.Cart/Get"
//! # db = { system = "postgresql", query = "SELECT ...", namespace = "shop", address = "shop-db" }
//! # messaging = { system = "kafka", destination = "orders" }   # consumer operations
//! attributes = { "app.feature" = "x" }          # extra static span attributes
//!
//! [[service.operation.call]]
//! to = "api:GET /api/cart"          # "service:operation" or "service" (its first)
//! probability = 1.0                 # is the call made at all
//! repeat = 1                        # sequential repeats (simultaneous in a group)
//! parallel = "fanout"               # consecutive calls with one label run together
//! retries = 2                       # extra attempts after a failure, ≤ 10
//! backoff_ms = 50                   # wait before each retry
//! timeout_ms = 800                  # client span ends here with error.type=timeout
//! network = { fixed_ms = 0.5 }      # round trip added around a remote call
//! ignore_errors = false             # true: a failure does not fail the caller
//! # async = true                    # to a consumer: producer span + linked consumer
//! # queue_delay = { median_ms = 40, p99_ms = 400 }
//!
//! [[fault]]
//! kind = "slow"                     # slow | error_burst | slow_query | drop_traceparent
//! target = "api:GET /api/cart"      # "service:operation" or "service" (all its operations)
//! multiply = 3.0                    # slow, slow_query: and/or add_ms = 500
//! # error_rate = 0.5               # error_burst (+ optional error_type, error_status)
//! description = "Why it is slow."
//!
//! [generate]                        # instead of [[service]]: a generated estate
//! services = 520                    # 2..=5000
//! layers = 8                        # 2..=20
//! max_fan_out = 5                   # downstream calls per operation, 1..=20
//! topology_seed = 7                 # the estate is a pure function of this
//! ```
//!
//! Rules: a call to another service targets a server operation (client span
//! in the caller, server span in the callee) or, with `async = true`, a
//! consumer; a call within a service targets an internal or client
//! operation (its span is a direct child). Database, cache and external
//! calls are client operations, which make no calls. Timeouts and retries
//! apply to cross-service calls and client operations. No call cycles;
//! depth ≤ 64 spans; ≤ 50 calls per operation; expected size ≤ 200,000 spans.
//!
//! Clock skew: `clock_offset_ms` shifts every timestamp a service records
//! (span start and end, event times) by that many milliseconds once the
//! trace is generated, clamped at 0. The walk and its random draws do not
//! change, so ids, durations and errors are those of the same seed without
//! the offset; only where the service's spans sit against the others moves,
//! which is how a child can appear to start before its parent.

use std::fmt;
use std::sync::Arc;

pub use crate::sim::random::dist::{Dist, Z99};
use crate::sim::trace::{AttrValue, SpanKind};

/// Largest expected number of spans per trace a topology may have.
pub const MAX_EXPECTED_SPANS: f64 = 200_000.0;
/// Deepest allowed call chain, in spans.
pub const MAX_DEPTH: usize = 64;
/// Most calls (counting repeats) one operation may make.
pub const MAX_FAN_OUT: u32 = 50;
/// Largest clock offset a service may have, in milliseconds (ten minutes).
pub const MAX_CLOCK_OFFSET_MS: f64 = 600_000.0;
/// Most retries per call.
pub const MAX_RETRIES: u32 = 10;
/// Longest allowed timeout, backoff, or latency parameter, in milliseconds.
pub const MAX_MS: f64 = 600_000.0;

/// A validation error in a topology file, with a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyError {
    /// 1-based line of the offending key (1 when unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for TopologyError {}

/// Parses and validates a scenario file.
pub fn parse_scenario(text: &str) -> Result<Scenario, Vec<TopologyError>> {
    crate::sim::scenario::build::build(text)
}

/// A compiled, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Slug, e.g. `checkout`.
    pub name: String,
    /// Title for the UI.
    pub title: String,
    /// A paragraph: what to look at.
    pub description: String,
    /// Traffic rate (requests per second) for populations.
    pub rate_per_sec: f64,
    /// Index of the entry (root) operation in `operations`.
    pub entry: usize,
    /// Services.
    pub services: Vec<Service>,
    /// All operations of all services.
    pub operations: Vec<Operation>,
    /// Faults applied (already folded into the operations).
    pub faults: Vec<Fault>,
    /// Expected number of spans per trace (upper bound for retries).
    pub expected_spans: f64,
    /// Deepest possible span depth from the entry.
    pub max_depth: usize,
    /// Parameters when the estate was generated procedurally.
    pub generated: Option<EstateParams>,
    /// For a population of received spans, what each operation (by index)
    /// carried besides its attributes; empty for written and generated
    /// scenarios.
    pub received: Vec<ReceivedFacts>,
    /// For a population of received spans, the unix time (ns) of its
    /// clock's zero, so that OTTL conditions read real timestamps; 0 for
    /// written and generated scenarios.
    pub received_origin_ns: u64,
}

/// What the spans of one received span shape share beyond name, kind and
/// attributes: the OTLP `Span.trace_state`, the `flags` low byte (W3C trace
/// flags, 0x01 = sampled) and the events (OTLP `Span.events`), each at its
/// offset from the span's start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceivedFacts {
    /// W3C `tracestate`, empty when the span had none.
    pub trace_state: Arc<str>,
    /// The span's `flags` (0 when the sender left them out, as OTLP allows).
    pub span_flags: u32,
    /// Events, each at its offset from the span's start.
    pub events: Vec<ReceivedEvent>,
}

/// One event of a received span shape: name, nanoseconds from the span's
/// start (negative for an event recorded before it), attributes.
pub type ReceivedEvent = (Arc<str>, i64, Vec<(Arc<str>, AttrValue)>);

impl Scenario {
    /// Looks up an operation by `"service:operation"` (or `"service"` for its first).
    pub fn find_operation(&self, reference: &str) -> Option<usize> {
        let (svc, op) = match reference.split_once(':') {
            Some((s, o)) => (s, Some(o)),
            None => (reference, None),
        };
        let service = self.services.iter().find(|s| &*s.name == svc)?;
        match op {
            None => service.operations.first().copied(),
            Some(o) => service
                .operations
                .iter()
                .copied()
                .find(|&i| &*self.operations[i].name == o),
        }
    }

    /// `"service:operation"` label of an operation.
    pub fn op_label(&self, op: usize) -> String {
        match self.operations.get(op) {
            Some(o) => format!("{}:{}", self.services[o.service].name, o.name),
            None => format!("#{op}"),
        }
    }
}

/// A service and its resource.
#[derive(Debug, Clone)]
pub struct Service {
    /// `service.name`.
    pub name: Arc<str>,
    /// Extra resource attributes.
    pub resource: Vec<(Arc<str>, AttrValue)>,
    /// Inbound trace context is lost: the service starts a new trace.
    pub drop_traceparent: bool,
    /// How far this service's clock is off, in nanoseconds (signed): added
    /// to every timestamp it records, after generation.
    pub clock_offset_ns: i64,
    /// Indices of its operations.
    pub operations: Vec<usize>,
}

/// Protocol details that decide the semantic-convention attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum Protocol {
    /// No protocol attributes.
    None,
    /// HTTP (server route, or an external client call when `address` is set).
    Http {
        /// `http.request.method`.
        method: Arc<str>,
        /// `http.route` (server) / `url.template` (client).
        route: Arc<str>,
        /// `server.address` for external client calls.
        address: Option<Arc<str>>,
    },
    /// RPC (`rpc.system.name`, and `rpc.method` as `service/method`).
    Rpc {
        /// `rpc.system.name`, e.g. `grpc`.
        system: Arc<str>,
        /// Fully qualified service, e.g. `shop.v1.CartService`.
        service: Arc<str>,
        /// Method, e.g. `GetCart`.
        method: Arc<str>,
        /// `rpc.method`: `service/method` (semconv v1.44.0 folds the
        /// deprecated `rpc.service` into a fully qualified method).
        full_method: Arc<str>,
    },
    /// Database or cache client call.
    Db {
        /// `db.system.name`, e.g. `postgresql`, `redis`.
        system: Arc<str>,
        /// `db.query.text`.
        query: Arc<str>,
        /// `db.namespace`.
        namespace: Option<Arc<str>>,
        /// `server.address`.
        address: Option<Arc<str>>,
        /// `db.operation.name` (first word of the query unless given).
        operation: Arc<str>,
    },
    /// Messaging (`messaging.system`, `messaging.destination.name`).
    Messaging {
        /// e.g. `kafka`.
        system: Arc<str>,
        /// Topic or queue.
        destination: Arc<str>,
    },
}

/// One operation (becomes one span per execution).
#[derive(Debug, Clone)]
pub struct Operation {
    /// Owning service index.
    pub service: usize,
    /// Span name.
    pub name: Arc<str>,
    /// Span kind.
    pub kind: SpanKind,
    /// Own (self) time distribution.
    pub self_time: Dist,
    /// Probability that the operation itself fails.
    pub error_rate: f64,
    /// `error.type` on own failures.
    pub error_type: Option<Arc<str>>,
    /// HTTP status (or gRPC code) on own failures.
    pub error_status: Option<u16>,
    /// Exception message on own failures.
    pub error_message: Option<Arc<str>>,
    /// Protocol attributes.
    pub protocol: Protocol,
    /// Extra static span attributes.
    pub attributes: Vec<(Arc<str>, AttrValue)>,
    /// Calls, in order; a step with several calls runs them in parallel.
    pub steps: Vec<Step>,
}

/// One step of an operation: one call, or several running in parallel.
#[derive(Debug, Clone)]
pub struct Step {
    /// The calls of this step (more than one: parallel).
    pub calls: Vec<Call>,
    /// True when the step came from a `parallel` group.
    pub parallel: bool,
}

/// How a call reaches its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallMode {
    /// Same service: the target's span is a direct child.
    Local,
    /// Another service, blocking: client span here, server span there.
    Remote,
    /// Another service via a queue: producer span here, consumer span there (linked).
    Async,
}

/// A call from one operation to another.
#[derive(Debug, Clone)]
pub struct Call {
    /// Target operation index.
    pub target: usize,
    /// How the call travels.
    pub mode: CallMode,
    /// Probability that the call is made at all.
    pub probability: f64,
    /// How many times (sequentially, or at once in a parallel step).
    pub repeat: u32,
    /// Extra attempts after a failure.
    pub retries: u32,
    /// Wait before each retry, nanoseconds.
    pub backoff_ns: u64,
    /// Client-side deadline, nanoseconds.
    pub timeout_ns: Option<u64>,
    /// Failures of this call do not fail the caller.
    pub ignore_errors: bool,
    /// Queue delay between producer end and consumer start (async only).
    pub queue_delay: Dist,
    /// Network round trip added around a remote call.
    pub network: Dist,
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Latency multiplied and/or increased.
    Slow {
        /// Factor on self time.
        multiply: f64,
        /// Added milliseconds.
        add_ms: f64,
    },
    /// Error rate overridden.
    ErrorBurst {
        /// New error rate.
        error_rate: f64,
    },
    /// A database call made slower.
    SlowQuery {
        /// Factor on self time.
        multiply: f64,
        /// Added milliseconds.
        add_ms: f64,
    },
    /// A service loses inbound trace context.
    DropTraceparent,
}

/// A fault as declared in the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What it does.
    pub kind: FaultKind,
    /// Target reference as written.
    pub target: String,
    /// Optional note for the UI.
    pub description: Option<String>,
}

/// Parameters of a procedurally generated estate (`[generate]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EstateParams {
    /// Number of services (≥ 2).
    pub services: usize,
    /// Number of layers (2..=20).
    pub layers: usize,
    /// Most downstream calls per operation.
    pub max_fan_out: usize,
    /// Seed of the topology (not of the traces).
    pub topology_seed: u64,
}
