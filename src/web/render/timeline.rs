//! The timeline: an indented span tree beside waterfall bars on a time axis.
//!
//! One light `<li>` per visible row (a name, a duration and a small SVG bar).
//! Subtrees below the collapse depth are not emitted at all; their row shows
//! how many spans it hides and, for generated traces, links to a URL that
//! expands them. Rows are capped so that a huge trace stays a usable page.

use std::fmt::Write;

use crate::sim::trace::hex;

use crate::web::render::scale::fmt_ns;
use crate::web::render::{DetailMode, TraceModel, colour, detail, push_esc, truncate};

/// Deepest indentation class (`lv0` … `lv24`); deeper rows share the last.
const MAX_INDENT: usize = 24;

/// What to show.
pub struct Options<'a> {
    /// Spans at a depth below this are open (their children are shown).
    pub depth: usize,
    /// Spans whose subtrees are opened `depth` levels further.
    pub expand: &'a [usize],
    /// Spans whose subtrees are closed whatever their depth.
    pub collapse: &'a [usize],
    /// A selected span: its ancestors are opened so that its row shows.
    pub selected: Option<usize>,
    /// Show only the spans on the critical path.
    pub critical_only: bool,
    /// Most rows emitted.
    pub max_rows: usize,
    /// Most rows with an inline detail (inline mode only).
    pub max_inline_details: usize,
    /// How rows link to their detail.
    pub mode: &'a DetailMode,
}

/// The rendered timeline.
pub struct Timeline {
    /// HTML, every text escaped.
    pub html: String,
    /// Rows emitted.
    pub rows: usize,
    /// Spans hidden inside collapsed rows (or left out by a filter).
    pub hidden: usize,
    /// True when the row cap cut the list short.
    pub capped: bool,
}

/// The largest depth limit that shows at most `budget` rows (at least 1).
pub fn default_depth(model: &TraceModel, budget: usize) -> usize {
    let per = model.per_depth();
    let mut shown = 0;
    for (d, n) in per.iter().enumerate() {
        shown += n;
        if shown > budget {
            return d.saturating_sub(1).max(1);
        }
    }
    per.len().max(1)
}

/// Renders the timeline.
pub fn render(model: &TraceModel, opts: &Options) -> Timeline {
    let n = model.len();
    let mut revealed = vec![false; n];
    if let Some(mut i) = opts.selected.filter(|&i| i < n) {
        while let Some(p) = model.trace.spans[i].parent.filter(|&p| p < i) {
            revealed[p] = true;
            i = p;
        }
    }
    let mut expanded = vec![false; n];
    for &e in opts.expand {
        if let Some(x) = expanded.get_mut(e) {
            *x = true;
        }
    }
    let mut closed = vec![false; n];
    for &c in opts.collapse {
        if let Some(x) = closed.get_mut(c) {
            *x = true;
        }
    }
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        r#"<div class="wf g{}"><div class="wf-head"><span class="nm">Service: span</span><span class="du">Duration</span><div class="ax">{}</div></div><ol class="wf-rows">"#,
        model.axis.ticks,
        model.axis.svg()
    );
    let mut rows = 0;
    let mut hidden = 0;
    let mut capped = false;
    // (span, spans at a depth below this are open)
    let mut stack: Vec<(usize, usize)> =
        model.roots.iter().rev().map(|&r| (r, opts.depth)).collect();
    if opts.critical_only {
        stack.retain(|&(r, _)| model.is_critical(r));
        hidden = (0..n).filter(|&i| !model.is_critical(i)).count();
    }
    while let Some((i, open_until)) = stack.pop() {
        if rows >= opts.max_rows {
            capped = true;
            break;
        }
        let d = model.depth[i];
        let kids = &model.children[i];
        let (open, open_until) = if opts.critical_only {
            (true, open_until)
        } else {
            let until = if expanded[i] {
                open_until.max(d + opts.depth)
            } else {
                open_until
            };
            ((d < until && !closed[i]) || revealed[i], until)
        };
        let shown_kids = open
            && kids
                .iter()
                .any(|&c| !opts.critical_only || model.is_critical(c));
        let collapsed = if open || opts.critical_only {
            0
        } else {
            model.descendants[i]
        };
        hidden += collapsed;
        let inline = matches!(opts.mode, DetailMode::Inline) && rows < opts.max_inline_details;
        crate::budget::yield_point();
        row(&mut html, model, i, opts, shown_kids, collapsed, inline);
        rows += 1;
        if open {
            for &c in kids.iter().rev() {
                if !opts.critical_only || model.is_critical(c) {
                    stack.push((c, open_until));
                }
            }
        }
    }
    html.push_str("</ol></div>");
    Timeline {
        html,
        rows,
        hidden,
        capped,
    }
}

