//! Checking a decoded request span by span and turning it into rows for
//! [`crate::store::traces`]. A span with an invalid id is rejected alone
//! (OTLP "Partial Success"); the others are stored.

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, status::StatusCode};
use prost::Message;

use crate::otlp::ExportTraceServiceRequest;
use crate::store::traces::{NewBatch, NewSpan};

/// Reasons kept for the partial-success message.
const MAX_REASONS: usize = 3;
/// `service.name` of a resource that has none (the SDKs' default).
pub const UNKNOWN_SERVICE: &str = "unknown_service";

/// A request ready for the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prepared {
    /// The valid spans and their resources and scopes.
    pub batch: NewBatch,
    /// Spans rejected (invalid ids).
    pub rejected: u64,
    /// Why, for the first few (e.g. `resourceSpans[0].scopeSpans[0].spans[3]:
    /// traceId must be 16 bytes, not 15`).
    pub reasons: Vec<String>,
}

/// Splits `request` into stored rows and rejected spans. Rules (OTLP
/// `trace.proto`): trace ids are 16 bytes and span ids 8, neither all zero;
/// a parent span id is empty (a root) or 8 bytes. An all-zero parent id is
/// read as none. An end before the start is kept as sent; its duration is 0.
pub fn prepare(request: ExportTraceServiceRequest) -> Prepared {
    let mut out = Prepared::default();
    for (ri, rs) in request.resource_spans.into_iter().enumerate() {
        let ResourceSpans {
            resource,
            scope_spans,
            schema_url,
        } = rs;
        let service = resource
            .as_ref()
            .and_then(|r| {
                r.attributes
                    .iter()
                    .find_map(|kv| match kv.value.as_ref()?.value.as_ref()? {
                        Value::StringValue(s) if kv.key == "service.name" && !s.is_empty() => {
                            Some(s.clone())
                        }
                        _ => None,
                    })
            })
            .unwrap_or_else(|| UNKNOWN_SERVICE.to_string());
        let resource_body = ResourceSpans {
            resource,
            scope_spans: Vec::new(),
            schema_url,
        }
        .encode_to_vec();
        let mut resource_index = None;
        for (si, ss) in scope_spans.into_iter().enumerate() {
            let ScopeSpans {
                scope,
                spans,
                schema_url,
            } = ss;
            let mut scope_index = None;
            for (pi, span) in spans.into_iter().enumerate() {
                let at = || format!("resourceSpans[{ri}].scopeSpans[{si}].spans[{pi}]");
                let checked = check_ids(&span.trace_id, &span.span_id, &span.parent_span_id);
                let (trace_id, span_id, parent_span_id) = match checked {
                    Ok(ids) => ids,
                    Err(why) => {
                        out.rejected += 1;
                        if out.reasons.len() < MAX_REASONS {
                            out.reasons.push(format!("{}: {why}", at()));
                        }
                        continue;
                    }
                };
                let resource = *resource_index.get_or_insert_with(|| {
                    out.batch.resources.push(resource_body.clone());
                    out.batch.resources.len() - 1
                });
                let scope = *scope_index.get_or_insert_with(|| {
                    out.batch.scopes.push(
                        ScopeSpans {
                            scope: scope.clone(),
                            spans: Vec::new(),
                            schema_url: schema_url.clone(),
                        }
                        .encode_to_vec(),
                    );
                    out.batch.scopes.len() - 1
                });
                let error = span
                    .status
                    .as_ref()
                    .is_some_and(|s| s.code == StatusCode::Error as i32);
                out.batch.spans.push(NewSpan {
                    trace_id,
                    span_id,
                    parent_span_id,
                    service: service.clone(),
                    name: span.name.clone(),
                    start_ns: span.start_time_unix_nano,
                    end_ns: span.end_time_unix_nano.max(span.start_time_unix_nano),
                    error,
                    resource,
                    scope,
                    body: span.encode_to_vec(),
                    tags: {
                        let mut tags = tags(&span.attributes);
                        // Jaeger's convention for a failed span, so that
                        // `error=true` finds it as it does there.
                        if error && !tags.iter().any(|(k, _)| k == "error") {
                            tags.push(("error".into(), "true".into()));
                        }
                        tags
                    },
                });
            }
        }
    }
    out
}

/// The scalar attributes of a span as (key, value) text for the tag index,
/// written as the trace viewer shows them, so that a member searches for
/// what the page says: strings as they are, booleans `true`/`false`,
/// integers in decimal, doubles as [`AttrValue`](crate::sim::trace::AttrValue)
/// writes them (`0.5`, `1e-7`, `1e21`). Within the store's bounds; arrays,
/// maps and bytes are not indexed.
pub fn tags(attributes: &[KeyValue]) -> Vec<(String, String)> {
    use crate::store::traces::{MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS_PER_SPAN};
    attributes
        .iter()
        .filter(|kv| !kv.key.is_empty() && kv.key.len() <= MAX_TAG_KEY)
        .filter_map(|kv| {
            let value = match kv.value.as_ref()?.value.as_ref()? {
                Value::StringValue(s) => s.clone(),
                Value::BoolValue(b) => b.to_string(),
                Value::IntValue(i) => i.to_string(),
                Value::DoubleValue(d) => crate::sim::trace::AttrValue::Float(*d).to_string(),
                _ => return None,
            };
            (value.len() <= MAX_TAG_VALUE).then(|| (kv.key.clone(), value))
        })
        .take(MAX_TAGS_PER_SPAN)
        .collect()
}

type Ids = ([u8; 16], [u8; 8], Option<[u8; 8]>);

/// The ids of a span, or why they are invalid.
pub fn check_ids(trace_id: &[u8], span_id: &[u8], parent: &[u8]) -> Result<Ids, String> {
    let trace: [u8; 16] = trace_id.try_into().map_err(|_| {
        format!(
            "traceId must be 16 bytes (32 hex digits in JSON), not {}",
            trace_id.len()
        )
    })?;
    if trace == [0; 16] {
        return Err("traceId is all zeros, which is invalid".into());
    }
    let span: [u8; 8] = span_id.try_into().map_err(|_| {
        format!(
            "spanId must be 8 bytes (16 hex digits in JSON), not {}",
            span_id.len()
        )
    })?;
    if span == [0; 8] {
        return Err("spanId is all zeros, which is invalid".into());
    }
    let parent = match parent.len() {
        0 => None,
        8 => Some(<[u8; 8]>::try_from(parent).unwrap_or([0; 8])).filter(|p| *p != [0; 8]),
        n => return Err(format!("parentSpanId must be empty or 8 bytes, not {n}")),
    };
    Ok((trace, span, parent))
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};

    #[test]
    fn tags_are_written_as_the_viewer_shows_attributes() {
        let kv = |key: &str, value: Value| KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..KeyValue::default()
        };
        let tags = super::tags(&[
            kv("tiny", Value::DoubleValue(1e-7)),
            kv("huge", Value::DoubleValue(1e21)),
            kv("half", Value::DoubleValue(0.5)),
            kv("n", Value::IntValue(-42)),
            kv("ok", Value::BoolValue(true)),
            kv("", Value::StringValue("no key".into())),
        ]);
        let text: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            text,
            ["tiny=1e-7", "huge=1e21", "half=0.5", "n=-42", "ok=true"]
        );
    }
}
