//! The `traceparent` parser: refuses or parses, never panics; what it
//! parses formats back to a header it parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spandojo::sim::{explain, format_traceparent, parse_traceparent};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(tp) = parse_traceparent(text)
    {
        let _ = explain(&tp);
        assert!(parse_traceparent(&format_traceparent(&tp)).is_ok());
    }
});
