//! The trace model shared by generation, analysis, rendering and export.

use std::fmt;
use std::sync::Arc;

/// One generated or imported trace. A trace normally has one trace id; when a
/// service lost the inbound context (broken propagation) the spans carry two
/// or more trace ids and there are several roots.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Scenario name this trace was generated from (`"import"` for uploads).
    pub scenario: String,
    /// Seed the trace was generated with (0 for uploads).
    pub seed: u64,
    /// Services (OpenTelemetry resources), in order of first appearance.
    pub services: Vec<ServiceInfo>,
    /// Spans in canonical order: depth-first, siblings by start time; a
    /// span's parent always comes earlier.
    pub spans: Vec<Span>,
}

/// A service, i.e. the resource a span was emitted by.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceInfo {
    /// `service.name`.
    pub name: Arc<str>,
    /// Other resource attributes (without `service.name`).
    pub attributes: Vec<(Arc<str>, AttrValue)>,
}

/// OpenTelemetry span kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpanKind {
    /// Work inside one service.
    Internal,
    /// Handling an inbound request.
    Server,
    /// An outbound request (HTTP, RPC, database, cache, external API).
    Client,
    /// Sending a message for later, asynchronous processing.
    Producer,
    /// Processing a message that a producer sent.
    Consumer,
}

impl SpanKind {
    /// Lower-case name as used in topology files and Jaeger `span.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }

    /// Parses the lower-case name.
    pub fn from_name(s: &str) -> Option<SpanKind> {
        Some(match s {
            "internal" => SpanKind::Internal,
            "server" => SpanKind::Server,
            "client" => SpanKind::Client,
            "producer" => SpanKind::Producer,
            "consumer" => SpanKind::Consumer,
            _ => return None,
        })
    }

    /// OTLP integer (1 internal, 2 server, 3 client, 4 producer, 5 consumer).
    pub fn otlp_code(self) -> u8 {
        match self {
            SpanKind::Internal => 1,
            SpanKind::Server => 2,
            SpanKind::Client => 3,
            SpanKind::Producer => 4,
            SpanKind::Consumer => 5,
        }
    }

    /// Inverse of [`SpanKind::otlp_code`]; 0 (unspecified) maps to internal.
    pub fn from_otlp_code(c: i64) -> Option<SpanKind> {
        Some(match c {
            0 | 1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => return None,
        })
    }
}

impl fmt::Display for SpanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Span status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Status {
    /// Not set (the normal state of a successful span).
    #[default]
    Unset,
    /// Explicitly OK.
    Ok,
    /// Failed, with a description.
    Error {
        /// Human-readable description of the failure.
        message: String,
    },
}

impl Status {
    /// True for [`Status::Error`].
    pub fn is_error(&self) -> bool {
        matches!(self, Status::Error { .. })
    }
}

/// An attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// String.
    Str(Arc<str>),
    /// 64-bit integer.
    Int(i64),
    /// Double.
    Float(f64),
    /// Boolean.
    Bool(bool),
}

impl AttrValue {
    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer inside, if this is an integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            AttrValue::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => f.write_str(s),
            AttrValue::Int(i) => write!(f, "{i}"),
            // As JSON numbers are written (ECMAScript's Number to string):
            // plain digits from 1e-6 up to 1e21, an exponent outside.
            AttrValue::Float(x) if *x != 0.0 && (x.abs() >= 1e21 || x.abs() < 1e-6) => {
                write!(f, "{x:e}")
            }
            AttrValue::Float(x) => write!(f, "{x}"),
            AttrValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A timestamped event on a span (e.g. an `exception`).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix time in nanoseconds.
    pub time_ns: u64,
    /// Event name, e.g. `exception`.
    pub name: Arc<str>,
    /// Event attributes, e.g. `exception.type`, `exception.message`.
    pub attributes: Vec<(Arc<str>, AttrValue)>,
}

/// A link to another span (used from a consumer to its producer).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Link {
    /// Linked span's trace id.
    pub trace_id: [u8; 16],
    /// Linked span's id.
    pub span_id: [u8; 8],
    /// The link's attributes (OTLP `Span.Link.attributes`), as a file or a
    /// sender gave them; empty for generated links.
    pub attributes: Vec<(Arc<str>, AttrValue)>,
}

