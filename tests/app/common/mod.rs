//! Shared helpers: a fresh app on a temporary database per test, driven
//! through `tower::ServiceExt::oneshot`, and a cookie-carrying client.
#![allow(dead_code)]

pub mod notes;
pub mod practice;
pub mod server;

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use spandojo::Config;
use spandojo::store::Store;
use tempfile::TempDir;
use tower::ServiceExt;

/// One app instance with its own data directory.
pub struct TestApp {
    pub app: Router,
    pub store: Store,
    pub dir: TempDir,
}

/// A response with its body read.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as bytes, for downloads.
    pub raw: Vec<u8>,
}

impl Reply {
    /// The `Location` header of a redirect.
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// All `Set-Cookie` headers.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }
}

impl TestApp {
    /// A fresh app with embedded content and an empty database.
    pub fn new() -> TestApp {
        Self::with(|_| {})
    }

    /// A fresh app with a configuration adjusted by `adjust`.
    pub fn with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::new(dir.path().join("data"));
        // The test harness keeps both cores busy with its own threads, under
        // which idle-class heavy work would starve into its deadline.
        config.budget.idle_priority = false;
        // Tests send heavy requests back to back from one client; the rate
        // limit has tests of its own (budget::tests).
        config.budget.starts_per_window = 0;
        adjust(&mut config);
        let state = spandojo::web::build_state(config).expect("app builds");
        let store = state.store.clone();
        TestApp {
            app: spandojo::web::router(state),
            store,
            dir,
        }
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
            raw: bytes.to_vec(),
        }
    }

    /// GET `path` without cookies.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    /// POST a urlencoded form to `path` without cookies.
    pub async fn post_form(&self, path: &str, form: &str) -> Reply {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_string()))
                .expect("request"),
        )
        .await
    }

    /// A new browser-like client with its own cookie jar.
    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            cookies: HashMap::new(),
        }
    }

    /// Creates a member directly in the store and returns a client logged in as them.
    pub async fn member(&self, username: &str, admin: bool) -> Client<'_> {
        let hash = spandojo::accounts::hash_password(PASSWORD).unwrap();
        let name = username.to_string();
        self.store
            .call(move |c| {
                spandojo::store::users::create(c, &name, &name, &hash, admin, 1_700_000_000)
            })
            .await
            .unwrap()
            .expect("username free");
        let mut client = self.client();
        let r = client.login(username, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login works: {}", r.body);
        client
    }

    /// Runs one query against the database.
    pub async fn query_i64(&self, sql: &'static str) -> i64 {
        self.store
            .call(move |c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .await
            .unwrap()
    }
}

/// The password test members use.
pub const PASSWORD: &str = "a long enough password";

/// A client that keeps cookies between requests and fills in the CSRF field.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub cookies: HashMap<String, String>,
}

impl Client<'_> {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, reply: &Reply) {
        for cookie in reply.set_cookies() {
            let first = cookie.split(';').next().unwrap_or("");
            if let Some((name, value)) = first.split_once('=') {
                if cookie.contains("Max-Age=0") || value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
    }

    /// The CSRF token from the cookie jar (fetching a page first if needed).
    pub async fn csrf(&mut self) -> String {
        if !self.cookies.contains_key("sd_csrf") {
            self.get("/").await;
        }
        self.cookies.get("sd_csrf").cloned().unwrap_or_default()
    }

    /// GET with cookies.
    pub async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::HOST, "localhost")
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        let reply = self.app.send(request).await;
        self.keep_cookies(&reply);
        reply
    }

    /// POST a form with cookies and the CSRF token; `fields` are unencoded pairs.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = self.csrf().await;
        let mut body = format!("csrf={csrf}");
        for (k, v) in fields {
            body.push_str(&format!("&{}={}", encode(k), encode(v)));
        }
        self.post_raw(path, body, &[]).await
    }

    /// POST a raw urlencoded body with cookies and extra headers.
    pub async fn post_raw(&mut self, path: &str, body: String, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::post(path)
            .header(header::HOST, "localhost")
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let reply = self
            .app
            .send(request.body(Body::from(body)).expect("request"))
            .await;
        self.keep_cookies(&reply);
        reply
    }

    /// POST a `multipart/form-data` body to `path`: the CSRF token as its
    /// first field (as the upload forms send it), then the file as `file`.
    pub async fn post_file(&mut self, path: &str, file_name: &str, data: &[u8]) -> Reply {
        self.post_file_with(path, file_name, data, true).await
    }

    /// Like [`Client::post_file`]; without `Content-Length` when `sized` is
    /// false, as a streamed upload would come.
    pub async fn post_file_with(
        &mut self,
        path: &str,
        file_name: &str,
        data: &[u8],
        sized: bool,
    ) -> Reply {
        let csrf = self.csrf().await;
        let (content_type, body) = multipart(&[("csrf", &csrf)], Some((file_name, data)));
        self.send_multipart(path, content_type, body, sized).await
    }

    /// Like [`Client::post_file`], with no CSRF field at all.
    pub async fn post_file_without_token(
        &mut self,
        path: &str,
        file_name: &str,
        data: &[u8],
    ) -> Reply {
        let (content_type, body) = multipart(&[], Some((file_name, data)));
        self.send_multipart(path, content_type, body, true).await
    }

    /// POST a `multipart/form-data` body built by [`multipart`] with cookies,
    /// the CSRF token put in front as its first field.
    pub async fn post_multipart(&mut self, path: &str, body: (String, Vec<u8>)) -> Reply {
        let (content_type, bytes) = body;
        let csrf = self.csrf().await;
        let mut with_token = format!(
            "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        )
        .into_bytes();
        with_token.extend_from_slice(&bytes);
        self.post_multipart_raw(path, (content_type, with_token))
            .await
    }

    /// POST a `multipart/form-data` body exactly as given, with cookies.
    pub async fn post_multipart_raw(&mut self, path: &str, body: (String, Vec<u8>)) -> Reply {
        let (content_type, bytes) = body;
        self.send_multipart(path, content_type, bytes, true).await
    }

    /// Sends a multipart body, with `Content-Length` when `sized`.
    async fn send_multipart(
        &mut self,
        path: &str,
        content_type: String,
        body: Vec<u8>,
        sized: bool,
    ) -> Reply {
        let mut request = Request::post(path)
            .header(header::HOST, "localhost")
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, content_type);
        if sized {
            request = request.header(header::CONTENT_LENGTH, body.len());
        }
        let request = request.body(Body::from(body)).expect("request");
        let reply = self.app.send(request).await;
        self.keep_cookies(&reply);
        reply
    }

    /// Logs in through the form.
    pub async fn login(&mut self, username: &str, password: &str) -> Reply {
        self.post("/login", &[("username", username), ("password", password)])
            .await
    }
}

/// Percent-encodes a form value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The boundary of [`multipart`]'s bodies.
const MULTIPART_BOUNDARY: &str = "spandojo-test-boundary-7f3a";

/// A `multipart/form-data` body: text `fields`, then a file field named
/// `file` when given. Returns (content type, body).
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    const BOUNDARY: &str = MULTIPART_BOUNDARY;
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/json\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// `spandojo serve --addr ADDR` with the OTLP receivers off: their fixed
/// default ports (4317, 4318) would collide with the other servers that
/// tests start at the same time. The caller adds `--data` and the rest.
pub fn serve_command(addr: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_spandojo"));
    command.args([
        "serve",
        "--addr",
        addr,
        "--otlp-http-addr",
        "off",
        "--otlp-grpc-addr",
        "off",
    ]);
    command
}
