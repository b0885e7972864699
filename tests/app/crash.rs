//! The crash test: the real binary serves note saves from several clients
//! at once, is killed with SIGKILL in the middle of them, and started again
//! on the same data directory; every save it acknowledged (a 303 to the
//! note) must be there. Work is bounded by counts, not time.

#![cfg(unix)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::server::{http, login, post, start};
use crate::common::{PASSWORD, encode};

/// Clients saving at once.
const CLIENTS: usize = 4;
/// Most saves one client tries.
const SAVES_PER_CLIENT: usize = 150;
/// Acknowledged saves after which the server is killed.
const KILL_AFTER: usize = 60;

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
    let mut server = start(&data, false);
    let addr = server.addr;
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
    server.kill();
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= KILL_AFTER, "{}", acknowledged.len());
    assert!(
        acknowledged.len() < CLIENTS * SAVES_PER_CLIENT,
        "killed while saves were still coming"
    );

    let mut server = start(&data, false);
    let addr = server.addr;
    let (cookies, _) = login(addr, "ada");
    let (status, page) = http(
        addr,
        &format!(
            "GET /notes HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
        ),
    )
    .unwrap();
    server.kill();
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
