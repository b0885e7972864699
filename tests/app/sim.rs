//! The simulator's pages: gallery, scenario and trace pages, downloads,
//! parameters and their bounds, and the traceparent tool.

use crate::common::TestApp;
use axum::http::{StatusCode, header};
use spandojo::content::Content;
use spandojo::sim::trace::hex;
use spandojo::sim::{
    GenerateOptions, SpanKind, critical_path, from_jaeger_json, from_otlp_json, generate,
    generate_with, roots,
};

fn content() -> Content {
    Content::load(None).expect("embedded content is valid")
}

#[tokio::test]
async fn gallery_lists_every_scenario_with_its_graph() {
    let app = TestApp::new();
    let r = app.get("/sim").await;
    assert_eq!(r.status, StatusCode::OK);
    let content = content();
    assert!(content.scenarios.len() >= 12);
    for sc in content.scenarios.iter() {
        assert!(
            r.body.contains(&format!("href=\"/sim/{}\"", sc.name)),
            "{}",
            sc.name
        );
        assert!(r.body.contains(&format!("href=\"/sim/{}/1\"", sc.name)));
        assert!(r.body.contains(&format!("id=\"ah-{}\"", sc.name)));
    }
    assert_eq!(
        r.body.matches("<svg class=\"sgraph\"").count(),
        content.scenarios.len()
    );
    assert!(
        r.body.contains("A summary: "),
        "the 520-service estate is summarised"
    );
}

