//! The detail of one span: timing, ids, the propagated `traceparent`,
//! attributes, events, links and the resource. [`SpanDetail`] gathers it
//! as plain text and `templates/span_detail.html` renders it (askama
//! escapes every field), both inside the trace page and on its own.

use std::sync::Arc;

use askama::Template;

use crate::sim::trace::hex;
use crate::sim::{AttrValue, SpanKind, Status};
use crate::web::guards::extract::urlencode;
use crate::web::render::scale::{fmt_ns, share};
use crate::web::render::{DetailMode, TraceModel, colour, truncate};

/// Longest attribute value shown in full (uploads may carry huge ones).
const MAX_VALUE_CHARS: usize = 2_000;
/// Most events, and most links, listed for one span.
const MAX_LISTED: usize = 100;

/// One attribute, cut to a readable length.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    /// At most 200 characters.
    pub key: String,
    /// At most [`MAX_VALUE_CHARS`] characters.
    pub value: String,
}

/// Another span of the trace, as `service: name`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRef {
    /// At most 120 characters.
    pub label: String,
    /// Its detail's URL (unescaped), in link mode.
    pub href: Option<String>,
}

/// The span's parent.
#[derive(Debug, Clone, PartialEq)]
pub struct Parent {
    /// The parent, when it is in this trace.
    pub span: Option<SpanRef>,
    /// Its span id, hex.
    pub span_id: String,
}

/// The `traceparent` header the inbound call carried.
#[derive(Debug, Clone, PartialEq)]
pub struct Propagated {
    /// The header value, at most 200 characters.
    pub header: String,
    /// The header value percent-encoded for the explainer's query string.
    pub header_query: String,
    /// The caller was a producer (the message carried it), not a client.
    pub from_producer: bool,
}

/// One span event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Time since the start of the trace, formatted.
    pub at: String,
    /// At most 200 characters.
    pub name: String,
    pub attributes: Vec<Attr>,
}

/// One span link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    /// The linked span, when it is in this file.
    pub target: Option<SpanRef>,
    /// Hex.
    pub span_id: String,
    /// Hex.
    pub trace_id: String,
    /// The link's attributes.
    pub attributes: Vec<Attr>,
}

/// The detail of one span as plain text (the template escapes it).
#[derive(Debug, Clone, PartialEq)]
pub struct SpanDetail {
    /// Hex.
    pub span_id: String,
    /// Hex.
    pub trace_id: String,
    /// Colour class index of the service.
    pub colour: usize,
    /// At most 120 characters.
    pub service: String,
    /// At most 300 characters.
    pub name: String,
    pub kind: SpanKind,
    /// `unset` or `OK`; see `error` for a failed span.
    pub status: &'static str,
    /// The status message of a failed span (may be empty), at most
    /// [`MAX_VALUE_CHARS`] characters.
    pub error: Option<String>,
    /// The errors of the trace start at this span.
    pub error_origin: bool,
    /// How the span lies outside its parent (clock skew, a timeout), if it does.
    pub outside: Option<String>,
    /// Start relative to the trace, formatted.
    pub start: String,
    pub duration: String,
    pub self_time: String,
    /// Time on the critical path and its share, or why there is none.
    pub critical: String,
    /// None for a root span.
    pub parent: Option<Parent>,
    pub children: usize,
    pub descendants: usize,
    pub traceparent: Option<Propagated>,
    pub attributes: Vec<Attr>,
    /// At most [`MAX_LISTED`].
    pub events: Vec<EventRow>,
    /// At most [`MAX_LISTED`].
    pub links: Vec<LinkRow>,
    /// `service.name` then the service's resource attributes.
    pub resource: Option<Vec<Attr>>,
    /// The instrumentation scope, as `name version`, and its attributes.
    pub scope: Option<(String, Vec<Attr>)>,
    /// The W3C `tracestate` of the span's context, as received.
    pub trace_state: Option<String>,
}

/// The detail on its own, as an HTML fragment: `templates/span_detail.html`
/// with `d` bound, as the trace page includes it.
#[derive(Template)]
#[template(path = "span_detail.html")]
pub struct DetailFragment<'a> {
    pub d: &'a SpanDetail,
}

fn attrs(attrs: &[(Arc<str>, AttrValue)]) -> Vec<Attr> {
    attrs
        .iter()
        .map(|(k, v)| Attr {
            key: truncate(k, 200).into_owned(),
            value: truncate(&v.to_string(), MAX_VALUE_CHARS).into_owned(),
        })
        .collect()
}

/// Link (or plain name) to span `i` of the trace.
fn span_ref(model: &TraceModel, i: usize, mode: &DetailMode) -> SpanRef {
    let s = &model.trace.spans[i];
    let label = format!("{}: {}", model.service_name(i), s.name);
    SpanRef {
        label: truncate(&label, 120).into_owned(),
        href: mode.span_href(&s.span_id),
    }
}

