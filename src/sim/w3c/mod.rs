//! W3C Trace Context: the `traceparent` and `tracestate` headers
//! (<https://www.w3.org/TR/trace-context/>).

pub mod traceparent;
pub mod tracestate;
