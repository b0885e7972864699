//! Reading a member's received traces: the list (with a simple search) and
//! one trace as the viewer's model. Every query is scoped by the member.

use rusqlite::{Connection, OptionalExtension, params};

use crate::sim::formats::import::Imported;
use crate::store::traces::tag_lists;

/// A trace is "still receiving" while its last span arrived less than this
/// many seconds ago.
pub const QUIET_SECS: i64 = 30;
/// Largest [`Search::limit`].
pub const MAX_LIMIT: usize = 1_000;

/// What to look for; every field is optional and they combine with AND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// A span of this service (`service.name`, exact).
    pub service: Option<String>,
    /// A span with this name (exact), in `service` when both are given.
    pub operation: Option<String>,
    /// Trace duration at least this many nanoseconds.
    pub min_duration_ns: Option<u64>,
    /// Trace duration at most this many nanoseconds.
    pub max_duration_ns: Option<u64>,
    /// Span attributes `(key, value)`, all on one span (with `service` and
    /// `operation` when given), values compared as text, written as the
    /// viewer shows them (`crate::otlp::validate::tags`); as Jaeger's tag
    /// search.
    pub tags: Vec<(String, String)>,
    /// Only traces with at least one error span.
    pub errors_only: bool,
    /// Traces starting at or after this unix time in nanoseconds.
    pub start_from_ns: Option<u64>,
    /// Traces starting before this unix time in nanoseconds.
    pub start_to_ns: Option<u64>,
    /// Most traces returned (1 to [`MAX_LIMIT`]; clamped).
    pub limit: usize,
}

impl Default for Search {
    /// Everything, the 100 most recent.
    fn default() -> Search {
        Search {
            service: None,
            operation: None,
            tags: Vec::new(),
            min_duration_ns: None,
            max_duration_ns: None,
            errors_only: false,
            start_from_ns: None,
            start_to_ns: None,
            limit: 100,
        }
    }
}

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceSummary {
    /// Trace id.
    pub trace_id: [u8; 16],
    /// Service of the root span (None until a span without parent arrives).
    pub root_service: Option<String>,
    /// Name of the root span.
    pub root_name: Option<String>,
    /// Without a root: service and name of the earliest-starting span. Its
    /// parent lives elsewhere, e.g. in a caller that propagated a
    /// `traceparent` without sending its own spans here.
    pub top: Option<(String, String)>,
    /// Spans stored.
    pub spans: u64,
    /// Distinct services among them.
    pub services: u64,
    /// Spans with status ERROR.
    pub errors: u64,
    /// Earliest span start, unix nanoseconds.
    pub start_ns: u64,
    /// Latest span end minus earliest start, nanoseconds.
    pub duration_ns: u64,
    /// Unix seconds of the first and last request that added spans.
    pub first_received_at: i64,
    /// See `first_received_at`.
    pub last_received_at: i64,
}

impl TraceSummary {
    /// True while spans may still be coming: the last span arrived less
    /// than [`QUIET_SECS`] before `now` (unix seconds). The page then says
    /// "incomplete: N spans, last received Ns ago". A trace whose root never
    /// came is not incomplete for ever: [`TraceSummary::label`] says it.
    pub fn incomplete(&self, now: i64) -> bool {
        now - self.last_received_at < QUIET_SECS
    }

    /// `service: name` of the root span; without one, of the earliest span
    /// followed by "(parent not received)", as Jaeger names such a trace.
    pub fn label(&self) -> String {
        match (&self.root_service, &self.root_name, &self.top) {
            (Some(s), Some(n), _) => format!("{s}: {n}"),
            (_, _, Some((s, n))) => format!("{s}: {n} (parent not received)"),
            _ => "(root not received)".to_string(),
        }
    }
}

/// The member's traces matching `search`, most recently started first.
pub fn list(c: &Connection, user_id: i64, search: &Search) -> anyhow::Result<Vec<TraceSummary>> {
    select(c, user_id, search, None)
}

