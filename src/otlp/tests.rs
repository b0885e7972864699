//! Unit tests of the receiver logic.

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

use crate::otlp::decode::{content_decoded, request};
use crate::otlp::validate::prepare;
use crate::otlp::{Encoding, ExportTraceServiceRequest, Failure, bearer, endpoint, env_lines};

fn one(trace_id: Vec<u8>, span_id: Vec<u8>, parent: Vec<u8>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: Some(AnyValue {
                        value: Some(Value::StringValue("api".into())),
                    }),
                    ..KeyValue::default()
                }],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id,
                    span_id,
                    parent_span_id: parent,
                    name: "GET /".into(),
                    start_time_unix_nano: 5,
                    end_time_unix_nano: 9,
                    ..Span::default()
                }],
                ..ScopeSpans::default()
            }],
            schema_url: String::new(),
        }],
    }
}

#[test]
fn invalid_ids_are_rejected_per_span() {
    let ok = prepare(one(vec![1; 16], vec![2; 8], vec![]));
    assert_eq!((ok.rejected, ok.batch.spans.len()), (0, 1));
    assert_eq!(ok.batch.spans[0].service, "api");
    for (t, s, p) in [
        (vec![0; 16], vec![2; 8], vec![]),
        (vec![1; 15], vec![2; 8], vec![]),
        (vec![1; 16], vec![0; 8], vec![]),
        (vec![1; 16], vec![2; 9], vec![]),
        (vec![1; 16], vec![2; 8], vec![3; 4]),
    ] {
        let bad = prepare(one(t, s, p));
        assert_eq!((bad.rejected, bad.batch.spans.len()), (1, 0));
        assert!(bad.reasons[0].starts_with("resourceSpans[0].scopeSpans[0].spans[0]: "));
    }
}

#[test]
fn protobuf_and_json_bodies_decode_to_the_same_request() {
    let req = one(vec![1; 16], vec![2; 8], vec![]);
    let pb = request(&req.encode_to_vec(), Encoding::Protobuf).unwrap();
    assert_eq!(pb, req);
    let json = serde_json::to_vec(&req).unwrap();
    assert_eq!(request(&json, Encoding::Json).unwrap(), req);
    let liberal = br#"{"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
        "scopeSpans":[{"spans":[{"traceId":"01010101010101010101010101010101","spanId":"0202020202020202",
        "name":"GET /","kind":"SPAN_KIND_SERVER","startTimeUnixNano":5,"endTimeUnixNano":"9",
        "status":{"code":"STATUS_CODE_ERROR"}}]}]}]}"#;
    let got = request(liberal, Encoding::Json).unwrap();
    let span = &got.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(
        (span.kind, span.status.as_ref().map(|s| s.code)),
        (2, Some(2))
    );
    assert_eq!(span.end_time_unix_nano, 9);
}

#[test]
fn a_liberal_json_body_keeps_trace_state_flags_links_and_scope_attributes() {
    let body = br#"{"resourceSpans":[{"scopeSpans":[{"scope":{"name":"lib","attributes":[{"key":"a","value":{"stringValue":"b"}}]},
        "spans":[{"traceId":"01010101010101010101010101010101","spanId":"0202020202020202",
        "traceState":"vendor=a","flags":"257","name":"GET /","kind":"SPAN_KIND_SERVER",
        "startTimeUnixNano":5,"endTimeUnixNano":9,"status":{"code":"STATUS_CODE_OK"},
        "links":[{"traceId":"03030303030303030303030303030303","spanId":"0404040404040404",
          "traceState":"k=v","flags":1,"attributes":[{"key":"why","value":{"stringValue":"batch"}}]}]}]}]}]}"#;
    let got = request(body, Encoding::Json).unwrap();
    let ss = &got.resource_spans[0].scope_spans[0];
    let span = &ss.spans[0];
    assert_eq!(
        (
            span.trace_state.as_str(),
            span.flags,
            span.status.as_ref().map(|s| s.code)
        ),
        ("vendor=a", 257, Some(1))
    );
    let link = &span.links[0];
    assert_eq!((link.trace_state.as_str(), link.flags), ("k=v", 1));
    assert_eq!(link.attributes[0].key, "why");
    assert_eq!(ss.scope.as_ref().map(|s| s.attributes.len()), Some(1));
}

