//! Plain-language reading of a lab report: one paragraph on what the
//! numbers teach, and one sentence per strategy.

use crate::sim::sampling::pipeline::Routing;
use crate::sim::sampling::report::{LabReport, StrategyReport, counted};
use crate::sim::sampling::spec::{HeadSpec, Named, Policy, RootSampler, Strategy, StrategyKind};

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        "none".to_string()
    } else {
        format!("{:.0}%", part as f64 * 100.0 / whole as f64)
    }
}

/// The kinds of trace the population has ("error traces", "slow
/// traces"), each with the share of them the strategy kept.
fn kinds(r: &LabReport, s: &StrategyReport) -> Vec<(&'static str, String)> {
    [
        ("error traces", s.error_traces_kept, r.error_traces),
        ("slow traces", s.slow_traces_kept, r.slow_traces),
    ]
    .into_iter()
    .filter(|&(_, _, whole)| whole > 0)
    .map(|(kind, part, whole)| (kind, share(part, whole)))
    .collect()
}

/// "40% of error traces and 75% of slow traces", naming only the kinds
/// the population has; None when it has neither.
fn kept_of_kinds(r: &LabReport, s: &StrategyReport) -> Option<String> {
    let kinds: Vec<String> = kinds(r, s)
        .into_iter()
        .map(|(kind, kept)| format!("{kept} of {kind}"))
        .collect();
    (!kinds.is_empty()).then(|| kinds.join(" and "))
}

fn off_pct(est: f64, truth: f64) -> f64 {
    if truth > 0.0 {
        (est - truth) / truth * 100.0
    } else {
        0.0
    }
}

fn uses_rate(ps: &[Named]) -> bool {
    ps.iter().any(|p| match &p.policy {
        Policy::RateLimiting { .. } | Policy::BytesLimiting { .. } | Policy::Composite { .. } => {
            true
        }
        Policy::And(s) | Policy::Drop(s) => uses_rate(s),
        _ => false,
    })
}

fn has_probabilistic(s: &Strategy) -> bool {
    fn any(ps: &[Named]) -> bool {
        ps.iter().any(|p| match &p.policy {
            Policy::Probabilistic { .. } => true,
            Policy::And(s) | Policy::Drop(s) => any(s),
            _ => false,
        })
    }
    matches!(&s.kind, StrategyKind::Tail(t) if any(&t.policies))
}

fn is_rate_limited(s: &Strategy) -> bool {
    matches!(&s.kind, StrategyKind::Tail(t) if uses_rate(&t.policies))
}

fn is_alone(s: &Strategy) -> bool {
    matches!(s.kind, StrategyKind::Head(HeadSpec::Alone(_)))
}

/// TraceIdRatioBased, which the specification deprecates.
fn is_trace_id_ratio(s: &Strategy) -> bool {
    matches!(
        s.kind,
        StrategyKind::Head(HeadSpec::Ratio(_) | HeadSpec::ParentBased(RootSampler::Ratio(_)))
    )
}

/// One sentence on what a strategy's row shows.
pub fn note(r: &LabReport, spec: &Strategy, s: &StrategyReport) -> String {
    let mut out = format!(
        "Kept {} of traces ({}){}.",
        share(s.traces_kept, r.traces),
        counted(s.spans_kept, "span", "spans"),
        match kept_of_kinds(r, s) {
            Some(what) => format!(", {what}"),
            None => String::new(),
        }
    );
    if s.broken_traces > 0 {
        let why = if is_alone(spec) {
            "each service decided alone"
        } else if s.late_spans > 0 || s.lost_traces > 0 {
            "late spans or evictions split their decisions"
        } else if r.split_traces > 0 {
            "each trace id (a lost traceparent starts a new one) was decided on its own"
        } else {
            "their spans were decided apart"
        };
        out.push_str(&format!(
            " {} {} kept in part: {why}.",
            counted(s.broken_traces, "trace", "traces"),
            if s.broken_traces == 1 { "was" } else { "were" }
        ));
    }
    if let (Some(raw), Some(w)) = (s.p50_ms, s.p50_weighted_ms) {
        let off = off_pct(raw, r.true_p50_ms);
        if off.abs() >= 5.0 {
            out.push_str(&format!(
                " Its raw p50 ({raw:.0} ms) is {off:+.0}% off the true {:.0} ms; weighted: {w:.0} ms.",
                r.true_p50_ms
            ));
        }
    }
    if s.late_spans > 0 {
        out.push_str(&format!(
            " {} arrived after the decision time.",
            counted(s.late_spans, "span", "spans")
        ));
    }
    if s.lost_traces > 0 {
        out.push_str(&format!(
            " {} lost spans to a full buffer before a decision.",
            counted(s.lost_traces, "trace", "traces")
        ));
    }
    if let (Some(t), Some(sp)) = (s.peak_buffered_traces, s.peak_buffered_spans) {
        out.push_str(&format!(
            " The collector held up to {} ({}) in memory.",
            counted(t, "trace", "traces"),
            counted(sp, "span", "spans")
        ));
    }
    if let (true, Some(d)) = (r.pipeline.collectors > 1, s.disagreeing_traces) {
        out.push_str(&format!(
            " Across the {} replicas, {} kept only in part and {} decisions \
             that disagree (some replica kept its spans, another dropped its own).",
            r.pipeline.collectors,
            counted(s.broken_traces, "trace was", "traces were"),
            counted(d, "trace got", "traces got")
        ));
    }
    if let Some(ts) = &s.tracestate {
        out.push_str(&format!(" Kept spans carry tracestate {ts}."));
    }
    if is_trace_id_ratio(spec) {
        out.push_str(
            " TraceIdRatioBased is deprecated in favour of ProbabilitySampler (probability=P), \
             whose threshold every SDK computes alike and which records it in tracestate.",
        );
    }
    out
}

