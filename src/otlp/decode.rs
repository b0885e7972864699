//! Request bodies: gzip with a cap on the decompressed size, then protobuf
//! (the generated prost types) or the OTLP JSON mapping, and a cap on the
//! number of spans checked before the spans themselves are decoded.

use std::io::Read;

use prost::Message;

use crate::otlp::{
    Encoding, ExportTraceServiceRequest, Failure, MAX_BODY_BYTES, MAX_SPANS_PER_REQUEST,
};

/// The body after its `Content-Encoding`: `gzip` is decompressed into at
/// most `limit` bytes (more is [`Failure::TooLarge`], a gzip bomb stops
/// there), `identity` or none is kept, anything else is
/// [`Failure::UnsupportedEncoding`].
pub fn content_decoded(
    body: &[u8],
    content_encoding: Option<&str>,
    limit: usize,
) -> Result<Vec<u8>, Failure> {
    match content_encoding.map(|e| e.trim().to_ascii_lowercase()) {
        None => Ok(body.to_vec()),
        Some(e) if e.is_empty() || e == "identity" => Ok(body.to_vec()),
        Some(e) if e == "gzip" || e == "x-gzip" => gunzip(body, limit),
        Some(e) => Err(Failure::UnsupportedEncoding(e)),
    }
}

/// Decompresses all gzip members of `body` into at most `limit` bytes.
pub fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Failure::Malformed(format!("not valid gzip: {e}")))?;
    if out.len() > limit {
        return Err(Failure::TooLarge(format!(
            "the body decompresses to more than {} MiB",
            limit / (1024 * 1024)
        )));
    }
    Ok(out)
}

/// Decodes an `ExportTraceServiceRequest` in `encoding`, refusing more than
/// [`MAX_SPANS_PER_REQUEST`] spans or a body over [`MAX_BODY_BYTES`].
pub fn request(body: &[u8], encoding: Encoding) -> Result<ExportTraceServiceRequest, Failure> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Failure::TooLarge(format!(
            "the body is larger than {} MiB",
            MAX_BODY_BYTES / (1024 * 1024)
        )));
    }
    let request = match encoding {
        Encoding::Protobuf => {
            let spans = count_spans(body)?;
            check_count(spans)?;
            ExportTraceServiceRequest::decode(body).map_err(|e| {
                Failure::Malformed(format!(
                    "not a valid protobuf ExportTraceServiceRequest: {e}"
                ))
            })?
        }
        Encoding::Json => crate::otlp::json::request(body)?,
    };
    check_count(span_count(&request))?;
    Ok(request)
}

/// Spans in a decoded request.
pub fn span_count(request: &ExportTraceServiceRequest) -> usize {
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum()
}

/// [`Failure::TooLarge`] when `spans` is over [`MAX_SPANS_PER_REQUEST`].
pub fn check_count(spans: usize) -> Result<(), Failure> {
    if spans > MAX_SPANS_PER_REQUEST {
        return Err(Failure::TooLarge(format!(
            "{spans} spans in one request; at most {MAX_SPANS_PER_REQUEST} are accepted, send smaller batches"
        )));
    }
    Ok(())
}

/// The request's outline: the same field numbers as
/// `ExportTraceServiceRequest` with each span left undecoded, so that the
/// spans can be counted in little memory (prost skips the other fields).
#[derive(Clone, PartialEq, Message)]
struct Outline {
    #[prost(message, repeated, tag = "1")]
    resource_spans: Vec<OutlineResource>,
}

#[derive(Clone, PartialEq, Message)]
struct OutlineResource {
    #[prost(message, repeated, tag = "2")]
    scope_spans: Vec<OutlineScope>,
}

#[derive(Clone, PartialEq, Message)]
struct OutlineScope {
    #[prost(bytes = "bytes", repeated, tag = "2")]
    spans: Vec<prost::bytes::Bytes>,
}

/// Counts the spans of a protobuf body without decoding them.
fn count_spans(body: &[u8]) -> Result<usize, Failure> {
    let outline = Outline::decode(prost::bytes::Bytes::copy_from_slice(body)).map_err(|e| {
        Failure::Malformed(format!(
            "not a valid protobuf ExportTraceServiceRequest: {e}"
        ))
    })?;
    Ok(outline
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum())
}
