//! The detail of one span: timing, ids, the propagated `traceparent`,
//! attributes, events, links and the resource.

use std::fmt::Write;

use crate::sim::trace::hex;
use crate::sim::{AttrValue, Status};

use crate::web::render::scale::{fmt_ns, share};
use crate::web::render::{DetailMode, TraceModel, colour, push_esc, truncate};

/// Longest attribute value shown in full (uploads may carry huge ones).
const MAX_VALUE_CHARS: usize = 2_000;

fn push_value(out: &mut String, v: &AttrValue) {
    let text = v.to_string();
    push_esc(out, &truncate(&text, MAX_VALUE_CHARS));
}

fn push_attrs(out: &mut String, attrs: &[(std::sync::Arc<str>, AttrValue)]) {
    out.push_str(r#"<table class="attrs"><tbody>"#);
    for (k, v) in attrs {
        out.push_str("<tr><th>");
        push_esc(out, &truncate(k, 200));
        out.push_str("</th><td>");
        push_value(out, v);
        out.push_str("</td></tr>");
    }
    out.push_str("</tbody></table>");
}

/// Link (or plain name) to another span of the trace.
fn push_span_ref(out: &mut String, model: &TraceModel, i: usize, mode: &DetailMode) {
    let s = &model.trace.spans[i];
    let label = format!("{}: {}", model.service_name(i), s.name);
    match mode.span_href(&s.span_id) {
        Some(href) => {
            out.push_str(r#"<a class="span-link" href=""#);
            push_esc(out, &href);
            out.push_str(r#"">"#);
            push_esc(out, &truncate(&label, 120));
            out.push_str("</a>");
        }
        None => push_esc(out, &truncate(&label, 120)),
    }
}

/// The detail of span `i` as an HTML fragment (all text escaped).
pub fn span_detail(model: &TraceModel, i: usize, mode: &DetailMode) -> String {
    let mut out = String::with_capacity(2048);
    let Some(s) = model.trace.spans.get(i) else {
        return out;
    };
    let service = model.service_name(i);
    let _ = write!(
        out,
        r#"<article class="span-detail" data-span="{}"><h3><span class="chip c{}"></span>"#,
        hex(&s.span_id),
        colour(s.service)
    );
    push_esc(&mut out, &truncate(service, 120));
    out.push_str(": ");
    push_esc(&mut out, &truncate(&s.name, 300));
    out.push_str("</h3>");
    let _ = write!(out, r#"<p class="meta">{} span"#, s.kind);
    match &s.status {
        Status::Unset => out.push_str(", status unset"),
        Status::Ok => out.push_str(", status OK"),
        Status::Error { .. } => out.push_str(r#", <strong class="bad">status ERROR</strong>"#),
    }
    if model.error_origin == Some(i) {
        out.push_str(r#" · <strong class="bad">the errors start here</strong>"#);
    }
    out.push_str("</p>");
    if let Status::Error { message } = &s.status {
        out.push_str(r#"<p class="alert">"#);
        push_esc(&mut out, &truncate(message, MAX_VALUE_CHARS));
        out.push_str("</p>");
    }
    if let Some(note) = model.outside_note(i) {
        out.push_str(r#"<p class="alert outside">"#);
        push_esc(&mut out, &note);
        out.push_str("</p>");
    }
    out.push_str(r#"<dl class="kv">"#);
    let crit = model.critical_ns(i);
    let _ = write!(
        out,
        "<dt>Start</dt><dd>+{}</dd><dt>Duration</dt><dd>{}</dd><dt>Self time</dt><dd>{}</dd><dt>Critical path</dt><dd>{}</dd>",
        fmt_ns(s.start_ns.saturating_sub(model.t0)),
        fmt_ns(s.duration_ns()),
        fmt_ns(model.self_ns.get(i).copied().unwrap_or(0)),
        if crit > 0 {
            format!(
                "{} ({:.1}% of the trace)",
                fmt_ns(crit),
                share(crit, model.duration_ns())
            )
        } else {
            "not on the critical path".to_string()
        }
    );
    let _ = write!(
        out,
        "<dt>Trace id</dt><dd><code>{}</code></dd><dt>Span id</dt><dd><code>{}</code></dd><dt>Parent</dt><dd>",
        hex(&s.trace_id),
        hex(&s.span_id)
    );
    match (s.parent.filter(|&p| p < i), s.parent_span_id) {
        (Some(p), _) => {
            push_span_ref(&mut out, model, p, mode);
            let _ = write!(out, " <code>{}</code>", hex(&model.trace.spans[p].span_id));
        }
        (None, Some(pid)) => {
            let _ = write!(
                out,
                "<code>{}</code> (not in this trace: the span's parent was never received)",
                hex(&pid)
            );
        }
        (None, None) => out.push_str("none: this is a root span"),
    }
    let kids = model.children.get(i).map_or(0, Vec::len);
    let _ = write!(
        out,
        "</dd><dt>Children</dt><dd>{kids} ({} descendants)</dd></dl>",
        model.descendants.get(i).copied().unwrap_or(0)
    );
    if let Some(tp) = &s.traceparent {
        out.push_str(r#"<h4>Propagated <code>traceparent</code></h4><p><code class="tp">"#);
        push_esc(&mut out, &truncate(tp, 200));
        out.push_str(r#"</code> <a href="/tools/traceparent?traceparent="#);
        push_esc(
            &mut out,
            &crate::web::guards::extract::urlencode(&truncate(tp, 200)),
        );
        out.push_str(r#"">explain</a></p><p class="meta">The header the inbound request carried: its parent-id is the span id of the caller's "#);
        out.push_str(if s.kind == crate::sim::SpanKind::Consumer {
            "producer span (the message carried it)."
        } else {
            "client span."
        });
        out.push_str("</p>");
    }
    if !s.attributes.is_empty() {
        out.push_str("<h4>Attributes</h4>");
        push_attrs(&mut out, &s.attributes);
    }
    if !s.events.is_empty() {
        out.push_str(r#"<h4>Events</h4><ul class="events">"#);
        for e in s.events.iter().take(100) {
            let _ = write!(
                out,
                "<li><span class=\"meta\">+{}</span> <strong>",
                fmt_ns(e.time_ns.saturating_sub(model.t0))
            );
            push_esc(&mut out, &truncate(&e.name, 200));
            out.push_str("</strong>");
            if !e.attributes.is_empty() {
                push_attrs(&mut out, &e.attributes);
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    if !s.links.is_empty() {
        out.push_str(r#"<h4>Links</h4><ul class="links-list">"#);
        for l in s.links.iter().take(100) {
            out.push_str("<li>");
            let target = model.find_in_trace(&l.trace_id, &l.span_id);
            match target {
                Some(t) => push_span_ref(&mut out, model, t, mode),
                None => out.push_str("a span outside this file"),
            }
            let _ = write!(
                out,
                " <code>{}</code> in trace <code>{}</code></li>",
                hex(&l.span_id),
                hex(&l.trace_id)
            );
        }
        out.push_str("</ul>");
    }
    if let Some(svc) = model.trace.services.get(s.service) {
        out.push_str("<h4>Resource</h4>");
        let mut attrs = vec![(
            std::sync::Arc::<str>::from("service.name"),
            AttrValue::Str(svc.name.clone()),
        )];
        attrs.extend(svc.attributes.iter().cloned());
        push_attrs(&mut out, &attrs);
    }
    out.push_str("</article>");
    out
}
