//! Jaeger JSON import (the Jaeger UI's `data[]` format).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::sim::formats::import::{
    Collected, ImportError, Keys, SpanRef, arr, err, id, obj, opt_arr, parse_json, str_field,
    u64_field, with_path,
};
use crate::sim::trace::{AttrValue, Event, Link, ServiceInfo, Span, SpanKind, Status, Trace};

fn tag_value(
    o: &Map<String, Value>,
    path: &str,
    keys: &mut Keys,
) -> Result<AttrValue, ImportError> {
    let v = o.get("value").unwrap_or(&Value::Null);
    let ty = o.get("type").and_then(Value::as_str);
    let bad = || {
        err(
            format!("{path}.value"),
            format!("does not match type {}", ty.unwrap_or("?")),
        )
    };
    Ok(match (ty, v) {
        (Some("string" | "binary"), Value::String(s)) => keys.value(s),
        (Some("int64"), Value::Number(n)) => AttrValue::Int(n.as_i64().ok_or_else(bad)?),
        (Some("int64"), Value::String(s)) => AttrValue::Int(s.parse().map_err(|_| bad())?),
        (Some("float64"), Value::Number(n)) => AttrValue::Float(n.as_f64().ok_or_else(bad)?),
        (Some("float64"), Value::String(s)) => AttrValue::Float(s.parse().map_err(|_| bad())?),
        (Some("bool"), Value::Bool(b)) => AttrValue::Bool(*b),
        (Some("bool"), Value::String(s)) => AttrValue::Bool(s == "true"),
        (Some("string" | "binary" | "int64" | "float64" | "bool"), _) => return Err(bad()),
        (Some(t), _) => {
            return Err(err(
                format!("{path}.type"),
                format!("unknown tag type {t:?}"),
            ));
        }
        (None, Value::String(s)) => keys.value(s),
        (None, Value::Bool(b)) => AttrValue::Bool(*b),
        (None, Value::Number(n)) => match n.as_i64() {
            Some(i) => AttrValue::Int(i),
            None => AttrValue::Float(n.as_f64().unwrap_or(0.0)),
        },
        (None, _) => return Err(bad()),
    })
}

/// Tags without building error paths; None when anything is off.
fn tags_fast(list: &[Value], keys: &mut Keys) -> Option<Vec<(Arc<str>, AttrValue)>> {
    let mut out = Vec::with_capacity(list.len());
    for t in list {
        let o = t.as_object()?;
        let k = o.get("key")?.as_str()?;
        let value = match (o.get("type")?.as_str()?, o.get("value")?) {
            ("string", Value::String(s)) => keys.value(s),
            ("int64", Value::Number(n)) => AttrValue::Int(n.as_i64()?),
            ("float64", Value::Number(n)) => AttrValue::Float(n.as_f64()?),
            ("bool", Value::Bool(b)) => AttrValue::Bool(*b),
            _ => return None,
        };
        out.push((keys.get(k), value));
    }
    Some(out)
}

fn tags(
    list: &[Value],
    parent: &str,
    field: &str,
    keys: &mut Keys,
) -> Result<Vec<(Arc<str>, AttrValue)>, ImportError> {
    if let Some(v) = tags_fast(list, keys) {
        return Ok(v);
    }
    let prefix = format!("{parent}.{field}");
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.iter().enumerate() {
        let path = format!("{prefix}[{i}]");
        let o = obj(t, &path)?;
        let k = str_field(o, "key", &path)?;
        out.push((keys.get(k), tag_value(o, &path, keys)?));
    }
    Ok(out)
}

fn process(v: &Value, path: &str, keys: &mut Keys) -> Result<ServiceInfo, ImportError> {
    let o = obj(v, path)?;
    let name = str_field(o, "serviceName", path)?;
    let mut attributes = tags(opt_arr(o, "tags", path)?, path, "tags", keys)?;
    attributes.retain(|(k, _)| &**k != "service.name");
    Ok(ServiceInfo {
        name: keys.get(name),
        attributes,
    })
}

