//! Exports: OTLP JSON (`ExportTraceServiceRequest`), Jaeger JSON (the
//! Jaeger UI's upload format) and Zipkin v2 JSON, each written through the
//! serde definition its import reads ([`crate::sim::formats::wire`]).
//! Output is compact and byte-stable: the same trace gives the same bytes.

mod jaeger;
mod otlp;
mod proto;
mod zipkin;

pub use jaeger::{to_jaeger, to_jaeger_json};
pub use otlp::{to_otlp, to_otlp_json};
pub use proto::{resource, scope, span as proto_span, to_proto};
pub use zipkin::{to_zipkin, to_zipkin_json};

/// Instrumentation scope written into OTLP exports.
pub const SCOPE_NAME: &str = "spandojo.sim";
/// Version of the scope (bumped only when the export format changes).
pub const SCOPE_VERSION: &str = "1";
