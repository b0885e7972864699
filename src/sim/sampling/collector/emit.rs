//! Writing a tail strategy as the Collector YAML that configures it: a
//! `processors:` section with one `tail_sampling` processor, every setting
//! explicit, strings double-quoted (JSON escapes are valid YAML), durations
//! in the largest whole Go unit. Reading the text back with
//! [`crate::sim::sampling::collector::parse`] gives the same strategy.

use std::fmt::Write as _;

use crate::sim::sampling::spec::{Named, Policy, TailSpec};

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A duration in the largest Go unit that holds it whole (`30s`, `1500ms`).
pub fn go_duration(ns: u64) -> String {
    for (unit, size) in [
        ("h", 3_600_000_000_000u64),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
    ] {
        if ns >= size && ns.is_multiple_of(size) {
            return format!("{}{unit}", ns / size);
        }
    }
    format!("{ns}ns")
}

/// The processor `id` (`tail_sampling` or `tail_sampling/NAME`) as a
/// Collector configuration.
pub fn to_yaml(id: &str, spec: &TailSpec) -> String {
    let mut o = String::new();
    if spec.disable_invert_decisions {
        o.push_str(
            "# Run the Collector with --feature-gates=processor.tailsamplingprocessor.disableinvertdecisions\n",
        );
    }
    let _ = writeln!(o, "processors:\n  {id}:");
    let _ = writeln!(
        o,
        "    decision_wait: {}",
        go_duration(spec.decision_wait_ns)
    );
    let _ = writeln!(o, "    num_traces: {}", spec.num_traces);
    if spec.expected_new_traces_per_sec > 0 {
        let _ = writeln!(
            o,
            "    expected_new_traces_per_sec: {}",
            spec.expected_new_traces_per_sec
        );
    }
    if spec.sample_on_first_match {
        o.push_str("    sample_on_first_match: true\n");
    }
    if spec.drop_pending_traces_on_shutdown {
        o.push_str("    drop_pending_traces_on_shutdown: true\n");
    }
    if spec.sampled_cache_size > 0 || spec.non_sampled_cache_size > 0 {
        let _ = writeln!(
            o,
            "    decision_cache:\n      sampled_cache_size: {}\n      non_sampled_cache_size: {}",
            spec.sampled_cache_size, spec.non_sampled_cache_size
        );
    }
    o.push_str("    policies:\n");
    for p in &spec.policies {
        policy(&mut o, p, 6);
    }
    o
}

fn policy(o: &mut String, p: &Named, indent: usize) {
    let pad = " ".repeat(indent);
    let ty = p.policy.type_name();
    let _ = writeln!(o, "{pad}- name: {}\n{pad}  type: {ty}", q(&p.name));
    let mut fields: Vec<String> = Vec::new();
    let mut f = |k: &str, v: String| fields.push(format!("{k}: {v}"));
    match &p.policy {
        Policy::AlwaysSample | Policy::TraceFlags => return,
        Policy::Latency {
            threshold_ms,
            upper_threshold_ms,
        } => {
            f("threshold_ms", threshold_ms.to_string());
            if *upper_threshold_ms > 0 {
                f("upper_threshold_ms", upper_threshold_ms.to_string());
            }
        }
        Policy::NumericAttribute {
            key,
            min_value,
            max_value,
            invert_match,
        } => {
            f("key", q(key));
            if let Some(v) = min_value {
                f("min_value", v.to_string());
            }
            if let Some(v) = max_value {
                f("max_value", v.to_string());
            }
            if *invert_match {
                f("invert_match", "true".into());
            }
        }
        Policy::Probabilistic {
            hash_salt,
            sampling_percentage,
        } => {
            if !hash_salt.is_empty() {
                f("hash_salt", q(hash_salt));
            }
            f("sampling_percentage", sampling_percentage.to_string());
        }
        Policy::StatusCode(codes) => {
            let c: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
            f("status_codes", format!("[{}]", c.join(", ")));
        }
        Policy::StringAttribute {
            key,
            values,
            enabled_regex_matching,
            cache_max_size,
            invert_match,
        } => {
            f("key", q(key));
            f("values", list(values));
            if *enabled_regex_matching {
                f("enabled_regex_matching", "true".into());
            }
            if *cache_max_size > 0 {
                f("cache_max_size", cache_max_size.to_string());
            }
            if *invert_match {
                f("invert_match", "true".into());
            }
        }
        Policy::RateLimiting { spans_per_second } => {
            f("spans_per_second", spans_per_second.to_string())
        }
        Policy::BytesLimiting {
            bytes_per_second,
            burst_capacity,
        } => {
            f("bytes_per_second", bytes_per_second.to_string());
            if *burst_capacity > 0 {
                f("burst_capacity", burst_capacity.to_string());
            }
        }
        Policy::SpanCount {
            min_spans,
            max_spans,
        } => {
            f("min_spans", min_spans.to_string());
            if *max_spans > 0 {
                f("max_spans", max_spans.to_string());
            }
        }
        Policy::TraceState { key, values } => {
            f("key", q(key));
            f("values", list(values));
        }
        Policy::BooleanAttribute {
            key,
            value,
            invert_match,
        } => {
            f("key", q(key));
            f("value", value.to_string());
            if *invert_match {
                f("invert_match", "true".into());
            }
        }
        Policy::OttlCondition {
            error_mode,
            span,
            spanevent,
        } => {
            f("error_mode", error_mode.as_str().into());
            if !span.is_empty() {
                f("span", list(span));
            }
            if !spanevent.is_empty() {
                f("spanevent", list(spanevent));
            }
        }
        Policy::And(subs) | Policy::Drop(subs) => {
            let key = if ty == "and" {
                "and_sub_policy"
            } else {
                "drop_sub_policy"
            };
            let _ = writeln!(o, "{pad}  {ty}:\n{pad}    {key}:");
            for s in subs {
                policy(o, s, indent + 6);
            }
            return;
        }
        Policy::Composite {
            max_total_spans_per_second,
            policy_order,
            subs,
            rate_allocation,
        } => {
            let _ = writeln!(
                o,
                "{pad}  composite:\n{pad}    max_total_spans_per_second: {max_total_spans_per_second}"
            );
            if !policy_order.is_empty() {
                let _ = writeln!(o, "{pad}    policy_order: {}", list(policy_order));
            }
            let _ = writeln!(o, "{pad}    composite_sub_policy:");
            for s in subs {
                policy(o, s, indent + 6);
            }
            if !rate_allocation.is_empty() {
                let _ = writeln!(o, "{pad}    rate_allocation:");
                for (name, pct) in rate_allocation {
                    let _ = writeln!(
                        o,
                        "{pad}      - policy: {}\n{pad}        percent: {pct}",
                        q(name)
                    );
                }
            }
            return;
        }
    }
    let _ = writeln!(o, "{pad}  {ty}:");
    for line in fields {
        let _ = writeln!(o, "{pad}    {line}");
    }
}
