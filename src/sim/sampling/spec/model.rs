//! The tail sampling processor's configuration as the lab holds it: one
//! field per key of the Collector's `tail_sampling` processor (README of
//! `processor/tailsamplingprocessor` in opentelemetry-collector-contrib), so
//! that a strategy written in the short grammar and one read from YAML are
//! the same value, and writing it back out gives the same YAML.

/// Default `decision_wait` (the processor's): 30 s.
pub const DEFAULT_DECISION_WAIT_NS: u64 = 30_000_000_000;
/// Default `num_traces` (the processor's).
pub const DEFAULT_NUM_TRACES: usize = 50_000;
/// Largest `num_traces` the lab accepts (memory stays bounded).
pub const MAX_NUM_TRACES: usize = 100_000;
/// Longest `decision_wait` the lab accepts: 10 minutes.
pub const MAX_DECISION_WAIT_NS: u64 = 600_000_000_000;
/// Largest latency threshold accepted: one hour, in milliseconds.
pub const MAX_LATENCY_MS: u64 = 3_600_000;
/// Most span predicates (attribute, boolean, OTTL policies) in one processor.
pub const MAX_ATTR_POLICIES: usize = 64;
/// Largest decision cache the lab accepts, trace ids.
pub const MAX_CACHE_SIZE: u64 = 1_000_000;

/// A tail sampling processor: policies and processor settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TailSpec {
    /// Top-level `policies`, in order.
    pub policies: Vec<Named>,
    /// `decision_wait`: wait after a trace's first span before deciding, ns.
    pub decision_wait_ns: u64,
    /// `num_traces`: traces kept in the circular buffer.
    pub num_traces: usize,
    /// `expected_new_traces_per_sec`: an allocation hint; no effect on decisions.
    pub expected_new_traces_per_sec: u64,
    /// `sample_on_first_match`: stop evaluating at the first `Sampled` policy.
    pub sample_on_first_match: bool,
    /// `drop_pending_traces_on_shutdown` (the lab never shuts a processor
    /// down mid-trace, so it changes nothing here).
    pub drop_pending_traces_on_shutdown: bool,
    /// `decision_cache.sampled_cache_size` (0: no cache).
    pub sampled_cache_size: u64,
    /// `decision_cache.non_sampled_cache_size` (0: no cache).
    pub non_sampled_cache_size: u64,
    /// The feature gate `processor.tailsamplingprocessor.disableinvertdecisions`
    /// (alpha, off by default): `invert_match` gives plain decisions.
    pub disable_invert_decisions: bool,
}

impl TailSpec {
    /// A processor with the default settings and these policies.
    pub fn with_policies(policies: Vec<Named>) -> TailSpec {
        TailSpec {
            policies,
            decision_wait_ns: DEFAULT_DECISION_WAIT_NS,
            num_traces: DEFAULT_NUM_TRACES,
            expected_new_traces_per_sec: 0,
            sample_on_first_match: false,
            drop_pending_traces_on_shutdown: false,
            sampled_cache_size: 0,
            non_sampled_cache_size: 0,
            disable_invert_decisions: false,
        }
    }
}

/// A policy with its `name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    /// `name`.
    pub name: String,
    /// `type` and its settings.
    pub policy: Policy,
}

/// A span status a `status_code` policy looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    /// `ERROR`.
    Error,
    /// `OK` (the simulator never sets it).
    Ok,
    /// `UNSET` (every successful span).
    Unset,
}

impl StatusCode {
    /// The processor's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCode::Error => "ERROR",
            StatusCode::Ok => "OK",
            StatusCode::Unset => "UNSET",
        }
    }
}

/// `ottl_condition.error_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorMode {
    /// Log the error and treat the condition as false.
    Ignore,
    /// Like ignore, without logging.
    Silent,
    /// The policy fails; the processor counts an evaluation error.
    Propagate,
}

impl ErrorMode {
    /// The processor's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorMode::Ignore => "ignore",
            ErrorMode::Silent => "silent",
            ErrorMode::Propagate => "propagate",
        }
    }
}