fn row(
    out: &mut String,
    model: &TraceModel,
    i: usize,
    opts: &Options,
    shown_kids: bool,
    collapsed: usize,
    inline: bool,
) {
    let s = &model.trace.spans[i];
    let d = model.depth[i];
    let service = model.service_name(i);
    let _ = write!(
        out,
        r#"<li class="r lv{} c{}{}{}{}" id="s-{}" data-d="{d}">"#,
        d.min(MAX_INDENT),
        colour(s.service),
        if model.is_critical(i) { " crit" } else { "" },
        if s.status.is_error() { " err" } else { "" },
        if opts.selected == Some(i) { " sel" } else { "" },
        hex(&s.span_id),
    );
    out.push_str(if inline {
        r#"<details class="sd"><summary class="rl">"#
    } else {
        r#"<div class="rl">"#
    });
    if shown_kids && let DetailMode::Link(links) = &opts.mode {
        // Without script the toggle is a link to the page with this subtree closed.
        out.push_str(
            r#"<span class="nm"><a class="tg" title="collapse" aria-label="collapse" href=""#,
        );
        push_esc(out, &links.collapse_href(&s.span_id));
        out.push_str(r#""></a>"#);
    } else {
        out.push_str(if shown_kids {
            r#"<span class="nm"><i class="tg" title="collapse or expand"></i>"#
        } else if collapsed > 0 {
            r#"<span class="nm"><i class="tgc"></i>"#
        } else {
            r#"<span class="nm"><i class="tg0"></i>"#
        });
    }
    if collapsed > 0 {
        match &opts.mode {
            DetailMode::Link(links) => {
                out.push_str(r#"<a class="more" title="show this subtree" href=""#);
                push_esc(out, &links.href(Some(&s.span_id), Some(&s.span_id)));
                let _ = write!(out, r##"#s-{}">+{collapsed}</a>"##, hex(&s.span_id));
            }
            DetailMode::Inline => {
                let _ = write!(
                    out,
                    r#"<span class="more" title="spans below the collapse depth">+{collapsed}</span>"#
                );
            }
        }
    }
    let href = opts.mode.span_href(&s.span_id);
    match &href {
        Some(h) => {
            out.push_str(r#"<a class="sn" href=""#);
            push_esc(out, h);
            out.push_str(r#"">"#);
        }
        None => out.push_str(r#"<span class="sn">"#),
    }
    out.push_str(r#"<b class="svc">"#);
    push_esc(out, &truncate(service, 60));
    out.push_str("</b> ");
    push_esc(out, &truncate(&s.name, 160));
    out.push_str(if href.is_some() { "</a>" } else { "</span>" });
    if let Some(note) = model.outside_note(i) {
        out.push_str(r#" <span class="ob" title=""#);
        push_esc(out, &note);
        out.push_str(r#"">outside parent</span>"#);
    }
    let _ = write!(
        out,
        r#"</span><span class="du">{}</span>"#,
        fmt_ns(s.duration_ns())
    );
    bar(out, model, i, service);
    if inline {
        out.push_str("</summary>");
        out.push_str(&detail::span_detail(model, i, opts.mode));
        out.push_str("</details></li>");
    } else {
        out.push_str("</div></li>");
    }
}

fn bar(out: &mut String, model: &TraceModel, i: usize, service: &str) {
    let s = &model.trace.spans[i];
    let axis = &model.axis;
    let start = s.start_ns.saturating_sub(model.t0);
    let x = axis.pct(start);
    let w = axis.pct(start.saturating_add(s.duration_ns())) - x;
    out.push_str(r#"<svg class="wbar"><title>"#);
    push_esc(out, &truncate(service, 60));
    out.push_str(": ");
    push_esc(out, &truncate(&s.name, 160));
    let _ = write!(
        out,
        " — start +{}, duration {}, self {}",
        fmt_ns(start),
        fmt_ns(s.duration_ns()),
        fmt_ns(model.self_ns[i])
    );
    if s.status.is_error() {
        out.push_str(", error");
    }
    let _ = write!(
        out,
        r#"</title><rect class="b" x="{x:.3}%" y="3" width="{:.3}%" height="14" rx="2"/>"#,
        w.max(0.15)
    );
    // A span outside its parent: outline the parent's range on its row.
    if model.outside.get(i).copied().flatten().is_some()
        && let Some(p) = s.parent.and_then(|p| model.trace.spans.get(p))
    {
        let pa = axis.pct(p.start_ns.saturating_sub(model.t0));
        let pb = axis.pct(p.end_ns.saturating_sub(model.t0));
        let _ = write!(
            out,
            r#"<rect class="pr" x="{pa:.3}%" y="1" width="{:.3}%" height="18" rx="2"/>"#,
            (pb - pa).max(0.15)
        );
    }
    for &(a, b) in model.critical.get(i).map_or(&[][..], Vec::as_slice) {
        let ca = axis.pct(a.saturating_sub(model.t0));
        let cb = axis.pct(b.saturating_sub(model.t0));
        let _ = write!(
            out,
            r#"<rect class="cp" x="{ca:.3}%" y="15" width="{:.3}%" height="3"/>"#,
            (cb - ca).max(0.1)
        );
    }
    out.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{generate, parse_scenario};
    use crate::web::render::PageLinks;

    fn checkout() -> crate::sim::Trace {
        let sc = parse_scenario(include_str!("../../../content/topologies/checkout.toml"))
            .expect("valid");
        generate(&sc, 1)
    }

    fn opts<'a>(mode: &'a DetailMode, depth: usize) -> Options<'a> {
        Options {
            depth,
            expand: &[],
            collapse: &[],
            selected: None,
            critical_only: false,
            max_rows: 10_000,
            max_inline_details: 10_000,
            mode,
        }
    }

    #[test]
    fn full_depth_shows_every_span_once() {
        let t = checkout();
        let m = TraceModel::new(&t);
        let mode = DetailMode::Link(PageLinks::default());
        let tl = render(&m, &opts(&mode, 64));
        assert_eq!(tl.rows, t.spans.len());
        assert_eq!(tl.hidden, 0);
        assert_eq!(tl.html.matches("<li ").count(), t.spans.len());
        assert!(tl.html.contains(" crit"));
    }

    #[test]
    fn a_toggle_link_collapses_its_subtree_without_script() {
        let t = checkout();
        let m = TraceModel::new(&t);
        let links = PageLinks {
            path: "/sim/checkout/1".into(),
            ..PageLinks::default()
        };
        let mode = DetailMode::Link(links);
        let open = render(&m, &opts(&mode, 64));
        let root = m.roots[0];
        let id = hex(&t.spans[root].span_id);
        assert!(
            open.html
                .contains(&format!("class=\"tg\" title=\"collapse\" aria-label=\"collapse\" href=\"/sim/checkout/1?collapse={id}#s-{id}\"")),
            "the ▾ of an open row links to the page with it collapsed"
        );
        let closed = render(
            &m,
            &Options {
                collapse: &[root],
                ..opts(&mode, 64)
            },
        );
        assert_eq!(closed.rows, 1);
        assert_eq!(closed.hidden, t.spans.len() - 1);
        assert!(
            closed
                .html
                .contains(&format!("?span={id}#s-{id}\">+{}", t.spans.len() - 1))
                || closed.html.contains(&format!("expand={id}")),
            "its +N link opens it again"
        );
        assert!(
            !closed.html.contains("collapse="),
            "expanding drops the collapse"
        );
    }

    #[test]
    fn collapsing_hides_and_counts_and_expanding_opens() {
        let t = checkout();
        let m = TraceModel::new(&t);
        let mode = DetailMode::Link(PageLinks::default());
        let tl = render(&m, &opts(&mode, 1));
        let top = 1 + m.children[m.roots[0]].len();
        assert_eq!(tl.rows, top);
        assert_eq!(tl.rows + tl.hidden, t.spans.len());
        assert!(tl.html.contains("expand="));
        let deep = m.children[m.roots[0]]
            .iter()
            .copied()
            .find(|&c| m.descendants[c] > 0)
            .expect("a child with children");
        let o = Options {
            expand: &[deep],
            collapse: &[],
            ..opts(&mode, 1)
        };
        let tl2 = render(&m, &o);
        assert!(tl2.rows > tl.rows);
        let o = Options {
            selected: Some(t.spans.len() - 1),
            ..opts(&mode, 1)
        };
        let tl3 = render(&m, &o);
        assert!(tl3.html.contains(" sel\""));
        let capped = render(
            &m,
            &Options {
                max_rows: 3,
                ..opts(&mode, 64)
            },
        );
        assert!(capped.capped && capped.rows == 3);
        let crit = render(
            &m,
            &Options {
                critical_only: true,
                ..opts(&mode, 1)
            },
        );
        assert_eq!(
            crit.rows,
            (0..t.spans.len()).filter(|&i| m.is_critical(i)).count()
        );
        assert!(default_depth(&m, 3) >= 1);
    }

    #[test]
    fn inline_mode_embeds_escaped_details() {
        let mut t = checkout();
        t.spans[0].name = "<script>alert(1)</script>".into();
        let m = TraceModel::new(&t);
        let tl = render(&m, &opts(&DetailMode::Inline, 64));
        assert!(tl.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!tl.html.contains("<script>"));
        assert_eq!(tl.html.matches("<details").count(), t.spans.len());
    }
}
