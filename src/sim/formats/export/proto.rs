//! The trace model in OTLP's generated protobuf types (`opentelemetry-proto`,
//! `opentelemetry/proto/trace/v1/trace.proto`): the one conversion used to
//! send traces over OTLP/HTTP (protobuf or JSON) and OTLP/gRPC.
//!
//! Resources and spans carry exactly what the OTLP JSON export writes
//! ([`crate::sim::formats::export::to_otlp`]): `service.name` first, the
//! scope `spandojo.sim`, ids as bytes, kinds and status codes as numbers.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, InstrumentationScope, KeyValue, any_value::Value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    ResourceSpans, ScopeSpans, Span as PSpan, Status as PStatus, span,
};

use crate::sim::formats::export::{SCOPE_NAME, SCOPE_VERSION};
use crate::sim::trace::{AttrValue, ServiceInfo, Span, Status, Trace};

fn any_value(v: &AttrValue) -> AnyValue {
    let value = match v {
        AttrValue::Str(s) => Value::StringValue(s.to_string()),
        AttrValue::Int(i) => Value::IntValue(*i),
        AttrValue::Float(x) => Value::DoubleValue(*x),
        AttrValue::Bool(b) => Value::BoolValue(*b),
    };
    AnyValue { value: Some(value) }
}

fn attributes(attrs: &[(Arc<str>, AttrValue)]) -> Vec<KeyValue> {
    attrs
        .iter()
        .map(|(k, v)| KeyValue {
            key: k.to_string(),
            value: Some(any_value(v)),
            ..Default::default()
        })
        .collect()
}

/// The OTLP resource of a service: `service.name` then its other attributes.
pub fn resource(service: &ServiceInfo) -> Resource {
    let mut attrs = vec![KeyValue {
        key: "service.name".into(),
        value: Some(any_value(&AttrValue::Str(service.name.clone()))),
        ..Default::default()
    }];
    attrs.extend(attributes(&service.attributes));
    Resource {
        attributes: attrs,
        ..Default::default()
    }
}

/// The instrumentation scope every exported span is under.
pub fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: SCOPE_NAME.into(),
        version: SCOPE_VERSION.into(),
        ..Default::default()
    }
}

/// One span as an OTLP `Span` (times in Unix nanoseconds, ids as bytes,
/// `flags` 0 when the model has none).
pub fn span(s: &Span) -> PSpan {
    let (code, message) = match &s.status {
        Status::Unset => (0, String::new()),
        Status::Ok => (1, String::new()),
        Status::Error { message } => (2, message.clone()),
    };
    PSpan {
        trace_id: s.trace_id.to_vec(),
        span_id: s.span_id.to_vec(),
        parent_span_id: s.parent_span_id.map(|p| p.to_vec()).unwrap_or_default(),
        flags: s.flags.unwrap_or(0),
        name: s.name.to_string(),
        kind: i32::from(s.kind.otlp_code()),
        start_time_unix_nano: s.start_ns,
        end_time_unix_nano: s.end_ns,
        attributes: attributes(&s.attributes),
        events: s
            .events
            .iter()
            .map(|e| span::Event {
                time_unix_nano: e.time_ns,
                name: e.name.to_string(),
                attributes: attributes(&e.attributes),
                ..Default::default()
            })
            .collect(),
        links: s
            .links
            .iter()
            .map(|l| span::Link {
                trace_id: l.trace_id.to_vec(),
                span_id: l.span_id.to_vec(),
                attributes: attributes(&l.attributes),
                ..Default::default()
            })
            .collect(),
        status: Some(PStatus { message, code }),
        ..Default::default()
    }
}

/// A whole trace as one `ExportTraceServiceRequest`: one `ResourceSpans`
/// per service that has spans (in service order), one scope, spans in
/// trace order.
pub fn to_proto(trace: &Trace) -> ExportTraceServiceRequest {
    let mut by_service: Vec<Vec<PSpan>> = vec![Vec::new(); trace.services.len()];
    for s in &trace.spans {
        if let Some(v) = by_service.get_mut(s.service) {
            v.push(span(s));
        }
    }
    let resource_spans = trace
        .services
        .iter()
        .zip(by_service)
        .filter(|(_, spans)| !spans.is_empty())
        .map(|(svc, spans)| ResourceSpans {
            resource: Some(resource(svc)),
            scope_spans: vec![ScopeSpans {
                scope: Some(scope()),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::formats::import::from_otlp_json;
    use crate::sim::testutil::scenario;

    #[test]
    fn protobuf_json_reads_back_as_the_same_trace() {
        let sc = scenario("checkout");
        let t = crate::sim::generate(&sc, 7);
        let req = to_proto(&t);
        let spans: usize = req
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        assert_eq!(spans, t.spans.len());
        // The generated types' JSON mapping is read by our OTLP importer.
        let json = serde_json::to_string(&req).unwrap_or_default();
        let back = from_otlp_json(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.spans.len(), t.spans.len());
        for (a, b) in t.spans.iter().zip(&back.spans) {
            assert_eq!(
                (a.span_id, a.start_ns, a.end_ns),
                (b.span_id, b.start_ns, b.end_ns)
            );
            assert_eq!(a.name, b.name);
            assert_eq!(a.attributes, b.attributes);
        }
    }
}
