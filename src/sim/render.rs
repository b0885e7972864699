//! Plain-text rendering of a trace as an indented tree (for the CLI).

use std::fmt::Write;

use crate::sim::trace::{SpanKind, Status, Trace, hex};

/// Renders every root and its descendants as an ASCII tree:
/// `service: name  12.345 ms  [kind]` with error and async marks, and a
/// note on spans that lie outside their parent (clock skew, timeouts).
pub fn render_tree(trace: &Trace) -> String {
    let children = trace.children();
    let outside = crate::sim::analysis::outside_parent(trace);
    let mut out = String::new();
    let roots: Vec<usize> = (0..trace.spans.len())
        .filter(|&i| trace.spans[i].parent.is_none())
        .collect();
    let base = trace.spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
    for (n, &r) in roots.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let s = &trace.spans[r];
        let _ = writeln!(out, "trace {}", hex(&s.trace_id));
        // (span, prefix for its children, is_last)
        let mut stack: Vec<(usize, String, bool, bool)> = vec![(r, String::new(), true, true)];
        while let Some((i, prefix, last, is_root)) = stack.pop() {
            let s = &trace.spans[i];
            let service = trace
                .services
                .get(s.service)
                .map(|x| &*x.name)
                .unwrap_or("?");
            if !is_root {
                out.push_str(&prefix);
                out.push_str(if last { "`-- " } else { "|-- " });
            }
            let _ = write!(
                out,
                "{service}: {}  {:.3} ms  [{}] +{:.3} ms",
                s.name,
                s.duration_ns() as f64 / 1e6,
                s.kind,
                s.start_ns.saturating_sub(base) as f64 / 1e6
            );
            if let Some(a) = s.attr("retry.attempt").and_then(|v| v.as_int()) {
                let _ = write!(out, " (attempt {a})");
            }
            if s.kind == SpanKind::Consumer && !s.links.is_empty() {
                out.push_str(" (async, linked)");
            }
            if let Some(o) = outside[i] {
                if o.early_ns > 0 {
                    let _ = write!(
                        out,
                        " (starts {:.3} ms before its parent)",
                        o.early_ns as f64 / 1e6
                    );
                }
                if o.late_ns > 0 {
                    let _ = write!(
                        out,
                        " (ends {:.3} ms after its parent)",
                        o.late_ns as f64 / 1e6
                    );
                }
            }
            if let Status::Error { message } = &s.status {
                let _ = write!(out, " !! ERROR: {message}");
            }
            out.push('\n');
            let child_prefix = if is_root {
                String::new()
            } else {
                format!("{prefix}{}", if last { "    " } else { "|   " })
            };
            let kids = &children[i];
            for (k, &c) in kids.iter().enumerate().rev() {
                stack.push((c, child_prefix.clone(), k + 1 == kids.len(), false));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::generate::generate;
    use crate::sim::testutil::scenario;

    #[test]
    fn renders_study_sheet() {
        let t = generate(&scenario("study-sheet"), 2);
        let s = render_tree(&t);
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].starts_with("trace "));
        assert!(lines[1].starts_with("frontend: GET /shop  "), "{s}");
        assert_eq!(lines.len(), t.spans.len() + 1);
        assert!(s.contains("|-- ") || s.contains("`-- "));
        assert!(s.contains("cart: SELECT cart_items"));
    }

    #[test]
    fn broken_trace_has_two_roots_and_errors_are_marked() {
        let t = generate(&scenario("broken-propagation"), 2);
        let s = render_tree(&t);
        assert_eq!(s.matches("trace ").count(), 2);
        let sc = scenario("retry-storm");
        let retried = (0..50)
            .map(|seed| render_tree(&generate(&sc, seed)))
            .find(|s| {
                s.contains("(attempt 2)") && s.contains("!! ERROR: deadline of 300 ms exceeded")
            });
        assert!(
            retried.is_some(),
            "a retried, timed-out call among 50 seeds"
        );
    }
}
