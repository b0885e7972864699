//! Imports: OTLP JSON (one request, or JSON Lines of requests), Jaeger JSON
//! and Zipkin v2 JSON, optionally gzip-compressed, into one [`Trace`].
//!
//! Each format is read as liberally as its reference reader (see
//! [`crate::sim::formats::wire`]). A file is refused only when it is not the
//! format at all; the error then names the field that failed, e.g.
//! `data[0].spans[3].references[0].spanID: …`. An unknown or invalid value
//! in an optional field degrades that field and adds a [`Warnings`] entry.
//!
//! Spans are put in canonical order (a parent before its children); spans
//! whose parent id is not in the file become roots and keep
//! `parent_span_id`. Server and consumer spans with a parent id get the
//! `traceparent` header that must have carried it (sampled flag set).

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use crate::sim::trace::AttrValue;

use serde::de::DeserializeOwned;

pub use crate::sim::formats::import::collect::{Collected, Keys, SpanRef, Warnings};
use crate::sim::trace::Trace;

mod collect;
mod ids;
mod jaeger;
mod otlp;
mod zipkin;

pub(crate) use ids::{jaeger_span_id, jaeger_trace_id, otlp_id};
pub use jaeger::from_jaeger_json;
pub use otlp::from_otlp_json;
pub use zipkin::from_zipkin_json;

/// Largest number of spans an import accepts.
pub const MAX_IMPORT_SPANS: usize = 200_000;
/// Largest size a gzip-compressed file may expand to.
pub const MAX_DECOMPRESSED_BYTES: usize = 32 * 1024 * 1024;

/// The wire formats that can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OTLP JSON (`ExportTraceServiceRequest`), one or more per file.
    Otlp,
    /// Jaeger JSON (the Jaeger UI's `data[]`).
    Jaeger,
    /// Zipkin v2 JSON (a list of spans).
    Zipkin,
}

impl Format {
    /// Human name, e.g. `OTLP JSON`.
    pub fn label(self) -> &'static str {
        match self {
            Format::Otlp => "OTLP JSON",
            Format::Jaeger => "Jaeger JSON",
            Format::Zipkin => "Zipkin v2 JSON",
        }
    }

    /// Guesses the format of a JSON text: a top-level array is Zipkin; an
    /// object is OTLP or Jaeger by the first of `"resourceSpans"` (or
    /// `"resource_spans"`) and `"data"` that occurs. None when neither.
    pub fn detect(text: &str) -> Option<Format> {
        let t = text.trim_start();
        if t.starts_with('[') {
            return Some(Format::Zipkin);
        }
        let otlp = ["\"resourceSpans\"", "\"resource_spans\""]
            .iter()
            .filter_map(|k| t.find(k))
            .min();
        match (otlp, t.find("\"data\"")) {
            (Some(a), Some(b)) => Some(if a < b { Format::Otlp } else { Format::Jaeger }),
            (Some(_), None) => Some(Format::Otlp),
            (None, Some(_)) => Some(Format::Jaeger),
            (None, None) => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why an import failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// Where: e.g. `resourceSpans[0].scopeSpans[0].spans[3].traceId` (empty for the whole file).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ImportError {}

/// Tag keys the Collector's Jaeger and Zipkin translators give the
/// instrumentation scope and the W3C trace state of a span.
pub const SCOPE_NAME_TAG: &str = "otel.scope.name";
/// See [`SCOPE_NAME_TAG`].
pub const SCOPE_VERSION_TAG: &str = "otel.scope.version";
/// See [`SCOPE_NAME_TAG`] (Jaeger only).
pub const TRACE_STATE_TAG: &str = "w3c.tracestate";

/// Takes the scope and trace-state tags ([`SCOPE_NAME_TAG`] …) out of a
/// Jaeger or Zipkin span's tags: the span's scope (None without a name)
/// and trace state (None when absent or empty).
pub(crate) fn lift_scope(
    tags: &mut Vec<(Arc<str>, AttrValue)>,
) -> (Option<Arc<crate::sim::trace::Scope>>, Option<Arc<str>>) {
    let (mut name, mut version, mut state) = (None, None, None);
    tags.retain(|(k, v)| {
        let slot = match &**k {
            SCOPE_NAME_TAG => &mut name,
            SCOPE_VERSION_TAG => &mut version,
            TRACE_STATE_TAG => &mut state,
            _ => return true,
        };
        *slot = Some(Arc::from(v.to_string().as_str()));
        false
    });
    let scope = name.map(|name| {
        Arc::new(crate::sim::trace::Scope {
            name,
            version: version.unwrap_or_else(|| Arc::from("")),
            attributes: Vec::new(),
        })
    });
    (scope, state.filter(|s: &Arc<str>| !s.is_empty()))
}

/// A 32-bit flags field as read: its value, or unset with a warning at
/// `path` when the file's value is not a 32-bit unsigned integer.
pub(crate) fn flags(
    v: Option<crate::sim::formats::wire::U32>,
    path: impl FnOnce() -> String,
    w: &mut Warnings,
) -> Option<u32> {
    match v?.0 {
        Ok(f) => Some(f),
        Err(text) => {
            w.add(
                path(),
                format_args!(
                    "{text} is not a 32-bit unsigned integer; the flags are read as unset"
                ),
            );
            None
        }
    }
}

pub(crate) fn err(path: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError {
        path: path.into(),
        message: message.into(),
    }
}

/// A file that was read: all its spans in one [`Trace`] (split it by trace id
/// with [`crate::sim::formats::split`]), and what was degraded on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Every span of the file.
    pub trace: Trace,
    /// The format it was read as.
    pub format: Format,
    /// Fields that were degraded.
    pub warnings: Warnings,
}

/// Why a file could not be read: the format tried (None when it could not
/// be told) and the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Format tried.
    pub format: Option<Format>,
    /// What failed, and where.
    pub error: ImportError,
}

