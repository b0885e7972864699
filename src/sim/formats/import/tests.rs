use crate::sim::formats::export::{to_jaeger_json, to_otlp_json};
use crate::sim::formats::import::*;
use crate::sim::generate::generate;
use crate::sim::testutil::{FILES, check_invariants, scenario};
use crate::sim::trace::{AttrValue, SpanKind};

#[test]
fn otlp_round_trip_is_byte_identical_and_lossless() {
    for (name, _) in FILES {
        let sc = scenario(name);
        for seed in [1, 2] {
            let t = generate(&sc, seed);
            let a = to_otlp_json(&t);
            let back = from_otlp_json(&a).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(back.spans, t.spans, "{name}: spans differ after import");
            assert_eq!(back.services, t.services, "{name}");
            assert_eq!(to_otlp_json(&back), a, "{name}");
        }
    }
}

#[test]
fn jaeger_round_trip_is_byte_identical() {
    for (name, _) in FILES {
        let sc = scenario(name);
        let t = generate(&sc, 3);
        let a = to_jaeger_json(&t);
        let mut back = from_jaeger_json(&a).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.spans.len(), t.spans.len());
        // The scenario name tells the invariant check which clocks are skewed.
        let imported = std::mem::replace(&mut back.scenario, t.scenario.clone());
        check_invariants(&back);
        back.scenario = imported;
        assert_eq!(to_jaeger_json(&back), a, "{name}");
        // Structure survives (times are truncated to microseconds).
        for (x, y) in back.spans.iter().zip(&t.spans) {
            assert_eq!(
                (x.span_id, x.parent, x.kind, &x.name),
                (y.span_id, y.parent, y.kind, &y.name)
            );
            assert_eq!(x.status, y.status);
            assert_eq!(x.attributes, y.attributes);
            assert_eq!(x.links, y.links);
            assert_eq!(x.traceparent, y.traceparent);
        }
    }
}

#[test]
fn exports_are_deterministic() {
    let sc = scenario("checkout");
    assert_eq!(
        to_otlp_json(&generate(&sc, 5)),
        to_otlp_json(&generate(&sc, 5))
    );
    assert_ne!(
        to_otlp_json(&generate(&sc, 5)),
        to_otlp_json(&generate(&sc, 6))
    );
    assert_eq!(
        to_jaeger_json(&generate(&sc, 5)),
        to_jaeger_json(&generate(&sc, 5))
    );
}

#[test]
fn otlp_shape() {
    let t = generate(&scenario("async-orders"), 1);
    let v: serde_json::Value = serde_json::from_str(&to_otlp_json(&t)).expect("json");
    let rs = &v["resourceSpans"][0];
    assert_eq!(rs["resource"]["attributes"][0]["key"], "service.name");
    assert_eq!(rs["scopeSpans"][0]["scope"]["name"], "spandojo.sim");
    let span = &rs["scopeSpans"][0]["spans"][0];
    assert_eq!(span["kind"], 2);
    assert!(span["startTimeUnixNano"].is_string());
    assert_eq!(span["traceId"].as_str().map(str::len), Some(32));
    let code = span["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["key"] == "http.response.status_code"))
        .map(|x| x["value"]["intValue"].clone());
    assert_eq!(code, Some(serde_json::Value::String("200".into())));
}

#[test]
fn jaeger_shape_one_entry_per_trace_id() {
    let t = generate(&scenario("broken-propagation"), 1);
    let v: serde_json::Value = serde_json::from_str(&to_jaeger_json(&t)).expect("json");
    let data = v["data"].as_array().expect("data");
    assert_eq!(data.len(), 2);
    let s0 = &data[0]["spans"][0];
    assert_eq!(s0["processID"], "p1");
    assert!(s0["startTime"].is_u64());
    assert!(s0["warnings"].is_null());
    assert_eq!(data[0]["processes"]["p1"]["serviceName"], "web");
    let child = &data[0]["spans"][1];
    assert_eq!(child["references"][0]["refType"], "CHILD_OF");
    let t = generate(&scenario("async-orders"), 1);
    let v: serde_json::Value = serde_json::from_str(&to_jaeger_json(&t)).expect("json");
    let consumer = v["data"][0]["spans"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["operationName"] == "process orders"))
        .expect("consumer");
    assert_eq!(consumer["references"][1]["refType"], "FOLLOWS_FROM");
}

