//! What every reader shares: services and spans collected while a file is
//! read, the warnings, and the step that links parents and orders spans.
//! Every step is linear in spans (plus a sort of siblings and roots).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::sim::canonical;
use crate::sim::formats::import::{ImportError, err};
use crate::sim::trace::{AttrValue, ServiceInfo, Span, SpanKind, Trace, hex};

/// Fields degraded while reading: the first [`Warnings::MAX`] messages and
/// how many there were in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings {
    /// `path: what was done`, in file order.
    pub list: Vec<String>,
    /// All warnings, including those not kept in `list`.
    pub total: usize,
}

impl Warnings {
    /// Most messages kept.
    pub const MAX: usize = 100;

    /// Adds one (kept only while fewer than [`Warnings::MAX`]).
    pub fn add(&mut self, path: impl fmt::Display, message: impl fmt::Display) {
        self.total += 1;
        if self.list.len() < Self::MAX {
            self.list.push(format!("{path}: {message}"));
        }
    }
}

/// Where a span sat in the input (formatted only for messages).
#[derive(Debug, Clone, Copy)]
pub enum SpanRef {
    /// `line L: resourceSpans[r].scopeSpans[s].spans[i]` (line 0: a single document).
    Otlp(usize, usize, usize, usize),
    /// `data[d].spans[i]`.
    Jaeger(usize, usize),
    /// `[i]`.
    Zipkin(usize),
}

impl fmt::Display for SpanRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpanRef::Otlp(0, r, s, i) => {
                write!(f, "resourceSpans[{r}].scopeSpans[{s}].spans[{i}]")
            }
            SpanRef::Otlp(line, r, s, i) => {
                write!(
                    f,
                    "line {line}: resourceSpans[{r}].scopeSpans[{s}].spans[{i}]"
                )
            }
            SpanRef::Jaeger(d, i) => write!(f, "data[{d}].spans[{i}]"),
            SpanRef::Zipkin(i) => write!(f, "[{i}]"),
        }
    }
}

/// Interns strings (keys, names, repeated values) so they share one allocation.
#[derive(Default)]
pub struct Keys {
    map: HashMap<String, Arc<str>>,
}

impl Keys {
    /// The shared copy of `k`.
    pub fn get(&mut self, k: &str) -> Arc<str> {
        if let Some(a) = self.map.get(k) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(k);
        self.map.insert(k.to_string(), a.clone());
        a
    }

    /// A string attribute value.
    pub fn value(&mut self, v: &str) -> AttrValue {
        AttrValue::Str(self.get(v))
    }
}

/// A hashable fingerprint of a service: name and attributes with their types.
fn service_key(info: &ServiceInfo) -> String {
    use std::fmt::Write;
    let mut k = String::with_capacity(info.name.len() + 16 * info.attributes.len());
    k.push_str(&info.name);
    for (key, v) in &info.attributes {
        let tag = match v {
            AttrValue::Str(_) => 's',
            AttrValue::Int(_) => 'i',
            AttrValue::Float(_) => 'f',
            AttrValue::Bool(_) => 'b',
        };
        let _ = write!(k, "\u{0}{}\u{1}{tag}{v}", key.len());
        k.push_str(key);
    }
    k
}

/// Collects services and spans while a format is being read.
pub struct Collected {
    /// Services, deduplicated.
    pub services: Vec<ServiceInfo>,
    by_key: HashMap<String, usize>,
    /// Spans in file order.
    pub spans: Vec<Span>,
    /// Where each span was in the input.
    pub paths: Vec<SpanRef>,
    /// Most spans accepted.
    pub limit: usize,
    /// Degraded fields.
    pub warnings: Warnings,
}

impl Collected {
    /// Nothing collected yet; at most `limit` spans.
    pub fn new(limit: usize) -> Collected {
        Collected {
            services: Vec::new(),
            by_key: HashMap::new(),
            spans: Vec::new(),
            paths: Vec::new(),
            limit,
            warnings: Warnings::default(),
        }
    }

    /// Index of a service, reusing an identical one (hashing, so a file
    /// with many services stays linear).
    pub fn service(&mut self, info: ServiceInfo) -> usize {
        let key = service_key(&info);
        if let Some(&i) = self.by_key.get(&key) {
            return i;
        }
        self.services.push(info);
        self.by_key.insert(key, self.services.len() - 1);
        self.services.len() - 1
    }

    /// Adds a span; a span that ends before it starts is clamped (warning).
    /// Errors: over the span limit, or the budget cancelled the work
    /// ([`crate::budget::cancelled`]).
    pub fn push(&mut self, mut span: Span, path: SpanRef) -> Result<(), ImportError> {
        if crate::budget::cancelled() {
            return Err(err(
                path.to_string(),
                "stopped: reading the file took longer than the server allows",
            ));
        }
        if self.spans.len() >= self.limit {
            return Err(err(
                path.to_string(),
                format!("more than {} spans, the import limit", self.limit),
            ));
        }
        if span.end_ns < span.start_ns {
            self.warnings.add(
                path,
                "the span ends before it starts; its duration is taken as zero",
            );
            span.end_ns = span.start_ns;
        }
        self.spans.push(span);
        self.paths.push(path);
        Ok(())
    }

    /// Links parents, orders spans canonically and derives headers. A
    /// repeated span id is dropped, a parent cycle broken (both with a
    /// warning). Errors only when there are no spans.
    pub fn finish(self) -> Result<(Trace, Warnings), ImportError> {
        let Collected {
            services,
            spans,
            paths,
            mut warnings,
            ..
        } = self;
        if spans.is_empty() {
            return Err(err("", "the file contains no spans"));
        }
        let mut index: HashMap<([u8; 16], [u8; 8]), usize> = HashMap::with_capacity(spans.len());
        let mut kept = Vec::with_capacity(spans.len());
        let mut kept_paths = Vec::with_capacity(spans.len());
        for (s, path) in spans.into_iter().zip(paths) {
            if let Some(&prev) = index.get(&(s.trace_id, s.span_id)) {
                warnings.add(
                    path,
                    format_args!(
                        "span id {} repeats the span at {}; this copy is left out",
                        hex(&s.span_id),
                        kept_paths[prev]
                    ),
                );
                continue;
            }
            index.insert((s.trace_id, s.span_id), kept.len());
            kept.push(s);
            kept_paths.push(path);
        }
        let mut spans = kept;
        for (i, s) in spans.iter_mut().enumerate() {
            s.parent = None;
            if let Some(pid) = s.parent_span_id
                && let Some(&p) = index.get(&(s.trace_id, pid))
            {
                if p == i {
                    warnings.add(
                        kept_paths[i],
                        "the span names itself as its parent; shown as a root",
                    );
                } else {
                    s.parent = Some(p);
                }
            }
        }
        for i in canonical::break_cycles(&mut spans) {
            warnings.add(
                kept_paths[i],
                "parent references form a cycle; this span is shown as a root",
            );
        }
        let order = canonical::order(&spans).unwrap_or_else(|_| (0..spans.len()).collect());
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
        let trace = Trace {
            scenario: "import".to_string(),
            seed: 0,
            services,
            spans,
        };
        Ok((trace, warnings))
    }
}
