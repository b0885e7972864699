//! The spandojo trace simulator: a pure library (no I/O, no web) that turns a
//! topology scenario and a seed into a deterministic trace, analyses it, and
//! converts it to and from OTLP JSON and Jaeger JSON.
//!
//! Layout:
//! - [`topology`]: the scenario model and [`parse_scenario`] (TOML, validated
//!   with line numbers); [`catalog`] holds parsed scenarios by name.
//! - [`generate()`]: scenario + seed → [`Trace`] ([`trace`] is the model).
//! - [`analysis`]: self time, critical path, per-service breakdown, error origin.
//! - [`traceparent`] / [`tracestate`]: W3C Trace Context headers.
//! - [`export`] / [`import`]: OTLP JSON and Jaeger JSON.
//! - [`render`]: an indented text tree for the CLI.

pub mod analysis;
mod canonical;
pub mod catalog;
mod dist;
mod estate;
pub mod export;
pub mod generate;
pub mod import;
mod jsonw;
mod math;
pub mod render;
mod rng;
pub mod sampling;
mod scenario_build;
mod scenario_raw;
#[cfg(test)]
mod testutil;
pub mod topology;
pub mod trace;
pub mod traceparent;
pub mod tracestate;

pub use analysis::{
    PathSegment, ServiceLatency, critical_path, error_origin, roots, self_time_ns,
    service_breakdown,
};
pub use catalog::Catalog;
pub use export::{to_jaeger_json, to_otlp_json};
pub use generate::{GenerateOptions, generate, generate_with};
pub use import::{ImportError, MAX_IMPORT_SPANS, from_jaeger_json, from_otlp_json};
pub use render::render_tree;
pub use topology::{MAX_EXPECTED_SPANS, Scenario, TopologyError, parse_scenario};
pub use trace::{AttrValue, Event, Link, ServiceInfo, Span, SpanKind, Status, Trace};
pub use traceparent::{
    TraceParent, TraceParentError, explain, format_traceparent, parse_traceparent,
};
pub use tracestate::{TraceState, TraceStateError, format_tracestate, parse_tracestate};
