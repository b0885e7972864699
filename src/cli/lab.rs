//! `spandojo sim lab`: the sampling lab from the shell, with a throughput
//! figure (spans generated and evaluated per second) for benchmarking.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::Args;
use serde::Serialize;
use spandojo::content::Content;
use spandojo::sim::sampling::{
    LabConfig, LabReport, Pipeline, Routing, Strategy, explain, parse_head, parse_tail, preset,
};

/// The strategy grammar, shown by `spandojo sim lab --help`.
const GRAMMAR: &str = "\
Head strategies (--head SPEC, decided at the root and carried in the sampled flag):
  always_on | always_off
  ratio=P                  TraceIdRatioBased(P) in every service; P is 0.1 or 10%
  parent_based=ROOT        ParentBased; ROOT is always_on, always_off, ratio:P or consistent:P
  consistent=P             consistent probability: keep when the trace id's lowest 56 bits
                           >= (1-P)*2^56; writes ot=th:<hex> into tracestate
  alone=P                  every span decides alone with probability P (broken traces)
  probability=P            ProbabilitySampler in every service (R >= T on the trace id's 56
                           random bits; writes ot=th:<hex>); ratio=P (TraceIdRatioBased) is
                           deprecated by the specification in favour of it
  env:NAME[=ARG]           an OTEL_TRACES_SAMPLER value and its OTEL_TRACES_SAMPLER_ARG:
                           always_on, always_off, traceidratio, parentbased_always_on,
                           parentbased_always_off, parentbased_traceidratio, jaeger_remote and
                           parentbased_jaeger_remote (their initial sampler); also
                           --otel-traces-sampler NAME --otel-traces-sampler-arg ARG
  composite=S              CompositeSampler; S is always_on, always_off, probability(P),
                           parent_threshold(S) or rule_based(PRED -> S, ...) with PRED one of
                           *, root, kind=server|client|..., attr:KEY=V1|V2

Tail strategies (--tail SPEC, one tail sampling processor; comma-separated policies):
  status_code=error        also ok, unset, or several: error|unset
  latency>800ms            whole-ms duration > 800 (threshold_ms: 800, exclusive)
  latency>=800ms           whole-ms duration >= 800 (threshold_ms: 799); units finer
                           than 1 ms (20999us) are refused, not truncated
  latency=(800ms,5s]       800 < whole-ms duration <= 5000 (upper_threshold_ms)
  probabilistic=5%         FNV-1a of salt + trace id (or 0.05)
  span_count>=50           also >49, <=20, <21, =[2,20] (bounds inclusive)
  attr:KEY=V1|V2           string attribute on a span or its resource; KEY!=V inverts
                           (invert_match), KEY~=REGEX matches unanchored RE2
  attr:KEY>=N              numeric attribute: >=N, >N, <=N, <N, =[N,M], !=[N,M]
  bool:KEY=true            boolean_attribute (bool:KEY!=true inverts)
  trace_state:K=V|W, trace_flags
  rate_limit=1000sps       token bucket of spans per second (burst 2x), whole numbers
  bytes_limit=1000000      token bucket of bytes per second (/2000000: burst)
  and(P,P,...)             every sub-policy samples
  drop:P | drop(P,P,...)   drop the trace when every sub-policy samples
  composite(max=1000sps,P@50%,P@25%,P@0%)
                           the first sampling sub-policy decides within its whole-percent
                           allocation (@0%: max/n; the processor gives 0 to an unlisted one)
  decision_wait=10s        wait after a trace's first span (default 30s)
  num_traces=50000         traces the processor keeps in memory (default 50000)
  sample_on_first_match, sampled_cache=N, non_sampled_cache=N, disable_invert_decisions
  A trace is kept when no policy drops it and at least one samples it.

Collector YAML (--collector-config FILE): a whole Collector file (every tail_sampling
or tail_sampling/NAME processor becomes a strategy), one processor, or its body; every
policy type of the processor, ottl_condition included. Unknown keys are refused with
their line. --print-collector-config writes each tail strategy back as YAML.