/// An OTLP/JSON request of one span with the given `flags` and `kind`
/// JSON values.
fn one_span_json(flags: &str, kind: &str) -> String {
    format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"01010101010101010101010101010101",
        "spanId":"0202020202020202","name":"a","kind":{kind},"startTimeUnixNano":5,
        "endTimeUnixNano":9,"flags":{flags}}}]}}]}}]}}"#
    )
}

/// Asserts that `body` is refused as malformed with a message that names
/// the span's `field`.
fn refused_naming(body: &str, field: &str) {
    match request(body.as_bytes(), Encoding::Json) {
        Err(Failure::Malformed(m)) => assert!(
            m.starts_with(&format!(
                "resourceSpans[0].scopeSpans[0].spans[0].{field}: "
            )),
            "{body}: {m}"
        ),
        other => panic!("{body}: {other:?}"),
    }
}

#[test]
fn integral_float_flags_are_read_and_unknown_enum_names_refused() {
    for (flags, want) in [("1.0", 1), ("1e2", 100)] {
        let got = request(
            one_span_json(flags, "\"SPAN_KIND_SERVER\"").as_bytes(),
            Encoding::Json,
        )
        .unwrap();
        assert_eq!(
            got.resource_spans[0].scope_spans[0].spans[0].flags, want,
            "{flags}"
        );
    }
    for kind in ["\"SPAN_KIND_FOO\"", "\"2\"", "4294967296"] {
        refused_naming(&one_span_json("1", kind), "kind");
    }
}

#[test]
fn flags_that_are_not_a_fixed32_refuse_the_request() {
    for bad in ["-1", "1.5", "4294967296", "\"x\"", "true"] {
        refused_naming(&one_span_json(bad, "\"SPAN_KIND_SERVER\""), "flags");
    }
}

#[test]
fn bad_bodies_are_refused_without_panic() {
    assert!(matches!(
        request(b"\xff\xff\xff", Encoding::Protobuf),
        Err(Failure::Malformed(_))
    ));
    let full = one(vec![1; 16], vec![2; 8], vec![]).encode_to_vec();
    assert!(matches!(
        request(&full[..full.len() - 3], Encoding::Protobuf),
        Err(Failure::Malformed(_))
    ));
    match request(
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":true}]}]}]}"#,
        Encoding::Json,
    ) {
        Err(Failure::Malformed(m)) => assert!(m.contains("startTimeUnixNano"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        content_decoded(b"abc", Some("br"), 10),
        Err(Failure::UnsupportedEncoding(_))
    ));
    assert!(matches!(
        content_decoded(b"not gzip", Some("gzip"), 10),
        Err(Failure::Malformed(_))
    ));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &vec![0u8; 1 << 20]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(matches!(
        content_decoded(&bomb, Some("gzip"), 1 << 16),
        Err(Failure::TooLarge(_))
    ));
}

#[test]
fn headers_and_environment_lines() {
    assert_eq!(bearer("Bearer abc"), Some("abc"));
    assert_eq!(bearer("bearer  abc "), Some("abc"));
    assert_eq!(bearer("Basic abc"), None);
    assert_eq!(bearer("Bearer "), None);
    let settings = crate::otlp::receiver::Settings::default();
    assert_eq!(
        endpoint(&settings, Some("http://x:8080")),
        "http://127.0.0.1:4318"
    );
    let any = crate::otlp::receiver::Settings {
        http_addr: Some("0.0.0.0:4318".parse().unwrap()),
        ..settings.clone()
    };
    assert_eq!(
        endpoint(&any, Some("https://dojo.example.org/")),
        "http://dojo.example.org:4318"
    );
    let off = crate::otlp::receiver::Settings {
        http_addr: None,
        ..settings
    };
    assert_eq!(
        endpoint(&off, Some("https://dojo.example.org/")),
        "https://dojo.example.org"
    );
    assert_eq!(
        env_lines("http://h:4318", "ab"),
        [
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://h:4318".to_string(),
            "OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20ab".to_string()
        ]
    );
}