/// One sentence on the Collector tier, when there are several replicas.
pub fn pipeline(r: &LabReport) -> Option<String> {
    let p = r.pipeline;
    if p.collectors <= 1 {
        return None;
    }
    let how = match p.routing {
        Routing::TraceId => "by trace id, so each replica sees whole traces",
        Routing::RoundRobin => "span by span in turn, unaware of traces",
        Routing::Service => "by service.name, so a trace is split across its services' replicas",
    };
    Some(format!(
        "Tail strategies ran on {} Collector replicas behind a load balancer routing {how}: \
         {} of traces reached more than one replica, where each part was decided alone. \
         Head strategies decide in the SDK and are not affected.",
        p.collectors,
        share(r.routed_apart_traces, r.traces)
    ))
}

/// The paragraph: what the numbers of this run teach.
pub fn lesson(r: &LabReport, specs: &[Strategy]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let rows: Vec<(&Strategy, &StrategyReport)> = specs.iter().zip(&r.strategies).collect();
    if let (Some(max), Some(min)) = (
        rows.iter().map(|(_, s)| s.bytes_kept).max(),
        rows.iter().map(|(_, s)| s.bytes_kept).min(),
    ) && max > min
    {
        parts.push(format!(
            "Storage follows the spans kept: from {:.1} MB down to {:.1} MB for the same {} requests.",
            max as f64 / 1e6,
            min as f64 / 1e6,
            r.traces
        ));
    }
    let head = rows.iter().find(|(spec, s)| {
        matches!(spec.kind, StrategyKind::Head(_))
            && !is_alone(spec)
            && s.broken_traces == 0
            && s.traces_kept > 0
            && s.traces_kept < r.traces
    });
    if let Some((_, s)) = head {
        let kinds: Vec<String> = kinds(r, s)
            .into_iter()
            .map(|(kind, kept)| format!("{kind} ({kept})"))
            .collect();
        let seen = if kinds.is_empty() {
            format!(
                "kept {} of traces, whatever they held",
                share(s.traces_kept, r.traces)
            )
        } else {
            format!(
                "kept {} about as often as any other ({})",
                kinds.join(" and "),
                share(s.traces_kept, r.traces)
            )
        };
        parts.push(format!(
            "Head sampling decides before anything has happened, so “{}” {seen}: it is cheap and unbiased (what it keeps is a fair sample, so its raw p50 of {} ms already estimates the true {:.0} ms) but blind to errors and slowness.",
            s.name,
            s.p50_ms.map_or("—".to_string(), |v| format!("{v:.0}")),
            r.true_p50_ms
        ));
    }
    let calm = |s: &StrategyReport| {
        s.traces_kept > 0 && s.lost_traces == 0 && s.late_spans == 0 && s.broken_traces == 0
    };
    let tails: Vec<&(&Strategy, &StrategyReport)> = rows
        .iter()
        .filter(|(spec, s)| {
            matches!(spec.kind, StrategyKind::Tail(_)) && !is_rate_limited(spec) && calm(s)
        })
        .collect();
    let weighted = tails.iter().find(|(spec, _)| has_probabilistic(spec));
    if let Some((_, s)) = weighted.or(tails.first()) {
        let (raw, w) = (s.p50_ms.unwrap_or(0.0), s.p50_weighted_ms.unwrap_or(0.0));
        let fix = if weighted.is_some() {
            format!(
                "counting each kept trace with its adjusted count (1 for the traces its rules select, 1/p for the probabilistic rest) brings it back to {w:.0} ms"
            )
        } else {
            "with no probabilistic policy there is no adjusted count to correct it with".to_string()
        };
        let what = match kept_of_kinds(r, s) {
            Some(what) => format!("kept {what}"),
            None => format!("kept {} of traces", share(s.traces_kept, r.traces)),
        };
        parts.push(format!(
            "Tail sampling sees the whole trace first: “{}” {what}. What it keeps over-represents what its policies select, so its raw p50 is {raw:.0} ms against a true {:.0} ms ({:+.0}%); {fix}.",
            s.name,
            r.true_p50_ms,
            off_pct(raw, r.true_p50_ms)
        ));
    }
    if rows
        .iter()
        .any(|(_, s)| s.late_spans > 0 || s.lost_traces > 0)
    {
        parts.push("A tail sampler pays in memory and time: it holds every trace for decision_wait, spans that arrive after the decision can only follow it, and a buffer smaller than rate × decision_wait evicts traces before they are decided.".to_string());
    }
    if rows.iter().any(|(_, s)| s.broken_traces > 0) {
        parts.push("Traces break when spans of one request are sampled by different decisions: services deciding alone, or a lost traceparent that starts a new trace id with its own decision.".to_string());
    }
    if rows.iter().any(|(spec, _)| is_rate_limited(spec)) {
        parts.push("Rate limits cap the spans kept per second whatever the traffic, but record no sampling probability, so counts and percentiles from their keeps cannot be re-weighted.".to_string());
    }
    if parts.is_empty() {
        parts.push("Every strategy here keeps all or nothing; add a sampler with a probability to compare.".to_string());
    }
    parts.join(" ")
}