#[tokio::test]
async fn every_scenario_page_and_trace_page_renders_its_spans() {
    let app = TestApp::new();
    for sc in content().scenarios.iter() {
        let r = app.get(&format!("/sim/{}", sc.name)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", sc.name);
        assert!(r.body.contains(&format!("href=\"/sim/{}/8\"", sc.name)));

        let trace = generate(sc, 1);
        let r = app.get(&format!("/sim/{}/1", sc.name)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", sc.name);
        assert!(
            r.body
                .contains(&format!("<strong>{}</strong> spans", trace.spans.len())),
            "{} shows its span count",
            sc.name
        );
        assert!(r.body.contains(&hex(&trace.spans[0].trace_id)));
        let rows = r.body.matches("<li class=\"r ").count();
        if trace.spans.len() <= 600 {
            assert_eq!(rows, trace.spans.len(), "{}: one row per span", sc.name);
            for s in &trace.spans {
                assert!(r.body.contains(&format!("id=\"s-{}\"", hex(&s.span_id))));
            }
        } else {
            assert!((1..=3_000).contains(&rows), "{}: {rows} rows", sc.name);
        }
        for part in [
            "id=\"timeline\"",
            "class=\"flame\"",
            "class=\"sgraph\"",
            "class=\"breakdown\"",
        ] {
            assert!(r.body.contains(part), "{} has {part}", sc.name);
        }
        assert!(
            r.body.contains(&format!("href=\"/sim/{}/2\"", sc.name)),
            "new trace link"
        );
        assert!(r.body.contains("/static/h/") && r.body.contains("/sim.js\""));
    }
}

#[tokio::test]
async fn unknown_scenarios_are_404_and_bad_parameters_are_400() {
    let app = TestApp::new();
    for path in [
        "/sim/nope",
        "/sim/nope/1",
        "/sim/nope/1/otlp.json",
        "/sim/nope/1/jaeger.json",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        "/sim/checkout/abc",
        "/sim/checkout/-1",
        "/sim/checkout/18446744073709551616",
        "/sim/checkout/1.5/otlp.json",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(r.body.contains("seed must be a whole number"), "{path}");
    }
    for (query, says) in [
        ("depth=0", "depth must be"),
        ("depth=65", "depth must be"),
        ("spans=50001", "spans must be"),
        ("spans=lots", "spans must be"),
        ("span=zz", "span id"),
        ("expand=12", "span id"),
        (
            "generator=4",
            "generator must be a generator version from 1 to 3",
        ),
        ("generator=two", "generator must be"),
    ] {
        let r = app.get(&format!("/sim/checkout/1?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(r.body.contains(says), "{query}: {}", r.body);
    }
    // A long bad value is named, not repeated in full.
    let long = "7".repeat(20_000);
    let r = app.get(&format!("/sim/checkout/1?generator={long}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("generator must be"), "{}", r.body);
    assert!(r.body.len() < 15_000, "{} bytes", r.body.len());
    let r = app.get("/sim/checkout/18446744073709551615").await;
    assert_eq!(r.status, StatusCode::OK, "the largest seed works");
    let r = app.get("/sim/checkout?seed=42&spans=100").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/sim/checkout/42?spans=100");
}

#[tokio::test]
async fn the_critical_path_is_marked_and_can_be_shown_alone() {
    let app = TestApp::new();
    let sc = content()
        .scenarios
        .get("checkout")
        .expect("checkout")
        .clone();
    let trace = generate(&sc, 3);
    let on_path: std::collections::BTreeSet<usize> = roots(&trace)
        .into_iter()
        .flat_map(|r| critical_path(&trace, r))
        .map(|seg| seg.span)
        .collect();
    let r = app.get("/sim/checkout/3").await;
    assert_eq!(r.status, StatusCode::OK);
    for (i, s) in trace.spans.iter().enumerate() {
        let row = format!("id=\"s-{}\"", hex(&s.span_id));
        let at = r.body.find(&row).expect("row present");
        let open = r.body[..at].rfind("<li ").expect("row start");
        let class = &r.body[open..at];
        assert_eq!(
            class.contains(" crit"),
            on_path.contains(&i),
            "span {i}: {class}"
        );
    }
    assert!(
        r.body.contains("<rect class=\"cp\""),
        "path segments drawn on bars"
    );
    assert!(r.body.contains("Critical path"));
    let r = app.get("/sim/checkout/3?view=critical").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.matches("<li class=\"r ").count(), on_path.len());
}

#[tokio::test]
async fn a_long_critical_path_is_counted_as_it_is_when_the_list_stops() {
    let app = TestApp::new();
    let sc = content()
        .scenarios
        .get("large-estate")
        .expect("estate")
        .clone();
    let opts = GenerateOptions {
        min_spans: 50_000,
        start_unix_nano: None,
        ..Default::default()
    };
    let trace = generate_with(&sc, 1, &opts);
    let on_path: std::collections::BTreeSet<usize> = roots(&trace)
        .into_iter()
        .flat_map(|r| critical_path(&trace, r))
        .map(|seg| seg.span)
        .collect();
    assert!(on_path.len() > 3_000, "{} spans on the path", on_path.len());
    let r = app
        .get("/sim/large-estate/1?spans=50000&view=critical")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let expected = format!(
        "Showing 3000 of the {} spans on the critical path (the list stops at 3000 rows); {} spans are not on it.",
        on_path.len(),
        trace.spans.len() - on_path.len()
    );
    assert!(r.body.contains(&expected), "{expected}");
}

#[tokio::test]
async fn a_server_span_shows_the_traceparent_it_carried() {
    let app = TestApp::new();
    let sc = content()
        .scenarios
        .get("study-sheet")
        .expect("scenario")
        .clone();
    let trace = generate(&sc, 1);
    let server = trace
        .spans
        .iter()
        .find(|s| s.kind == SpanKind::Server && s.traceparent.is_some())
        .expect("a server span with a traceparent");
    let tp = server.traceparent.clone().unwrap_or_default();
    let parent = server
        .parent
        .map(|p| &trace.spans[p])
        .expect("has a parent");
    assert!(
        tp.contains(&hex(&parent.span_id)),
        "parent-id is the caller's span"
    );
    let url = format!("/sim/study-sheet/1?span={}", hex(&server.span_id));
    let r = app.get(&url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&format!("<code class=\"tp\">{tp}</code>")));
    assert!(
        r.body
            .contains(&format!("/tools/traceparent?traceparent={tp}"))
    );
    assert!(r.body.contains(" sel\""), "the selected row is marked");

    let r = app.get(&format!("{url}&part=detail")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with("<article class=\"span-detail\""));
    assert!(r.body.contains(&tp) && !r.body.contains("<html"));
    let r = app
        .get("/sim/study-sheet/1?span=0123456789abcdef&part=detail")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn collapsed_subtrees_expand_by_url() {
    let app = TestApp::new();
    let r = app.get("/sim/checkout/1?depth=1").await;
    assert_eq!(r.status, StatusCode::OK);
    let rows = r.body.matches("<li class=\"r ").count();
    assert!(r.body.contains("inside collapsed rows below depth 1"));
    let at = r.body.find("class=\"more\"").expect("a collapsed row");
    let href_start = r.body[at..].find("href=\"").expect("link") + at + 6;
    let href_end = r.body[href_start..].find('"').expect("end") + href_start;
    let href = r.body[href_start..href_end].replace("&amp;", "&");
    let href = href.split('#').next().unwrap_or("").to_string();
    assert!(href.contains("expand="), "{href}");
    let r = app.get(&href).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.matches("<li class=\"r ").count() > rows);
}

#[tokio::test]
async fn downloads_are_attachments_that_parse_back() {
    let app = TestApp::new();
    let sc = content()
        .scenarios
        .get("async-orders")
        .expect("scenario")
        .clone();
    let trace = generate(&sc, 5);
    let r = app.get("/sim/async-orders/5/otlp.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"spandojo-async-orders-5.otlp.json\""
    );
    let back = from_otlp_json(&r.body).expect("valid OTLP JSON");
    assert_eq!(back.spans.len(), trace.spans.len());
    let larger = app
        .get("/sim/async-orders/5/otlp.json?spans=500&generator=1")
        .await;
    assert_eq!(
        larger.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"spandojo-async-orders-5-500spans-v1.otlp.json\"",
        "another size or generator is another file"
    );
    let r = app.get("/sim/async-orders/5/jaeger.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap_or("")
            .starts_with("attachment;")
    );
    let back = from_jaeger_json(&r.body).expect("valid Jaeger JSON");
    assert_eq!(back.spans.len(), trace.spans.len());
    let r = app.get("/sim/large-estate/2/otlp.json?spans=3000").await;
    let big = generate_with(
        content().scenarios.get("large-estate").expect("estate"),
        2,
        &GenerateOptions {
            min_spans: 3000,
            start_unix_nano: None,
            ..Default::default()
        },
    );
    assert_eq!(
        from_otlp_json(&r.body).expect("valid").spans.len(),
        big.spans.len()
    );
}

#[tokio::test]
async fn a_browser_gets_downloads_gzip_compressed_and_they_decode_to_the_same_file() {
    use axum::body::Body;
    use axum::http::Request;
    use std::io::Read;
    let app = TestApp::new();
    let path = "/sim/large-estate/2/otlp.json?spans=3000";
    let plain = app.get(path).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.headers[header::VARY], "accept-encoding");
    for accept in ["gzip, deflate, br, zstd", "br;q=1, gzip;q=0.8"] {
        let r = app
            .send(
                Request::get(path)
                    .header(header::ACCEPT_ENCODING, accept)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers[header::CONTENT_ENCODING], "gzip", "{accept}");
        assert_eq!(r.headers[header::CONTENT_LENGTH], r.raw.len().to_string());
        assert!(r.raw.len() * 5 < plain.raw.len(), "{} bytes", r.raw.len());
        let mut text = String::new();
        flate2::read::GzDecoder::new(&r.raw[..])
            .read_to_string(&mut text)
            .expect("a gzip stream");
        assert_eq!(text, plain.body);
    }
    let r = app
        .send(
            Request::get(path)
                .header(header::ACCEPT_ENCODING, "gzip;q=0, identity")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(r.headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(r.body, plain.body);
}

#[tokio::test]
async fn a_ten_thousand_span_trace_page_stays_usable() {
    let app = TestApp::new();
    let r = app.get("/sim/large-estate/1?spans=10000").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.len() < 4 * 1024 * 1024, "{} bytes", r.body.len());
    let rows = r.body.matches("<li class=\"r ").count();
    assert!((1..=1_000).contains(&rows), "{rows} rows by default");
    assert!(r.body.contains("sit inside collapsed rows"));
    assert!(
        r.body.contains("class=\"fm\""),
        "tiny spans are merged in the flame graph"
    );
    let r = app.get("/sim/large-estate/1?spans=10000&depth=64").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body.matches("<li class=\"r ").count(),
        3_000,
        "rows are capped"
    );
    assert!(r.body.contains("The list stops after 3000 rows"));
    assert!(r.body.len() < 8 * 1024 * 1024);
}

#[tokio::test]
async fn simulator_pages_are_public_unless_private() {
    let app = TestApp::new();
    for path in [
        "/sim",
        "/sim/checkout/1",
        "/sim/upload",
        "/tools/traceparent",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    let app = TestApp::with(|c| c.private = true);
    let r = app.get("/sim/checkout/1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?next="));
}

#[tokio::test]
async fn traceparent_tool_explains_or_says_why_not() {
    let app = TestApp::new();
    let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let r = app
        .get(&format!("/tools/traceparent?traceparent={valid}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Valid <code>traceparent</code>"));
    for field in [
        "version",
        "trace-id",
        "parent-id",
        "trace-flags",
        "sampled (0x01) is set",
    ] {
        assert!(r.body.contains(field), "{field}");
    }
    assert!(
        r.body
            .contains("<code>4bf92f3577b34da6a3ce929d0e0e4736</code>")
    );

    let upper = "00-4bf92f3577B34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let r = app
        .get(&format!("/tools/traceparent?traceparent={upper}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Invalid <code>traceparent</code>"));
    assert!(
        r.body
            .contains("trace-id: upper-case hex digit at position 14")
    );
    assert!(r.body.contains("<mark>B</mark>"));

    let ff = "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let r = app
        .get(&format!("/tools/traceparent?traceparent={ff}"))
        .await;
    assert!(r.body.contains("version ff is forbidden"));

    let members: Vec<String> = (0..33).map(|i| format!("k{i}=v{i}")).collect();
    let r = app
        .get(&format!(
            "/tools/traceparent?traceparent={valid}&tracestate={}",
            members.join("%2C")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Invalid <code>tracestate</code>"));
    assert!(r.body.contains("33 list members; at most 32 are allowed"));
    let r = app
        .get(&format!(
            "/tools/traceparent?traceparent={valid}&tracestate=rojo%3D00f067aa0ba902b7%2Ccongo%3Dt61rcWkgMzE"
        ))
        .await;
    assert!(r.body.contains("Valid <code>tracestate</code>: 2 members"));

    let r = app
        .get(&format!(
            "/tools/traceparent?traceparent=%3Cscript%3Ealert(1)%3C%2Fscript%3E{}",
            "0".repeat(60)
        ))
        .await;
    assert!(r.body.contains("&#60;script&#62;") && !r.body.contains("<script>alert"));
    let r = app
        .get(&format!(
            "/tools/traceparent?traceparent={}",
            "0".repeat(2000)
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_skewed_child_is_marked_outside_its_parent() {
    let app = TestApp::new();
    let r = app.get("/sim/clock-skew/3").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("outside parent"), "the row is marked");
    assert!(r.body.contains("before its parent"), "the note says how");
    assert!(
        r.body.contains("class=\"pr\""),
        "the parent's range is outlined"
    );
    let plain = app.get("/sim/checkout/3").await;
    assert!(!plain.body.contains("class=\"pr\""));
}
