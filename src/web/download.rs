//! Trace files as downloads: the three JSON formats spandojo writes (OTLP
//! JSON, Jaeger JSON, Zipkin v2 JSON; see [`crate::sim::formats::export`])
//! and the response that carries one as an attachment.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;

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

/// `body` as a JSON download named `file_name` (which the caller has made
/// safe for a quoted `Content-Disposition` parameter: no quotes or controls),
/// with its `Content-Length`.
///
/// The body goes out in frames of 64 KiB rather than as one buffer, so that
/// each write to the socket copies a bounded amount: a 30 MB download then
/// shares the async workers with cheap pages instead of holding one for the
/// length of one large copy.
pub fn attachment(body: String, file_name: &str) -> Response {
    let len = body.len();
    let bytes = Bytes::from(body);
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
        let r = attachment(text.clone(), "t.json");
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
}
