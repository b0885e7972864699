//! Wire formats for whole traces: OTLP JSON and Jaeger JSON, written by
//! [`export`] and read by [`import`].

pub mod export;
pub mod import;
pub(crate) mod jsonw;
