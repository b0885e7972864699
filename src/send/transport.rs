//! One OTLP export request over HTTP (protobuf or JSON) or gRPC, and the
//! classification of its answer by the OTLP specification's failure rules
//! (opentelemetry-proto `docs/specification.md`, "OTLP/HTTP Throttling",
//! "Failures", "Partial Success", and the gRPC status code table).
//!
//! HTTP goes through hyper-util's client (the server already depends on
//! hyper), plain `http://` only; gRPC through tonic's generated
//! `TraceServiceClient`.

use std::time::Duration;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};

use crate::send::Answer;
// The googleapis messages of a failed answer, declared once for both sides.
pub use crate::otlp::reply::{Any as ProtoAny, ProtoDuration, RetryInfo, RpcStatus};

/// How requests are encoded and carried (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `http/protobuf`: binary protobuf POSTed to `/v1/traces`.
    HttpProtobuf,
    /// `http/json`: the OTLP JSON mapping POSTed to `/v1/traces`.
    HttpJson,
    /// `grpc`: `TraceService/Export`.
    Grpc,
}

impl Protocol {
    /// Parses `http/protobuf`, `http/json` or `grpc`.
    pub fn parse(s: &str) -> Option<Protocol> {
        Some(match s {
            "http/protobuf" => Protocol::HttpProtobuf,
            "http/json" => Protocol::HttpJson,
            "grpc" => Protocol::Grpc,
            _ => return None,
        })
    }

    /// The name `parse` reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
            Protocol::Grpc => "grpc",
        }
    }
}

/// Largest response body read (an `ExportTraceServiceResponse` is small).
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A connection to one OTLP endpoint; cheap to share between tasks.
#[derive(Clone)]
pub struct Transport {
    inner: Inner,
    timeout: Duration,
}

#[derive(Clone)]
enum Inner {
    Http {
        client: Box<Client<HttpConnector, Full<Bytes>>>,
        uri: hyper::Uri,
        headers: Vec<(HeaderName, HeaderValue)>,
        json: bool,
    },
    Grpc {
        client: TraceServiceClient<tonic::transport::Channel>,
        metadata: Vec<(AsciiMetadataKey, AsciiMetadataValue)>,
    },
}

/// The URL requests go to: an `http://` endpoint without a path gets
/// `/v1/traces` appended (as `OTEL_EXPORTER_OTLP_ENDPOINT` does); one with a
/// path is used as it is (as `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). gRPC
/// endpoints are used as they are. Errors say what is wrong with the URL.
pub fn target_url(endpoint: &str, protocol: Protocol) -> Result<String, String> {
    let e = endpoint.trim();
    let uri: hyper::Uri = e
        .parse()
        .map_err(|err| format!("--endpoint {e:?} is not a URL: {err}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(format!(
                "--endpoint {e:?}: https is not supported; send to http:// (a local Collector can forward over TLS)"
            ));
        }
        _ => return Err(format!("--endpoint {e:?} must start with http://")),
    }
    if uri.host().is_none() {
        return Err(format!("--endpoint {e:?} has no host"));
    }
    let path = uri.path();
    if protocol != Protocol::Grpc && (path.is_empty() || path == "/") {
        Ok(format!("{}/v1/traces", e.trim_end_matches('/')))
    } else {
        Ok(e.to_string())
    }
}

impl Transport {
    /// A transport to `endpoint` (see [`target_url`]) sending `headers`
    /// (name, value) with every request, each request bounded by `timeout`.
    /// Must be called inside a Tokio runtime. Errors name the bad URL or header.
    pub fn new(
        endpoint: &str,
        protocol: Protocol,
        headers: &[(String, String)],
        timeout: Duration,
    ) -> Result<Transport, String> {
        let url = target_url(endpoint, protocol)?;
        let inner = match protocol {
            Protocol::Grpc => {
                let channel = tonic::transport::Endpoint::from_shared(url.clone())
                    .map_err(|e| format!("--endpoint {url:?}: {e}"))?
                    .timeout(timeout)
                    .connect_lazy();
                let mut metadata = Vec::new();
                for (k, v) in headers {
                    let key = AsciiMetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
                        .map_err(|_| format!("--header {k:?}: not a valid gRPC metadata key"))?;
                    let value = AsciiMetadataValue::try_from(v.as_str()).map_err(|_| {
                        format!("--header {k}: the value is not valid ASCII metadata")
                    })?;
                    metadata.push((key, value));
                }
                Inner::Grpc {
                    client: TraceServiceClient::new(channel),
                    metadata,
                }
            }
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                let uri: hyper::Uri = url
                    .parse()
                    .map_err(|e| format!("--endpoint {url:?}: {e}"))?;
                let mut list = Vec::new();
                for (k, v) in headers {
                    let name = HeaderName::from_bytes(k.as_bytes())
                        .map_err(|_| format!("--header {k:?}: not a valid header name"))?;
                    let value = HeaderValue::from_str(v)
                        .map_err(|_| format!("--header {k}: not a valid header value"))?;
                    list.push((name, value));
                }
                Inner::Http {
                    client: Box::new(Client::builder(TokioExecutor::new()).build_http()),
                    uri,
                    headers: list,
                    json: protocol == Protocol::HttpJson,
                }
            }
        };
        Ok(Transport { inner, timeout })
    }

    /// Sends one request and classifies the answer; network errors and
    /// timeouts are retryable.
    pub async fn export(&self, request: &ExportTraceServiceRequest) -> Answer {
        match &self.inner {
            Inner::Http {
                client,
                uri,
                headers,
                json,
            } => {
                let body = if *json {
                    serde_json::to_vec(request).unwrap_or_default()
                } else {
                    request.encode_to_vec()
                };
                let content_type = if *json {
                    "application/json"
                } else {
                    "application/x-protobuf"
                };
                let mut builder =
                    hyper::Request::post(uri.clone()).header(CONTENT_TYPE, content_type);
                for (k, v) in headers {
                    builder = builder.header(k, v);
                }
                let Ok(req) = builder.body(Full::new(Bytes::from(body))) else {
                    return Answer::Failed {
                        reason: "the request could not be built".into(),
                        fatal: true,
                    };
                };
                let fut = async {
                    let resp = client.request(req).await.map_err(|e| e.to_string())?;
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let body = Limited::new(resp.into_body(), MAX_RESPONSE_BYTES)
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    Ok::<_, String>((status, retry_after, body))
                };
                match tokio::time::timeout(self.timeout, fut).await {
                    Err(_) => Answer::Retry {
                        after: None,
                        reason: format!("no answer within {:?}", self.timeout),
                    },
                    Ok(Err(e)) => Answer::Retry {
                        after: None,
                        reason: format!("cannot reach {uri}: {e}"),
                    },
                    Ok(Ok((status, retry_after, body))) => {
                        classify_http(status, retry_after.as_deref(), &body, *json)
                    }
                }
            }
            Inner::Grpc { client, metadata } => {
                let mut req = tonic::Request::new(request.clone());
                for (k, v) in metadata {
                    req.metadata_mut().insert(k.clone(), v.clone());
                }
                match client.clone().export(req).await {
                    Ok(resp) => accepted(resp.into_inner()),
                    Err(status) => classify_grpc(&status),
                }
            }
        }
    }
}