Without --head/--tail/--preset the lab runs
  --head parent_based=ratio:0.1 --tail status_code=error,latency>=<SLO>ms,probabilistic=10%

Examples:
  spandojo sim lab --scenario checkout --traces 1000000 --json
  spandojo sim lab --scenario study-sheet --head ratio=0.1 --tail status_code=error,latency>=50ms
  spandojo sim lab --preset head-vs-tail
  spandojo sim lab --scenario checkout --head 'env:parentbased_traceidratio=0.1' \
    --head 'composite=parent_threshold(rule_based(kind=server -> probability(0.5), * -> always_off))'";

/// Arguments of `spandojo sim lab`.
#[derive(Args)]
#[command(after_help = GRAMMAR)]
pub struct LabArgs {
    /// Scenario name, e.g. checkout (required unless --preset gives one).
    #[arg(long)]
    scenario: Option<String>,
    /// Number of traces in the population (1 to 1,000,000).
    #[arg(long)]
    traces: Option<u64>,
    /// Population seed: the same seed gives the same traces.
    #[arg(long)]
    seed: Option<u64>,
    /// Traffic rate in traces per second (default: the scenario's).
    #[arg(long)]
    rate: Option<f64>,
    /// A trace longer than this many milliseconds counts as slow
    /// (default: about the population's p95, from its first traces).
    #[arg(long)]
    slo_ms: Option<f64>,
    /// Storage cost of one span in bytes.
    #[arg(long)]
    bytes_per_span: Option<u64>,
    /// A head strategy (repeatable); see the grammar below.
    #[arg(long = "head", value_name = "SPEC")]
    head: Vec<String>,
    /// A tail strategy (repeatable); see the grammar below.
    #[arg(long = "tail", value_name = "SPEC")]
    tail: Vec<String>,
    /// A head strategy given as the SDK's OTEL_TRACES_SAMPLER value.
    #[arg(long, value_name = "NAME")]
    otel_traces_sampler: Option<String>,
    /// Its OTEL_TRACES_SAMPLER_ARG.
    #[arg(long, value_name = "ARG", requires = "otel_traces_sampler")]
    otel_traces_sampler_arg: Option<String>,
    /// Threads generating the population (default: the available cores);
    /// the report is the same for any number.
    #[arg(long)]
    threads: Option<usize>,
    /// Collector replicas behind a load balancer that run every tail
    /// strategy, each deciding on the spans it receives (1 to 16; default 1).
    #[arg(long, value_name = "N")]
    collectors: Option<u32>,
    /// How the load balancer routes spans to the replicas: traceID (the
    /// loadbalancing exporter's default), round_robin (span by span) or
    /// service (by service.name).
    #[arg(long, value_name = "ROUTING")]
    routing: Option<String>,
    /// Start from a lab preset (head-vs-tail, errors-only, latency-slo,
    /// broken-propagation, rate-limited, cost-budget, load-balancing);
    /// flags override it.
    #[arg(long)]
    preset: Option<String>,
    /// An OpenTelemetry Collector YAML file: each `tail_sampling` processor
    /// in it becomes a tail strategy.
    #[arg(long = "collector-config", value_name = "FILE")]
    collector_config: Option<PathBuf>,
    /// Collector feature gates, comma-separated; the lab knows
    /// `processor.tailsamplingprocessor.disableinvertdecisions`.
    #[arg(long = "feature-gates", value_name = "GATES")]
    feature_gates: Option<String>,
    /// Print the Collector YAML of every tail strategy, and do not run.
    #[arg(long)]
    print_collector_config: bool,
    /// Read scenarios from this content directory instead of the built-in copy.
    #[arg(long = "content", env = "SPANDOJO_CONTENT")]
    content_dir: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// The JSON output: the report plus timing.
#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    report: &'a LabReport,
    seconds: f64,
    spans_per_sec: f64,
    ns_per_span: f64,
    /// Threads that generated the population.
    threads: usize,
    peak_rss_mb: Option<f64>,
}

