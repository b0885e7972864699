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
//! Keys (the trace id's 16 bytes, or the service name) reach replicas
//! through the exporter's consistent-hash ring ([`HashRing`]), so that the
//! replica of a trace is the one the Collector would choose for replicas
//! named `collector-1:4317` … `collector-N:4317`.

use std::fmt;

use crate::sim::scenario::topology::Scenario;

/// Positions on the exporter's ring: 360 degrees with two decimals
/// (`maxPositions` in `loadbalancingexporter/consistent_hashing.go`).
pub const RING_POSITIONS: u32 = 36_000;
/// Points each endpoint takes on the ring (`defaultWeight`).
pub const RING_WEIGHT: u32 = 100;

/// The `loadbalancing` exporter's consistent-hash ring (Karger et al.), as
/// `consistent_hashing.go` builds it: each endpoint, in name order, takes
/// the positions `crc32(name ‖ [i]) mod 36,000` for `i` in 0..100 (a
/// position already taken is skipped); a key goes to the first point at or
/// after `crc32(key) mod 36,000`, wrapping to the first point past the
/// last. CRC-32 is the IEEE polynomial (Go's `crc32.NewIEEE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashRing {
    /// (position, replica index) sorted by position.
    points: Vec<(u32, u32)>,
}

impl HashRing {
    /// The ring of `n` replicas (at least one), replica `r` being the
    /// endpoint [`HashRing::endpoint`]`(r)`.
    pub fn new(n: u32) -> HashRing {
        let mut endpoints: Vec<(String, u32)> =
            (0..n.max(1)).map(|r| (HashRing::endpoint(r), r)).collect();
        endpoints.sort();
        let mut taken = std::collections::HashSet::new();
        let mut points = Vec::with_capacity(endpoints.len() * RING_WEIGHT as usize);
        for (name, replica) in &endpoints {
            for i in 0..RING_WEIGHT {
                let mut h = crc32fast::Hasher::new();
                h.update(name.as_bytes());
                h.update(&[i as u8]);
                let pos = h.finalize() % RING_POSITIONS;
                if taken.insert(pos) {
                    points.push((pos, *replica));
                }
            }
        }
        points.sort_unstable();
        HashRing { points }
    }

    /// The name replica `r` has on the ring: `collector-{r+1}:4317`.
    pub fn endpoint(r: u32) -> String {
        format!("collector-{}:4317", u64::from(r) + 1)
    }

    /// The replica that `key` (a trace id's bytes, or a service name) goes to.
    pub fn replica_for(&self, key: &[u8]) -> u32 {
        let pos = crc32fast::hash(key) % RING_POSITIONS;
        let at = self.points.partition_point(|p| p.0 < pos);
        self.points
            .get(at)
            .or(self.points.first())
            .map_or(0, |p| p.1)
    }
}

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
    ring: HashRing,
    /// Replica of each service (by scenario index), for `service` routing.
    by_service: Vec<u32>,
    /// Spans routed so far, for `round_robin`.
    turn: u64,
}

impl Router {
    /// A router for `p` over the services of `sc`.
    pub fn new(sc: &Scenario, p: Pipeline) -> Router {
        let n = u64::from(p.collectors.max(1));
        let ring = HashRing::new(p.collectors);
        Router {
            n,
            routing: p.routing,
            by_service: sc
                .services
                .iter()
                .map(|s| ring.replica_for(s.name.as_bytes()))
                .collect(),
            ring,
            turn: 0,
        }
    }

    /// Replicas behind the balancer.
    pub fn replicas(&self) -> usize {
        self.n as usize
    }

    /// The replica of a trace id under `traceID` routing ([`HashRing`]).
    pub fn by_trace_id(&self, id: &[u8; 16]) -> u32 {
        if self.n == 1 {
            return 0;
        }
        self.ring.replica_for(id)
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
