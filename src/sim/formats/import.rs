//! Imports: OTLP JSON and Jaeger JSON back into a [`Trace`], validated with
//! precise messages (which field of which span), bounded in size.
//!
//! Spans are put in canonical order (a parent before its children); spans
//! whose parent id is not in the file become roots and keep
//! `parent_span_id`. Server and consumer spans with a parent id get the
//! `traceparent` header that must have carried it (sampled flag set).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::sim::canonical;
use crate::sim::trace::{AttrValue, ServiceInfo, Span, SpanKind, Trace, hex, parse_hex};

mod jaeger;
mod otlp;

pub use jaeger::from_jaeger_json;
pub use otlp::from_otlp_json;

/// Largest number of spans an import accepts.
pub const MAX_IMPORT_SPANS: usize = 200_000;

/// Why an import failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// Where: e.g. `resourceSpans[0].scopeSpans[0].spans[3].traceId` (empty for the whole file).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ImportError {}

pub(crate) fn err(path: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError {
        path: path.into(),
        message: message.into(),
    }
}

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

pub(crate) fn parse_json(text: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text).map_err(|e| {
        err(
            "",
            format!(
                "not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

pub(crate) fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ImportError> {
    v.as_object().ok_or_else(|| err(path, "expected an object"))
}

/// A required array field.
pub(crate) fn arr<'a>(
    o: &'a Map<String, Value>,
    field: &str,
    prefix: &str,
) -> Result<&'a [Value], ImportError> {
    match o.get(field) {
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(err(join(prefix, field), "expected an array")),
        None => Err(err(join(prefix, field), "missing")),
    }
}

/// An optional array field (missing or null: empty).
pub(crate) fn opt_arr<'a>(
    o: &'a Map<String, Value>,
    field: &str,
    prefix: &str,
) -> Result<&'a [Value], ImportError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(err(join(prefix, field), "expected an array")),
    }
}

pub(crate) fn str_field<'a>(
    o: &'a Map<String, Value>,
    field: &str,
    prefix: &str,
) -> Result<&'a str, ImportError> {
    match o.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(err(join(prefix, field), "expected a string")),
        None => Err(err(join(prefix, field), "missing")),
    }
}

pub(crate) fn opt_str<'a>(
    o: &'a Map<String, Value>,
    field: &str,
    prefix: &str,
) -> Result<Option<&'a str>, ImportError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(err(join(prefix, field), "expected a string")),
    }
}

/// An unsigned integer given as a JSON number or a decimal string.
pub(crate) fn u64_field(
    o: &Map<String, Value>,
    field: &str,
    prefix: &str,
) -> Result<u64, ImportError> {
    let bad = || {
        err(
            join(prefix, field),
            "expected an unsigned integer (number or decimal string)",
        )
    };
    match o.get(field) {
        Some(Value::Number(n)) => n.as_u64().ok_or_else(bad),
        Some(Value::String(s)) => s.parse::<u64>().map_err(|_| bad()),
        Some(_) => Err(bad()),
        None => Err(err(join(prefix, field), "missing")),
    }
}

/// A hex id of `N` bytes, not all zero.
pub(crate) fn id<const N: usize>(
    s: &str,
    path: impl Fn() -> String,
) -> Result<[u8; N], ImportError> {
    if s.len() != 2 * N {
        return Err(err(
            path(),
            format!("expected {} hex characters, got {}", 2 * N, s.len()),
        ));
    }
    let v = parse_hex::<N>(s).ok_or_else(|| err(path(), format!("{s:?} is not hex")))?;
    if v == [0u8; N] {
        return Err(err(path(), "all zeros is not a valid id"));
    }
    Ok(v)
}

/// Where a span sat in the input (formatted only for error messages).
#[derive(Debug, Clone, Copy)]
pub(crate) enum SpanRef {
    /// `resourceSpans[r].scopeSpans[s].spans[i]`.
    Otlp(usize, usize, usize),
    /// `data[d].spans[i]`.
    Jaeger(usize, usize),
}

impl fmt::Display for SpanRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpanRef::Otlp(r, s, i) => write!(f, "resourceSpans[{r}].scopeSpans[{s}].spans[{i}]"),
            SpanRef::Jaeger(d, i) => write!(f, "data[{d}].spans[{i}]"),
        }
    }
}

