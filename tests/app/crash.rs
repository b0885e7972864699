//! The crash test: the real binary serves note saves from several clients
//! at once, is killed with SIGKILL in the middle of them, and started again
//! on the same data directory; every save it acknowledged (a 303 to the
//! note) must be there. Work is bounded by counts, not time.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::{PASSWORD, encode};

/// Clients saving at once.
const CLIENTS: usize = 4;
/// Most saves one client tries.
const SAVES_PER_CLIENT: usize = 150;
/// Acknowledged saves after which the server is killed.
const KILL_AFTER: usize = 60;

/// Starts `spandojo serve` on 127.0.0.1:0 and reads the address it bound.
fn start(data: &Path) -> (Child, SocketAddr) {
    let mut child = crate::common::serve_command("127.0.0.1:0")
        .args(["--data"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .expect("a line");
        if let Some(rest) = line.strip_prefix("spandojo is running at http://") {
            let addr = rest.split('/').next().unwrap_or_default();
            break addr.parse().expect("an address");
        }
    };
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// One HTTP/1.1 exchange on a new connection; (status, headers+body).
fn http(addr: SocketAddr, request: &str) -> std::io::Result<(u16, String)> {
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

fn cookie(reply: &str, name: &str) -> Option<String> {
    reply
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

fn post(addr: SocketAddr, path: &str, cookies: &str, body: &str) -> std::io::Result<(u16, String)> {
    http(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Logs in as `user`; returns the `Cookie` header value and the CSRF token.
fn login(addr: SocketAddr, user: &str) -> (String, String) {
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

#[test]
fn every_acknowledged_save_survives_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let store = spandojo::store::Store::open(&data.join("spandojo.db")).unwrap();
        let hash = spandojo::accounts::hash_password(PASSWORD).unwrap();
        store
            .call_blocking(|c| spandojo::store::users::create(c, "ada", "Ada", &hash, true, 0))
            .unwrap()
            .expect("a new member");
    }
    let (mut server, addr) = start(&data);
    let (cookies, csrf) = login(addr, "ada");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (cookies, csrf) = (cookies.clone(), csrf.clone());
            let (acknowledged, count) = (acknowledged.clone(), count.clone());
            std::thread::spawn(move || {
                for i in 0..SAVES_PER_CLIENT {
                    let title = format!("crash-{client}-{i}");
                    let body = format!(
                        "csrf={csrf}&title={title}&body={}&action=save",
                        encode(&format!("saved by client {client}, number {i}\n").repeat(40))
                    );
                    match post(addr, "/notes", &cookies, &body) {
                        Ok((303, _)) => {
                            acknowledged.lock().unwrap().push(title);
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        // Killed: connections are refused or cut.
                        Ok(_) | Err(_) => break,
                    }
                }
            })
        })
        .collect();
    // Kill once KILL_AFTER saves are acknowledged (bounded by the clients'
    // own limit: when they all stop, so does the wait).
    while count.load(Ordering::SeqCst) < KILL_AFTER && !clients.iter().all(|c| c.is_finished()) {
        std::thread::yield_now();
    }
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= KILL_AFTER, "{}", acknowledged.len());
    assert!(
        acknowledged.len() < CLIENTS * SAVES_PER_CLIENT,
        "killed while saves were still coming"
    );

    let (mut server, addr) = start(&data);
    let (cookies, _) = login(addr, "ada");
    let (status, page) = http(
        addr,
        &format!(
            "GET /notes HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
        ),
    )
    .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 200);
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|t| !page.contains(&format!(">{t}<")))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged saves lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
}
