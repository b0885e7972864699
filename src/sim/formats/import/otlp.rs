//! OTLP JSON import.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::sim::formats::import::{
    Collected, ImportError, Keys, SpanRef, arr, err, id, obj, opt_arr, opt_str, parse_json,
    str_field, u64_field, with_path,
};
use crate::sim::trace::{AttrValue, Event, Link, ServiceInfo, Span, SpanKind, Status, Trace};

fn any_value(v: &Value, path: &str, keys: &mut Keys) -> Result<AttrValue, ImportError> {
    let o = obj(v, path)?;
    let bad = |what: &str| err(path.to_string(), format!("{what} has the wrong type"));
    if let Some(s) = o.get("stringValue") {
        return s
            .as_str()
            .map(|s| keys.value(s))
            .ok_or_else(|| bad("stringValue"));
    }
    if let Some(i) = o.get("intValue") {
        return match i {
            Value::String(s) => s
                .parse::<i64>()
                .map(AttrValue::Int)
                .map_err(|_| bad("intValue")),
            Value::Number(n) => n
                .as_i64()
                .map(AttrValue::Int)
                .ok_or_else(|| bad("intValue")),
            _ => Err(bad("intValue")),
        };
    }
    if let Some(d) = o.get("doubleValue") {
        return match d {
            Value::Number(n) => n
                .as_f64()
                .map(AttrValue::Float)
                .ok_or_else(|| bad("doubleValue")),
            Value::String(s) => match s.as_str() {
                "NaN" => Ok(AttrValue::Float(f64::NAN)),
                "Infinity" => Ok(AttrValue::Float(f64::INFINITY)),
                "-Infinity" => Ok(AttrValue::Float(f64::NEG_INFINITY)),
                _ => s
                    .parse::<f64>()
                    .map(AttrValue::Float)
                    .map_err(|_| bad("doubleValue")),
            },
            _ => Err(bad("doubleValue")),
        };
    }
    if let Some(b) = o.get("boolValue") {
        return b
            .as_bool()
            .map(AttrValue::Bool)
            .ok_or_else(|| bad("boolValue"));
    }
    // Arrays, key-value lists and bytes are kept as their JSON text.
    for k in ["arrayValue", "kvlistValue", "bytesValue"] {
        if let Some(x) = o.get(k) {
            return Ok(AttrValue::Str(Arc::from(x.to_string().as_str())));
        }
    }
    Ok(AttrValue::Str(Arc::from("")))
}

/// Attributes without building error paths; None when anything is off.
fn attributes_fast(list: &[Value], keys: &mut Keys) -> Option<Vec<(Arc<str>, AttrValue)>> {
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let o = a.as_object()?;
        let k = o.get("key")?.as_str()?;
        let v = o.get("value")?.as_object()?;
        let value = if let Some(s) = v.get("stringValue") {
            keys.value(s.as_str()?)
        } else if let Some(Value::String(i)) = v.get("intValue") {
            AttrValue::Int(i.parse().ok()?)
        } else if let Some(Value::Number(d)) = v.get("doubleValue") {
            AttrValue::Float(d.as_f64()?)
        } else if let Some(Value::Bool(b)) = v.get("boolValue") {
            AttrValue::Bool(*b)
        } else {
            return None;
        };
        out.push((keys.get(k), value));
    }
    Some(out)
}

pub(super) fn attributes(
    list: &[Value],
    parent: &str,
    field: &str,
    keys: &mut Keys,
) -> Result<Vec<(Arc<str>, AttrValue)>, ImportError> {
    if let Some(v) = attributes_fast(list, keys) {
        return Ok(v);
    }
    let prefix = format!("{parent}.{field}");
    let mut out = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let path = format!("{prefix}[{i}]");
        let o = obj(a, &path)?;
        let k = str_field(o, "key", &path)?;
        let v = match o.get("value") {
            Some(v) => any_value(v, &format!("{path}.value"), keys)?,
            None => AttrValue::Str(Arc::from("")),
        };
        out.push((keys.get(k), v));
    }
    Ok(out)
}

fn kind(o: &Map<String, Value>, path: &str) -> Result<SpanKind, ImportError> {
    let bad = || err(format!("{path}.kind"), "expected 0-5 or a SPAN_KIND_* name");
    match o.get("kind") {
        None | Some(Value::Null) => Ok(SpanKind::Internal),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(SpanKind::from_otlp_code)
            .ok_or_else(bad),
        Some(Value::String(s)) => match s.as_str() {
            "SPAN_KIND_UNSPECIFIED" | "SPAN_KIND_INTERNAL" => Ok(SpanKind::Internal),
            "SPAN_KIND_SERVER" => Ok(SpanKind::Server),
            "SPAN_KIND_CLIENT" => Ok(SpanKind::Client),
            "SPAN_KIND_PRODUCER" => Ok(SpanKind::Producer),
            "SPAN_KIND_CONSUMER" => Ok(SpanKind::Consumer),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}

fn status(o: &Map<String, Value>, path: &str) -> Result<Status, ImportError> {
    let Some(v) = o.get("status").filter(|v| !v.is_null()) else {
        return Ok(Status::Unset);
    };
    let at = |field: &str| format!("{path}.status{field}");
    let so = v
        .as_object()
        .ok_or_else(|| err(at(""), "expected an object"))?;
    let message = match so.get("message") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s,
        Some(_) => return Err(err(at(".message"), "expected a string")),
    };
    let code = match so.get("code") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(-1),
        Some(Value::String(s)) => match s.as_str() {
            "STATUS_CODE_UNSET" => 0,
            "STATUS_CODE_OK" => 1,
            "STATUS_CODE_ERROR" => 2,
            _ => -1,
        },
        Some(_) => -1,
    };
    match code {
        0 => Ok(Status::Unset),
        1 => Ok(Status::Ok),
        2 => Ok(Status::Error {
            message: message.to_string(),
        }),
        _ => Err(err(at(".code"), "expected 0 (unset), 1 (ok) or 2 (error)")),
    }
}

