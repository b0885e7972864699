//! The service graph: services as boxes, calls as arrows, laid out in
//! layers by the longest call path from the entry (no layout crate). Big
//! estates are summarised: a capped number of services per layer and a
//! "+N more" box, so the drawing stays readable.

use std::fmt::Write;

pub use crate::web::render::graph_model::{
    Edge, Graph, Node, from_scenario, from_trace, layers, reachable,
};
use crate::web::render::{push_esc, truncate};

/// Most services drawn per layer on a page of its own.
pub const MAX_PER_LAYER: usize = 8;
/// Most layers drawn.
pub const MAX_LAYERS: usize = 12;
const NODE_W: f64 = 160.0;
const NODE_H: f64 = 36.0;
const GAP_X: f64 = 64.0;
const GAP_Y: f64 = 14.0;
const PAD: f64 = 10.0;

/// A laid-out, rendered graph.
pub struct Drawing {
    /// The SVG, every text escaped.
    pub svg: String,
    /// Services drawn.
    pub shown: usize,
    /// Services in the graph.
    pub total: usize,
}

/// Lays out and draws `g` with at most `per_layer` services in a layer.
/// Services the entries never reach are left out. `id` must be unique on
/// the page (arrow markers).
pub fn render(g: &Graph, id: &str, per_layer: usize) -> Drawing {
    let n = g.nodes.len();
    let per_layer = per_layer.max(1);
    let layer = layers(g);
    let reached = reachable(g);
    let mut entry = vec![false; n];
    for &e in &g.entries {
        if let Some(f) = entry.get_mut(e) {
            *f = true;
        }
    }
    let layer_count = (0..n)
        .filter(|&v| reached[v])
        .map(|v| layer[v] + 1)
        .max()
        .unwrap_or(0)
        .min(MAX_LAYERS);
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    let mut hidden = vec![0usize; layer_count.max(1)];
    let mut beyond = 0;
    for v in (0..n).filter(|&v| reached[v]) {
        match columns.get_mut(layer[v]) {
            Some(c) => c.push(v),
            None => beyond += 1,
        }
    }
    for (l, col) in columns.iter_mut().enumerate() {
        if col.len() > per_layer {
            col.sort_by(|&a, &b| g.nodes[b].weight.cmp(&g.nodes[a].weight).then(a.cmp(&b)));
            hidden[l] = col.len() - per_layer;
            col.truncate(per_layer);
        }
    }
    // Order each column by the average position of its callers (fewer crossings).
    let mut pos = vec![f64::NAN; n];
    for col in columns.iter_mut() {
        let key = |v: usize| {
            let (sum, k) = g
                .edges
                .iter()
                .filter(|e| e.to == v && e.from < n && pos[e.from].is_finite())
                .fold((0.0, 0usize), |(s, k), e| (s + pos[e.from], k + 1));
            if k == 0 { f64::MAX } else { sum / k as f64 }
        };
        let mut keyed: Vec<(f64, usize)> = col.iter().map(|&v| (key(v), v)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        *col = keyed.into_iter().map(|(_, v)| v).collect();
        for (k, &v) in col.iter().enumerate() {
            pos[v] = k as f64;
        }
    }
    let tallest = columns
        .iter()
        .enumerate()
        .map(|(l, c)| c.len() + usize::from(hidden[l] > 0))
        .max()
        .unwrap_or(1)
        .max(1);
    let mut xy = vec![None; n];
    for (l, col) in columns.iter().enumerate() {
        let boxes = col.len() + usize::from(hidden[l] > 0);
        let offset = (tallest - boxes) as f64 * (NODE_H + GAP_Y) / 2.0;
        for (k, &v) in col.iter().enumerate() {
            xy[v] = Some((
                PAD + l as f64 * (NODE_W + GAP_X),
                PAD + offset + k as f64 * (NODE_H + GAP_Y),
            ));
        }
    }
    let width = PAD * 2.0 + layer_count.max(1) as f64 * (NODE_W + GAP_X) - GAP_X;
    let height = PAD * 2.0 + tallest as f64 * (NODE_H + GAP_Y) - GAP_Y + 40.0;
    let mut svg = String::with_capacity(8 * 1024);
    let _ = write!(
        svg,
        r#"<svg class="sgraph" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="service graph"><defs><marker id="ah-"#
    );
    push_esc(&mut svg, id);
    svg.push_str(r#"" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="ahead"/></marker></defs>"#);
    for e in &g.edges {
        let (Some(Some(a)), Some(Some(b))) = (xy.get(e.from), xy.get(e.to)) else {
            continue;
        };
        edge(&mut svg, g, e, *a, *b, layer[e.to] > layer[e.from], id);
    }
    let mut shown = 0;
    for (v, p) in xy.iter().enumerate() {
        if let Some((x, y)) = p {
            node(&mut svg, g, v, entry[v], *x, *y);
            shown += 1;
        }
    }
    for (l, col) in columns.iter().enumerate() {
        if hidden[l] > 0 {
            let boxes = col.len() + 1;
            let offset = (tallest - boxes) as f64 * (NODE_H + GAP_Y) / 2.0;
            let x = PAD + l as f64 * (NODE_W + GAP_X);
            let y = PAD + offset + col.len() as f64 * (NODE_H + GAP_Y);
            let _ = write!(
                svg,
                r#"<g class="n more"><rect x="{x:.1}" y="{y:.1}" width="{NODE_W}" height="{NODE_H}" rx="6"/><text x="{:.1}" y="{:.1}">+{} more in this layer</text></g>"#,
                x + 8.0,
                y + 22.0,
                hidden[l]
            );
        }
    }
    if beyond > 0 {
        let _ = write!(
            svg,
            r#"<text class="note" x="{PAD}" y="{:.1}">{beyond} more services in deeper layers are not drawn</text>"#,
            height - 8.0
        );
    }
    svg.push_str("</svg>");
    Drawing {
        svg,
        shown,
        total: n,
    }
}

fn edge(out: &mut String, g: &Graph, e: &Edge, a: (f64, f64), b: (f64, f64), down: bool, id: &str) {
    let path = if down {
        let (x1, y1) = (a.0 + NODE_W, a.1 + NODE_H / 2.0);
        let (x2, y2) = (b.0, b.1 + NODE_H / 2.0);
        let dx = ((x2 - x1) / 2.0).max(30.0);
        format!(
            "M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}",
            x1 + dx,
            x2 - dx
        )
    } else {
        // Same or earlier layer (a cycle): loop below the boxes.
        let (x1, y1) = (a.0 + NODE_W / 2.0, a.1 + NODE_H);
        let (x2, y2) = (b.0 + NODE_W / 2.0 + 12.0, b.1 + NODE_H);
        format!(
            "M{x1:.1},{y1:.1} C{x1:.1},{:.1} {x2:.1},{:.1} {x2:.1},{y2:.1}",
            y1 + 40.0,
            y2 + 40.0
        )
    };
    let _ = write!(
        out,
        r#"<g class="e{}"><title>"#,
        if e.is_async { " async" } else { "" }
    );
    push_esc(out, &truncate(&g.nodes[e.from].name, 80));
    out.push_str(" → ");
    push_esc(out, &truncate(&g.nodes[e.to].name, 80));
    let _ = write!(
        out,
        r#": {} {}{}</title><path d="{path}" marker-end="url(#ah-"#,
        e.count,
        if e.count == 1 { "call" } else { "calls" },
        if e.is_async { " through a queue" } else { "" }
    );
    push_esc(out, id);
    out.push_str(r#")"/>"#);
    if e.count > 1 && down {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}">×{}</text>"#,
            (a.0 + NODE_W + b.0) / 2.0 - 8.0,
            (a.1 + b.1) / 2.0 + NODE_H / 2.0 - 4.0,
            e.count
        );
    }
    out.push_str("</g>");
}

fn node(out: &mut String, g: &Graph, v: usize, is_entry: bool, x: f64, y: f64) {
    let n = &g.nodes[v];
    let _ = write!(
        out,
        r#"<g class="n c{}{}{}"><title>"#,
        n.colour,
        if n.error { " err" } else { "" },
        if is_entry { " entry" } else { "" }
    );
    push_esc(out, &truncate(&n.name, 200));
    out.push_str(" — ");
    push_esc(out, &n.meta);
    let _ = write!(
        out,
        r#"</title><rect x="{x:.1}" y="{y:.1}" width="{NODE_W}" height="{NODE_H}" rx="6"/><text x="{:.1}" y="{:.1}">"#,
        x + 8.0,
        y + 15.0
    );
    push_esc(out, &truncate(&n.name, 21));
    let _ = write!(
        out,
        r#"</text><text class="m" x="{:.1}" y="{:.1}">"#,
        x + 8.0,
        y + 29.0
    );
    push_esc(out, &n.meta);
    out.push_str("</text></g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(usize, usize)], n: usize) -> Graph {
        Graph {
            nodes: (0..n)
                .map(|i| Node {
                    name: format!("s{i}"),
                    weight: n - i,
                    meta: String::new(),
                    error: false,
                    colour: 0,
                })
                .collect(),
            edges: edges
                .iter()
                .map(|&(from, to)| Edge {
                    from,
                    to,
                    count: 1,
                    is_async: false,
                })
                .collect(),
            entries: vec![0],
        }
    }

    #[test]
    fn layers_follow_the_longest_path_and_survive_cycles() {
        let g = graph(&[(0, 1), (1, 2), (0, 2), (2, 3), (3, 1)], 5);
        let l = layers(&g);
        assert_eq!(l[0], 0);
        assert_eq!(l[1], 1);
        assert_eq!(l[2], 2);
        assert_eq!(l[3], 3);
        assert_eq!(l[4], 0, "an isolated node sits in the first layer");
        let d = render(&g, "t", MAX_PER_LAYER);
        assert_eq!(d.shown, 4, "the node the entry never reaches is left out");
        assert_eq!(d.total, 5);
        assert!(d.svg.contains("ah-t"));
    }

    #[test]
    fn wide_layers_are_summarised() {
        let edges: Vec<(usize, usize)> = (1..30).map(|i| (0, i)).collect();
        let d = render(&graph(&edges, 30), "w", MAX_PER_LAYER);
        assert_eq!(d.shown, 1 + MAX_PER_LAYER);
        assert_eq!(d.total, 30);
        assert!(d.svg.contains("+21 more in this layer"));
    }

    #[test]
    fn names_are_escaped() {
        let mut g = graph(&[(0, 1)], 2);
        g.nodes[1].name = "<img src=x onerror=alert(1)>".into();
        let d = render(&g, "x", MAX_PER_LAYER);
        assert!(!d.svg.contains("<img"));
        assert!(d.svg.contains("&lt;img"));
    }
}
