//! The spandojo trace simulator: a pure library (no I/O, no web) that turns a
//! topology scenario and a seed into a deterministic trace, analyses it, and
//! converts it to and from OTLP JSON, Jaeger JSON and Zipkin v2 JSON.
//!
//! Layout:
//! - [`scenario`]: the scenario model and [`parse_scenario`] (TOML, validated
//!   with line numbers), its compilation, generated estates, and the
//!   [`Catalog`] of parsed scenarios by name.
//! - [`random`]: the portable random generator, distributions and math.
//! - [`generate()`]: scenario + seed → [`Trace`] ([`trace`] is the model).
//! - [`analysis`]: self time, critical path, per-service breakdown, error origin.
//! - [`w3c`]: W3C Trace Context headers (`traceparent`, `tracestate`).
//! - [`formats`]: the wire formats, OTLP JSON, Jaeger JSON and Zipkin v2 JSON.
//! - [`sampling`]: head samplers, the tail-sampling processor and the lab.
//! - [`render`]: an indented text tree for the CLI.

pub mod analysis;
mod canonical;
pub mod formats;
pub mod generate;
pub mod random;
pub mod render;
pub mod sampling;
pub mod scenario;
#[cfg(test)]
pub(crate) mod testutil;
pub mod trace;
pub mod w3c;

pub use analysis::{
    Outside, PathSegment, ServiceLatency, critical_path, error_origin, outside_parent, roots,
    self_time_ns, service_breakdown,
};
pub use formats::export::{to_jaeger_json, to_otlp_json, to_zipkin_json};
pub use formats::import::{
    Format, ImportError, Imported, MAX_IMPORT_SPANS, Refused, Warnings, from_jaeger_json,
    from_otlp_json, from_zipkin_json, read_file,
};
pub use formats::split::TraceSummary;
pub use generate::{GenerateOptions, GeneratorVersion, generate, generate_with};
pub use render::render_tree;
pub use scenario::catalog::Catalog;
pub use scenario::topology::{MAX_EXPECTED_SPANS, Scenario, TopologyError, parse_scenario};
pub use trace::{AttrValue, Event, Link, ServiceInfo, Span, SpanKind, Status, Trace};
pub use w3c::traceparent::{
    TraceParent, TraceParentError, explain, format_traceparent, parse_traceparent,
};
pub use w3c::tracestate::{TraceState, TraceStateError, format_tracestate, parse_tracestate};
