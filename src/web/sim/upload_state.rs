//! The parsed upload kept in the page (a hidden form field), so that opening
//! one trace of a file, or going back to its list, does not need the file
//! again. Nothing is stored on the server.
//!
//! Shape: base64 (RFC 4648, padded) of gzip of a JSON envelope holding the
//! file name, the format it was read as, its warnings and every span as an
//! OTLP `TracesData` ([`crate::sim::formats::wire::otlp`]). Bounded by
//! [`MAX_STATE_SPANS`] and [`MAX_STATE_BYTES`]; a file past either is not
//! kept (the page says to upload it again), so that a big upload does not
//! pay for compressing a copy of itself.

use std::io::Write;

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};

use crate::sim::formats::export::to_otlp;
use crate::sim::formats::import::{Imported, Warnings, gunzip, read_otlp};
use crate::sim::formats::wire::otlp::TracesData;

/// Most spans a kept file holds.
pub const MAX_STATE_SPANS: usize = 20_000;
/// Largest encoded state (base64 text) written or read.
pub const MAX_STATE_BYTES: usize = 8 * 1024 * 1024;
/// Largest JSON envelope a state may decompress to.
const MAX_STATE_JSON: usize = 64 * 1024 * 1024;

/// What the page keeps.
#[derive(Serialize, Deserialize)]
struct Envelope {
    /// File name as sent.
    file_name: String,
    /// Format label the file was read as (e.g. `Jaeger JSON`).
    format: String,
    /// Warnings of the first read.
    warnings: Vec<String>,
    /// All warnings.
    warnings_total: usize,
    /// Every span.
    spans: TracesData,
}

/// A decoded state.
pub struct Kept {
    /// File name as sent.
    pub file_name: String,
    /// Format label the file was read as.
    pub format: String,
    /// The file, read again.
    pub imported: Imported,
}

/// Encodes an upload; None when it has more than [`MAX_STATE_SPANS`] spans
/// or would exceed [`MAX_STATE_BYTES`].
pub fn encode(file_name: &str, imported: &Imported) -> Option<String> {
    if imported.trace.spans.len() > MAX_STATE_SPANS {
        return None;
    }
    let env = Envelope {
        file_name: file_name.to_string(),
        format: imported.format.label().to_string(),
        warnings: imported.warnings.list.clone(),
        warnings_total: imported.warnings.total,
        spans: to_otlp(&imported.trace),
    };
    let json = serde_json::to_vec(&env).ok()?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&json).ok()?;
    let bytes = gz.finish().ok()?;
    if Base64::encoded_len(&bytes) > MAX_STATE_BYTES {
        return None;
    }
    Some(Base64::encode_string(&bytes))
}

/// Decodes a state written by [`encode`]; a readable message when it is not one.
pub fn decode(state: &str) -> Result<Kept, String> {
    const BAD: &str = "The page's saved copy of the file could not be read; upload the file again.";
    if state.len() > MAX_STATE_BYTES {
        return Err(BAD.into());
    }
    let bytes = Base64::decode_vec(state.trim()).map_err(|_| BAD.to_string())?;
    let json = gunzip(&bytes, MAX_STATE_JSON).map_err(|_| BAD.to_string())?;
    let env: Envelope = serde_json::from_slice(&json).map_err(|_| BAD.to_string())?;
    let mut imported = read_otlp(env.spans).map_err(|e| format!("{BAD} ({e})"))?;
    imported.warnings = Warnings {
        list: env.warnings,
        total: env.warnings_total,
    };
    Ok(Kept {
        file_name: env.file_name,
        format: env.format,
        imported,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::formats::import::{Format, read_text};

    #[test]
    fn a_state_reads_back_the_same_spans() {
        let doc = r#"{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"a","operationName":"op","startTime":10,"duration":5,"processID":"p1","tags":[{"key":"span.kind","value":"SERVER"}]}],"processes":{"p1":{"serviceName":"svc"}}}]}"#;
        let im = read_text(doc, Format::Jaeger, 10).expect("read");
        let s = encode("t.json", &im).expect("small");
        let back = decode(&s).expect("decodes");
        assert_eq!(back.file_name, "t.json");
        assert_eq!(back.format, "Jaeger JSON");
        assert_eq!(back.imported.trace.spans, im.trace.spans);
        assert!(decode("not base64!").is_err());
        assert!(decode(&Base64::encode_string(b"not gzip")).is_err());
    }

    #[test]
    fn a_file_past_the_span_cap_is_not_kept() {
        let span = |i: usize| {
            format!(
                r#"{{"traceID":"1","spanID":"{i:x}","operationName":"op","startTime":10,"duration":5,"processID":"p1"}}"#
            )
        };
        let doc = |n: usize| {
            let spans: Vec<String> = (1..=n).map(span).collect();
            format!(
                r#"{{"data":[{{"traceID":"1","spans":[{}],"processes":{{"p1":{{"serviceName":"svc"}}}}}}]}}"#,
                spans.join(",")
            )
        };
        let at_cap = read_text(&doc(MAX_STATE_SPANS), Format::Jaeger, usize::MAX).expect("read");
        assert!(encode("t.json", &at_cap).is_some());
        let past = read_text(&doc(MAX_STATE_SPANS + 1), Format::Jaeger, usize::MAX).expect("read");
        assert!(encode("t.json", &past).is_none());
    }
}
