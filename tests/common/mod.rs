//! Shared helpers: a fresh app on a temporary database per test, driven
//! through `tower::ServiceExt::oneshot`.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use spandojo::Config;
use tempfile::TempDir;
use tower::ServiceExt;

/// One app instance with its own data directory.
pub struct TestApp {
    pub app: Router,
    pub dir: TempDir,
}

/// A response with its body read.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestApp {
    /// A fresh app with embedded content and an empty database.
    pub fn new() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = spandojo::build_app(Config::new(dir.path().join("data"))).expect("app builds");
        TestApp { app, dir }
    }

    /// Sends a request and reads the whole reply.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// GET `path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    /// POST a urlencoded form to `path`.
    pub async fn post_form(&self, path: &str, form: &str) -> Reply {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_string()))
                .expect("request"),
        )
        .await
    }
}