/// Matching spans counted up to this many tell a rare service (and
/// operation) from a common one ([`span_filter`]).
const PROBE: i64 = 5_000;

/// The span conditions of a search (service, operation, tags, all on one
/// span) as SQL over `t`, the trace row, in the shape that is cheap for
/// them; their arguments are appended to `args` (`?1` is the member).
///
/// Each condition is a tag id of the member ([`tag_lists`]; one the member
/// never sent matches nothing). A trace row holds its spans' distinct tag
/// lists, so `one_span_has` checks a trace without reading its spans; a
/// trace that holds none (too many lists) is checked on its spans' lists.
/// A service's spans are first counted up to [`PROBE`] on their index: when
/// it is rare, the search starts from them (`t.id IN (…)`); otherwise
/// traces are read newest first, which stops after the page's rows.
fn span_filter(
    c: &Connection,
    user_id: i64,
    search: &Search,
    args: &mut Vec<rusqlite::types::Value>,
) -> anyhow::Result<String> {
    use rusqlite::types::Value;
    let mut wanted: Vec<(String, String)> = Vec::with_capacity(search.tags.len() + 2);
    if let Some(v) = &search.service {
        wanted.push((tag_lists::FACET_KEY.into(), tag_lists::service_value(v)));
    }
    if let Some(v) = &search.operation {
        wanted.push((tag_lists::FACET_KEY.into(), tag_lists::name_value(v)));
    }
    wanted.extend(search.tags.iter().cloned());
    let mut ids = Vec::with_capacity(wanted.len());
    for (key, value) in &wanted {
        let id: Option<i64> = c
            .query_row(
                "SELECT id FROM received_tag_values WHERE user_id = ?1 AND key = ?2 AND value = ?3",
                params![user_id, key, value],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => ids.push(id),
            None => return Ok(" AND 0".to_string()),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let rare_service = match &search.service {
        Some(service) => {
            let mut sql =
                "SELECT 1 FROM received_spans WHERE user_id = ?1 AND service = ?2".to_string();
            let mut params = vec![Value::from(user_id), Value::from(service.clone())];
            if let Some(op) = &search.operation {
                sql.push_str(" AND name = ?3");
                params.push(Value::from(op.clone()));
            }
            let sql = format!("SELECT count(*) FROM ({sql} LIMIT {PROBE})");
            let n: i64 = c.query_row(&sql, rusqlite::params_from_iter(params), |r| r.get(0))?;
            n < PROBE
        }
        None => false,
    };
    let mut next = |v: Value| -> String {
        args.push(v);
        format!("?{}", args.len())
    };
    let on_span = ids
        .iter()
        .map(|id| format!(" AND instr(s.tags, {}) > 0", next(format!(",{id},").into())))
        .collect::<String>();
    if rare_service {
        // The columns lead the planner to the (member, service, name) index.
        let mut columns = String::new();
        if let Some(v) = &search.service {
            columns.push_str(&format!(" AND s.service = {}", next(v.clone().into())));
        }
        if let Some(v) = &search.operation {
            columns.push_str(&format!(" AND s.name = {}", next(v.clone().into())));
        }
        return Ok(format!(
            " AND t.id IN (SELECT s.trace_row FROM received_spans s \
             WHERE s.user_id = ?1{columns}{on_span})"
        ));
    }
    let mut list = String::new();
    tag_lists::write_list(&mut list, &ids);
    let list = next(list.into());
    Ok(format!(
        " AND CASE WHEN t.tags IS NULL \
           THEN EXISTS (SELECT 1 FROM received_spans s WHERE s.trace_row = t.id{on_span}) \
           ELSE one_span_has(t.tags, {list}) END"
    ))
}

fn select(
    c: &Connection,
    user_id: i64,
    search: &Search,
    only: Option<&[u8; 16]>,
) -> anyhow::Result<Vec<TraceSummary>> {
    let limit = search.limit.clamp(1, MAX_LIMIT) as i64;
    select_limited(c, user_id, search, only, limit)
}

/// [`select`] with `limit` rows at most, whatever `search.limit` says.
fn select_limited(
    c: &Connection,
    user_id: i64,
    search: &Search,
    only: Option<&[u8; 16]>,
    limit: i64,
) -> anyhow::Result<Vec<TraceSummary>> {
    let mut sql = String::from(
        "SELECT t.trace_id, t.root_service, t.root_name, t.span_count, t.error_count,
                t.start_ns, t.end_ns, t.first_received_at, t.last_received_at,
                (SELECT count(DISTINCT s.service) FROM received_spans s WHERE s.trace_row = t.id)
         FROM received_traces t WHERE t.user_id = ?1 AND t.span_count > 0",
    );
    let mut args: Vec<rusqlite::types::Value> = vec![user_id.into()];
    let arg = |v: rusqlite::types::Value, args: &mut Vec<_>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(id) = only {
        let p = arg(id.to_vec().into(), &mut args);
        sql.push_str(&format!(" AND t.trace_id = {p}"));
    }
    if search.service.is_some() || search.operation.is_some() || !search.tags.is_empty() {
        let filter = span_filter(c, user_id, search, &mut args)?;
        sql.push_str(&filter);
    }
    let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    if let Some(v) = search.min_duration_ns {
        let p = arg(clamp(v).into(), &mut args);
        sql.push_str(&format!(" AND t.end_ns - t.start_ns >= {p}"));
    }
    if let Some(v) = search.max_duration_ns {
        let p = arg(clamp(v).into(), &mut args);
        sql.push_str(&format!(" AND t.end_ns - t.start_ns <= {p}"));
    }
    if search.errors_only {
        sql.push_str(" AND t.error_count > 0");
    }
    if let Some(v) = search.start_from_ns {
        let p = arg(clamp(v).into(), &mut args);
        sql.push_str(&format!(" AND t.start_ns >= {p}"));
    }
    if let Some(v) = search.start_to_ns {
        let p = arg(clamp(v).into(), &mut args);
        sql.push_str(&format!(" AND t.start_ns < {p}"));
    }
    let p = arg(limit.max(1).into(), &mut args);
    sql.push_str(&format!(" ORDER BY t.start_ns DESC, t.id DESC LIMIT {p}"));
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        let id: Vec<u8> = r.get(0)?;
        let start: i64 = r.get(5)?;
        let end: i64 = r.get(6)?;
        Ok(TraceSummary {
            trace_id: id.try_into().unwrap_or([0; 16]),
            root_service: r.get(1)?,
            root_name: r.get(2)?,
            spans: r.get::<_, i64>(3)?.max(0) as u64,
            errors: r.get::<_, i64>(4)?.max(0) as u64,
            start_ns: start.max(0) as u64,
            duration_ns: end.saturating_sub(start).max(0) as u64,
            first_received_at: r.get(7)?,
            last_received_at: r.get(8)?,
            services: r.get::<_, i64>(9)?.max(0) as u64,
            top: None,
        })
    })?;
    let mut out: Vec<TraceSummary> = rows.collect::<Result<_, _>>()?;
    let mut earliest = c.prepare_cached(
        "SELECT s.service, s.name FROM received_traces t
         JOIN received_spans s ON s.trace_row = t.id
         WHERE t.user_id = ?1 AND t.trace_id = ?2 ORDER BY s.start_ns, s.id LIMIT 1",
    )?;
    for t in out.iter_mut().filter(|t| t.root_service.is_none()) {
        t.top = earliest
            .query_row(params![user_id, &t.trace_id[..]], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
    }
    Ok(out)
}

/// One stored span with its resource and scope, as [`load_rows`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSpan {
    /// Prost-encoded `ResourceSpans` (resource and schema URL only).
    pub resource: Vec<u8>,
    /// Row id of the resource, to group spans by it.
    pub resource_id: i64,
    /// Prost-encoded `ScopeSpans` (scope and schema URL only).
    pub scope: Vec<u8>,
    /// Row id of the scope.
    pub scope_id: i64,
    /// Prost-encoded `Span`.
    pub body: Vec<u8>,
}