impl SpanDetail {
    /// The detail of span `i` of `model`; None when there is no such span.
    pub fn new(model: &TraceModel, i: usize, mode: &DetailMode) -> Option<SpanDetail> {
        let s = model.trace.spans.get(i)?;
        let crit = model.critical_ns(i);
        let parent = match (s.parent.filter(|&p| p < i), s.parent_span_id) {
            (Some(p), _) => Some(Parent {
                span: Some(span_ref(model, p, mode)),
                span_id: hex(&model.trace.spans[p].span_id),
            }),
            (None, Some(pid)) => Some(Parent {
                span: None,
                span_id: hex(&pid),
            }),
            (None, None) => None,
        };
        let traceparent = s.traceparent.as_ref().map(|tp| {
            let header = truncate(tp, 200).into_owned();
            Propagated {
                header_query: urlencode(&header),
                header,
                from_producer: s.kind == SpanKind::Consumer,
            }
        });
        let events = s
            .events
            .iter()
            .take(MAX_LISTED)
            .map(|e| EventRow {
                at: if e.time_ns < model.t0 {
                    format!("−{}", fmt_ns(model.t0 - e.time_ns))
                } else {
                    format!("+{}", fmt_ns(e.time_ns - model.t0))
                },
                name: truncate(&e.name, 200).into_owned(),
                attributes: attrs(&e.attributes),
            })
            .collect();
        let links = s
            .links
            .iter()
            .take(MAX_LISTED)
            .map(|l| LinkRow {
                target: model
                    .find_in_trace(&l.trace_id, &l.span_id)
                    .map(|t| span_ref(model, t, mode)),
                span_id: hex(&l.span_id),
                trace_id: hex(&l.trace_id),
                attributes: attrs(&l.attributes),
            })
            .collect();
        let resource = model.trace.services.get(s.service).map(|svc| {
            let mut all = vec![(
                Arc::<str>::from("service.name"),
                AttrValue::Str(svc.name.clone()),
            )];
            all.extend(svc.attributes.iter().cloned());
            attrs(&all)
        });
        Some(SpanDetail {
            span_id: hex(&s.span_id),
            trace_id: hex(&s.trace_id),
            colour: colour(s.service),
            service: truncate(model.service_name(i), 120).into_owned(),
            name: truncate(&s.name, 300).into_owned(),
            kind: s.kind,
            status: match s.status {
                Status::Ok => "OK",
                _ => "unset",
            },
            error: match &s.status {
                Status::Error { message } => Some(truncate(message, MAX_VALUE_CHARS).into_owned()),
                _ => None,
            },
            error_origin: model.error_origin == Some(i),
            outside: model.outside_note(i),
            start: fmt_ns(s.start_ns.saturating_sub(model.t0)),
            duration: fmt_ns(s.duration_ns()),
            self_time: fmt_ns(model.self_ns.get(i).copied().unwrap_or(0)),
            critical: if crit > 0 {
                format!(
                    "{} ({:.1}% of the trace)",
                    fmt_ns(crit),
                    share(crit, model.duration_ns())
                )
            } else {
                "not on the critical path".to_string()
            },
            parent,
            children: model.children.get(i).map_or(0, Vec::len),
            descendants: model.descendants.get(i).copied().unwrap_or(0),
            traceparent,
            attributes: attrs(&s.attributes),
            events,
            links,
            resource,
            scope: s.scope.as_ref().map(|sc| {
                let name = format!("{} {}", sc.name, sc.version);
                (
                    truncate(name.trim_end(), 200).into_owned(),
                    attrs(&sc.attributes),
                )
            }),
            trace_state: s
                .trace_state
                .as_ref()
                .map(|t| truncate(t, MAX_VALUE_CHARS).into_owned()),
        })
    }
}

/// The detail of span `i` as an HTML fragment (all text escaped); empty
/// when there is no such span.
pub fn span_detail(model: &TraceModel, i: usize, mode: &DetailMode) -> String {
    SpanDetail::new(model, i, mode)
        .and_then(|d| DetailFragment { d: &d }.render().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Link, generate, parse_scenario};
    use crate::web::render::PageLinks;

    fn checkout() -> crate::sim::Trace {
        let sc = parse_scenario(include_str!("../../../content/topologies/checkout.toml"))
            .expect("valid");
        generate(&sc, 1)
    }

    #[test]
    fn every_text_is_escaped() {
        let mut t = checkout();
        t.spans[1].name = "<script>alert('x')</script>".into();
        t.spans[1].status = Status::Error {
            message: "<b>\"down\" & out</b>".into(),
        };
        let m = TraceModel::new(&t);
        let html = span_detail(&m, 1, &DetailMode::Inline);
        assert!(html.starts_with("<article class=\"span-detail\""), "{html}");
        assert!(html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"));
        assert!(
            html.contains("<p class=\"alert\">&#60;b&#62;&#34;down&#34; &#38; out&#60;/b&#62;</p>")
        );
        assert!(!html.contains("<script>") && !html.contains("<b>"));
        assert!(html.contains("status ERROR"));
    }

    #[test]
    fn links_only_in_link_mode() {
        let mut t = checkout();
        let first = Link {
            trace_id: t.spans[0].trace_id,
            span_id: t.spans[0].span_id,
            attributes: Vec::new(),
        };
        t.spans[2].links = vec![
            first,
            Link {
                trace_id: [7; 16],
                span_id: [9; 8],
                attributes: Vec::new(),
            },
        ];
        let m = TraceModel::new(&t);
        let links = DetailMode::Link(PageLinks {
            path: "/sim/checkout/1".into(),
            keep: vec![("depth", "3".into())],
            expand: Vec::new(),
            collapse: Vec::new(),
        });
        let linked = span_detail(&m, 2, &links);
        let root = hex(&t.spans[0].span_id);
        let href = format!("href=\"/sim/checkout/1?depth=3&#38;span={root}#detail\"");
        assert_eq!(
            linked.matches(&href).count(),
            1 + usize::from(t.spans[2].parent == Some(0))
        );
        assert!(linked.contains("a span not in this trace view"));
        let inline = span_detail(&m, 2, &DetailMode::Inline);
        assert!(!inline.contains("<a class=\"span-link\""));
        assert_eq!(span_detail(&m, t.spans.len(), &DetailMode::Inline), "");
    }
}
