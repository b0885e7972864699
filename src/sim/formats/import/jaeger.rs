//! Jaeger JSON import (the Jaeger UI's `data[]` format), read as Jaeger's
//! own model reads it: ids of up to 32/16 hex digits left-padded, a span's
//! parent is its first `CHILD_OF` reference in the same trace, else its
//! first `FOLLOWS_FROM` one (`model.Span.ParentSpanID`), tag types and the
//! values of `span.kind`, `otel.status_code` and `error` in any case.

use std::collections::HashMap;
use std::sync::Arc;

use crate::sim::formats::import::{
    Collected, ImportError, Keys, MAX_IMPORT_SPANS, SpanRef, Warnings, err, flags, jaeger_span_id,
    jaeger_trace_id, parse,
};
use crate::sim::formats::wire::jaeger::{File, KeyValue, Process, TagValue};
use crate::sim::trace::{AttrValue, Event, Link, ServiceInfo, Span, SpanKind, Status, Trace};

/// A tag's value by its declared type (any case); a value that does not
/// fit its type is kept as it is, with a warning.
fn tag_value(t: KeyValue, at: &dyn Fn() -> String, keys: &mut Keys, w: &mut Warnings) -> AttrValue {
    let ty = t.value_type.to_ascii_lowercase();
    let v = match (ty.as_str(), t.value) {
        ("string" | "binary" | "", TagValue::Str(s)) => return keys.value(&s),
        ("int64", TagValue::Int(i)) | ("", TagValue::Int(i)) => return AttrValue::Int(i),
        ("float64", TagValue::Float(x)) | ("", TagValue::Float(x)) => return AttrValue::Float(x),
        ("float64", TagValue::Int(i)) => return AttrValue::Float(i as f64),
        ("bool", TagValue::Bool(b)) | ("", TagValue::Bool(b)) => return AttrValue::Bool(b),
        ("int64", TagValue::Str(s)) if s.trim().parse::<i64>().is_ok() => {
            return AttrValue::Int(s.trim().parse().unwrap_or(0));
        }
        ("float64", TagValue::Str(s)) if s.trim().parse::<f64>().is_ok() => {
            return AttrValue::Float(s.trim().parse().unwrap_or(0.0));
        }
        ("bool", TagValue::Str(s)) if s.eq_ignore_ascii_case("true") => {
            return AttrValue::Bool(true);
        }
        ("bool", TagValue::Str(s)) if s.eq_ignore_ascii_case("false") => {
            return AttrValue::Bool(false);
        }
        (_, v) => v,
    };
    w.add(
        format_args!("{}.value", at()),
        format_args!(
            "{v:?} does not match type {:?}; kept as it is",
            t.value_type
        ),
    );
    match v {
        TagValue::Null => AttrValue::Str(Arc::from("")),
        TagValue::Str(s) => keys.value(&s),
        TagValue::Bool(b) => AttrValue::Bool(b),
        TagValue::Int(i) => AttrValue::Int(i),
        TagValue::Float(x) => AttrValue::Float(x),
    }
}

fn tags(
    list: Vec<KeyValue>,
    at: &dyn Fn() -> String,
    field: &str,
    keys: &mut Keys,
    w: &mut Warnings,
) -> Vec<(Arc<str>, AttrValue)> {
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.into_iter().enumerate() {
        let k = keys.get(&t.key);
        let here = || format!("{}.{field}[{i}]", at());
        out.push((k, tag_value(t, &here, keys, w)));
    }
    out
}

fn process(p: Process, at: &dyn Fn() -> String, keys: &mut Keys, w: &mut Warnings) -> ServiceInfo {
    let mut attributes = tags(p.tags, at, "tags", keys, w);
    attributes.retain(|(k, _)| &**k != "service.name");
    ServiceInfo {
        name: keys.get(&p.service_name),
        attributes,
    }
}

/// Splits the OpenTelemetry bookkeeping tags back out of a tag list.
fn kind_and_status(
    tags: &mut Vec<(Arc<str>, AttrValue)>,
    at: &dyn Fn() -> String,
    w: &mut Warnings,
) -> (SpanKind, Status) {
    let mut kind = SpanKind::Internal;
    let mut code: Option<String> = None;
    let mut description = String::new();
    let mut error = false;
    tags.retain(|(k, v)| match (&**k, v) {
        ("span.kind", AttrValue::Str(s)) => {
            match SpanKind::from_name(&s.to_ascii_lowercase()) {
                Some(x) => kind = x,
                None => w.add(
                    format_args!("{}.tags", at()),
                    format_args!("unknown span.kind {s:?}; read as unspecified"),
                ),
            }
            false
        }
        ("otel.status_code", AttrValue::Str(s)) => {
            code = Some(s.to_ascii_uppercase());
            false
        }
        ("otel.status_description", AttrValue::Str(s)) => {
            description = s.to_string();
            false
        }
        ("error", AttrValue::Bool(b)) => {
            error |= *b;
            false
        }
        ("error", AttrValue::Str(s)) if s.eq_ignore_ascii_case("true") => {
            error = true;
            false
        }
        _ => true,
    });
    let status = match code.as_deref() {
        Some("ERROR") => Status::Error {
            message: description,
        },
        _ if error => Status::Error {
            message: description,
        },
        Some("OK") => Status::Ok,
        Some("UNSET") | None => Status::Unset,
        Some(other) => {
            w.add(
                format_args!("{}.tags", at()),
                format_args!("unknown otel.status_code {other:?}; read as unset"),
            );
            Status::Unset
        }
    };
    (kind, status)
}