fn span(v: &Value, path: &str, service: usize, keys: &mut Keys) -> Result<Span, ImportError> {
    let o = obj(v, path)?;
    let f = |field: &'static str| move || format!("{path}.{field}");
    let trace_id = id::<16>(str_field(o, "traceId", path)?, f("traceId"))?;
    let span_id = id::<8>(str_field(o, "spanId", path)?, f("spanId"))?;
    let parent_span_id = match opt_str(o, "parentSpanId", path)? {
        None | Some("") => None,
        Some(p) => Some(id::<8>(p, f("parentSpanId"))?),
    };
    let name = str_field(o, "name", path)?;
    let start_ns = u64_field(o, "startTimeUnixNano", path)?;
    let end_ns = u64_field(o, "endTimeUnixNano", path)?;
    let attrs = attributes(opt_arr(o, "attributes", path)?, path, "attributes", keys)?;
    let mut events = Vec::new();
    for (i, e) in opt_arr(o, "events", path)?.iter().enumerate() {
        let ep = format!("{path}.events[{i}]");
        let eo = obj(e, &ep)?;
        events.push(Event {
            time_ns: u64_field(eo, "timeUnixNano", &ep)?,
            name: keys.get(opt_str(eo, "name", &ep)?.unwrap_or("")),
            attributes: attributes(opt_arr(eo, "attributes", &ep)?, &ep, "attributes", keys)?,
        });
    }
    let mut links = Vec::new();
    for (i, l) in opt_arr(o, "links", path)?.iter().enumerate() {
        let lp = format!("{path}.links[{i}]");
        let lo = obj(l, &lp)?;
        links.push(Link {
            trace_id: id::<16>(str_field(lo, "traceId", &lp)?, || format!("{lp}.traceId"))?,
            span_id: id::<8>(str_field(lo, "spanId", &lp)?, || format!("{lp}.spanId"))?,
        });
    }
    Ok(Span {
        trace_id,
        span_id,
        parent: None,
        parent_span_id,
        service,
        name: keys.get(name),
        kind: kind(o, path)?,
        start_ns,
        end_ns,
        status: status(o, path)?,
        attributes: attrs,
        events,
        links,
        traceparent: None,
    })
}

/// Reads an OTLP JSON `ExportTraceServiceRequest`.
pub fn from_otlp_json(text: &str) -> Result<Trace, ImportError> {
    read(text, crate::sim::formats::import::MAX_IMPORT_SPANS)
}

pub(crate) fn read(text: &str, limit: usize) -> Result<Trace, ImportError> {
    let root = parse_json(text)?;
    let ro = obj(&root, "")?;
    let mut keys = Keys::default();
    let mut c = Collected::new(limit);
    for (ri, rs) in arr(ro, "resourceSpans", "")?.iter().enumerate() {
        let rp = format!("resourceSpans[{ri}]");
        let rso = obj(rs, &rp)?;
        let mut attrs = match rso.get("resource").filter(|r| !r.is_null()) {
            Some(r) => {
                let resp = format!("{rp}.resource");
                let res = obj(r, &resp)?;
                attributes(
                    opt_arr(res, "attributes", &resp)?,
                    &resp,
                    "attributes",
                    &mut keys,
                )?
            }
            None => Vec::new(),
        };
        let name = match attrs.iter().position(|(k, _)| &**k == "service.name") {
            Some(i) => match attrs.remove(i).1 {
                AttrValue::Str(s) => s,
                other => Arc::from(other.to_string().as_str()),
            },
            None => Arc::from("unknown_service"),
        };
        let service = c.service(ServiceInfo {
            name,
            attributes: attrs,
        });
        for (si, ss) in arr(rso, "scopeSpans", &rp)?.iter().enumerate() {
            let sp = format!("{rp}.scopeSpans[{si}]");
            let sso = obj(ss, &sp)?;
            for (i, s) in opt_arr(sso, "spans", &sp)?.iter().enumerate() {
                let at = SpanRef::Otlp(ri, si, i);
                let span = with_path(at, |path| span(s, path, service, &mut keys))?;
                c.push(span, at)?;
            }
        }
    }
    c.finish()
}
