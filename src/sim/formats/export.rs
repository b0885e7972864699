//! Exports: OTLP JSON (`ExportTraceServiceRequest`) and Jaeger JSON (the
//! Jaeger UI's upload format). Output is compact and byte-stable.

mod jaeger;
mod otlp;

pub use jaeger::to_jaeger_json;
pub use otlp::to_otlp_json;

/// Instrumentation scope written into OTLP exports.
pub const SCOPE_NAME: &str = "spandojo.sim";
/// Version of the scope (bumped only when the export format changes).
pub const SCOPE_VERSION: &str = "1";
