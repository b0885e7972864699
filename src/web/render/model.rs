//! Everything the views need to know about one trace, computed once:
//! tree structure, depths, self time, the critical path and errors.

use crate::sim::{self, Outside, ServiceLatency, Trace};

use crate::web::render::scale::{Axis, fmt_ns};

/// A trace with its analysis, shared by every view of one page.
pub struct TraceModel<'a> {
    /// Span index by (trace id, span id), for links.
    by_id: std::collections::HashMap<([u8; 16], [u8; 8]), usize>,
    /// The trace.
    pub trace: &'a Trace,
    /// Children of each span, in trace order.
    pub children: Vec<Vec<usize>>,
    /// Depth of each span below its root (roots are 0).
    pub depth: Vec<usize>,
    /// Number of descendants of each span.
    pub descendants: Vec<usize>,
    /// Root of each span's tree.
    pub root_of: Vec<usize>,
    /// Root spans, in trace order.
    pub roots: Vec<usize>,
    /// Self time of each span.
    pub self_ns: Vec<u64>,
    /// Critical-path segments `(start, end)` of each span (empty: not on the path).
    pub critical: Vec<Vec<(u64, u64)>>,
    /// Earliest start.
    pub t0: u64,
    /// Latest end.
    pub t1: u64,
    /// Time axis for the whole trace.
    pub axis: Axis,
    /// Where the errors started, if any span failed.
    pub error_origin: Option<usize>,
    /// Spans with error status.
    pub error_count: usize,
    /// Per-service attribution.
    pub breakdown: Vec<ServiceLatency>,
    /// How far each span sticks out of its parent (clock skew, timeouts).
    pub outside: Vec<Option<Outside>>,
}

impl<'a> TraceModel<'a> {
    /// Analyses `trace`.
    pub fn new(trace: &'a Trace) -> TraceModel<'a> {
        let n = trace.spans.len();
        let children = trace.children();
        let mut depth = vec![0usize; n];
        let mut root_of: Vec<usize> = (0..n).collect();
        for (i, s) in trace.spans.iter().enumerate() {
            if let Some(p) = s.parent.filter(|&p| p < i) {
                depth[i] = depth[p] + 1;
                root_of[i] = root_of[p];
            }
        }
        let mut descendants = vec![0usize; n];
        for i in (0..n).rev() {
            if let Some(p) = trace.spans[i].parent.filter(|&p| p < i) {
                descendants[p] += descendants[i] + 1;
            }
        }
        let roots = sim::roots(trace);
        let mut critical = vec![Vec::new(); n];
        for path in sim::analysis::critical_paths(trace, &roots) {
            for seg in path {
                if let Some(c) = critical.get_mut(seg.span) {
                    c.push((seg.start_ns, seg.end_ns));
                }
            }
        }
        let (t0, t1) = trace.time_range();
        let mut by_id = std::collections::HashMap::with_capacity(n);
        for (i, s) in trace.spans.iter().enumerate() {
            crate::budget::yield_point();
            by_id.entry((s.trace_id, s.span_id)).or_insert(i);
        }
        TraceModel {
            by_id,
            trace,
            children,
            depth,
            descendants,
            root_of,
            roots,
            self_ns: sim::self_time_ns(trace),
            critical,
            t0,
            t1,
            axis: Axis::for_duration(t1.saturating_sub(t0)),
            error_origin: sim::error_origin(trace),
            error_count: trace.spans.iter().filter(|s| s.status.is_error()).count(),
            breakdown: sim::service_breakdown(trace),
            outside: sim::outside_parent(trace),
        }
    }

    /// Number of spans.
    pub fn len(&self) -> usize {
        self.trace.spans.len()
    }

    /// True for a trace without spans.
    pub fn is_empty(&self) -> bool {
        self.trace.spans.is_empty()
    }

    /// Whole trace duration.
    pub fn duration_ns(&self) -> u64 {
        self.t1.saturating_sub(self.t0)
    }

    /// A sentence on how span `i` lies outside its parent, if it does.
    pub fn outside_note(&self, i: usize) -> Option<String> {
        let o = self.outside.get(i).copied().flatten()?;
        Some(if o.early_ns > 0 {
            format!(
                "Starts {} before its parent{}: a child cannot begin before the call that caused it, so the two hosts' clocks disagree (clock skew); compare the hops into and out of this service.",
                fmt_ns(o.early_ns),
                if o.late_ns > 0 {
                    format!(" and ends {} after it", fmt_ns(o.late_ns))
                } else {
                    String::new()
                }
            )
        } else if self.trace.spans[i].start_ns
            >= self.trace.spans[i]
                .parent
                .and_then(|p| self.trace.spans.get(p))
                .map_or(u64::MAX, |p| p.end_ns)
        {
            format!(
                "Starts after its parent ended (and ends {} after it): a call cannot be served after its caller finished waiting for it, so the two hosts' clocks disagree (clock skew).",
                fmt_ns(o.late_ns)
            )
        } else {
            format!(
                "Ends {} after its parent: the caller stopped waiting (a timeout or a call it did not wait for), or the two hosts' clocks disagree.",
                fmt_ns(o.late_ns)
            )
        })
    }

    /// Name of a span's service.
    pub fn service_name(&self, span: usize) -> &str {
        self.trace
            .spans
            .get(span)
            .and_then(|s| self.trace.services.get(s.service))
            .map_or("?", |s| &s.name)
    }

    /// True when any part of the span is on the critical path.
    pub fn is_critical(&self, span: usize) -> bool {
        self.critical.get(span).is_some_and(|c| !c.is_empty())
    }

    /// Time the span spends on the critical path.
    pub fn critical_ns(&self, span: usize) -> u64 {
        self.critical
            .get(span)
            .map_or(0, |c| c.iter().map(|(a, b)| b - a).sum())
    }

    /// Index of the span with this trace id and span id (a link's target).
    pub fn find_in_trace(&self, trace_id: &[u8; 16], span_id: &[u8; 8]) -> Option<usize> {
        self.by_id.get(&(*trace_id, *span_id)).copied()
    }

    /// Index of the span with this id (the first, when a broken trace
    /// repeats an id under another trace id).
    pub fn find(&self, span_id: &[u8; 8]) -> Option<usize> {
        self.trace.spans.iter().position(|s| &s.span_id == span_id)
    }

    /// Deepest span depth.
    pub fn max_depth(&self) -> usize {
        self.depth.iter().copied().max().unwrap_or(0)
    }

    /// How many spans sit at each depth.
    pub fn per_depth(&self) -> Vec<usize> {
        let mut out = vec![0usize; self.max_depth() + 1];
        for &d in &self.depth {
            out[d] += 1;
        }
        out
    }
}