/// Collects services and spans while a format is being read.
pub(crate) struct Collected {
    pub services: Vec<ServiceInfo>,
    pub spans: Vec<Span>,
    /// Where each span was in the input, for error messages.
    pub paths: Vec<SpanRef>,
    /// Most spans accepted.
    pub limit: usize,
}

impl Collected {
    pub(crate) fn new(limit: usize) -> Collected {
        Collected {
            services: Vec::new(),
            spans: Vec::new(),
            paths: Vec::new(),
            limit,
        }
    }

    /// Index of a service, reusing an identical one.
    pub(crate) fn service(&mut self, info: ServiceInfo) -> usize {
        match self.services.iter().position(|s| *s == info) {
            Some(i) => i,
            None => {
                self.services.push(info);
                self.services.len() - 1
            }
        }
    }

    pub(crate) fn push(&mut self, span: Span, path: SpanRef) -> Result<(), ImportError> {
        if self.spans.len() >= self.limit {
            return Err(err(
                path.to_string(),
                format!("more than {} spans, the import limit", self.limit),
            ));
        }
        if span.end_ns < span.start_ns {
            return Err(err(path.to_string(), "the span ends before it starts"));
        }
        self.spans.push(span);
        self.paths.push(path);
        Ok(())
    }

    /// Links parents, orders spans canonically and derives headers.
    pub(crate) fn finish(self) -> Result<Trace, ImportError> {
        let Collected {
            services,
            mut spans,
            paths,
            ..
        } = self;
        if spans.is_empty() {
            return Err(err("", "the file contains no spans"));
        }
        let mut index: HashMap<([u8; 16], [u8; 8]), usize> = HashMap::with_capacity(spans.len());
        for (i, s) in spans.iter().enumerate() {
            if let Some(prev) = index.insert((s.trace_id, s.span_id), i) {
                return Err(err(
                    paths[i].to_string(),
                    format!(
                        "duplicate span id {} (also at {})",
                        hex(&s.span_id),
                        paths[prev]
                    ),
                ));
            }
        }
        for (i, s) in spans.iter_mut().enumerate() {
            s.parent = None;
            if let Some(pid) = s.parent_span_id
                && let Some(&p) = index.get(&(s.trace_id, pid))
            {
                if p == i {
                    return Err(err(paths[i].to_string(), "the span is its own parent"));
                }
                s.parent = Some(p);
            }
        }
        let order = canonical::order(&spans)
            .map_err(|i| err(paths[i].to_string(), "parent references form a cycle"))?;
        let mut spans = canonical::apply(spans, &order);
        let olds = canonical::renumber_services(&mut spans, services.len());
        let services = olds.iter().map(|&o| services[o].clone()).collect();
        for s in &mut spans {
            s.traceparent = match (s.kind, s.parent_span_id) {
                (SpanKind::Server | SpanKind::Consumer, Some(p)) => {
                    Some(format!("00-{}-{}-01", hex(&s.trace_id), hex(&p)))
                }
                _ => None,
            };
        }
        Ok(Trace {
            scenario: "import".to_string(),
            seed: 0,
            services,
            spans,
        })
    }
}

/// Reads one span cheaply with an empty path; only when that fails is it
/// read again with its real path, so error messages stay precise without
/// building path strings for every valid span.
pub(crate) fn with_path<T>(
    at: SpanRef,
    mut read: impl FnMut(&str) -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    match read("") {
        Ok(v) => Ok(v),
        Err(first) => match read(&at.to_string()) {
            Err(e) => Err(e),
            Ok(_) => Err(first),
        },
    }
}

/// Interns attribute keys so repeated keys share one allocation.
#[derive(Default)]
pub(crate) struct Keys {
    map: HashMap<String, Arc<str>>,
}

impl Keys {
    pub(crate) fn get(&mut self, k: &str) -> Arc<str> {
        if let Some(a) = self.map.get(k) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(k);
        self.map.insert(k.to_string(), a.clone());
        a
    }

    pub(crate) fn value(&mut self, v: &str) -> AttrValue {
        // Values repeat a lot too (routes, methods, service names).
        AttrValue::Str(self.get(v))
    }
}

#[cfg(test)]
mod tests;
