//! Zipkin v2 JSON import: a list of spans. Ids of up to 32/16 hex digits are
//! left-padded; `kind` is read in any case; the service is
//! `localEndpoint.serviceName`; times are microseconds. A `shared` server
//! span (one that reuses its client's span id) becomes a child of that
//! client span with an id of its own, derived from the shared one.
//! Tags are strings in Zipkin: a tag that is exactly an integer, a decimal
//! or `true`/`false` is read as that type (as the Collector's Zipkin
//! receiver does with `parse_string_tags`). Status follows the Collector's
//! translation: `otel.status_code`, `otel.status_description`, `error`.

use crate::sim::formats::import::{
    Collected, ImportError, Keys, MAX_IMPORT_SPANS, SpanRef, jaeger_span_id, jaeger_trace_id, parse,
};
use crate::sim::formats::wire::Ordered;
use crate::sim::formats::wire::zipkin::Span as ZSpan;
use crate::sim::trace::{AttrValue, Event, ServiceInfo, Span, SpanKind, Status, Trace};

/// Mask applied to a shared span id to give the server side its own id.
pub(crate) const SHARED_ID_MASK: [u8; 8] = [0x80, 0, 0, 0, 0, 0, 0, 0x01];

/// A tag value, typed when the text is exactly that type's spelling.
pub(crate) fn typed(v: &str, keys: &mut Keys) -> AttrValue {
    if let Ok(i) = v.parse::<i64>()
        && i.to_string() == v
    {
        return AttrValue::Int(i);
    }
    if v == "true" || v == "false" {
        return AttrValue::Bool(v == "true");
    }
    if v.contains('.')
        && let Ok(x) = v.parse::<f64>()
        && x.is_finite()
        && format!("{x:?}") == v
    {
        return AttrValue::Float(x);
    }
    keys.value(v)
}

/// An annotation value: `name`, or `name|{json object}` as written by
/// [`crate::sim::formats::export`] for events with attributes.
fn event(time_ns: u64, value: &str, keys: &mut Keys) -> Event {
    if let Some((name, json)) = value.split_once("|{")
        && let Ok(map) = serde_json::from_str::<Ordered<serde_json::Value>>(&format!("{{{json}"))
    {
        let attributes = map
            .0
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => typed(&s, keys),
                    other => typed(&other.to_string(), keys),
                };
                (keys.get(&k), v)
            })
            .collect();
        return Event {
            time_ns,
            name: keys.get(name),
            attributes,
        };
    }
    Event {
        time_ns,
        name: keys.get(value),
        attributes: Vec::new(),
    }
}

fn span(
    s: ZSpan,
    at: SpanRef,
    default_start_us: u64,
    c: &mut Collected,
    keys: &mut Keys,
) -> Result<Span, ImportError> {
    let trace_id = jaeger_trace_id(&s.trace_id, || format!("{at}.traceId"))?;
    let mut span_id = jaeger_span_id(&s.id, || format!("{at}.id"))?;
    let w = &mut c.warnings;
    let mut parent_span_id = match s.parent_id.as_deref() {
        None | Some("") => None,
        Some(p) => match jaeger_span_id(p, || format!("{at}.parentId")) {
            Ok(p) => Some(p),
            Err(e) => {
                w.add(e, "read as a root");
                None
            }
        },
    };
    let kind = match s.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None => SpanKind::Internal,
        Some("CLIENT") => SpanKind::Client,
        Some("SERVER") => SpanKind::Server,
        Some("PRODUCER") => SpanKind::Producer,
        Some("CONSUMER") => SpanKind::Consumer,
        Some(other) => {
            w.add(
                format_args!("{at}.kind"),
                format_args!("unknown kind {other:?}; read as unspecified"),
            );
            SpanKind::Internal
        }
    };
    if s.shared == Some(true) && kind == SpanKind::Server {
        parent_span_id = Some(span_id);
        for (b, m) in span_id.iter_mut().zip(SHARED_ID_MASK) {
            *b ^= m;
        }
    }
    let start_us = match s.timestamp {
        Some(t) => t.0,
        None => {
            w.add(
                format_args!("{at}.timestamp"),
                "missing; the span is placed at the start of the file's earliest span",
            );
            default_start_us
        }
    };
    let start_ns = start_us.saturating_mul(1000);
    let end_ns = start_ns.saturating_add(s.duration.map_or(0, |d| d.0).saturating_mul(1000));
    let mut attributes = Vec::with_capacity(s.tags.0.len());
    let mut code = None;
    let mut description = None;
    let mut error = None;
    for (k, v) in s.tags.0 {
        if let Some(was) = v.was {
            w.add(
                format_args!("{at}.tags.{k}"),
                format_args!("a {was}, not a string; read as the text {:?}", v.text),
            );
        }
        let v = v.text;
        match k.as_str() {
            "otel.status_code" => code = Some(v.to_ascii_uppercase()),
            "otel.status_description" => description = Some(v),
            "error" => error = Some(v),
            _ => {
                let value = typed(&v, keys);
                attributes.push((keys.get(&k), value));
            }
        }
    }
    let (scope, _) = crate::sim::formats::import::lift_scope(&mut attributes);
    let message = description
        .or(error.clone().filter(|e| e != "true"))
        .unwrap_or_default();
    let status = match code.as_deref() {
        Some("ERROR") => Status::Error { message },
        _ if error.is_some() => Status::Error { message },
        Some("OK") => Status::Ok,
        _ => Status::Unset,
    };
    let events = s
        .annotations
        .iter()
        .map(|a| event(a.timestamp.0.saturating_mul(1000), &a.value, keys))
        .collect();
    let service_name = s
        .local_endpoint
        .and_then(|e| e.service_name)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "unknown_service".to_string());
    let service = c.service(ServiceInfo {
        name: keys.get(&service_name),
        attributes: Vec::new(),
    });
    Ok(Span {
        trace_id,
        span_id,
        parent: None,
        parent_span_id,
        service,
        name: keys.get(s.name.as_deref().unwrap_or("")),
        kind,
        start_ns,
        end_ns,
        status,
        attributes,
        events,
        links: Vec::new(),
        traceparent: None,
        flags: None,
        warnings: Vec::new(),
        scope,
        trace_state: None,
    })
}

/// Reads Zipkin v2 JSON (a list of spans).
pub fn from_zipkin_json(text: &str) -> Result<Trace, ImportError> {
    collect(text, MAX_IMPORT_SPANS)?.finish().map(|(t, _)| t)
}

pub(crate) fn collect(text: &str, limit: usize) -> Result<Collected, ImportError> {
    let spans: Vec<ZSpan> = parse(text)?;
    let default_start_us = spans
        .iter()
        .filter_map(|s| s.timestamp.map(|t| t.0))
        .min()
        .unwrap_or(0);
    let mut keys = Keys::default();
    let mut c = Collected::new(limit);
    for (i, s) in spans.into_iter().enumerate() {
        let at = SpanRef::Zipkin(i);
        let span = span(s, at, default_start_us, &mut c, &mut keys)?;
        c.push(span, at)?;
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_typed_only_when_exact() {
        let mut k = Keys::default();
        assert_eq!(typed("200", &mut k), AttrValue::Int(200));
        assert_eq!(typed("true", &mut k), AttrValue::Bool(true));
        assert_eq!(typed("1.5", &mut k), AttrValue::Float(1.5));
        assert_eq!(typed("007", &mut k).as_str(), Some("007"));
        assert_eq!(typed("1e3", &mut k).as_str(), Some("1e3"));
        assert_eq!(typed("+1", &mut k).as_str(), Some("+1"));
    }
}
