//! Whole-graph checks: no call cycles, bounded depth, bounded expected size.

use crate::sim::scenario::topology::{
    CallMode, MAX_DEPTH, MAX_EXPECTED_SPANS, Operation, Service, TopologyError,
};

fn label(services: &[Service], ops: &[Operation], o: usize) -> String {
    format!("{}:{}", services[ops[o].service].name, ops[o].name)
}

/// Returns (expected spans per trace from the entry, deepest span depth).
pub(super) fn check(
    services: &[Service],
    ops: &[Operation],
    call_lines: &[Vec<usize>],
    entry: usize,
    entry_line: usize,
) -> Result<(f64, usize), Vec<TopologyError>> {
    let n = ops.len();
    // Edges with the line of the call that makes them.
    let edges: Vec<Vec<(usize, usize)>> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| {
            o.steps
                .iter()
                .flat_map(|s| s.calls.iter())
                .enumerate()
                .map(|(k, c)| (c.target, call_lines[i].get(k).copied().unwrap_or(1)))
                .collect()
        })
        .collect();
    // Iterative DFS: colour 0 white, 1 on the stack, 2 done; `post` is a
    // post-order, so callees come before callers.
    let mut colour = vec![0u8; n];
    let mut post = Vec::with_capacity(n);
    for s in 0..n {
        if colour[s] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(s, 0)];
        colour[s] = 1;
        while let Some(top) = stack.last_mut() {
            let (v, i) = *top;
            if let Some(&(t, line)) = edges[v].get(i) {
                top.1 += 1;
                match colour[t] {
                    0 => {
                        colour[t] = 1;
                        stack.push((t, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(x, _)| *x == t).unwrap_or(0);
                        let mut path: Vec<String> = stack[from..]
                            .iter()
                            .map(|(x, _)| label(services, ops, *x))
                            .collect();
                        path.push(label(services, ops, t));
                        return Err(vec![TopologyError {
                            line,
                            message: format!("call cycle: {}", path.join(" -> ")),
                        }]);
                    }
                    _ => {}
                }
            } else {
                colour[v] = 2;
                post.push(v);
                stack.pop();
            }
        }
    }
    let mut expected = vec![0.0f64; n];
    let mut depth = vec![0usize; n];
    let mut deepest_child = vec![usize::MAX; n];
    for &v in &post {
        let mut e = 1.0;
        let mut d = 1;
        for c in ops[v].steps.iter().flat_map(|s| s.calls.iter()) {
            let extra = usize::from(c.mode != CallMode::Local);
            let attempts = f64::from(c.retries + 1);
            e += c.probability
                * f64::from(c.repeat)
                * attempts
                * (extra as f64 + expected[c.target]);
            let cd = 1 + extra + depth[c.target];
            if cd > d {
                d = cd;
                deepest_child[v] = c.target;
            }
        }
        expected[v] = e.min(1e18);
        depth[v] = d;
    }
    let mut errs = Vec::new();
    if depth[entry] > MAX_DEPTH {
        let mut chain = vec![label(services, ops, entry)];
        let mut v = entry;
        while deepest_child[v] != usize::MAX && chain.len() < 80 {
            v = deepest_child[v];
            chain.push(label(services, ops, v));
        }
        errs.push(TopologyError {
            line: entry_line,
            message: format!(
                "call chain is {} spans deep (limit {MAX_DEPTH}): {}",
                depth[entry],
                chain.join(" -> ")
            ),
        });
    }
    if expected[entry] > MAX_EXPECTED_SPANS {
        errs.push(TopologyError {
            line: entry_line,
            message: format!(
                "a trace would have about {:.0} spans (limit {MAX_EXPECTED_SPANS:.0}); lower repeats, retries or fan-out",
                expected[entry]
            ),
        });
    }
    if errs.is_empty() {
        Ok((expected[entry], depth[entry]))
    } else {
        Err(errs)
    }
}
