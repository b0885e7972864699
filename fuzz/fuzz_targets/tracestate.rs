//! The `tracestate` parser: refuses or parses, never panics; what it
//! parses formats back to a header it parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spandojo::sim::{format_tracestate, parse_tracestate};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(ts) = parse_tracestate(text)
    {
        assert!(parse_tracestate(&format_tracestate(&ts)).is_ok());
    }
});
