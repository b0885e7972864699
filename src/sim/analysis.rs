//! Trace analysis: self time, critical path, per-service latency, error origin.

use crate::sim::trace::{Span, SpanKind, Trace};

/// One piece of the critical path: `span` was the thing being waited for
/// between `start_ns` and `end_ns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathSegment {
    /// Span index.
    pub span: usize,
    /// Segment start, unix nanoseconds.
    pub start_ns: u64,
    /// Segment end, unix nanoseconds.
    pub end_ns: u64,
}

/// Latency attribution for one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLatency {
    /// Index into [`Trace::services`].
    pub service: usize,
    /// Spans of this service.
    pub span_count: usize,
    /// Spans with error status.
    pub error_count: usize,
    /// Sum of self times.
    pub self_ns: u64,
    /// Time on the critical path (all roots).
    pub critical_ns: u64,
}

/// How far a span lies outside its parent's time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outside {
    /// Nanoseconds the span starts before its parent starts (0: not before).
    pub early_ns: u64,
    /// Nanoseconds the span ends after its parent ends (0: not after).
    pub late_ns: u64,
}

/// For every span, how far it sticks out of its parent, or `None` when it
/// lies within it, is a root, or does not block its parent (a consumer of
/// a producer, or a linked child), which may rightly outlive it. Starting
/// early cannot happen on one clock (the parent caused the child), so it
/// means the two services' clocks disagree; ending late also happens when
/// the caller stopped waiting (a timeout).
pub fn outside_parent(trace: &Trace) -> Vec<Option<Outside>> {
    trace
        .spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = &trace.spans[s.parent.filter(|&p| p < i)?];
            if non_blocking(p, s) {
                return None;
            }
            let o = Outside {
                early_ns: p.start_ns.saturating_sub(s.start_ns),
                late_ns: s.end_ns.saturating_sub(p.end_ns),
            };
            (o.early_ns > 0 || o.late_ns > 0).then_some(o)
        })
        .collect()
}

/// Children lists in compressed form: `kids[offsets[i]..offsets[i + 1]]`.
struct Children {
    offsets: Vec<usize>,
    kids: Vec<usize>,
}

impl Children {
    fn new(trace: &Trace) -> Children {
        let n = trace.spans.len();
        let mut offsets = vec![0usize; n + 1];
        // Only parents that precede their children count (the trace
        // invariant), which also makes malformed parent cycles harmless.
        for (i, s) in trace.spans.iter().enumerate() {
            if let Some(p) = s.parent.filter(|&p| p < i) {
                offsets[p + 1] += 1;
            }
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut kids = vec![0; offsets[n]];
        for (i, s) in trace.spans.iter().enumerate() {
            if let Some(p) = s.parent.filter(|&p| p < i) {
                kids[fill[p]] = i;
                fill[p] += 1;
            }
        }
        Children { offsets, kids }
    }

    fn of(&self, i: usize) -> &[usize] {
        &self.kids[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// Root spans (no parent within the trace), in trace order.
pub fn roots(trace: &Trace) -> Vec<usize> {
    let n = trace.spans.len();
    (0..n)
        .filter(|&i| trace.spans[i].parent.is_none_or(|p| p >= n))
        .collect()
}

/// Self time of every span: its duration minus the union of its children's
/// intervals (clipped to the span).
pub fn self_time_ns(trace: &Trace) -> Vec<u64> {
    let ch = Children::new(trace);
    let mut scratch: Vec<(u64, u64)> = Vec::new();
    trace
        .spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            scratch.clear();
            for &c in ch.of(i) {
                let cs = &trace.spans[c];
                let a = cs.start_ns.max(s.start_ns);
                let b = cs.end_ns.min(s.end_ns);
                if a < b {
                    scratch.push((a, b));
                }
            }
            scratch.sort_unstable();
            let mut covered = 0;
            let mut cur: Option<(u64, u64)> = None;
            for &(a, b) in &scratch {
                cur = match cur {
                    Some((x, y)) if a <= y => Some((x, y.max(b))),
                    Some((x, y)) => {
                        covered += y - x;
                        Some((a, b))
                    }
                    None => Some((a, b)),
                };
            }
            if let Some((x, y)) = cur {
                covered += y - x;
            }
            s.duration_ns().saturating_sub(covered)
        })
        .collect()
}

/// True when `child` does not block `parent`: a producer→consumer edge or
/// a child linked to its parent.
fn non_blocking(parent: &Span, child: &Span) -> bool {
    (parent.kind == SpanKind::Producer && child.kind == SpanKind::Consumer)
        || child
            .links
            .iter()
            .any(|l| l.span_id == parent.span_id && l.trace_id == parent.trace_id)
}

struct Frame {
    span: usize,
    lo: u64,
    cur: u64,
    /// Blocking children clipped to the window: (start, end, index), latest end first.
    cands: Vec<(u64, u64, usize)>,
    pos: usize,
}

fn frame(trace: &Trace, ch: &Children, span: usize, lo: u64, hi: u64) -> Frame {
    let s = &trace.spans[span];
    let mut cands: Vec<(u64, u64, usize)> = ch
        .of(span)
        .iter()
        .filter(|&&c| !non_blocking(s, &trace.spans[c]))
        .filter_map(|&c| {
            let cs = &trace.spans[c];
            let a = cs.start_ns.max(lo);
            let b = cs.end_ns.min(hi);
            (a < b).then_some((a, b, c))
        })
        .collect();
    cands.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)).then(x.2.cmp(&y.2)));
    Frame {
        span,
        lo,
        cur: hi,
        cands,
        pos: 0,
    }
}

