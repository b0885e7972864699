//! The service graph's model: services and the calls between them, built
//! from a scenario's topology or from a trace, and their layering (longest
//! call path from the entry, cycles broken by depth-first search).

use std::collections::HashMap;

use crate::sim::scenario::topology::CallMode;
use crate::sim::{Scenario, SpanKind, Trace};

use crate::web::render::colour;

/// A service.
#[derive(Debug, Clone)]
pub struct Node {
    /// `service.name`.
    pub name: String,
    /// Importance when the layer must be cut (span or operation count).
    pub weight: usize,
    /// Second line of the box, e.g. `12 spans`.
    pub meta: String,
    /// Any failures (drawn in red).
    pub error: bool,
    /// Colour class index.
    pub colour: usize,
}

/// Calls from one service to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Caller node.
    pub from: usize,
    /// Callee node.
    pub to: usize,
    /// Number of calls (trace) or call sites (topology).
    pub count: usize,
    /// Through a queue (producer → consumer).
    pub is_async: bool,
}

/// A service graph before layout.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Services.
    pub nodes: Vec<Node>,
    /// Calls between different services.
    pub edges: Vec<Edge>,
    /// Where requests enter.
    pub entries: Vec<usize>,
}

/// Counts edges by (from, to), keeping first-seen order.
fn add_edge(edges: &mut Vec<Edge>, index: &mut HashMap<(usize, usize), usize>, e: Edge) {
    match index.get(&(e.from, e.to)) {
        Some(&k) => {
            edges[k].count += e.count;
            edges[k].is_async |= e.is_async;
        }
        None => {
            index.insert((e.from, e.to), edges.len());
            edges.push(e);
        }
    }
}

/// The graph a scenario's topology declares.
pub fn from_scenario(sc: &Scenario) -> Graph {
    let nodes = sc
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| Node {
            name: s.name.to_string(),
            weight: s.operations.len(),
            meta: match s.operations.len() {
                1 => "1 operation".to_string(),
                n => format!("{n} operations"),
            },
            error: false,
            colour: colour(i),
        })
        .collect();
    let mut edges = Vec::new();
    let mut index = HashMap::new();
    for op in &sc.operations {
        for call in op.steps.iter().flat_map(|s| &s.calls) {
            let Some(target) = sc.operations.get(call.target) else {
                continue;
            };
            if call.mode != CallMode::Local && target.service != op.service {
                let e = Edge {
                    from: op.service,
                    to: target.service,
                    count: 1,
                    is_async: call.mode == CallMode::Async,
                };
                add_edge(&mut edges, &mut index, e);
            }
        }
    }
    let entries = sc
        .operations
        .get(sc.entry)
        .map(|o| vec![o.service])
        .unwrap_or_default();
    Graph {
        nodes,
        edges,
        entries,
    }
}

/// The graph of the calls a trace actually made (parent → child spans in
/// different services).
pub fn from_trace(trace: &Trace) -> Graph {
    let mut spans = vec![0usize; trace.services.len()];
    let mut errors = vec![0usize; trace.services.len()];
    let mut edges = Vec::new();
    let mut index = HashMap::new();
    let mut entries = Vec::new();
    // Membership by flag, so many roots over many services stay linear.
    let mut is_entry = vec![false; trace.services.len()];
    for (i, s) in trace.spans.iter().enumerate() {
        if let Some(c) = spans.get_mut(s.service) {
            *c += 1;
            errors[s.service] += usize::from(s.status.is_error());
        }
        match s.parent.filter(|&p| p < i).map(|p| &trace.spans[p]) {
            Some(p) if p.service != s.service => {
                let e = Edge {
                    from: p.service,
                    to: s.service,
                    count: 1,
                    is_async: s.kind == SpanKind::Consumer,
                };
                add_edge(&mut edges, &mut index, e);
            }
            Some(_) => {}
            None => {
                if let Some(e) = is_entry.get_mut(s.service)
                    && !*e
                {
                    *e = true;
                    entries.push(s.service);
                }
            }
        }
    }
    let nodes = trace
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| Node {
            name: s.name.to_string(),
            weight: spans[i],
            meta: match (spans[i], errors[i]) {
                (1, 0) => "1 span".to_string(),
                (n, 0) => format!("{n} spans"),
                (n, e) => format!("{n} spans · {e} failed"),
            },
            error: errors[i] > 0,
            colour: colour(i),
        })
        .collect();
    Graph {
        nodes,
        edges,
        entries,
    }
}

/// Layer of every node: the longest path from an entry, ignoring the edges
/// that close a cycle (found by depth-first search).
pub fn layers(g: &Graph) -> Vec<usize> {
    let n = g.nodes.len();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &g.edges {
        if e.from < n && e.to < n && e.from != e.to {
            out_edges[e.from].push(e.to);
        }
    }
    // Depth-first search marks edges into a node still on the stack as back edges.
    let mut state = vec![0u8; n];
    let mut forward: Vec<Vec<usize>> = vec![Vec::new(); n];
    let starts = g.entries.iter().copied().filter(|&e| e < n).chain(0..n);
    for s in starts {
        if state[s] != 0 {
            continue;
        }
        state[s] = 1;
        let mut stack = vec![(s, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (v, k) = *top;
            if let Some(&w) = out_edges[v].get(k) {
                top.1 += 1;
                match state[w] {
                    0 => {
                        forward[v].push(w);
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    2 => forward[v].push(w),
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    // Longest path over the acyclic rest, in topological order (Kahn).
    let mut indeg = vec![0usize; n];
    for ws in &forward {
        for &w in ws {
            indeg[w] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut queue: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        for &w in &forward[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push(w);
            }
        }
    }
    layer
}

/// Nodes reachable from the entries (all nodes when there are none).
pub fn reachable(g: &Graph) -> Vec<bool> {
    let n = g.nodes.len();
    let entries: Vec<usize> = g.entries.iter().copied().filter(|&e| e < n).collect();
    if entries.is_empty() {
        return vec![true; n];
    }
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in g.edges.iter().filter(|e| e.from < n && e.to < n) {
        out_edges[e.from].push(e.to);
    }
    let mut seen = vec![false; n];
    let mut stack = entries;
    while let Some(v) = stack.pop() {
        if !std::mem::replace(&mut seen[v], true) {
            stack.extend(out_edges[v].iter().copied().filter(|&w| !seen[w]));
        }
    }
    seen
}
