//! Wire formats for whole traces: OTLP JSON, Jaeger JSON and Zipkin v2 JSON.
//! [`wire`] holds one serde definition per format; [`export`] writes a
//! [`crate::sim::Trace`] through it, [`import`] reads it back (liberally,
//! with warnings), and [`split`] separates a file's traces by trace id.

pub mod export;
pub mod import;
pub mod split;
pub mod wire;

#[cfg(test)]
mod proptests;
