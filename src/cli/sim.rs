//! `spandojo sim …` and `spandojo traceparent`: the simulator from the shell.
//!
//! To add a subcommand (e.g. `sim lab`), add a variant to [`SimCommand`] and
//! an arm to [`run`]; its code can live in its own module.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use spandojo::content::Content;
use spandojo::sim::generate::MAX_SPANS;
use spandojo::sim::{
    GenerateOptions, GeneratorVersion, Scenario, explain, generate_with, parse_traceparent,
    parse_tracestate, render_tree, to_jaeger_json, to_otlp_json, to_zipkin_json,
};

use crate::ContentArgs;

/// `spandojo sim …`.
#[derive(Subcommand)]
pub enum SimCommand {
    /// List the scenarios.
    List {
        #[command(flatten)]
        content: ContentArgs,
    },
    /// Generate one trace and print it as a tree, OTLP JSON or Jaeger JSON.
    Trace(TraceArgs),
    /// Push one generated population through head and tail samplers side by side.
    Lab(Box<crate::cli::lab::LabArgs>),
    /// Send generated traces (timestamps from now) to an OTLP backend: a Collector, Jaeger, Tempo or spandojo.
    Send(crate::cli::send::SendArgs),
}

/// `spandojo sim trace`.
#[derive(Args)]
pub struct TraceArgs {
    /// Scenario name (see `spandojo sim list`).
    #[arg(long)]
    scenario: String,
    /// Seed: a whole number from 0 to 18446744073709551615; the same seed gives the same trace.
    #[arg(long, default_value = "1")]
    seed: String,
    /// Output: tree, otlp-json, jaeger-json or zipkin-json.
    #[arg(long, default_value = "tree")]
    format: String,
    /// Keep repeating the entry operation's calls until the trace has at least this many spans (at most 200000).
    #[arg(long, default_value = "0")]
    spans: String,
    /// Generator version that draws the trace (1, 2 or 3; default: the current one). The same seed gives another trace under each version; the viewer's `?generator=N`.
    #[arg(long)]
    generator: Option<String>,
    #[command(flatten)]
    content: ContentArgs,
}

/// Runs a `sim` subcommand.
pub fn run(command: SimCommand) -> anyhow::Result<ExitCode> {
    match command {
        SimCommand::List { content } => list(&content),
        SimCommand::Trace(args) => trace(args),
        SimCommand::Lab(args) => crate::cli::lab::lab(*args),
        SimCommand::Send(args) => crate::cli::send::send(args),
    }
}

pub(crate) fn load(content: &ContentArgs) -> anyhow::Result<Content> {
    Content::load(content.content_dir.as_deref()).map_err(|errors| {
        anyhow::anyhow!(
            "the content is invalid ({} errors; run `spandojo check`)",
            errors.0.len()
        )
    })
}

fn list(content: &ContentArgs) -> anyhow::Result<ExitCode> {
    let content = load(content)?;
    let mut out = std::io::stdout().lock();
    for sc in content.scenarios.iter() {
        writeln!(
            out,
            "{:<20} {:>4} services  ~{:<6} spans  {}",
            sc.name,
            sc.services.len(),
            format!("{:.0}", sc.expected_spans),
            sc.title
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn scenario<'a>(content: &'a Content, name: &str) -> anyhow::Result<&'a Scenario> {
    match content.scenarios.get(name) {
        Some(sc) => Ok(sc),
        None => bail!(
            "unknown scenario {name:?}; choose one of: {}",
            content.scenarios.names().join(", ")
        ),
    }
}

fn trace(args: TraceArgs) -> anyhow::Result<ExitCode> {
    let seed: u64 = args.seed.trim().parse().with_context(|| {
        format!(
            "--seed must be a whole number from 0 to {}, not {:?}",
            u64::MAX,
            args.seed
        )
    })?;
    let spans: usize = args
        .spans
        .trim()
        .parse()
        .ok()
        .filter(|&n| n <= MAX_SPANS)
        .with_context(|| {
            format!(
                "--spans must be a whole number from 0 to {MAX_SPANS}, not {:?}",
                args.spans
            )
        })?;
    let format = args.format.as_str();
    if !matches!(format, "tree" | "otlp-json" | "jaeger-json" | "zipkin-json") {
        bail!("--format must be tree, otlp-json, jaeger-json or zipkin-json, not {format:?}");
    }
    let version = match &args.generator {
        None => GeneratorVersion::CURRENT,
        Some(v) => v
            .parse::<GeneratorVersion>()
            .map_err(|e| anyhow::anyhow!("--generator {e}"))?,
    };
    let content = load(&args.content)?;
    let sc = scenario(&content, &args.scenario)?;
    let opts = GenerateOptions {
        min_spans: spans,
        start_unix_nano: None,
        version,
    };
    let t = generate_with(sc, seed, &opts);
    let text = match format {
        "tree" => render_tree(&t),
        "otlp-json" => to_otlp_json(&t) + "\n",
        "zipkin-json" => to_zipkin_json(&t) + "\n",
        _ => to_jaeger_json(&t) + "\n",
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `spandojo traceparent HEADER [--tracestate TS]`: explains the header;
/// exit 0 when valid, 1 with the reason when not.
pub fn traceparent(header: &str, tracestate: Option<&str>) -> anyhow::Result<ExitCode> {
    let tp = match parse_traceparent(header) {
        Ok(tp) => tp,
        Err(e) => {
            eprintln!("spandojo: invalid traceparent: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let state = match tracestate.map(parse_tracestate).transpose() {
        Ok(state) => state,
        Err(e) => {
            eprintln!("spandojo: invalid tracestate: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "traceparent is valid")?;
    for (field, value, meaning) in explain(&tp) {
        writeln!(out, "  {field:<12} {value:<33} {meaning}")?;
    }
    if let Some(state) = state {
        writeln!(out, "tracestate is valid: {} members", state.entries.len())?;
        for (k, v) in &state.entries {
            writeln!(out, "  {k} = {v}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