/// Runs `spandojo sim lab`.
pub fn lab(args: LabArgs) -> anyhow::Result<ExitCode> {
    let preset = match args.preset.as_deref() {
        Some(name) => Some(preset(name).with_context(|| {
            let names: Vec<&str> = spandojo::sim::sampling::PRESETS
                .iter()
                .map(|p| p.name)
                .collect();
            format!("unknown preset `{name}`; known: {}", names.join(", "))
        })?),
        None => None,
    };
    let content = Content::load(args.content_dir.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = args
        .scenario
        .as_deref()
        .or(preset.map(|p| p.scenario))
        .context("give --scenario NAME (or --preset)")?;
    let Some(sc) = content.scenarios.get(name) else {
        bail!(
            "unknown scenario `{name}`; known: {}",
            content.scenarios.names().join(", ")
        );
    };
    let seed = args.seed.or(preset.map(|p| p.seed)).unwrap_or(1);
    let slo_ms = match args.slo_ms.or(preset.map(|p| p.slo_ms)) {
        Some(ms) => ms,
        None => spandojo::sim::sampling::suggest_slo_ms(sc, seed),
    };
    let mut strategies: Vec<Strategy> = Vec::new();
    for h in &args.head {
        strategies.push(parse_head(h).map_err(|e| anyhow::anyhow!("--head {e}"))?);
    }
    if let Some(name) = &args.otel_traces_sampler {
        let arg = args.otel_traces_sampler_arg.as_deref();
        let spec = spandojo::sim::sampling::spec::parse_env(name, arg)
            .map_err(|e| anyhow::anyhow!("--otel-traces-sampler {e}"))?;
        let text = match arg {
            Some(a) => format!("env:{name}={a}"),
            None => format!("env:{name}"),
        };
        strategies.push(Strategy {
            name: text,
            kind: spandojo::sim::sampling::StrategyKind::Head(spec),
        });
    }
    for t in &args.tail {
        strategies.push(parse_tail(t).map_err(|e| anyhow::anyhow!("--tail {e}"))?);
    }
    let mut disable_invert = false;
    for gate in args.feature_gates.iter().flat_map(|g| g.split(',')) {
        match gate.trim().trim_start_matches('+') {
            "processor.tailsamplingprocessor.disableinvertdecisions" => disable_invert = true,
            "" => {}
            other => bail!(
                "unknown feature gate `{other}`; the lab knows \
                 processor.tailsamplingprocessor.disableinvertdecisions"
            ),
        }
    }
    if let Some(path) = &args.collector_config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let from_yaml = spandojo::sim::sampling::collector::parse(&text, disable_invert)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        strategies.extend(from_yaml);
    }
    if disable_invert {
        for s in &mut strategies {
            if let spandojo::sim::sampling::StrategyKind::Tail(t) = &mut s.kind {
                t.disable_invert_decisions = true;
            }
        }
    }
    if strategies.is_empty() {
        let defaults: Vec<String> = match preset {
            Some(p) => p.strategies.iter().map(|s| s.to_string()).collect(),
            None => vec![
                "parent_based=ratio:0.1".to_string(),
                format!("status_code=error,latency>={slo_ms}ms,probabilistic=10%"),
            ],
        };
        for s in defaults {
            strategies.push(
                spandojo::sim::sampling::parse_strategy(&s).map_err(|e| anyhow::anyhow!("{e}"))?,
            );
        }
    }
    if args.print_collector_config {
        for s in &strategies {
            match spandojo::sim::sampling::collector::strategy_yaml(s) {
                Some(y) => println!("# {}\n{y}", s.name),
                None => println!(
                    "# {}: a head (SDK) sampler, no Collector processor\n",
                    s.name
                ),
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = LabConfig {
        traces: args.traces.or(preset.map(|p| p.traces)).unwrap_or(100_000),
        rate_per_sec: args
            .rate
            .or(preset.and_then(|p| p.rate_per_sec))
            .unwrap_or(sc.rate_per_sec),
        seed,
        slo_ms,
        bytes_per_span: args
            .bytes_per_span
            .or(preset.map(|p| p.bytes_per_span))
            .unwrap_or(500),
        pipeline: Pipeline {
            collectors: args
                .collectors
                .or(preset.map(|p| p.pipeline.collectors))
                .unwrap_or(1),
            routing: match &args.routing {
                Some(r) => Routing::parse(r).map_err(|e| anyhow::anyhow!("--routing: {e}"))?,
                None => preset.map(|p| p.pipeline.routing).unwrap_or_default(),
            },
        },
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = Instant::now();
    let report = spandojo::sim::sampling::run_threads(sc, &cfg, &strategies, threads)
        .map_err(anyhow::Error::msg)?;
    let seconds = started.elapsed().as_secs_f64();
    let spans_per_sec = report.spans as f64 / seconds.max(1e-9);
    if args.json {
        let out = JsonOut {
            report: &report,
            seconds,
            spans_per_sec,
            ns_per_span: seconds * 1e9 / (report.spans.max(1) as f64),
            threads,
            peak_rss_mb: peak_rss_mb(),
        };
        println!("{}", serde_json::to_string(&out)?);
    } else {
        print_table(&report, &strategies, seconds, spans_per_sec);
        println!(
            "({threads} generating threads, generator version {})",
            report.generator
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

fn ms(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.0}"))
}

fn print_table(r: &LabReport, specs: &[Strategy], seconds: f64, sps: f64) {
    println!(
        "{}: {} traces, {} spans ({} with errors, {} slower than {} ms), seed {}, {:.1} traces/s",
        r.scenario,
        r.traces,
        r.spans,
        r.error_traces,
        r.slow_traces,
        r.slo_ms,
        r.seed,
        r.rate_per_sec
    );
    println!(
        "true duration p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms; run took {seconds:.2} s ({:.2} M spans/s)\n",
        r.true_p50_ms,
        r.true_p95_ms,
        r.true_p99_ms,
        sps / 1e6
    );
    if let Some(p) = explain::pipeline(r) {
        println!(
            "{p} ({} routing, {} traces split)\n",
            r.pipeline.routing, r.routed_apart_traces
        );
    }
    for (spec, s) in specs.iter().zip(&r.strategies) {
        println!("{} {}", s.kind, s.name);
        println!(
            "  kept {} traces ({:.2}%), {} spans ({:.1} MB); errors {}/{}; slow {}/{}; complete {}, broken {}",
            s.traces_kept,
            s.traces_kept_pct,
            s.spans_kept,
            s.bytes_kept as f64 / 1e6,
            s.error_traces_kept,
            s.error_traces_total,
            s.slow_traces_kept,
            s.slow_traces_total,
            s.complete_traces,
            s.broken_traces
        );
        println!(
            "  p50 {} / weighted {} ms; p95 {} / {} ms; p99 {} / {} ms (true {:.0} / {:.0} / {:.0})",
            ms(s.p50_ms),
            ms(s.p50_weighted_ms),
            ms(s.p95_ms),
            ms(s.p95_weighted_ms),
            ms(s.p99_ms),
            ms(s.p99_weighted_ms),
            s.true_p50_ms,
            s.true_p95_ms,
            s.true_p99_ms
        );
        if let (Some(t), Some(sp)) = (s.peak_buffered_traces, s.peak_buffered_spans) {
            println!(
                "  late spans {}, traces lost before a decision {}, peak buffer {t} traces / {sp} spans",
                s.late_spans, s.lost_traces
            );
            if s.cache_hits > 0 {
                println!("  spans answered by a decision cache {}", s.cache_hits);
            }
            if r.pipeline.collectors > 1 {
                println!(
                    "  partly kept traces {}, traces whose parts were decided differently {}",
                    s.broken_traces,
                    s.disagreeing_traces.unwrap_or(0)
                );
            }
        }
        if let Some(ts) = &s.tracestate {
            println!("  tracestate {ts}");
        }
        println!("  {}\n", explain::note(r, spec, s));
    }
    println!("{}", explain::lesson(r, specs));
}