/// One span.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Trace id (16 bytes).
    pub trace_id: [u8; 16],
    /// Span id (8 bytes, never all zero).
    pub span_id: [u8; 8],
    /// Index of the parent in [`Trace::spans`]; always smaller than this span's index.
    pub parent: Option<usize>,
    /// Parent span id; may name a span outside the trace after an import.
    pub parent_span_id: Option<[u8; 8]>,
    /// Index into [`Trace::services`].
    pub service: usize,
    /// Span name.
    pub name: Arc<str>,
    /// Span kind.
    pub kind: SpanKind,
    /// Start, unix nanoseconds.
    pub start_ns: u64,
    /// End, unix nanoseconds (≥ start).
    pub end_ns: u64,
    /// Status.
    pub status: Status,
    /// Attributes, OpenTelemetry semantic conventions.
    pub attributes: Vec<(Arc<str>, AttrValue)>,
    /// Events (exceptions).
    pub events: Vec<Event>,
    /// Links (consumer → producer).
    pub links: Vec<Link>,
    /// The exact `traceparent` header the inbound call carried (server and
    /// consumer spans of cross-service hops).
    pub traceparent: Option<String>,
    /// W3C trace flags and OTLP span flags as read from a file (`flags` in
    /// OTLP and Jaeger JSON); None when the file did not say.
    pub flags: Option<u32>,
    /// Warnings a Jaeger backend attached to the span (Jaeger JSON `warnings`).
    pub warnings: Vec<String>,
    /// The instrumentation scope that made the span, as an OTLP file or
    /// receiver said (None for generated spans and other formats).
    pub scope: Option<Arc<Scope>>,
    /// The W3C `tracestate` of the span's context (OTLP `traceState`), as
    /// received; None when empty.
    pub trace_state: Option<Arc<str>>,
}

/// An OTLP instrumentation scope (`InstrumentationScope`): the library that
/// made a span, such as `opentelemetry.instrumentation.flask` `0.55b0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// Scope name.
    pub name: Arc<str>,
    /// Scope version, or empty.
    pub version: Arc<str>,
    /// Scope attributes.
    pub attributes: Vec<(Arc<str>, AttrValue)>,
}

impl Span {
    /// Duration in nanoseconds.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    /// Looks up an attribute by key.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        self.attributes
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v)
    }
}

impl Trace {
    /// Distinct trace ids in order of first appearance.
    pub fn trace_ids(&self) -> Vec<[u8; 16]> {
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<[u8; 16]> = Vec::new();
        for s in &self.spans {
            if seen.insert(s.trace_id) {
                out.push(s.trace_id);
            }
        }
        out
    }

    /// Earliest start and latest end over all spans (0, 0 when empty).
    pub fn time_range(&self) -> (u64, u64) {
        let start = self.spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
        let end = self.spans.iter().map(|s| s.end_ns).max().unwrap_or(0);
        (start, end)
    }

    /// Children of every span, as index lists (siblings in trace order).
    pub fn children(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.spans.len()];
        for (i, s) in self.spans.iter().enumerate() {
            if let Some(p) = s.parent
                && p < out.len()
            {
                out[p].push(i);
            }
        }
        out
    }
}

/// Lower-case hex of a byte slice.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

/// Appends lower-case hex of `bytes` to `out`.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
}

/// Parses exactly `N` bytes of hex (either case). None on bad length or digit.
pub fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let b = s.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        let hi = (b[2 * i] as char).to_digit(16)?;
        let lo = (b[2 * i + 1] as char).to_digit(16)?;
        *o = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let id = [0x4b, 0xf9, 0x00, 0xff, 0x01, 0x02, 0x03, 0x04];
        assert_eq!(hex(&id), "4bf900ff01020304");
        assert_eq!(parse_hex::<8>("4bf900ff01020304"), Some(id));
        assert_eq!(parse_hex::<8>("4BF900FF01020304"), Some(id));
        assert_eq!(parse_hex::<8>("4bf900ff0102030"), None);
        assert_eq!(parse_hex::<8>("4bf900ff0102030g"), None);
    }

    #[test]
    fn kinds() {
        for k in [
            SpanKind::Internal,
            SpanKind::Server,
            SpanKind::Client,
            SpanKind::Producer,
            SpanKind::Consumer,
        ] {
            assert_eq!(SpanKind::from_name(k.as_str()), Some(k));
            assert_eq!(SpanKind::from_otlp_code(i64::from(k.otlp_code())), Some(k));
        }
        assert_eq!(SpanKind::from_otlp_code(9), None);
    }

    #[test]
    fn floats_far_from_one_are_written_with_an_exponent() {
        let text = |x: f64| AttrValue::Float(x).to_string();
        assert_eq!(text(1e300), "1e300");
        assert_eq!(text(-2.5e-7), "-2.5e-7");
        assert_eq!(text(0.5), "0.5");
        assert_eq!(text(123456.25), "123456.25");
        assert_eq!(text(0.0), "0");
        assert_eq!(text(1e300).parse::<f64>(), Ok(1e300));
    }
}
