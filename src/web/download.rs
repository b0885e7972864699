//! Trace files as downloads: the three JSON formats spandojo writes (OTLP
//! JSON, Jaeger JSON, Zipkin v2 JSON; see [`crate::sim::formats::export`])
//! and the response that carries one as an attachment.

use std::convert::Infallible;

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::sim::{Trace, to_jaeger_json, to_otlp_json, to_zipkin_json};

/// A trace file format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFile {
    /// OTLP JSON, an `ExportTraceServiceRequest` (OTLP specification, JSON
    /// Protobuf encoding).
    Otlp,
    /// The Jaeger UI's JSON (`{"data": [...]}`).
    Jaeger,
    /// Zipkin v2 JSON, a list of spans.
    Zipkin,
}

impl TraceFile {
    /// The format a form's `output` value (`otlp`, `jaeger`, `zipkin`)
    /// names; None for anything else.
    pub fn from_output(value: &str) -> Option<TraceFile> {
        match value {
            "otlp" => Some(TraceFile::Otlp),
            "jaeger" => Some(TraceFile::Jaeger),
            "zipkin" => Some(TraceFile::Zipkin),
            _ => None,
        }
    }

    /// The format a download's last path segment (`otlp.json`, …) names.
    pub fn from_file_name(value: &str) -> Option<TraceFile> {
        value.strip_suffix(".json").and_then(TraceFile::from_output)
    }

    /// `otlp`, `jaeger` or `zipkin`: the part of a file name before `.json`.
    pub fn suffix(self) -> &'static str {
        match self {
            TraceFile::Otlp => "otlp",
            TraceFile::Jaeger => "jaeger",
            TraceFile::Zipkin => "zipkin",
        }
    }

    /// The trace written in this format.
    pub fn write(self, trace: &Trace) -> String {
        match self {
            TraceFile::Otlp => to_otlp_json(trace),
            TraceFile::Jaeger => to_jaeger_json(trace),
            TraceFile::Zipkin => to_zipkin_json(trace),
        }
    }
}

/// Bytes per body frame of a download.
const FRAME: usize = 64 * 1024;

/// Whether the request's `Accept-Encoding` accepts `gzip` (RFC 9110
/// §12.5.3): a `gzip`, `x-gzip` or `*` entry whose `q` is not zero. Every
/// browser sends it, as does `curl --compressed`; a client that sends no
/// such header gets the file as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptsGzip(pub bool);

impl AcceptsGzip {
    /// Reads the `Accept-Encoding` headers (any number, each a comma list).
    pub fn from_headers(headers: &HeaderMap) -> AcceptsGzip {
        let mut gzip = None;
        let mut star = false;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for entry in value.split(',') {
                let mut parts = entry.split(';');
                let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                    .next_back()
                    .map_or(Some(1.0), qvalue);
                // An entry with a malformed weight is ignored, as the
                // response compression layer ignores it.
                let Some(q) = q else { continue };
                match coding.as_str() {
                    "gzip" | "x-gzip" => gzip = Some(gzip.unwrap_or(false) || q > 0.0),
                    "*" => star = q > 0.0,
                    _ => {}
                }
            }
        }
        AcceptsGzip(gzip.unwrap_or(star))
    }
}

/// A weight as RFC 9110 §12.4.2 writes it: `0` or `1`, with at most three
/// decimals, never above 1. None for anything else.
fn qvalue(text: &str) -> Option<f32> {
    let text = text.trim();
    let (whole, decimals) = text.split_once('.').unwrap_or((text, ""));
    let valid = decimals.len() <= 3
        && decimals.bytes().all(|b| b.is_ascii_digit())
        && match whole {
            "0" => true,
            "1" => decimals.bytes().all(|b| b == b'0'),
            _ => false,
        };
    if !valid {
        return None;
    }
    text.parse().ok()
}

impl<S: Send + Sync> FromRequestParts<S> for AcceptsGzip {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(AcceptsGzip::from_headers(&parts.headers))
    }
}

/// A download's body, gzip-compressed when the client accepts it. Built on
/// the heavy-work pool ([`Encoded::new`]) so that the async workers only
/// send it.
#[derive(Debug)]
pub struct Encoded {
    bytes: Vec<u8>,
    gzip: bool,
}