/// One policy type of the processor, with its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// `always_sample`.
    AlwaysSample,
    /// `latency`: trace duration (latest end − earliest start) in whole
    /// milliseconds (truncated), `> threshold_ms`, and `<= upper_threshold_ms`
    /// when that is not 0.
    Latency {
        /// `threshold_ms` (exclusive).
        threshold_ms: u64,
        /// `upper_threshold_ms` (inclusive; 0: none).
        upper_threshold_ms: u64,
    },
    /// `numeric_attribute`: a span or resource has `key` as an integer in
    /// `[min_value, max_value]` (a missing bound is unbounded).
    NumericAttribute {
        /// `key`.
        key: String,
        /// `min_value`.
        min_value: Option<i64>,
        /// `max_value`.
        max_value: Option<i64>,
        /// `invert_match`.
        invert_match: bool,
    },
    /// `probabilistic`: FNV-1a of `hash_salt` + trace id ≤ percentage × (2⁶⁴−1).
    Probabilistic {
        /// `hash_salt` (empty: the processor's `default-hash-seed`).
        hash_salt: String,
        /// `sampling_percentage` (≥ 100 keeps all).
        sampling_percentage: f64,
    },
    /// `status_code`: some span has one of these statuses.
    StatusCode(Vec<StatusCode>),
    /// `string_attribute`: a span or resource has `key` with one of `values`.
    StringAttribute {
        /// `key`.
        key: String,
        /// `values` (exact, or regular expressions).
        values: Vec<String>,
        /// `enabled_regex_matching`: values are unanchored RE2 patterns.
        enabled_regex_matching: bool,
        /// `cache_max_size` (0: the processor's 128); no effect on decisions.
        cache_max_size: u64,
        /// `invert_match`.
        invert_match: bool,
    },
    /// `rate_limiting`: token bucket of spans, burst 2 × the rate.
    RateLimiting {
        /// `spans_per_second`.
        spans_per_second: u64,
    },
    /// `bytes_limiting`: token bucket of bytes.
    BytesLimiting {
        /// `bytes_per_second`.
        bytes_per_second: u64,
        /// `burst_capacity` (0: 2 × `bytes_per_second`).
        burst_capacity: u64,
    },
    /// `span_count`: `min_spans ≤ n` and `n ≤ max_spans` when that is not 0.
    SpanCount {
        /// `min_spans`.
        min_spans: u32,
        /// `max_spans` (0: none).
        max_spans: u32,
    },
    /// `trace_state`: some span's tracestate has `key` with one of `values`.
    TraceState {
        /// `key`.
        key: String,
        /// `values`.
        values: Vec<String>,
    },
    /// `trace_flags`: some span has the sampled flag.
    TraceFlags,
    /// `boolean_attribute`: a span or resource has `key` equal to `value`.
    BooleanAttribute {
        /// `key`.
        key: String,
        /// `value`.
        value: bool,
        /// `invert_match`.
        invert_match: bool,
    },
    /// `ottl_condition`: some span, or some span event, meets a condition.
    OttlCondition {
        /// `error_mode`.
        error_mode: ErrorMode,
        /// `span` conditions (any of them).
        span: Vec<String>,
        /// `spanevent` conditions (any of them).
        spanevent: Vec<String>,
    },
    /// `and`: every sub-policy samples.
    And(Vec<Named>),
    /// `drop`: drops the trace when every sub-policy samples.
    Drop(Vec<Named>),
    /// `composite`: the first sampling sub-policy decides, within its
    /// allocation of spans per second.
    Composite {
        /// `max_total_spans_per_second`.
        max_total_spans_per_second: u64,
        /// `policy_order`, as written.
        policy_order: Vec<String>,
        /// `composite_sub_policy`, evaluated in this order.
        subs: Vec<Named>,
        /// `rate_allocation`: (policy, percent).
        rate_allocation: Vec<(String, i64)>,
    },
}

impl Policy {
    /// The processor's `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Policy::AlwaysSample => "always_sample",
            Policy::Latency { .. } => "latency",
            Policy::NumericAttribute { .. } => "numeric_attribute",
            Policy::Probabilistic { .. } => "probabilistic",
            Policy::StatusCode(_) => "status_code",
            Policy::StringAttribute { .. } => "string_attribute",
            Policy::RateLimiting { .. } => "rate_limiting",
            Policy::BytesLimiting { .. } => "bytes_limiting",
            Policy::SpanCount { .. } => "span_count",
            Policy::TraceState { .. } => "trace_state",
            Policy::TraceFlags => "trace_flags",
            Policy::BooleanAttribute { .. } => "boolean_attribute",
            Policy::OttlCondition { .. } => "ottl_condition",
            Policy::And(_) => "and",
            Policy::Drop(_) => "drop",
            Policy::Composite { .. } => "composite",
        }
    }

    /// True for policies evaluated per span (they use a predicate bit).
    pub fn is_span_predicate(&self) -> bool {
        matches!(
            self,
            Policy::NumericAttribute { .. }
                | Policy::StringAttribute { .. }
                | Policy::BooleanAttribute { .. }
                | Policy::OttlCondition { .. }
        )
    }

    /// The sub-policies of `and`, `drop` and `composite`.
    pub fn subs(&self) -> &[Named] {
        match self {
            Policy::And(s) | Policy::Drop(s) => s,
            Policy::Composite { subs, .. } => subs,
            _ => &[],
        }
    }
}

/// Span predicates in a policy list, nested ones included.
pub fn count_span_predicates(ps: &[Named]) -> usize {
    ps.iter()
        .map(|p| usize::from(p.policy.is_span_predicate()) + count_span_predicates(p.policy.subs()))
        .sum()
}

/// Allocated spans per second of each composite sub-policy, as the
/// processor computes them: a listed policy gets `percent`% of the maximum
/// (truncated to whole spans), or max/n when its percent is not above 0; a
/// sub-policy missing from `rate_allocation` gets 0.
pub fn composite_allocations(max: u64, subs: &[Named], alloc: &[(String, i64)]) -> Vec<i64> {
    let max_f = max as f64;
    let default = max_f / subs.len().max(1) as f64;
    subs.iter()
        .map(|s| {
            alloc
                .iter()
                .rev()
                .find(|(name, _)| *name == s.name)
                .map_or(0, |(_, pct)| {
                    if *pct > 0 {
                        (*pct as f64 / 100.0 * max_f) as i64
                    } else {
                        default as i64
                    }
                })
        })
        .collect()
}
