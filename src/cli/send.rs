//! `spandojo sim send`: generated traces, with timestamps from now, sent to
//! any OTLP backend in batches, with retries, a progress line on stderr and
//! a summary (sent, rejected, retried) on stdout, or one JSON object.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use clap::Args;
use spandojo::send::{
    Batch, BatchOutcome, Batcher, DEFAULT_BATCH_SPANS, Protocol, RetryPolicy, Summary, Transport,
    send_with_retry,
};
use spandojo::sim::sampling::population::trace_seed;
use spandojo::sim::{GenerateOptions, generate_with};
use tokio::task::JoinSet;

use crate::ContentArgs;

/// Most traces one run sends.
const MAX_TRACES: u64 = 100_000_000;

/// `spandojo sim send`.
#[derive(Args)]
pub struct SendArgs {
    /// OTLP endpoint: http://HOST:4318 (the path /v1/traces is added when the URL has none) or, with --protocol grpc, http://HOST:4317.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    endpoint: String,
    /// http/protobuf, http/json or grpc.
    #[arg(
        long,
        env = "OTEL_EXPORTER_OTLP_PROTOCOL",
        default_value = "http/protobuf"
    )]
    protocol: String,
    /// A header to send with every request, as KEY=VALUE (the value percent-decoded, as in OTEL_EXPORTER_OTLP_HEADERS); repeatable. OTEL_EXPORTER_OTLP_HEADERS is read too.
    #[arg(long = "header", value_name = "KEY=VALUE")]
    headers: Vec<String>,
    /// Scenario name (see `spandojo sim list`).
    #[arg(long)]
    scenario: String,
    /// How many traces to send (1 to 100000000).
    #[arg(long)]
    traces: u64,
    /// Traces per second (a steady pace); as fast as the backend takes them when left out.
    #[arg(long)]
    rate: Option<f64>,
    /// Seed of the population: trace i is the one `sim lab` draws for (seed, i).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Spans per request (1 to 10000).
    #[arg(long, default_value_t = DEFAULT_BATCH_SPANS)]
    batch_spans: usize,
    /// Requests in flight at once (1 to 64).
    #[arg(long, default_value_t = 2)]
    concurrency: usize,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    content: ContentArgs,
}