/// Splits the OpenTelemetry bookkeeping tags back out of a tag list.
fn kind_and_status(
    tags: &mut Vec<(Arc<str>, AttrValue)>,
    path: &str,
) -> Result<(SpanKind, Status), ImportError> {
    let mut kind = SpanKind::Internal;
    let mut code: Option<String> = None;
    let mut description = String::new();
    let mut error = false;
    let mut bad = None;
    tags.retain(|(k, v)| match (&**k, v) {
        ("span.kind", AttrValue::Str(s)) => {
            match SpanKind::from_name(s) {
                Some(x) => kind = x,
                None => bad = Some(format!("unknown span.kind {s:?}")),
            }
            false
        }
        ("otel.status_code", AttrValue::Str(s)) => {
            code = Some(s.to_string());
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
        _ => true,
    });
    if let Some(m) = bad {
        return Err(err(format!("{path}.tags"), m));
    }
    let status = match code.as_deref() {
        Some("ERROR") => Status::Error {
            message: description,
        },
        _ if error => Status::Error {
            message: description,
        },
        Some("OK") => Status::Ok,
        _ => Status::Unset,
    };
    Ok((kind, status))
}

fn span(
    v: &Value,
    path: &str,
    processes: &HashMap<String, usize>,
    c: &mut Collected,
    keys: &mut Keys,
) -> Result<Span, ImportError> {
    let o = obj(v, path)?;
    let tid_text = str_field(o, "traceID", path)?;
    // Jaeger may write 64-bit trace ids as 16 hex digits.
    let padded;
    let tid_text = if tid_text.len() == 16 {
        padded = format!("{:0>32}", tid_text);
        padded.as_str()
    } else {
        tid_text
    };
    let trace_id = id::<16>(tid_text, || format!("{path}.traceID"))?;
    let span_id = id::<8>(str_field(o, "spanID", path)?, || format!("{path}.spanID"))?;
    let mut parent_span_id = None;
    let mut links = Vec::new();
    for (i, r) in opt_arr(o, "references", path)?.iter().enumerate() {
        let rp = format!("{path}.references[{i}]");
        let ro = obj(r, &rp)?;
        let rt = str_field(ro, "refType", &rp)?;
        let rtid = str_field(ro, "traceID", &rp)?;
        let rtid = if rtid.len() == 16 {
            format!("{:0>32}", rtid)
        } else {
            rtid.to_string()
        };
        let ltid = id::<16>(&rtid, || format!("{rp}.traceID"))?;
        let lsid = id::<8>(str_field(ro, "spanID", &rp)?, || format!("{rp}.spanID"))?;
        match rt {
            "CHILD_OF" if parent_span_id.is_none() && ltid == trace_id => {
                parent_span_id = Some(lsid)
            }
            "CHILD_OF" | "FOLLOWS_FROM" => links.push(Link {
                trace_id: ltid,
                span_id: lsid,
            }),
            other => {
                return Err(err(
                    format!("{rp}.refType"),
                    format!("expected CHILD_OF or FOLLOWS_FROM, got {other:?}"),
                ));
            }
        }
    }
    let start_us = u64_field(o, "startTime", path)?;
    let dur_us = u64_field(o, "duration", path)?;
    let start_ns = start_us
        .checked_mul(1000)
        .ok_or_else(|| err(format!("{path}.startTime"), "out of range"))?;
    let end_ns = dur_us
        .checked_mul(1000)
        .and_then(|d| start_ns.checked_add(d))
        .ok_or_else(|| err(format!("{path}.duration"), "out of range"))?;
    let mut attributes = tags(opt_arr(o, "tags", path)?, path, "tags", keys)?;
    let (kind, status) = kind_and_status(&mut attributes, path)?;
    let mut events = Vec::new();
    for (i, l) in opt_arr(o, "logs", path)?.iter().enumerate() {
        let lp = format!("{path}.logs[{i}]");
        let lo = obj(l, &lp)?;
        let mut fields = tags(arr(lo, "fields", &lp)?, &lp, "fields", keys)?;
        let name = match fields.iter().position(|(k, _)| &**k == "event") {
            Some(i) => match fields.remove(i).1 {
                AttrValue::Str(s) => s,
                other => Arc::from(other.to_string().as_str()),
            },
            None => keys.get("log"),
        };
        let ts = u64_field(lo, "timestamp", &lp)?;
        let time_ns = ts
            .checked_mul(1000)
            .ok_or_else(|| err(format!("{lp}.timestamp"), "out of range"))?;
        events.push(Event {
            time_ns,
            name,
            attributes: fields,
        });
    }
    let service = match o.get("processID").and_then(Value::as_str) {
        Some(pid) => *processes.get(pid).ok_or_else(|| {
            err(
                format!("{path}.processID"),
                format!("no process {pid:?} in processes"),
            )
        })?,
        None => match o.get("process") {
            Some(p) => {
                let info = process(p, &format!("{path}.process"), keys)?;
                c.service(info)
            }
            None => return Err(err(format!("{path}.processID"), "missing")),
        },
    };
    Ok(Span {
        trace_id,
        span_id,
        parent: None,
        parent_span_id,
        service,
        name: keys.get(str_field(o, "operationName", path)?),
        kind,
        start_ns,
        end_ns,
        status,
        attributes,
        events,
        links,
        traceparent: None,
    })
}

/// Reads Jaeger JSON (`{"data": [{"traceID", "spans", "processes"}]}`).
pub fn from_jaeger_json(text: &str) -> Result<Trace, ImportError> {
    read(text, crate::sim::formats::import::MAX_IMPORT_SPANS)
}

pub(crate) fn read(text: &str, limit: usize) -> Result<Trace, ImportError> {
    let root = parse_json(text)?;
    let ro = obj(&root, "")?;
    let mut keys = Keys::default();
    let mut c = Collected::new(limit);
    for (di, d) in arr(ro, "data", "")?.iter().enumerate() {
        let dp = format!("data[{di}]");
        let dobj = obj(d, &dp)?;
        let mut processes = HashMap::new();
        if let Some(p) = dobj.get("processes").filter(|p| !p.is_null()) {
            let pp = format!("{dp}.processes");
            for (k, v) in obj(p, &pp)? {
                let info = process(v, &format!("{pp}.{k}"), &mut keys)?;
                processes.insert(k.clone(), c.service(info));
            }
        }
        for (i, s) in arr(dobj, "spans", &dp)?.iter().enumerate() {
            let at = SpanRef::Jaeger(di, i);
            let span = with_path(at, |path| span(s, path, &processes, &mut c, &mut keys))?;
            c.push(span, at)?;
        }
    }
    c.finish()
}