fn span(
    s: crate::sim::formats::wire::jaeger::Span,
    at: SpanRef,
    processes: &HashMap<String, usize>,
    c: &mut Collected,
    keys: &mut Keys,
) -> Result<Span, ImportError> {
    let here = || at.to_string();
    let trace_id = jaeger_trace_id(&s.trace_id, || format!("{at}.traceID"))?;
    let span_id = jaeger_span_id(&s.span_id, || format!("{at}.spanID"))?;
    let w = &mut c.warnings;
    let mut refs = Vec::with_capacity(s.references.len());
    for (i, r) in s.references.into_iter().enumerate() {
        let rp = || format!("{at}.references[{i}]");
        let tid = jaeger_trace_id(&r.trace_id, || format!("{}.traceID", rp()))?;
        let sid = jaeger_span_id(&r.span_id, || format!("{}.spanID", rp()))?;
        let child_of = match r.ref_type.to_ascii_uppercase().as_str() {
            "CHILD_OF" => true,
            "FOLLOWS_FROM" => false,
            other => {
                w.add(
                    format_args!("{}.refType", rp()),
                    format_args!("unknown reference type {other:?}; read as FOLLOWS_FROM"),
                );
                false
            }
        };
        refs.push((child_of, tid, sid));
    }
    let chosen = refs
        .iter()
        .position(|r| r.0 && r.1 == trace_id)
        .or_else(|| refs.iter().position(|r| !r.0 && r.1 == trace_id));
    let parent = chosen.map(|n| refs[n].2);
    let links = refs
        .iter()
        .enumerate()
        .filter(|&(n, _)| Some(n) != chosen)
        .map(|(_, &(_, trace_id, span_id))| Link {
            trace_id,
            span_id,
            attributes: Vec::new(),
        })
        .collect();
    let start_ns = s
        .start_time
        .0
        .checked_mul(1000)
        .ok_or_else(|| err(format!("{at}.startTime"), "out of range"))?;
    let end_ns = s
        .duration
        .0
        .checked_mul(1000)
        .and_then(|d| start_ns.checked_add(d))
        .ok_or_else(|| err(format!("{at}.duration"), "out of range"))?;
    let mut attributes = tags(s.tags, &here, "tags", keys, w);
    let (kind, status) = kind_and_status(&mut attributes, &here, w);
    let (scope, trace_state) = crate::sim::formats::import::lift_scope(&mut attributes);
    let mut events = Vec::with_capacity(s.logs.len());
    for (i, l) in s.logs.into_iter().enumerate() {
        let lp = || format!("{at}.logs[{i}]");
        let mut fields = tags(l.fields, &lp, "fields", keys, w);
        let name = match fields.iter().position(|(k, _)| &**k == "event") {
            Some(i) => match fields.remove(i).1 {
                AttrValue::Str(s) => s,
                other => Arc::from(other.to_string().as_str()),
            },
            None => keys.get("log"),
        };
        let time_ns = l.timestamp.0.saturating_mul(1000);
        events.push(Event {
            time_ns,
            name,
            attributes: fields,
        });
    }
    let service = match (s.process_id, s.process) {
        (Some(pid), _) if processes.contains_key(&pid) => processes[&pid],
        (_, Some(p)) => {
            let info = process(p, &|| format!("{at}.process"), keys, w);
            c.service(info)
        }
        (Some(pid), None) => {
            return Err(err(
                format!("{at}.processID"),
                format!("no process {pid:?} in processes"),
            ));
        }
        (None, None) => return Err(err(format!("{at}.processID"), "missing")),
    };
    Ok(Span {
        trace_id,
        span_id,
        parent: None,
        parent_span_id: parent,
        service,
        name: keys.get(&s.operation_name),
        kind,
        start_ns,
        end_ns,
        status,
        attributes,
        events,
        links,
        traceparent: None,
        flags: flags(s.flags, || format!("{at}.flags"), &mut c.warnings),
        warnings: s.warnings.unwrap_or_default(),
        scope,
        trace_state,
    })
}

/// Reads Jaeger JSON (`{"data": [{"traceID", "spans", "processes"}]}`).
pub fn from_jaeger_json(text: &str) -> Result<Trace, ImportError> {
    collect(text, MAX_IMPORT_SPANS)?.finish().map(|(t, _)| t)
}

pub(crate) fn collect(text: &str, limit: usize) -> Result<Collected, ImportError> {
    let file: File = parse(text)?;
    let mut keys = Keys::default();
    let mut c = Collected::new(limit);
    for (di, d) in file.data.into_iter().enumerate() {
        let mut processes = HashMap::with_capacity(d.processes.0.len());
        for (k, p) in d.processes.0 {
            let at = || format!("data[{di}].processes.{k}");
            let info = process(p, &at, &mut keys, &mut c.warnings);
            processes.insert(k, c.service(info));
        }
        for w in d.warnings.unwrap_or_default() {
            c.warnings.add(
                format_args!("data[{di}]"),
                format_args!("Jaeger warns: {w}"),
            );
        }
        for (i, s) in d.spans.into_iter().enumerate() {
            let at = SpanRef::Jaeger(di, i);
            let span = span(s, at, &processes, &mut c, &mut keys)?;
            c.push(span, at)?;
        }
    }
    Ok(c)
}