fn one_span(trace_id: &str, span_id: &str, parent: &str, start: &str, end: &str) -> String {
    format!(
        r#"{{"traceId":"{trace_id}","spanId":"{span_id}","parentSpanId":"{parent}","name":"x","kind":2,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}"}}"#
    )
}

fn wrap(spans: &[String]) -> String {
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
}

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn otlp(text: &str) -> Result<Imported, ImportError> {
    read_text(text, Format::Otlp, MAX_IMPORT_SPANS)
}

#[test]
fn otlp_errors_name_the_field_and_span() {
    let e = from_otlp_json("{").unwrap_err();
    assert!(e.message.starts_with("not valid JSON"), "{e}");
    let e = from_otlp_json("{}").unwrap_err();
    assert_eq!(e.to_string(), "the file contains no spans");
    let good = one_span(T, "00f067aa0ba902b7", "", "10", "20");
    let bad = one_span(&T[..31], "00f067aa0ba902b8", "", "10", "20");
    let e = from_otlp_json(&wrap(&[good.clone(), bad])).unwrap_err();
    assert_eq!(e.path, "resourceSpans[0].scopeSpans[0].spans[1].traceId");
    assert_eq!(e.message, "expected 32 hex characters, got 31");
    let zero = one_span(T, "0000000000000000", "", "10", "20");
    let e = from_otlp_json(&wrap(&[zero])).unwrap_err();
    assert_eq!(e.path, "resourceSpans[0].scopeSpans[0].spans[0].spanId");
    let badtime = good.replace("\"10\"", "\"ten\"");
    let e = from_otlp_json(&wrap(&[badtime])).unwrap_err();
    assert_eq!(
        e.path,
        "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano"
    );
    let e = from_otlp_json(&wrap(&[])).unwrap_err();
    assert_eq!(e.message, "the file contains no spans");
}

#[test]
fn otlp_bad_optional_values_degrade_with_warnings() {
    let good = one_span(T, "00f067aa0ba902b7", "", "10", "20");
    let backwards = one_span(T, "00f067aa0ba902b8", "", "30", "20");
    let badkind =
        one_span(T, "00f067aa0ba902b9", "", "10", "20").replace("\"kind\":2", "\"kind\":9");
    let badcode = one_span(T, "00f067aa0ba902ba", "", "10", "20").replace(
        "\"kind\":2",
        "\"kind\":\"SPAN_KIND_CLIENT\",\"status\":{\"code\":\"BOOM\"}",
    );
    let im = otlp(&wrap(&[good.clone(), good, backwards, badkind, badcode])).expect("read");
    assert_eq!(im.trace.spans.len(), 4);
    let w = &im.warnings.list;
    assert_eq!(im.warnings.total, 4, "{w:?}");
    let has = |text: &str| w.iter().any(|x| x.starts_with(text));
    assert!(
        has("resourceSpans[0].scopeSpans[0].spans[1]: span id 00f067aa0ba902b7 repeats"),
        "{w:?}"
    );
    assert!(
        has("resourceSpans[0].scopeSpans[0].spans[2]: the span ends before it starts"),
        "{w:?}"
    );
    assert!(
        has(
            "resourceSpans[0].scopeSpans[0].spans[3].kind: unknown span kind 9; read as unspecified"
        ),
        "{w:?}"
    );
    assert!(
        has("resourceSpans[0].scopeSpans[0].spans[4].status.code: unknown status code \"BOOM\""),
        "{w:?}"
    );
    let client = im
        .trace
        .spans
        .iter()
        .find(|s| s.span_id[7] == 0xba)
        .expect("span");
    assert_eq!(client.kind, SpanKind::Client);
}

#[test]
fn otlp_parents_are_rebuilt_and_ordered() {
    // Child listed before its parent; a span whose parent is missing.
    let child = one_span(T, "00000000000000b2", "00000000000000a1", "15", "18");
    let root = one_span(T, "00000000000000a1", "", "10", "20");
    let orphan = one_span(T, "00000000000000c3", "00000000000000ff", "12", "13");
    let t = from_otlp_json(&wrap(&[child, root, orphan])).expect("valid");
    assert_eq!(t.spans[0].span_id[7], 0xa1);
    assert_eq!(t.spans[1].span_id[7], 0xb2);
    assert_eq!(t.spans[1].parent, Some(0));
    assert_eq!(t.spans[2].span_id[7], 0xc3);
    assert_eq!(t.spans[2].parent, None);
    assert_eq!(t.spans[2].parent_span_id, Some([0, 0, 0, 0, 0, 0, 0, 0xff]));
    assert_eq!(
        t.spans[2].traceparent.as_deref(),
        Some(format!("00-{T}-00000000000000ff-01").as_str())
    );
    assert_eq!(t.spans[0].traceparent, None);
}

