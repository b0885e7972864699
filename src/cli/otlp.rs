//! `spandojo serve`'s OTLP options and the two receiver listeners
//! (OTLP/HTTP on `--otlp-http-addr`, OTLP/gRPC on `--otlp-grpc-addr`).

use std::future::Future;
use std::net::SocketAddr;

use anyhow::{Context as _, bail};
use clap::Args;
use spandojo::otlp::receiver::{QUEUE, Settings, parse_addr};
use spandojo::store::traces::{Limits, MAX_SPANS_PER_MEMBER, MAX_SPANS_PER_TRACE};
use spandojo::web::AppState;
use spandojo::web::serve::ServeLimits;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// OTLP receiver options of `serve`.
#[derive(Args)]
pub struct OtlpArgs {
    /// OTLP/HTTP listener (POST /v1/traces), or `off`; the main address serves it too.
    #[arg(
        long,
        env = "SPANDOJO_OTLP_HTTP_ADDR",
        default_value = "127.0.0.1:4318"
    )]
    otlp_http_addr: String,
    /// OTLP/gRPC listener (TraceService/Export), or `off`.
    #[arg(
        long,
        env = "SPANDOJO_OTLP_GRPC_ADDR",
        default_value = "127.0.0.1:4317"
    )]
    otlp_grpc_addr: String,
    /// Most received spans kept per member; the oldest traces are evicted first.
    #[arg(long, env = "SPANDOJO_OTLP_MAX_SPANS", default_value_t = MAX_SPANS_PER_MEMBER)]
    otlp_max_spans: u64,
    /// Most spans kept per trace; later spans of a full trace are rejected.
    #[arg(long, env = "SPANDOJO_OTLP_MAX_TRACE_SPANS", default_value_t = MAX_SPANS_PER_TRACE)]
    otlp_max_trace_spans: u64,
    /// How long a received trace is kept after its last span: e.g. 7d, 12h, 30m.
    #[arg(long, env = "SPANDOJO_OTLP_RETENTION", default_value = "7d")]
    otlp_retention: String,
    /// OTLP requests decoded and written at once; more get 503 with Retry-After.
    #[arg(long, env = "SPANDOJO_OTLP_QUEUE", default_value_t = QUEUE)]
    otlp_queue: usize,
}

/// `7d`, `12h`, `30m` or `90s` in seconds (1 minute to 3650 days).
pub fn parse_retention(text: &str) -> anyhow::Result<i64> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.len().saturating_sub(1));
    let per = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => bail!("--otlp-retention takes a duration like 7d, 12h or 30m, not {text:?}"),
    };
    let n: i64 = digits
        .parse()
        .with_context(|| format!("--otlp-retention: {text:?} is not a duration like 7d"))?;
    let secs = n.saturating_mul(per);
    if !(60..=3650 * 86_400).contains(&secs) {
        bail!("--otlp-retention must be between 1 minute and 3650 days");
    }
    Ok(secs)
}

impl OtlpArgs {
    /// The receiver settings these options give.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let addr = |flag: &str, v: &str| -> anyhow::Result<Option<SocketAddr>> {
            parse_addr(v).map_err(|e| anyhow::anyhow!("--{flag}: {e}"))
        };
        if self.otlp_max_spans == 0 || self.otlp_max_trace_spans == 0 {
            bail!("--otlp-max-spans and --otlp-max-trace-spans must be at least 1");
        }
        Ok(Settings {
            http_addr: addr("otlp-http-addr", &self.otlp_http_addr)?,
            grpc_addr: addr("otlp-grpc-addr", &self.otlp_grpc_addr)?,
            limits: Limits {
                max_spans_per_member: self.otlp_max_spans,
                max_spans_per_trace: self.otlp_max_trace_spans,
                retention_secs: parse_retention(&self.otlp_retention)?,
            },
            queue: self.otlp_queue,
        })
    }
}

/// The running receiver listeners.
pub struct Receivers(Vec<JoinHandle<()>>);

impl Receivers {
    /// Waits for the listeners to stop.
    pub async fn finish(self) {
        for task in self.0 {
            let _ = task.await;
        }
    }
}

/// The OTLP listeners, bound before the app is built.
pub struct Listeners {
    http: Option<tokio::net::TcpListener>,
    grpc: Option<tokio::net::TcpListener>,
}

/// Binds the OTLP listeners of `settings` and rewrites their addresses to
/// the ones really bound (with port 0 the system chooses), so that the
/// endpoint the pages and `token create` print is the one that answers.
pub async fn bind(settings: &mut Settings) -> anyhow::Result<Listeners> {
    let mut listeners = Listeners {
        http: None,
        grpc: None,
    };
    if let Some(addr) = settings.http_addr {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on {addr} (--otlp-http-addr; `off` disables it)")
        })?;
        settings.http_addr = Some(listener.local_addr().unwrap_or(addr));
        listeners.http = Some(listener);
    }
    if let Some(addr) = settings.grpc_addr {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on {addr} (--otlp-grpc-addr; `off` disables it)")
        })?;
        settings.grpc_addr = Some(listener.local_addr().unwrap_or(addr));
        listeners.grpc = Some(listener);
    }
    Ok(listeners)
}

/// Runs the receiver's maintenance every
/// [`MAINTAIN_EVERY_SECS`](spandojo::otlp::receiver::MAINTAIN_EVERY_SECS),
/// the first time at start, for as long as the server runs.
async fn maintain(receiver: spandojo::otlp::receiver::Receiver) {
    let every = std::time::Duration::from_secs(spandojo::otlp::receiver::MAINTAIN_EVERY_SECS);
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match receiver.maintain().await {
            Ok(done) if done.traces + done.orphans > 0 => tracing::info!(
                traces = done.traces,
                orphans = done.orphans,
                "received traces maintained"
            ),
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "cannot maintain received traces")
            }
        }
    }
}

/// Starts the OTLP listeners [`bind`] made. Returns the shutdown future for
/// the main server (it resolves when `stop` does, and stops the listeners
/// too) and their tasks.
pub fn start(
    state: &AppState,
    listeners: Listeners,
    stop: impl Future<Output = ()> + Send + 'static,
    limits: ServeLimits,
) -> (impl Future<Output = ()> + Send + 'static, Receivers) {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        stop.await;
        let _ = tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let mut tasks = Vec::new();
    let receiver = state.otlp.clone();
    let done = stopped(rx.clone());
    tasks.push(tokio::spawn(async move {
        tokio::select! {
            () = maintain(receiver) => {}
            () = done => {}
        }
    }));
    if let Some(listener) = listeners.http {
        let app = spandojo::web::traces::otlp_http::listener(state.clone());
        if let Ok(addr) = listener.local_addr() {
            println!("OTLP/HTTP receiver at http://{addr}/v1/traces");
        }
        let done = stopped(rx.clone());
        let limits = limits.clone();
        tasks.push(tokio::spawn(async move {
            spandojo::web::serve::serve(listener, app, limits, done).await;
        }));
    }
    if let Some(listener) = listeners.grpc {
        if let Ok(addr) = listener.local_addr() {
            println!("OTLP/gRPC receiver at {addr}");
        }
        let receiver = state.otlp.clone();
        let done = stopped(rx.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(err) = spandojo::otlp::grpc::serve(listener, receiver, done).await {
                tracing::error!(error = %format!("{err:#}"), "the OTLP/gRPC receiver stopped");
            }
        }));
    }
    (stopped(rx), Receivers(tasks))
}