/// True when `bytes` start with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Gzip-decompresses (all members) into at most `limit` bytes.
pub fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::new();
    let reader = flate2::read::MultiGzDecoder::new(bytes);
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| err("", format!("not valid gzip: {e}")))?;
    if out.len() > limit {
        return Err(err(
            "",
            format!(
                "decompresses to more than {} MiB, the limit",
                limit / (1024 * 1024)
            ),
        ));
    }
    Ok(out)
}

/// Reads a file: gunzips it when compressed, checks it is UTF-8 (a byte
/// order mark is skipped), tells the format unless `format` is given, and
/// imports it.
pub fn read_file(bytes: &[u8], format: Option<Format>) -> Result<Imported, Refused> {
    let refuse = |format, error| Refused { format, error };
    let unzipped;
    let bytes = if is_gzip(bytes) {
        unzipped = gunzip(bytes, MAX_DECOMPRESSED_BYTES).map_err(|e| refuse(format, e))?;
        &unzipped[..]
    } else {
        bytes
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| refuse(format, err("", "not UTF-8 text, so it cannot be JSON")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = match format.or_else(|| Format::detect(text)) {
        Some(f) => f,
        None => {
            return Err(refuse(
                None,
                err(
                    "",
                    "could not tell the format: an OTLP JSON file has a top-level \"resourceSpans\" array, a Jaeger JSON file a top-level \"data\" array, and a Zipkin v2 file is an array of spans",
                ),
            ));
        }
    };
    read_text(text, format, MAX_IMPORT_SPANS).map_err(|e| refuse(Some(format), e))
}

/// Imports a text in a known format, keeping at most `limit` spans.
pub fn read_text(text: &str, format: Format, limit: usize) -> Result<Imported, ImportError> {
    let c = match format {
        Format::Otlp => otlp::collect(text, limit)?,
        Format::Jaeger => jaeger::collect(text, limit)?,
        Format::Zipkin => zipkin::collect(text, limit)?,
    };
    let (trace, warnings) = c.finish()?;
    Ok(Imported {
        trace,
        format,
        warnings,
    })
}

/// Imports OTLP requests already parsed (e.g. kept by a page), as [`read_text`].
pub fn read_otlp(
    data: crate::sim::formats::wire::otlp::TracesData,
) -> Result<Imported, ImportError> {
    let c = otlp::collect_requests(vec![(1, data)], MAX_IMPORT_SPANS)?;
    let (trace, warnings) = c.finish()?;
    Ok(Imported {
        trace,
        format: Format::Otlp,
        warnings,
    })
}

/// Turns a serde error into an [`ImportError`] with its path; `prefix`
/// names the line of a JSON Lines file.
fn json_error(e: serde_path_to_error::Error<serde_json::Error>, prefix: &str) -> ImportError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let message = if inner.is_syntax() || inner.is_eof() {
        format!(
            "not valid JSON (line {}, column {}): {inner}",
            inner.line(),
            inner.column()
        )
    } else {
        // serde_json appends " at line L column C"; the path says where.
        let text = inner.to_string();
        match text.rfind(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        }
    };
    let path = match (prefix.is_empty(), path.as_str()) {
        (true, ".") => String::new(),
        (true, _) => path,
        (false, ".") => prefix.to_string(),
        (false, _) => format!("{prefix} {path}"),
    };
    err(path, message)
}

/// Deserializes one JSON document with the path of any error.
pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ImportError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v: T = serde_path_to_error::deserialize(&mut de).map_err(|e| json_error(e, ""))?;
    de.end().map_err(|e| {
        err(
            "",
            format!(
                "not valid JSON (line {}, column {}): text after the end of the document",
                e.line(),
                e.column()
            ),
        )
    })?;
    Ok(v)
}

/// Deserializes a sequence of JSON documents (JSON Lines, or documents
/// separated by any whitespace), each with its line number (1-based).
pub(crate) fn parse_stream<T: DeserializeOwned>(
    text: &str,
) -> Result<Vec<(usize, T)>, ImportError> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<T>();
    let mut line = 1;
    let mut counted = 0;
    loop {
        let start = stream.byte_offset();
        // The next document starts after any whitespace.
        let rest = &text[start..];
        let skip = rest.len() - rest.trim_start().len();
        line += text[counted..start + skip].matches('\n').count();
        counted = start + skip;
        match stream.next() {
            None => break,
            Some(Ok(v)) => out.push((line, v)),
            Some(Err(_)) => {
                // Read the failing document again for the path of the error.
                let mut de = serde_json::Deserializer::from_str(&text[start..]);
                // The line is named once the file has shown it has several.
                let prefix = if out.is_empty() {
                    String::new()
                } else {
                    format!("line {line}:")
                };
                return Err(match serde_path_to_error::deserialize::<_, T>(&mut de) {
                    Err(e) => json_error(e, &prefix),
                    Ok(_) => err(prefix, "not valid JSON"),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