#[test]
fn otlp_cycles_are_broken_with_a_warning() {
    let a = one_span(T, "00000000000000a1", "00000000000000b2", "10", "20");
    let b = one_span(T, "00000000000000b2", "00000000000000a1", "10", "20");
    let root = one_span(T, "00000000000000c3", "", "10", "20");
    let im = otlp(&wrap(&[root, a, b])).expect("read");
    assert_eq!(im.trace.spans.len(), 3);
    check_invariants_loose(&im.trace);
    assert_eq!(
        im.warnings.list,
        vec![
            "resourceSpans[0].scopeSpans[0].spans[1]: parent references form a cycle; this span is shown as a root"
        ]
    );
    let selfish = one_span(T, "00000000000000a1", "00000000000000a1", "10", "20");
    let im = otlp(&wrap(&[selfish])).expect("read");
    assert!(im.warnings.list[0].ends_with("the span names itself as its parent; shown as a root"));
}

/// Parents precede children and share their trace id.
fn check_invariants_loose(t: &crate::sim::trace::Trace) {
    for (i, s) in t.spans.iter().enumerate() {
        if let Some(p) = s.parent {
            assert!(p < i);
            assert_eq!(t.spans[p].trace_id, s.trace_id);
        }
    }
}

#[test]
fn import_is_bounded() {
    let spans: Vec<String> = (1..=11)
        .map(|i| one_span(T, &format!("{i:016x}"), "", "1", "2"))
        .collect();
    let e = read_text(&wrap(&spans), Format::Otlp, 10).unwrap_err();
    assert_eq!(e.path, "resourceSpans[0].scopeSpans[0].spans[10]");
    assert_eq!(e.message, "more than 10 spans, the import limit");
    assert!(read_text(&wrap(&spans[..10]), Format::Otlp, 10).is_ok());
    let t = generate(&scenario("study-sheet"), 1);
    assert!(read_text(&to_jaeger_json(&t), Format::Jaeger, 3).is_err());
}

#[test]
fn otlp_attribute_values() {
    let span = r#"{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"x","startTimeUnixNano":1,"endTimeUnixNano":2,
        "attributes":[{"key":"s","value":{"stringValue":"v"}},{"key":"i","value":{"intValue":"42"}},{"key":"j","value":{"intValue":7}},
        {"key":"d","value":{"doubleValue":1.5}},{"key":"b","value":{"boolValue":true}},{"key":"a","value":{"arrayValue":{"values":[]}}},
        {"key":"e","value":{}}],
        "status":{"code":"STATUS_CODE_ERROR","message":"boom"}}"#;
    let t = from_otlp_json(&wrap(&[span.to_string()])).expect("valid");
    let s = &t.spans[0];
    assert_eq!(s.kind, SpanKind::Internal);
    assert_eq!(s.attr("i"), Some(&AttrValue::Int(42)));
    assert_eq!(s.attr("j"), Some(&AttrValue::Int(7)));
    assert_eq!(s.attr("d"), Some(&AttrValue::Float(1.5)));
    assert_eq!(s.attr("b"), Some(&AttrValue::Bool(true)));
    assert_eq!(s.attr("e").and_then(|v| v.as_str()), Some(""));
    assert_eq!(s.attr("a").and_then(|v| v.as_str()), Some("[]"));
    assert!(s.status.is_error());
    let bad = span.replace("\"42\"", "\"4x2\"");
    let e = from_otlp_json(&wrap(&[bad])).unwrap_err();
    assert_eq!(
        e.path,
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.intValue"
    );
}