impl Encoded {
    /// `body`, compressed at gzip's fastest level when `accepts` says so.
    ///
    /// A trace file is JSON that repeats its keys and resource attributes,
    /// so gzip makes it about ten times smaller: a 50,000-span OTLP JSON
    /// file of 25.4 MB goes out as 2.9 MB, and sending it costs the
    /// server's sockets a tenth as much. Compression checks the budget's
    /// cancellation every 16 KiB ([`crate::budget::cancelled`]); once
    /// cancelled, it stops and what it holds is never sent.
    pub fn new(body: String, accepts: AcceptsGzip) -> Encoded {
        if !accepts.0 {
            return Encoded {
                bytes: body.into_bytes(),
                gzip: false,
            };
        }
        let mut gz = GzEncoder::new(Vec::with_capacity(body.len() / 8), Compression::fast());
        for chunk in body.as_bytes().chunks(16 * 1024) {
            if crate::budget::cancelled() {
                break;
            }
            // Writing into a Vec cannot fail.
            if gz.write_all(chunk).is_err() {
                break;
            }
        }
        match gz.finish() {
            Ok(bytes) => Encoded { bytes, gzip: true },
            Err(_) => Encoded {
                bytes: body.into_bytes(),
                gzip: false,
            },
        }
    }

    /// Bytes that go out (compressed or not).
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing goes out.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl Encoded {
    /// The body as an HTML page (`text/html; charset=utf-8`), with
    /// `Content-Encoding: gzip` when it was compressed.
    pub fn html(self) -> Response {
        let gzip = self.gzip;
        let mut r = Response::new(Body::from(self.bytes));
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if gzip {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    }
}

/// `body` as a JSON download named `file_name` (which the caller has made
/// safe for a quoted `Content-Disposition` parameter: no quotes or controls),
/// with its `Content-Length`, and `Content-Encoding: gzip` when it was
/// compressed. `Vary: Accept-Encoding` tells caches that the body depends on
/// that header.
///
/// The body goes out in frames of 64 KiB rather than as one buffer, so that
/// each write to the socket copies a bounded amount.
pub fn attachment(body: Encoded, file_name: &str) -> Response {
    let len = body.bytes.len();
    let bytes = Bytes::from(body.bytes);
    let frames = (0..len)
        .step_by(FRAME)
        .map(move |at| Ok::<_, Infallible>(bytes.slice(at..len.min(at + FRAME))));
    let mut r = Response::new(Body::from_stream(futures_util::stream::iter(frames)));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if body.gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in [TraceFile::Otlp, TraceFile::Jaeger, TraceFile::Zipkin] {
            assert_eq!(TraceFile::from_output(f.suffix()), Some(f));
            let name = format!("{}.json", f.suffix());
            assert_eq!(TraceFile::from_file_name(&name), Some(f));
        }
        assert_eq!(TraceFile::from_output("view"), None);
        assert_eq!(TraceFile::from_file_name("otlp"), None);
        assert_eq!(TraceFile::from_file_name("x.json"), None);
    }

    #[tokio::test]
    async fn a_large_download_goes_out_whole_in_bounded_frames() {
        use http_body_util::BodyExt;
        let text: String = (0..200_000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let r = attachment(Encoded::new(text.clone(), AcceptsGzip(false)), "t.json");
        assert_eq!(r.headers()[header::CONTENT_LENGTH], "200000");
        let mut body = r.into_body();
        let (mut frames, mut got) = (0, Vec::new());
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map(|f| f.into_data()) else {
                panic!("a download frame failed");
            };
            let Ok(data) = data else {
                panic!("a download sent trailers");
            };
            assert!(data.len() <= FRAME);
            frames += 1;
            got.extend_from_slice(&data);
        }
        assert_eq!(frames, 4);
        assert_eq!(got, text.as_bytes());
    }

    fn accepts(values: &[&str]) -> bool {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        AcceptsGzip::from_headers(&h).0
    }

    #[test]
    fn accept_encoding_is_read_as_rfc_9110_says() {
        assert!(accepts(&["gzip, deflate, br, zstd"]));
        assert!(accepts(&["br;q=1.0, GZIP;q=0.5"]));
        assert!(accepts(&["identity", "x-gzip"]));
        assert!(accepts(&["*"]));
        assert!(!accepts(&[]));
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["br, deflate"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip;q=0.000, *"]));
        assert!(!accepts(&["*;q=0"]));
        for malformed in ["gzip;q=abc", "gzip;q=0.0001", "gzip;q=1.5", "gzip;q=2"] {
            assert!(!accepts(&[malformed]), "{malformed}");
        }
        assert!(accepts(&["gzip;q=0.001"]));
        assert!(accepts(&["gzip;q=1.000"]));
    }

    #[test]
    fn a_gzip_download_says_so_and_decompresses_to_the_file() {
        use std::io::Read;
        let text = "{\"resourceSpans\":[]}".repeat(10_000);
        let encoded = Encoded::new(text.clone(), AcceptsGzip(true));
        assert!(encoded.len() * 10 < text.len(), "{} bytes", encoded.len());
        let bytes = encoded.bytes.clone();
        let r = attachment(encoded, "t.json");
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(r.headers()[header::VARY], "accept-encoding");
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, text);
        let r = attachment(Encoded::new(text, AcceptsGzip(false)), "t.json");
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
    }
}