fn accepted(resp: ExportTraceServiceResponse) -> Answer {
    let (rejected, message) = resp
        .partial_success
        .map(|p| {
            (
                u64::try_from(p.rejected_spans).unwrap_or(0),
                p.error_message,
            )
        })
        .unwrap_or_default();
    Answer::Accepted { rejected, message }
}

/// Classifies an OTLP/HTTP answer: 2xx is accepted (with its
/// `partial_success`); 429, 502, 503 and 504 are retryable after
/// `Retry-After`; 401, 403, 404 and 415 are fatal; any other status fails
/// the batch. The message comes from the body's `google.rpc.Status`.
pub fn classify_http(status: u16, retry_after: Option<&str>, body: &[u8], json: bool) -> Answer {
    if (200..300).contains(&status) {
        if json {
            let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
            let p = &v["partialSuccess"];
            let rejected = match &p["rejectedSpans"] {
                serde_json::Value::String(s) => s.parse().unwrap_or(0),
                n => n.as_u64().unwrap_or(0),
            };
            let message = p["errorMessage"].as_str().unwrap_or_default().to_string();
            return Answer::Accepted { rejected, message };
        }
        return accepted(ExportTraceServiceResponse::decode(body).unwrap_or_default());
    }
    let reason = format!("HTTP {status}{}", error_message(body, json));
    match status {
        429 | 502 | 503 | 504 => Answer::Retry {
            after: retry_after.and_then(parse_retry_after),
            reason,
        },
        401 | 403 | 404 | 415 => Answer::Failed {
            reason,
            fatal: true,
        },
        _ => Answer::Failed {
            reason,
            fatal: false,
        },
    }
}

/// `: message` from a `google.rpc.Status` body (protobuf or JSON), or the
/// start of a text body; empty when there is none.
fn error_message(body: &[u8], json: bool) -> String {
    let message = if json {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
    } else {
        RpcStatus::decode(body).ok().map(|s| s.message)
    };
    let message = message
        .filter(|m| !m.is_empty())
        .or_else(|| {
            std::str::from_utf8(body)
                .ok()
                .map(|s| s.chars().take(200).collect())
        })
        .unwrap_or_default();
    let message = message.trim();
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    let secs = at
        .as_second()
        .saturating_sub(jiff::Timestamp::now().as_second());
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// Classifies a gRPC failure by the OTLP/gRPC table: `UNAVAILABLE`,
/// `CANCELLED`, `DEADLINE_EXCEEDED`, `ABORTED`, `OUT_OF_RANGE` and
/// `DATA_LOSS` are retryable; `RESOURCE_EXHAUSTED` only when the status
/// carries `RetryInfo`; `UNAUTHENTICATED`, `PERMISSION_DENIED` and
/// `UNIMPLEMENTED` are fatal; the rest fail the batch.
pub fn classify_grpc(status: &tonic::Status) -> Answer {
    use tonic::Code;
    let reason = format!("gRPC {:?}: {}", status.code(), status.message());
    let retry_info = retry_delay(status.details());
    match status.code() {
        Code::Unavailable
        | Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::DataLoss => Answer::Retry {
            after: retry_info,
            reason,
        },
        Code::ResourceExhausted if retry_info.is_some() => Answer::Retry {
            after: retry_info,
            reason,
        },
        Code::Unauthenticated | Code::PermissionDenied | Code::Unimplemented => Answer::Failed {
            reason,
            fatal: true,
        },
        _ => Answer::Failed {
            reason,
            fatal: false,
        },
    }
}

/// `google.rpc.RetryInfo.retry_delay` from a status's details
/// (an encoded `google.rpc.Status`).
fn retry_delay(details: &[u8]) -> Option<Duration> {
    let status = RpcStatus::decode(details).ok()?;
    status
        .details
        .iter()
        .filter(|a| a.type_url.ends_with("google.rpc.RetryInfo"))
        .find_map(|a| RetryInfo::decode(a.value.as_slice()).ok()?.retry_delay)
        .map(|d| {
            Duration::from_secs(u64::try_from(d.seconds).unwrap_or(0))
                + Duration::from_nanos(u64::try_from(d.nanos).unwrap_or(0))
        })
}
