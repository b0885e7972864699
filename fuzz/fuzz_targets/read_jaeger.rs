//! The Jaeger reader on arbitrary bytes: it may refuse, never panic; what it
//! accepts exports and reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spandojo::sim::{Format, read_file, to_otlp_json, from_otlp_json};

fuzz_target!(|data: &[u8]| {
    if let Ok(im) = read_file(data, Some(Format::Jaeger)) {
        let again = from_otlp_json(&to_otlp_json(&im.trace));
        assert!(again.is_ok(), "an accepted file exports to valid OTLP JSON");
    }
});
