//! A file's traces, told apart by trace id. Spans of different trace ids
//! are unrelated traces and are never shown as one; one trace id with
//! several roots stays one trace (its propagation is broken).
//! Linear in spans (one hash lookup per span).

use std::collections::HashMap;
use std::sync::Arc;

use crate::sim::canonical;
use crate::sim::trace::{Trace, hex};

/// One trace of a file, for the list of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceSummary {
    /// Trace id.
    pub trace_id: [u8; 16],
    /// Service of the first root (earliest start).
    pub root_service: Arc<str>,
    /// Name of the first root.
    pub root_name: Arc<str>,
    /// Spans.
    pub spans: usize,
    /// Spans without a parent in the file (more than one: broken propagation).
    pub roots: usize,
    /// Earliest start, unix nanoseconds.
    pub start_ns: u64,
    /// Latest end minus earliest start, nanoseconds.
    pub duration_ns: u64,
    /// Spans with error status.
    pub errors: usize,
}

impl TraceSummary {
    /// Trace id in hex.
    pub fn id_hex(&self) -> String {
        hex(&self.trace_id)
    }
}

/// The group of every span: index into the returned id list.
fn groups(trace: &Trace) -> (Vec<[u8; 16]>, Vec<usize>) {
    let mut slot: HashMap<[u8; 16], usize> = HashMap::new();
    let mut ids = Vec::new();
    let group = trace
        .spans
        .iter()
        .map(|s| {
            *slot.entry(s.trace_id).or_insert_with(|| {
                ids.push(s.trace_id);
                ids.len() - 1
            })
        })
        .collect();
    (ids, group)
}

/// One summary per trace id, in order of first appearance (with canonical
/// span order: by the start of each trace's first root).
pub fn summaries(trace: &Trace) -> Vec<TraceSummary> {
    let (ids, group) = groups(trace);
    let mut out: Vec<TraceSummary> = ids
        .iter()
        .map(|&trace_id| TraceSummary {
            trace_id,
            root_service: Arc::from(""),
            root_name: Arc::from(""),
            spans: 0,
            roots: 0,
            start_ns: u64::MAX,
            duration_ns: 0,
            errors: 0,
        })
        .collect();
    let mut end = vec![0u64; ids.len()];
    for (s, &g) in trace.spans.iter().zip(&group) {
        let t = &mut out[g];
        t.spans += 1;
        t.errors += usize::from(s.status.is_error());
        t.start_ns = t.start_ns.min(s.start_ns);
        end[g] = end[g].max(s.end_ns);
        if s.parent.is_none() {
            if t.roots == 0 {
                t.root_name = s.name.clone();
                t.root_service = trace
                    .services
                    .get(s.service)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| Arc::from(""));
            }
            t.roots += 1;
        }
    }
    for (t, e) in out.iter_mut().zip(end) {
        t.duration_ns = e.saturating_sub(t.start_ns);
    }
    out
}

/// Every trace of a file as its own [`Trace`], in the order of [`summaries`].
/// Canonical order is kept (a subsequence of it is canonical); services are
/// renumbered per trace.
pub fn split(trace: Trace) -> Vec<Trace> {
    let (ids, group) = groups(&trace);
    if ids.len() <= 1 {
        return vec![trace];
    }
    let mut pos = vec![0usize; trace.spans.len()];
    let mut counts = vec![0usize; ids.len()];
    for (i, &g) in group.iter().enumerate() {
        pos[i] = counts[g];
        counts[g] += 1;
    }
    let mut parts: Vec<Vec<_>> = counts.iter().map(|&n| Vec::with_capacity(n)).collect();
    let Trace {
        scenario,
        seed,
        services,
        spans,
    } = trace;
    for (mut s, &g) in spans.into_iter().zip(&group) {
        // A parent always has its child's trace id (parents are looked up
        // by trace id and span id).
        s.parent = s.parent.map(|p| pos[p]);
        parts[g].push(s);
    }
    parts
        .into_iter()
        .map(|mut spans| {
            let olds = canonical::renumber_services(&mut spans, services.len());
            Trace {
                scenario: scenario.clone(),
                seed,
                services: olds.iter().map(|&o| services[o].clone()).collect(),
                spans,
            }
        })
        .collect()
}

/// The trace with this id alone, or None when no span has it.
pub fn extract(trace: Trace, trace_id: &[u8; 16]) -> Option<Trace> {
    split(trace)
        .into_iter()
        .find(|t| t.spans.first().is_some_and(|s| &s.trace_id == trace_id))
}