/// The member's stored spans of `trace_id`, in arrival order; empty when the
/// member has no such trace (another member's trace is never read).
pub fn load_rows(
    c: &Connection,
    user_id: i64,
    trace_id: &[u8; 16],
) -> anyhow::Result<Vec<StoredSpan>> {
    let mut stmt = c.prepare(
        "SELECT r.body, r.id, o.body, o.id, s.body
         FROM received_traces t
         JOIN received_spans s ON s.trace_row = t.id
         JOIN otlp_resources r ON r.id = s.resource_id
         JOIN otlp_scopes o ON o.id = s.scope_id
         WHERE t.user_id = ?1 AND t.trace_id = ?2
         ORDER BY s.id",
    )?;
    let rows = stmt.query_map(params![user_id, &trace_id[..]], |r| {
        Ok(StoredSpan {
            resource: r.get(0)?,
            resource_id: r.get(1)?,
            scope: r.get(2)?,
            scope_id: r.get(3)?,
            body: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The member's trace `trace_id` as the viewer's model: every stored span
/// re-assembled into one OTLP request and read by the OTLP importer, so the
/// trace opens in the same viewer as uploads (spans whose parent never
/// arrived are roots that keep their `parent_span_id`, i.e. orphans).
/// `None` when the member has no such trace.
pub fn load(c: &Connection, user_id: i64, trace_id: &[u8; 16]) -> anyhow::Result<Option<Imported>> {
    let rows = load_rows(c, user_id, trace_id)?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(crate::otlp::assemble::to_imported(&rows)?))
}

/// The summary of one of the member's traces, or None.
pub fn summary(
    c: &Connection,
    user_id: i64,
    trace_id: &[u8; 16],
) -> anyhow::Result<Option<TraceSummary>> {
    Ok(select(c, user_id, &Search::default(), Some(trace_id))?
        .into_iter()
        .next())
}

/// Deletes the member's trace `trace_id`; false when there was none.
pub fn delete(c: &Connection, user_id: i64, trace_id: &[u8; 16]) -> anyhow::Result<bool> {
    let found: Option<(i64, i64)> = c
        .query_row(
            "SELECT id, span_count FROM received_traces WHERE user_id = ?1 AND trace_id = ?2",
            params![user_id, &trace_id[..]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, spans)) = found else {
        return Ok(false);
    };
    crate::store::traces::write::remove(c, user_id, id, spans)?;
    Ok(true)
}

/// The member's most recent traces for the sampling lab, and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recent {
    /// The traces read, most recently started first: each summary with its
    /// stored spans (as [`load_rows`] reads them).
    pub traces: Vec<(TraceSummary, Vec<StoredSpan>)>,
    /// Traces the member has in all.
    pub total_traces: u64,
    /// Spans the member has in all.
    pub total_spans: u64,
}

/// The member's most recently started traces, newest first, as long as
/// there are at most `max_traces` of them with at most `max_spans` spans in
/// all: the first trace that would go over either bound and every older one
/// are left out. Only this member's traces are ever read.
pub fn recent(
    c: &Connection,
    user_id: i64,
    max_traces: usize,
    max_spans: u64,
) -> anyhow::Result<Recent> {
    let (total_traces, total_spans): (i64, i64) = c.query_row(
        "SELECT count(*), coalesce(sum(span_count), 0) FROM received_traces
         WHERE user_id = ?1 AND span_count > 0",
        params![user_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let limit = i64::try_from(max_traces).unwrap_or(i64::MAX);
    let newest = select_limited(c, user_id, &Search::default(), None, limit)?;
    let mut out = Recent {
        traces: Vec::new(),
        total_traces: total_traces.max(0) as u64,
        total_spans: total_spans.max(0) as u64,
    };
    let mut spans = 0u64;
    for t in newest {
        if spans.saturating_add(t.spans) > max_spans {
            break;
        }
        let rows = load_rows(c, user_id, &t.trace_id)?;
        spans += t.spans;
        out.traces.push((t, rows));
    }
    Ok(out)
}
