//! Traces that members' own applications send over OTLP ("My traces"), and
//! the ingest tokens that say whose they are. The only SQL of the receiver.
//!
//! # Model
//! - An **ingest token** ([`tokens`]) belongs to one member, has a name, is
//!   shown once at creation and stored as its SHA-256 only; a revoked token
//!   stops working at once.
//! - A **received span** is kept losslessly: the prost-encoded
//!   `opentelemetry.proto.trace.v1.Span` exactly as decoded, plus its
//!   resource and instrumentation scope (each stored once per member and
//!   content digest). Indexed columns copy what search needs: member, trace
//!   id, service (`service.name` of the resource), span name, start, duration
//!   and error status; the span's scalar attributes are its tags for search
//!   by `key=value`: each (`key`, `value`) text is stored once per member,
//!   and the span's row lists the ids of its tags ([`tag_lists`]).
//! - A **received trace** is one row per (member, trace id): batches may
//!   arrive in any order and in different requests; each adds its spans to
//!   the row's counters (spans, errors, earliest start, latest end, root)
//!   and to the distinct tag lists of its spans, so that a search tells
//!   whether one of its spans matches without reading them.
//!
//! # Writing
//! [`write::ingest_all`] stores the spans of the requests waiting to be
//! written in one transaction (a group commit) and returns only after the
//! commit, so a request is acknowledged only when its spans are durable. It
//! applies [`Limits`]: a per-trace cap (spans beyond it are rejected and
//! counted), a per-member cap (oldest traces evicted first) and a retention
//! age. [`write::maintain`], run by the server every ten minutes, applies
//! retention to every member and removes resources, scopes and tag values
//! that no span refers to any more.
//!
//! # Reading (for the "My traces" pages)
//! - [`read::list`]: one member's traces, newest first, filtered by a
//!   [`read::Search`]; each a [`read::TraceSummary`].
//! - [`read::load`]: one member's trace as the viewer's model (the importer's
//!   [`Imported`](crate::sim::formats::import::Imported)), or `None` when the
//!   member has no such trace: a member never sees another member's trace.
//! - [`read::delete`]: removes one trace of one member.
//! - [`read::recent`]: one member's most recent traces with their spans,
//!   within bounds, for the sampling lab over their own traces.
//! - [`share`]: a trace its owner shares read-only with the group.

pub mod read;
pub mod share;
pub mod tag_lists;
pub mod tokens;
pub mod write;

#[cfg(test)]
mod tests;

/// Limits of what one member may keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most spans kept per member (`--otlp-max-spans`, default 500,000); when a
    /// request goes over, the member's least recently received traces are
    /// evicted until the total is back under it.
    pub max_spans_per_member: u64,
    /// Most spans kept per trace (default 100,000, [`MAX_SPANS_PER_TRACE`]);
    /// spans beyond it are rejected (OTLP partial success) and not stored.
    pub max_spans_per_trace: u64,
    /// Traces not received for longer than this many seconds are deleted
    /// (`--otlp-retention`, default 7 days).
    pub retention_secs: i64,
}

/// Default of [`Limits::max_spans_per_member`].
pub const MAX_SPANS_PER_MEMBER: u64 = 500_000;
/// Default of [`Limits::max_spans_per_trace`]; the viewer renders traces of
/// this size (the importer's limit is 200,000).
pub const MAX_SPANS_PER_TRACE: u64 = 100_000;
/// Default of [`Limits::retention_secs`]: 7 days.
pub const RETENTION_SECS: i64 = 7 * 86_400;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_spans_per_member: MAX_SPANS_PER_MEMBER,
            max_spans_per_trace: MAX_SPANS_PER_TRACE,
            retention_secs: RETENTION_SECS,
        }
    }
}

/// One span ready to store: validated ids, the search columns, and its
/// lossless encoding. Built by [`crate::otlp`] from a decoded request.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSpan {
    /// Trace id (16 bytes, not all zero).
    pub trace_id: [u8; 16],
    /// Span id (8 bytes, not all zero).
    pub span_id: [u8; 8],
    /// Parent span id; None for a root.
    pub parent_span_id: Option<[u8; 8]>,
    /// `service.name` of the resource (`unknown_service` when absent).
    pub service: String,
    /// Span name.
    pub name: String,
    /// Start, unix nanoseconds.
    pub start_ns: u64,
    /// End, unix nanoseconds (never before the start).
    pub end_ns: u64,
    /// Status code is ERROR.
    pub error: bool,
    /// Index into [`NewBatch::resources`].
    pub resource: usize,
    /// Index into [`NewBatch::scopes`].
    pub scope: usize,
    /// The prost-encoded `opentelemetry.proto.trace.v1.Span`.
    pub body: Vec<u8>,
    /// The span's scalar attributes as (key, value) text, plus
    /// `error=true` for a span whose status is ERROR (Jaeger's tag), for
    /// search by tag: at most [`MAX_TAGS_PER_SPAN`], keys up to [`MAX_TAG_KEY`] and
    /// values up to [`MAX_TAG_VALUE`] bytes (longer ones are not indexed;
    /// the span body keeps them all).
    pub tags: Vec<(String, String)>,
}

/// Most attributes of one span indexed for search.
pub const MAX_TAGS_PER_SPAN: usize = 32;
/// Longest attribute key indexed, in bytes.
pub const MAX_TAG_KEY: usize = 128;
/// Longest attribute value indexed, in bytes.
pub const MAX_TAG_VALUE: usize = 256;
/// Longest text of a trace row's span tag lists
/// ([`tag_lists::TraceLists`], migration 0013), in bytes; a trace with more
/// holds none, and search reads its spans' lists.
pub const MAX_TRACE_TAG_LISTS: usize = 8_192;

/// One request's spans with the resources and scopes they refer to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewBatch {
    /// Prost-encoded `ResourceSpans` holding only the resource and its
    /// schema URL (no scope spans).
    pub resources: Vec<Vec<u8>>,
    /// Prost-encoded `ScopeSpans` holding only the scope and its schema URL
    /// (no spans).
    pub scopes: Vec<Vec<u8>>,
    /// The spans.
    pub spans: Vec<NewSpan>,
}