/// Critical path from `root`: take the child that finished last (clipped to
/// the parent, ignoring children starting after the current boundary and
/// producer→consumer or linked children); the part of it up to the boundary
/// is on the path (recursively); move the boundary to that child's start and
/// repeat; time covered by no such child is the parent's own. Segments are in
/// time order and cover the root's duration exactly once.
pub fn critical_path(trace: &Trace, root: usize) -> Vec<PathSegment> {
    path_from(trace, &Children::new(trace), root)
}

/// [`critical_path`] of every root in `roots`, sharing one children index:
/// linear in spans however many roots there are (one call per root would
/// rebuild the index each time).
pub fn critical_paths(trace: &Trace, roots: &[usize]) -> Vec<Vec<PathSegment>> {
    let ch = Children::new(trace);
    roots.iter().map(|&r| path_from(trace, &ch, r)).collect()
}

fn path_from(trace: &Trace, ch: &Children, root: usize) -> Vec<PathSegment> {
    let Some(r) = trace.spans.get(root) else {
        return Vec::new();
    };
    if r.end_ns <= r.start_ns {
        return vec![PathSegment {
            span: root,
            start_ns: r.start_ns,
            end_ns: r.start_ns,
        }];
    }
    let mut out = Vec::new();
    let mut stack = vec![frame(trace, ch, root, r.start_ns, r.end_ns)];
    while let Some(f) = stack.last_mut() {
        let mut next = None;
        while f.pos < f.cands.len() {
            let (a, b, c) = f.cands[f.pos];
            f.pos += 1;
            if a < f.cur {
                next = Some((a, b.min(f.cur), c));
                break;
            }
        }
        match next {
            Some((a, end, c)) => {
                if end < f.cur {
                    out.push(PathSegment {
                        span: f.span,
                        start_ns: end,
                        end_ns: f.cur,
                    });
                }
                f.cur = a;
                let child = frame(trace, ch, c, a, end);
                stack.push(child);
            }
            None => {
                if f.lo < f.cur {
                    out.push(PathSegment {
                        span: f.span,
                        start_ns: f.lo,
                        end_ns: f.cur,
                    });
                }
                stack.pop();
            }
        }
    }
    out.reverse();
    out
}

/// Per-service span counts, errors, self time and critical-path time, in
/// service order.
pub fn service_breakdown(trace: &Trace) -> Vec<ServiceLatency> {
    let mut out: Vec<ServiceLatency> = (0..trace.services.len())
        .map(|service| ServiceLatency {
            service,
            span_count: 0,
            error_count: 0,
            self_ns: 0,
            critical_ns: 0,
        })
        .collect();
    let selfs = self_time_ns(trace);
    for (s, self_ns) in trace.spans.iter().zip(selfs) {
        if let Some(e) = out.get_mut(s.service) {
            e.span_count += 1;
            e.error_count += usize::from(s.status.is_error());
            e.self_ns += self_ns;
        }
    }
    for path in critical_paths(trace, &roots(trace)) {
        for seg in path {
            if let Some(e) = out.get_mut(trace.spans[seg.span].service) {
                e.critical_ns += seg.end_ns - seg.start_ns;
            }
        }
    }
    out
}

/// Where the errors started: the deepest error span none of whose children
/// is in error (ties: the one that ended first). None if nothing failed.
pub fn error_origin(trace: &Trace) -> Option<usize> {
    let n = trace.spans.len();
    let mut depth = vec![0usize; n];
    let mut child_error = vec![false; n];
    for (i, s) in trace.spans.iter().enumerate() {
        if let Some(p) = s.parent.filter(|&p| p < i) {
            depth[i] = depth[p] + 1;
            if s.status.is_error() {
                child_error[p] = true;
            }
        }
    }
    (0..n)
        .filter(|&i| trace.spans[i].status.is_error() && !child_error[i])
        .min_by(|&a, &b| {
            depth[b]
                .cmp(&depth[a])
                .then(trace.spans[a].end_ns.cmp(&trace.spans[b].end_ns))
                .then(a.cmp(&b))
        })
}

#[cfg(test)]
mod tests;
