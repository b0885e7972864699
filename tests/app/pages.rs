//! The foundation: home, lessons, health, errors, headers and limits.

use crate::common::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use spandojo::content::Content;

#[tokio::test]
async fn home_page_describes_the_app() {
    let app = TestApp::new();
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Learn distributed tracing"));
    for level in ["Beginner", "Intermediate", "Senior", "Architect"] {
        assert!(r.body.contains(level), "home lists {level}");
    }
}

#[tokio::test]
async fn lesson_index_lists_every_lesson_in_order() {
    let app = TestApp::new();
    let content = Content::load(None).unwrap();
    let r = app.get("/lessons").await;
    assert_eq!(r.status, StatusCode::OK);
    let mut last = 0;
    for lesson in &content.lessons {
        let at = r
            .body
            .find(&format!("/lessons/{}\"", lesson.slug))
            .unwrap_or_else(|| panic!("index links {}", lesson.slug));
        assert!(at > last, "{} is listed in order", lesson.slug);
        last = at;
    }
}

#[tokio::test]
async fn every_lesson_renders_with_its_title_and_takeaways() {
    let app = TestApp::new();
    let content = Content::load(None).unwrap();
    assert!(content.lessons.len() >= 12, "at least 12 lessons ship");
    for lesson in &content.lessons {
        let r = app.get(&format!("/lessons/{}", lesson.slug)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", lesson.slug);
        let escaped_title = lesson
            .title
            .replace('&', "&amp;")
            .replace('"', "&#34;")
            .replace('\'', "&#39;");
        assert!(
            r.body.contains(&escaped_title),
            "{} shows its title",
            lesson.slug
        );
        assert!(
            r.body.contains("Key takeaways"),
            "{} shows takeaways",
            lesson.slug
        );
    }
}

#[tokio::test]
async fn unknown_lesson_and_unknown_page_are_readable_404s() {
    let app = TestApp::new();
    for path in ["/lessons/no-such-lesson", "/nowhere", "/static/missing.css"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.body.contains("Page not found"), "{path}");
        assert!(r.body.contains("<html"), "{path} is an HTML page");
    }
}

#[tokio::test]
async fn healthz_touches_the_database() {
    let app = TestApp::new();
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ok");
    assert!(app.dir.path().join("data/spandojo.db").exists());
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::new();
    for path in ["/", "/lessons", "/nowhere", "/static/style.css", "/healthz"] {
        let r = app.get(path).await;
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(
            r.headers[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{path}"
        );
        assert!(r.headers.contains_key(header::REFERRER_POLICY), "{path}");
    }
}

#[tokio::test]
async fn pages_carry_no_inline_script() {
    let app = TestApp::new();
    let r = app.get("/").await;
    for chunk in r.body.split("<script").skip(1) {
        assert!(
            chunk.trim_start().starts_with("src="),
            "only external scripts: <script{chunk}"
        );
    }
}

#[tokio::test]
async fn static_assets_have_types_and_cache_headers() {
    let app = TestApp::new();
    let r = app.get("/static/style.css").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(
        r.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(r.body.contains("prefers-color-scheme: dark"));
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = TestApp::new();
    let big = "x".repeat(spandojo::web::MAX_BODY_BYTES + 1);
    let r = app
        .send(
            Request::post("/lessons")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::CONTENT_LENGTH, big.len())
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("Too much data"));
}

#[tokio::test]
async fn wrong_method_is_not_a_server_error() {
    let app = TestApp::new();
    let r = app.post_form("/lessons", "a=b").await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = app.get("/logout").await;
    assert_eq!(r.status, axum::http::StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.body.contains("<html") && r.body.contains("form submission"),
        "a readable page"
    );
}

#[tokio::test]
async fn error_pages_keep_the_members_navigation_and_the_version() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    for (path, status) in [
        ("/no-such-page", StatusCode::NOT_FOUND),
        ("/admin", StatusCode::FORBIDDEN),
        ("/sim/checkout/notanumber", StatusCode::BAD_REQUEST),
    ] {
        let r = ada.get(path).await;
        assert_eq!(r.status, status, "{path}");
        assert!(
            r.body.contains(r#"href="/notes""#),
            "{path}: member navigation"
        );
        assert!(r.body.contains("Log out"), "{path}: {}", r.body);
        assert!(!r.body.contains(r#"href="/login""#), "{path}");
        assert!(
            r.body
                .contains(concat!("spandojo ", env!("CARGO_PKG_VERSION"))),
            "{path}: version"
        );
    }
    let r = app.get("/no-such-page").await;
    assert!(r.body.contains(r#"href="/login""#));
    assert!(
        r.body
            .contains(concat!("spandojo ", env!("CARGO_PKG_VERSION")))
    );
}

#[tokio::test]
async fn pages_link_content_hashed_assets_served_immutable() {
    let app = TestApp::new();
    let home = app.get("/").await;
    let start = home.body.find("/static/h/").expect("a hashed asset URL");
    let url: String = home.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(url.ends_with("/style.css"), "{url}");
    let r = app.get(&url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(r.body.contains("prefers-color-scheme: dark"));
    let stale = app.get("/static/h/0000000000000000/style.css").await;
    assert_eq!(
        stale.status,
        StatusCode::NOT_FOUND,
        "a stale hash is not served"
    );
    assert!(!home.body.contains("?v="), "no version query strings");
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::new();
    for (accept, expected) in [
        ("gzip", "gzip"),
        ("br, gzip", "gzip"),
        ("gzip, deflate, br, zstd", "gzip"),
    ] {
        let r = app
            .send(
                Request::get("/sim/checkout/1")
                    .header(header::ACCEPT_ENCODING, accept)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers[header::CONTENT_ENCODING], expected, "{accept}");
        assert!(!r.raw.starts_with(b"<!doctype"), "the body is compressed");
    }
    let plain = app.get("/sim/checkout/1").await;
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    let r = app
        .send(
            Request::get("/sim/checkout/1")
                .header(header::ACCEPT_ENCODING, "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        r.headers.get(header::CONTENT_ENCODING).is_none(),
        "no brotli: a client that accepts only br gets the page as it is"
    );
}

#[tokio::test]
async fn private_pages_are_not_stored() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    for path in ["/practice", "/notes", "/account", "/", "/no-such-page"] {
        let r = ada.get(path).await;
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "{path}");
    }
    let asset = ada.get("/static/app.js").await;
    assert_ne!(asset.headers[header::CACHE_CONTROL], "no-store");
    let public = app.get("/lessons").await;
    assert!(public.headers.get(header::CACHE_CONTROL).is_none());
}

#[tokio::test]
async fn links_where_members_expect_them() {
    let app = TestApp::new();
    let home = app.get("/").await;
    for level in ["beginner", "intermediate", "senior", "architect"] {
        assert!(
            home.body
                .contains(&format!(r#"<a href="/practice/{level}">"#)),
            "home links {level}'s practice"
        );
    }
    assert!(
        home.body.contains(r#"<a href="/tools/traceparent">"#),
        "navigation"
    );
    let trace = app.get("/sim/checkout/1").await;
    assert!(trace.body.contains(r#"aria-describedby="spans-help""#));
    assert!(trace.body.contains("repeats the entry operation"));
}
