//! Format detection, gzip and every reader on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spandojo::sim::formats::split;
use spandojo::sim::read_file;

fuzz_target!(|data: &[u8]| {
    if let Ok(im) = read_file(data, None) {
        let _ = split::summaries(&im.trace);
        let _ = split::split(im.trace);
    }
});