/// Parses `KEY=VALUE` pairs, percent-decoding the values (the
/// `OTEL_EXPORTER_OTLP_HEADERS` format of the OpenTelemetry SDK
/// configuration: comma-separated, W3C Baggage-like).
pub fn parse_headers(items: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for item in items {
        let Some((k, v)) = item.split_once('=') else {
            bail!("--header {item:?} must be KEY=VALUE");
        };
        let k = k.trim();
        if k.is_empty() {
            bail!("--header {item:?} has an empty key");
        }
        let v = percent_encoding::percent_decode_str(v.trim())
            .decode_utf8()
            .with_context(|| format!("--header {k}: the value is not UTF-8 once decoded"))?;
        out.push((k.to_string(), v.into_owned()));
    }
    Ok(out)
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Runs `sim send`; exit 1 when nothing was accepted or a fatal answer stopped it.
pub fn send(args: SendArgs) -> anyhow::Result<ExitCode> {
    let protocol = Protocol::parse(args.protocol.trim()).with_context(|| {
        format!(
            "--protocol must be http/protobuf, http/json or grpc, not {:?}",
            args.protocol
        )
    })?;
    if !(1..=MAX_TRACES).contains(&args.traces) {
        bail!(
            "--traces must be from 1 to {MAX_TRACES}, not {}",
            args.traces
        );
    }
    if let Some(r) = args.rate
        && !(r.is_finite() && r > 0.0 && r <= 1e7)
    {
        bail!("--rate must be a number of traces per second above 0 and at most 10000000, not {r}");
    }
    if !(1..=10_000).contains(&args.batch_spans) {
        bail!(
            "--batch-spans must be from 1 to 10000, not {}",
            args.batch_spans
        );
    }
    if !(1..=64).contains(&args.concurrency) {
        bail!(
            "--concurrency must be from 1 to 64, not {}",
            args.concurrency
        );
    }
    if !(1..=600).contains(&args.timeout) {
        bail!(
            "--timeout must be from 1 to 600 seconds, not {}",
            args.timeout
        );
    }
    let mut header_items: Vec<String> = std::env::var("OTEL_EXPORTER_OTLP_HEADERS")
        .ok()
        .map(|v| {
            v.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    header_items.extend(args.headers.iter().cloned());
    let headers = parse_headers(&header_items)?;
    let content = crate::cli::sim::load(&args.content)?;
    let sc = crate::cli::sim::scenario(&content, &args.scenario)?.clone();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let summary = runtime.block_on(async move {
        let transport = Transport::new(
            &args.endpoint,
            protocol,
            &headers,
            Duration::from_secs(args.timeout),
        )
        .map_err(anyhow::Error::msg)?;
        let mut summary = Summary {
            endpoint: spandojo::send::transport::target_url(&args.endpoint, protocol)
                .unwrap_or_default(),
            protocol: protocol.as_str().into(),
            ..Summary::default()
        };
        let mut progress = Progress::new(args.traces);
        let started = Instant::now();
        let policy = RetryPolicy::default();
        let mut batcher = Batcher::new(args.batch_spans);
        let mut in_flight: JoinSet<BatchOutcome> = JoinSet::new();
        let mut stop = false;
        for i in 0..args.traces {
            if let Some(rate) = args.rate {
                let due = started + Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(due.into()).await;
            }
            let opts = GenerateOptions {
                start_unix_nano: Some(now_ns()),
                ..GenerateOptions::default()
            };
            let trace = generate_with(&sc, trace_seed(args.seed, i), &opts);
            summary.traces += 1;
            summary.spans += trace.spans.len() as u64;
            for batch in batcher.push(&trace) {
                stop = dispatch(
                    &mut in_flight,
                    &transport,
                    batch,
                    &policy,
                    args.concurrency,
                    &mut summary,
                )
                .await;
                if stop {
                    break;
                }
            }
            progress.show(&summary, started);
            if stop {
                break;
            }
        }
        if !stop && let Some(batch) = batcher.finish() {
            dispatch(
                &mut in_flight,
                &transport,
                batch,
                &policy,
                args.concurrency,
                &mut summary,
            )
            .await;
        }
        while let Some(done) = in_flight.join_next().await {
            if let Ok(o) = done {
                summary.add(&o);
            }
            progress.show(&summary, started);
        }
        summary.seconds = started.elapsed().as_secs_f64();
        summary.spans_per_second = if summary.seconds > 0.0 {
            summary.sent as f64 / summary.seconds
        } else {
            0.0
        };
        progress.done(&summary, started);
        Ok::<_, anyhow::Error>(summary)
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&summary)?)?;
    } else {
        writeln!(
            out,
            "{} trace{}, {} span{} in {} request{} to {} ({}): {} spans sent, {} rejected, {} retries; {:.1} s, {:.0} spans/s",
            summary.traces,
            plural(summary.traces),
            summary.spans,
            plural(summary.spans),
            summary.requests,
            plural(summary.requests),
            summary.endpoint,
            summary.protocol,
            summary.sent,
            summary.rejected,
            summary.retried,
            summary.seconds,
            summary.spans_per_second
        )?;
        if let Some(e) = &summary.last_error {
            writeln!(out, "last error: {e}")?;
        }
    }
    // Spans refused by a partial success are the backend's verdict on
    // them; a batch lost whole (or nothing accepted) is a failed run.
    Ok(if summary.sent == 0 || summary.failed_requests > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Starts sending `batch`, first waiting for a slot when `limit` requests are
/// in flight; returns true when an answer says to stop (a fatal failure).
async fn dispatch(
    in_flight: &mut JoinSet<BatchOutcome>,
    transport: &Transport,
    batch: Batch,
    policy: &RetryPolicy,
    limit: usize,
    summary: &mut Summary,
) -> bool {
    let mut fatal = false;
    while in_flight.len() >= limit {
        if let Some(Ok(o)) = in_flight.join_next().await {
            fatal |= o.fatal;
            summary.add(&o);
        }
    }
    if fatal {
        summary.rejected += batch.spans as u64;
        return true;
    }
    let transport = transport.clone();
    let policy = *policy;
    in_flight.spawn(async move { send_with_retry(&transport, &batch, &policy).await });
    false
}

/// The progress line on stderr: redrawn in place on a terminal (at most
/// every 200 ms), otherwise one line every 5 s.
struct Progress {
    total: u64,
    tty: bool,
    last: Option<Instant>,
}

impl Progress {
    fn new(total: u64) -> Progress {
        Progress {
            total,
            tty: std::io::stderr().is_terminal(),
            last: None,
        }
    }

    fn show(&mut self, s: &Summary, started: Instant) {
        let every = if self.tty {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        if self.last.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        self.last = Some(Instant::now());
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        let line = format!(
            "{}/{} traces, {} spans sent, {} rejected, {} retries, {:.0} spans/s",
            s.traces,
            self.total,
            s.sent,
            s.rejected,
            s.retried,
            s.sent as f64 / secs
        );
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            write!(err, "\r{line}\x1b[K")
        } else {
            writeln!(err, "{line}")
        };
    }

    /// Draws the final counts (so the last line is never a stale one),
    /// and ends the line on a terminal.
    fn done(&mut self, s: &Summary, started: Instant) {
        self.last = None;
        self.show(s, started);
        if self.tty {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// "s" unless `n` is 1.
fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
