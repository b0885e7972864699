//! Canonical span order, shared by generation and import so that exports are
//! stable: depth-first from the roots, roots and siblings sorted by
//! (start time, previous position). A parent always precedes its children.

use crate::sim::scenario::topology::Scenario;
use crate::sim::trace::{ServiceInfo, Span, Trace};

/// Canonical order as a list of old indices, or `Err(i)` when span `i` is
/// part of a parent cycle (never reachable from a root). Parent indices must
/// be in range.
pub(crate) fn order(spans: &[Span]) -> Result<Vec<usize>, usize> {
    let n = spans.len();
    let mut offsets = vec![0u32; n + 1];
    let mut roots = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        match s.parent {
            Some(p) if p < n => offsets[p + 1] += 1,
            _ => roots.push(i),
        }
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut kids = vec![0usize; offsets[n] as usize];
    for (i, s) in spans.iter().enumerate() {
        if let Some(p) = s.parent
            && p < n
        {
            kids[fill[p] as usize] = i;
            fill[p] += 1;
        }
    }
    let key = |&i: &usize| (spans[i].start_ns, i);
    for p in 0..n {
        let range = offsets[p] as usize..offsets[p + 1] as usize;
        if range.len() > 1 {
            kids[range].sort_unstable_by_key(key);
        }
    }
    roots.sort_unstable_by_key(key);
    let mut out = Vec::with_capacity(n);
    let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
    let mut seen = vec![false; n];
    while let Some(i) = stack.pop() {
        if seen[i] {
            continue;
        }
        seen[i] = true;
        out.push(i);
        let range = offsets[i] as usize..offsets[i + 1] as usize;
        stack.extend(kids[range].iter().rev().copied());
    }
    if out.len() < n {
        return Err(seen.iter().position(|s| !s).unwrap_or(0));
    }
    Ok(out)
}

/// Makes every parent cycle reachable: each span that no root reaches
/// (only cycles, and spans below them, are unreachable) loses its parent
/// index, in index order, until every span is reached. Returns the spans
/// whose parent was cut. Linear in spans. Parent indices must be in range.
pub(crate) fn break_cycles(spans: &mut [Span]) -> Vec<usize> {
    let n = spans.len();
    let mut offsets = vec![0u32; n + 1];
    for s in spans.iter() {
        if let Some(p) = s.parent.filter(|&p| p < n) {
            offsets[p + 1] += 1;
        }
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut kids = vec![0usize; offsets[n] as usize];
    for (i, s) in spans.iter().enumerate() {
        if let Some(p) = s.parent.filter(|&p| p < n) {
            kids[fill[p] as usize] = i;
            fill[p] += 1;
        }
    }
    let mut seen = vec![false; n];
    let mut stack = Vec::new();
    let mut visit = |start: usize, seen: &mut Vec<bool>| {
        stack.push(start);
        while let Some(i) = stack.pop() {
            if seen[i] {
                continue;
            }
            seen[i] = true;
            stack.extend_from_slice(&kids[offsets[i] as usize..offsets[i + 1] as usize]);
        }
    };
    for (i, s) in spans.iter().enumerate() {
        if s.parent.is_none_or(|p| p >= n) {
            visit(i, &mut seen);
        }
    }
    let mut cut = Vec::new();
    for (i, s) in spans.iter_mut().enumerate() {
        if !seen[i] {
            s.parent = None;
            cut.push(i);
            visit(i, &mut seen);
        }
    }
    cut
}

/// Reorders spans by `order` (old indices) and remaps parent indices.
pub(crate) fn apply(spans: Vec<Span>, order: &[usize]) -> Vec<Span> {
    let mut new_pos = vec![0usize; spans.len()];
    for (new, &old) in order.iter().enumerate() {
        new_pos[old] = new;
    }
    let mut slots: Vec<Option<Span>> = spans.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(order.len());
    for &old in order {
        if let Some(mut s) = slots[old].take() {
            s.parent = s.parent.map(|p| new_pos[p]);
            out.push(s);
        }
    }
    out
}

/// Renumbers `span.service` by first appearance; returns the old index of
/// each new service.
pub(crate) fn renumber_services(spans: &mut [Span], n_services: usize) -> Vec<usize> {
    let mut map = vec![usize::MAX; n_services];
    let mut olds = Vec::new();
    for s in spans.iter_mut() {
        if s.service >= n_services {
            continue;
        }
        if map[s.service] == usize::MAX {
            map[s.service] = olds.len();
            olds.push(s.service);
        }
        s.service = map[s.service];
    }
    olds
}

/// Builds the final trace from freshly generated spans (service = scenario index).
pub(crate) fn finish_generated(sc: &Scenario, seed: u64, spans: Vec<Span>) -> Trace {
    let mut spans = match order(&spans) {
        Ok(o) => apply(spans, &o),
        Err(_) => spans,
    };
    let olds = renumber_services(&mut spans, sc.services.len());
    let services = olds
        .iter()
        .map(|&o| ServiceInfo {
            name: sc.services[o].name.clone(),
            attributes: sc.services[o].resource.clone(),
        })
        .collect();
    Trace {
        scenario: sc.name.clone(),
        seed,
        services,
        spans,
    }
}