#[test]
fn otlp_follows_the_proto3_json_mapping() {
    // Proto field names, null lists, unknown fields, upper-case ids, enum
    // names, numbers for 64-bit integers.
    let doc = r#"{"resource_spans":[{"resource":null,"scope_spans":[{"scope":{"name":"s","extra":1},
        "spans":[{"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00F067AA0BA902B7","parentSpanId":"",
        "name":"x","kind":"SPAN_KIND_CONSUMER","start_time_unix_nano":1000,"endTimeUnixNano":"2000",
        "attributes":null,"events":null,"links":null,"droppedAttributesCount":3,"traceState":"a=b","flags":257}]}]}],
        "somethingNew":{"x":[1,2]}}"#;
    let im = otlp(doc).expect("read");
    let s = &im.trace.spans[0];
    assert_eq!(s.kind, SpanKind::Consumer);
    assert_eq!((s.start_ns, s.end_ns), (1000, 2000));
    assert_eq!(s.flags, Some(257));
    assert_eq!(&*im.trace.services[0].name, "unknown_service");
    assert!(im.warnings.list.is_empty());
}

#[test]
fn jaeger_errors_and_short_trace_ids() {
    let doc = r#"{"data":[{"traceID":"00f067aa0ba902b7","spans":[{"traceID":"00f067aa0ba902b7","spanID":"00f067aa0ba902b7",
        "operationName":"op","references":[],"startTime":10,"duration":5,"tags":[{"key":"span.kind","type":"string","value":"server"}],
        "logs":[],"processID":"p1"}],"processes":{"p1":{"serviceName":"svc","tags":[]}}}]}"#;
    let t = from_jaeger_json(doc).expect("valid");
    assert_eq!(t.spans[0].trace_id[..8], [0u8; 8]);
    assert_eq!(t.spans[0].kind, SpanKind::Server);
    assert_eq!(t.spans[0].start_ns, 10_000);
    assert_eq!(t.spans[0].end_ns, 15_000);
    let e =
        from_jaeger_json(&doc.replace("\"processID\":\"p1\"", "\"processID\":\"p9\"")).unwrap_err();
    assert_eq!(e.path, "data[0].spans[0].processID");
    let e = from_jaeger_json(&doc.replace("\"duration\":5", "\"duration\":-5")).unwrap_err();
    assert_eq!(e.path, "data[0].spans[0].duration");
    let e = from_jaeger_json(&doc.replace("\"spanID\":\"00f067aa0ba902b7\"", "\"spanID\":\"xyz\""))
        .unwrap_err();
    assert_eq!(e.to_string(), "data[0].spans[0].spanID: \"xyz\" is not hex");
    let im = read_text(
        &doc.replace("\"value\":\"server\"", "\"value\":\"sever\""),
        Format::Jaeger,
        10,
    )
    .expect("degraded, not refused");
    assert_eq!(im.trace.spans[0].kind, SpanKind::Internal);
    assert_eq!(
        im.warnings.list,
        vec!["data[0].spans[0].tags: unknown span.kind \"sever\"; read as unspecified"]
    );
    let e = from_jaeger_json(r#"{"data":{}}"#).unwrap_err();
    assert_eq!(e.path, "data");
}

