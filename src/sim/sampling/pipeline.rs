//! Two-tier pipelines: a first tier (a load balancer, or the Collector's
//! `loadbalancing` exporter) spreads spans over N Collector replicas, and
//! each replica runs its own copy of every tail sampling processor, deciding
//! alone on the spans it received.
//!
//! Routing, as in the `loadbalancingexporter` README (`routing_key`):
//! - `traceID` (the exporter's default): every span of a trace id goes to
//!   the same replica, so each replica sees whole traces;
//! - `service`: every span of a `service.name` goes to the same replica, so
//!   a trace crossing services is split unless its services share one;
//! - `round_robin`: a plain load balancer in front of the replicas, with no
//!   notion of traces: the n-th span to arrive goes to replica n mod N, so a
//!   trace of s spans stays whole only by chance (about N^(1 − s)).
//!
//! The exporter maps keys to replicas with a consistent-hash ring; the lab
//! uses FNV-1a of the key modulo N, which has the property that matters
//! here (one key, one replica) without the ring's rebalancing.

use std::fmt;

use crate::sim::random::rng::fnv1a;
use crate::sim::scenario::topology::Scenario;

/// Most Collector replicas in the second tier.
pub const MAX_COLLECTORS: u32 = 16;

/// How the first tier chooses a replica for a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Routing {
    /// By trace id (`routing_key: traceID`).
    #[default]
    #[serde(rename = "traceID")]
    TraceId,
    /// Span by span, in turn (a load balancer unaware of traces).
    #[serde(rename = "round_robin")]
    RoundRobin,
    /// By `service.name` (`routing_key: service`).
    #[serde(rename = "service")]
    Service,
}

impl Routing {
    /// Every routing, in the order the page lists them.
    pub const ALL: [Routing; 3] = [Routing::TraceId, Routing::RoundRobin, Routing::Service];

    /// The name used on the command line and in URLs.
    pub fn name(self) -> &'static str {
        match self {
            Routing::TraceId => "traceID",
            Routing::RoundRobin => "round_robin",
            Routing::Service => "service",
        }
    }

    /// Reads `traceID`, `round_robin` or `service` (case-insensitive, `-`
    /// for `_`). Errors: a message naming the value and the known ones.
    pub fn parse(text: &str) -> Result<Routing, String> {
        let t = text.trim().to_ascii_lowercase().replace('-', "_");
        match t.as_str() {
            "traceid" | "trace_id" => Ok(Routing::TraceId),
            "round_robin" | "roundrobin" => Ok(Routing::RoundRobin),
            "service" => Ok(Routing::Service),
            _ => Err(format!(
                "unknown routing `{}`; use traceID, round_robin or service",
                text.trim()
            )),
        }
    }
}

impl fmt::Display for Routing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The second tier: how many replicas, and how spans reach them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pipeline {
    /// Collector replicas, 1 to [`MAX_COLLECTORS`].
    pub collectors: u32,
    /// How the first tier routes spans.
    pub routing: Routing,
}

impl Default for Pipeline {
    /// [`Pipeline::SINGLE`].
    fn default() -> Pipeline {
        Pipeline::SINGLE
    }
}

impl Pipeline {
    /// One Collector: routing cannot split anything.
    pub const SINGLE: Pipeline = Pipeline {
        collectors: 1,
        routing: Routing::TraceId,
    };

    /// Checks the bounds; the message says what to change.
    pub fn validate(&self) -> Result<(), String> {
        if self.collectors == 0 || self.collectors > MAX_COLLECTORS {
            return Err(format!(
                "the number of collectors must be between 1 and {MAX_COLLECTORS}"
            ));
        }
        Ok(())
    }
}

/// Chooses replicas span by span, in arrival order.
#[derive(Debug, Clone)]
pub struct Router {
    n: u64,
    routing: Routing,
    /// Replica of each service (by scenario index), for `service` routing.
    by_service: Vec<u32>,
    /// Spans routed so far, for `round_robin`.
    turn: u64,
}

impl Router {
    /// A router for `p` over the services of `sc`.
    pub fn new(sc: &Scenario, p: Pipeline) -> Router {
        let n = u64::from(p.collectors.max(1));
        Router {
            n,
            routing: p.routing,
            by_service: sc
                .services
                .iter()
                .map(|s| (fnv1a(s.name.as_bytes()) % n) as u32)
                .collect(),
            turn: 0,
        }
    }

    /// Replicas behind the balancer.
    pub fn replicas(&self) -> usize {
        self.n as usize
    }

    /// The replica of a trace id under `traceID` routing.
    pub fn by_trace_id(&self, id: &[u8; 16]) -> u32 {
        (fnv1a(id) % self.n) as u32
    }

    /// The replica for the next span to arrive: `id_replica` is
    /// [`Router::by_trace_id`] of its trace id, `service` its service's
    /// scenario index.
    pub fn route(&mut self, id_replica: u32, service: u32) -> u32 {
        match self.routing {
            Routing::TraceId => id_replica,
            Routing::Service => self.by_service.get(service as usize).copied().unwrap_or(0),
            Routing::RoundRobin => {
                let r = (self.turn % self.n) as u32;
                self.turn += 1;
                r
            }
        }
    }
}
