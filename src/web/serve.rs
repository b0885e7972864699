//! The HTTP server loop: hyper's HTTP/1 connection with a header-read
//! timeout, a cap on open connections per client IP address, and a graceful
//! shutdown that waits a bounded time for open connections.
//!
//! axum's own `axum::serve` sets none of these limits, so this follows its
//! loop (accept, add `ConnectInfo`, serve; no upgrades, the app has no WebSockets) on hyper-util's
//! `TokioIo`, `TokioTimer` and `GracefulShutdown`. Request bodies get their
//! deadline from [`crate::web::router`] (tower-http's
//! `RequestBodyDeadlineLayer`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// Limits of the server loop.
#[derive(Debug, Clone)]
pub struct ServeLimits {
    /// Longest time a client may take to send a request's headers (hyper's
    /// `header_read_timeout`, also the idle time between keep-alive requests).
    pub header_read: Duration,
    /// Most open connections from one IP address; more are closed at once.
    pub per_ip: usize,
    /// Longest wait for open connections after shutdown was asked for.
    pub drain: Duration,
}

impl Default for ServeLimits {
    /// 10 s for headers, 64 connections per address, 5 s to drain.
    fn default() -> Self {
        ServeLimits {
            header_read: Duration::from_secs(10),
            per_ip: 64,
            drain: Duration::from_secs(5),
        }
    }
}

type Counts = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One open connection counted against its address; uncounted on drop.
struct Slot {
    counts: Counts,
    ip: IpAddr,
}

impl Slot {
    fn take(counts: &Counts, ip: IpAddr, cap: usize) -> Option<Slot> {
        let mut map = counts.lock().ok()?;
        let open = map.entry(ip).or_insert(0);
        if *open >= cap {
            return None;
        }
        *open += 1;
        Some(Slot {
            counts: counts.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.counts.lock()
            && let Some(open) = map.get_mut(&self.ip)
        {
            *open = open.saturating_sub(1);
            if *open == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits up to
/// [`ServeLimits::drain`] for open connections to finish.
///
/// Each request carries `ConnectInfo<SocketAddr>`. A connection over the
/// per-address cap is closed without an answer; one whose headers do not
/// arrive in time is closed by hyper (with a 408 when it had started).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let counts: Counts = Arc::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: wait, then go on.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = Slot::take(&counts, addr.ip(), limits.per_ip) else {
            tracing::warn!(client = %addr.ip(), "too many connections from one address");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = tower::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(addr));
            let app = app.clone();
            async move {
                let response = app.oneshot(request.map(Body::new)).await;
                Ok::<_, Infallible>(match response {
                    Ok(response) => response,
                    Err(never) => match never {},
                })
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open at shutdown");
    }
}