#[test]
fn jaeger_parent_is_child_of_then_follows_from() {
    let span = |id: &str, refs: &str| {
        format!(
            r#"{{"traceID":"1","spanID":"{id}","operationName":"op","references":[{refs}],"startTime":10,"duration":5,"processID":"p1","flags":1,"warnings":["clock skew"]}}"#
        )
    };
    let r = |ty: &str, tid: &str, id: &str| {
        format!(r#"{{"refType":"{ty}","traceID":"{tid}","spanID":"{id}"}}"#)
    };
    let spans = [
        span("a", ""),
        span("b", &r("follows_from", "1", "a")),
        span(
            "c",
            &format!(
                "{},{}",
                r("FOLLOWS_FROM", "1", "a"),
                r("CHILD_OF", "1", "b")
            ),
        ),
        span("d", &r("CHILD_OF", "2", "a")),
    ];
    let doc = format!(
        r#"{{"data":[{{"traceID":"1","spans":[{}],"processes":{{"p1":{{"serviceName":"svc"}}}}}}]}}"#,
        spans.join(",")
    );
    let t = from_jaeger_json(&doc).expect("valid");
    let by = |c: u8| t.spans.iter().find(|s| s.span_id[7] == c).expect("span");
    assert_eq!(by(0xb).parent_span_id, Some([0, 0, 0, 0, 0, 0, 0, 0xa]));
    assert!(by(0xb).links.is_empty());
    assert_eq!(by(0xc).parent_span_id, Some([0, 0, 0, 0, 0, 0, 0, 0xb]));
    assert_eq!(by(0xc).links.len(), 1);
    assert_eq!(
        by(0xd).parent_span_id,
        None,
        "another trace's span is a link"
    );
    assert_eq!(by(0xd).links.len(), 1);
    assert_eq!(by(0xa).flags, Some(1));
    assert_eq!(by(0xa).warnings, vec!["clock skew".to_string()]);
    let back = to_jaeger_json(&t);
    assert!(back.contains(r#""flags":1"#) && back.contains(r#""warnings":["clock skew"]"#));
}

#[test]
fn flags_read_as_numbers_or_strings_and_bad_ones_degrade() {
    let flagged = |id: &str, flags: &str| {
        one_span(T, id, "", "10", "20").replace("\"name\"", &format!("\"flags\":{flags},\"name\""))
    };
    let im = otlp(&wrap(&[
        flagged("00f067aa0ba902b1", "\"1\""),
        flagged("00f067aa0ba902b2", "257"),
        flagged("00f067aa0ba902b3", "4294967296"),
        flagged("00f067aa0ba902b4", "\"on\""),
    ]))
    .expect("a bad optional field never refuses the file");
    let flags: Vec<Option<u32>> = im.trace.spans.iter().map(|s| s.flags).collect();
    assert_eq!(flags, vec![Some(1), Some(257), None, None]);
    assert_eq!(
        im.warnings.list,
        vec![
            "resourceSpans[0].scopeSpans[0].spans[2].flags: 4294967296 is not a 32-bit unsigned \
             integer; the flags are read as unset",
            "resourceSpans[0].scopeSpans[0].spans[3].flags: \"on\" is not a 32-bit unsigned \
             integer; the flags are read as unset",
        ]
    );
    let jaeger = r#"{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"2",
        "operationName":"x","flags":"x","startTime":1,"duration":1,"processID":"p1"}],
        "processes":{"p1":{"serviceName":"a"}}}]}"#;
    let im = read_text(jaeger, Format::Jaeger, MAX_IMPORT_SPANS).expect("read");
    assert_eq!(im.trace.spans[0].flags, None);
    assert_eq!(
        im.warnings.list,
        vec![
            "data[0].spans[0].flags: \"x\" is not a 32-bit unsigned integer; the flags are read as unset"
        ]
    );
}

#[test]
fn zipkin_tags_that_are_not_strings_are_read_as_their_text() {
    let zipkin = r#"[{"traceId":"1","id":"2","name":"x","timestamp":1,"duration":1,
        "localEndpoint":{"serviceName":"a"},"tags":{"n":42,"ok":true,"s":"v"}}]"#;
    let im = read_text(zipkin, Format::Zipkin, MAX_IMPORT_SPANS).expect("read");
    let attrs = &im.trace.spans[0].attributes;
    let get = |k: &str| {
        attrs
            .iter()
            .find(|(key, _)| &**key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("n"), Some(AttrValue::Int(42)));
    assert_eq!(get("ok"), Some(AttrValue::Bool(true)));
    assert_eq!(
        im.warnings.list,
        vec![
            "[0].tags.n: a number, not a string; read as the text \"42\"",
            "[0].tags.ok: a boolean, not a string; read as the text \"true\"",
        ]
    );
}

#[test]
fn otlp_arrays_and_maps_read_as_plain_json_like_the_collectors_translators() {
    let span = r#"{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"x","startTimeUnixNano":1,"endTimeUnixNano":2,
        "attributes":[
          {"key":"list","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"9007199254740993"},{"boolValue":false},{"doubleValue":0.5}]}}},
          {"key":"map","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}},{"key":"n","value":{"arrayValue":{"values":[{"intValue":1}]}}},{"key":"z","value":{}}]}}},
          {"key":"raw","value":{"bytesValue":"AP8Q"}}]}"#;
    let t = from_otlp_json(&wrap(&[span.to_string()])).expect("valid");
    let s = &t.spans[0];
    let text = |k: &str| s.attr(k).and_then(|v| v.as_str()).map(str::to_string);
    assert_eq!(
        text("list").as_deref(),
        Some(r#"["a",9007199254740993,false,0.5]"#)
    );
    assert_eq!(
        text("map").as_deref(),
        Some(r#"{"k":"v","n":[1],"z":null}"#)
    );
    assert_eq!(text("raw").as_deref(), Some("AP8Q"));
}
