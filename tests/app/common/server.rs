//! A real `spandojo serve` process for tests that need one: start it on a
//! port the system chooses, and talk HTTP/1.1 to it over plain sockets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};

use crate::common::{PASSWORD, encode};

/// A `spandojo serve` child on 127.0.0.1 with ports the system chose;
/// killed when dropped, so a failing assertion leaves no server behind.
pub struct Server {
    pub child: Child,
    /// The web server.
    pub addr: SocketAddr,
    /// The OTLP/HTTP receiver (`--otlp-http-addr`), when started with OTLP.
    pub otlp_http: Option<SocketAddr>,
    /// The OTLP/gRPC receiver (`--otlp-grpc-addr`), when started with OTLP.
    pub otlp_grpc: Option<SocketAddr>,
}

impl Server {
    /// Kills the server (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `spandojo serve --data data` and reads the addresses it reports
/// binding; its other stdout lines are drained. With `otlp`, both OTLP
/// receivers listen on 127.0.0.1:0 too; without, they are off.
pub fn start(data: &Path, otlp: bool) -> Server {
    let mut command = if otlp {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_spandojo"));
        c.args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--otlp-http-addr",
            "127.0.0.1:0",
            "--otlp-grpc-addr",
            "127.0.0.1:0",
        ]);
        c
    } else {
        crate::common::serve_command("127.0.0.1:0")
    };
    let mut child = command
        .args(["--data"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let (mut addr, mut otlp_http, mut otlp_grpc) = (None, None, None);
    while addr.is_none() || (otlp && (otlp_http.is_none() || otlp_grpc.is_none())) {
        let line = lines
            .next()
            .expect("the server prints its addresses")
            .expect("a line");
        if let Some(rest) = line.strip_prefix("spandojo is running at http://") {
            let bound = rest.split('/').next().unwrap_or_default();
            addr = Some(bound.parse().expect("an address"));
        } else if let Some(rest) = line.strip_prefix("OTLP/HTTP receiver at http://") {
            let bound = rest.trim_end_matches("/v1/traces");
            otlp_http = Some(bound.parse().expect("an address"));
        } else if let Some(rest) = line.strip_prefix("OTLP/gRPC receiver at ") {
            otlp_grpc = Some(rest.parse().expect("an address"));
        }
    }
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        addr: addr.expect("read above"),
        otlp_http,
        otlp_grpc,
    }
}

/// One HTTP/1.1 exchange on a new connection; (status, headers+body).
pub fn http(addr: SocketAddr, request: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(request.as_bytes())?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {reply:?}")))?;
    Ok((status, reply))
}

pub fn cookie(reply: &str, name: &str) -> Option<String> {
    reply
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

pub fn post(
    addr: SocketAddr,
    path: &str,
    cookies: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    http(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Logs in as `user`; returns the `Cookie` header value and the CSRF token.
pub fn login(addr: SocketAddr, user: &str) -> (String, String) {
    let (_, reply) = http(
        addr,
        &format!("GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .expect("the login page");
    let csrf = cookie(&reply, "sd_csrf").expect("a CSRF cookie");
    let (status, reply) = post(
        addr,
        "/login",
        &format!("sd_csrf={csrf}"),
        &format!("csrf={csrf}&username={user}&password={}", encode(PASSWORD)),
    )
    .expect("login");
    assert_eq!(status, 303, "{reply}");
    let session = cookie(&reply, "sd_session").expect("a session");
    let csrf = cookie(&reply, "sd_csrf").unwrap_or(csrf);
    (format!("sd_session={session}; sd_csrf={csrf}"), csrf)
}
