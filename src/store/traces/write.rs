//! Storing requests' spans: one transaction for a group of requests
//! (group commit), committed before any of them is acknowledged, with the
//! per-trace and per-member caps and the retention age of [`Limits`]; and the
//! periodic [`maintain`] pass.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use rusqlite::types::Value;
use rusqlite::{
    Connection, OptionalExtension, Transaction, TransactionBehavior, params, params_from_iter,
};
use sha2::{Digest, Sha256};

use crate::store::traces::tag_lists::{self, FACET_KEY, TraceLists, write_list};
use crate::store::traces::{Limits, MAX_TAGS_PER_SPAN, NewBatch, NewSpan};

/// What [`ingest`] did with a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// Spans stored now.
    pub stored: u64,
    /// Spans already stored before (same trace and span id; a retried
    /// request): acknowledged, not stored twice.
    pub duplicates: u64,
    /// Spans refused because their trace reached
    /// [`Limits::max_spans_per_trace`].
    pub over_trace_cap: u64,
    /// Traces evicted to keep the member under
    /// [`Limits::max_spans_per_member`] or removed by retention.
    pub evicted_traces: u64,
}

/// Stores `batch` for member `user_id` at `now` (unix seconds) in one
/// immediate transaction, and returns after the commit: [`ingest_all`] with
/// one batch.
///
/// Errors: only database errors (disk full, …); nothing is stored then.
pub fn ingest(
    c: &mut Connection,
    user_id: i64,
    batch: &NewBatch,
    limits: &Limits,
    now: i64,
) -> anyhow::Result<Stored> {
    let mut all = ingest_all(c, &[(user_id, batch)], limits, now)?;
    Ok(all.pop().unwrap_or_default())
}

/// Stores several requests' batches, each `(member id, batch)`, at `now`
/// (unix seconds) in one immediate transaction (a group commit: one WAL
/// write and one `fsync` for all of them), and returns after the commit,
/// with what was done for each batch, in order.
///
/// Per batch and trace id, the trace row is created or updated (span count, error
/// count, earliest start, latest end, root service and name when a span
/// without parent arrives, last receipt time). A span whose (trace, span id)
/// is already stored is counted in [`Stored::duplicates`]. Then traces older
/// than the retention age are deleted, and the member's least recently
/// received traces are evicted while the member holds more than the cap;
/// the traces removed are counted in the member's last batch.
///
/// Errors: only database errors (disk full, …); nothing of any batch is
/// stored then.
pub fn ingest_all(
    c: &mut Connection,
    batches: &[(i64, &NewBatch)],
    limits: &Limits,
    now: i64,
) -> anyhow::Result<Vec<Stored>> {
    let tx = Transaction::new(c, TransactionBehavior::Immediate)?;
    let mut out = Vec::with_capacity(batches.len());
    for (user_id, batch) in batches {
        out.push(store_batch(&tx, *user_id, batch, limits, now)?);
    }
    for (i, (user_id, _)) in batches.iter().enumerate() {
        let last = !batches[i + 1..].iter().any(|(u, _)| u == user_id);
        if last && let Some(stored) = out.get_mut(i) {
            stored.evicted_traces = expire(&tx, *user_id, limits, now)?;
        }
    }
    tx.commit()?;
    Ok(out)
}

/// One batch of [`ingest_all`], in its transaction, before expiry.
///
/// A trace already stored gets its spans at once and its row updated at the
/// end. A new trace's spans wait until the batch is read, so that its row is
/// written once with its totals and tag lists, then its spans (a row that
/// grows after it was written costs B-tree rebalancing).
fn store_batch(
    tx: &Transaction,
    user_id: i64,
    batch: &NewBatch,
    limits: &Limits,
    now: i64,
) -> anyhow::Result<Stored> {
    let mut out = Stored::default();
    let resources = intern(tx, "otlp_resources", user_id, &batch.resources)?;
    let scopes = intern(tx, "otlp_scopes", user_id, &batch.scopes)?;
    let mut tag_ids = TagIds::default();
    // One span's tag ids, sorted, and as its row lists them.
    let mut ids: Vec<i64> = Vec::with_capacity(MAX_TAGS_PER_SPAN + 2);
    let mut list = String::new();
    let mut traces: HashMap<[u8; 16], TraceRow> = HashMap::new();
    // New traces, in the order their first span came.
    let mut new_traces: Vec<[u8; 16]> = Vec::new();
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO received_spans
           (trace_row, user_id, span_id, parent_span_id, service, name, start_ns,
            duration_ns, error, resource_id, scope_id, body, tags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut insert_span = |trace_row: i64, s: &NewSpan, resource: i64, scope: i64, list: &str| {
        insert.execute(params![
            trace_row,
            user_id,
            &s.span_id[..],
            s.parent_span_id.as_ref().map(|p| &p[..]),
            s.service,
            s.name,
            ns(s.start_ns),
            ns(s.end_ns.saturating_sub(s.start_ns)),
            s.error,
            resource,
            scope,
            s.body,
            list,
        ])
    };
    let mut find = tx.prepare_cached(
        "SELECT id, span_count, tags FROM received_traces WHERE user_id = ?1 AND trace_id = ?2",
    )?;
    for (i, s) in batch.spans.iter().enumerate() {
        let (Some(&resource), Some(&scope)) = (resources.get(s.resource), scopes.get(s.scope))
        else {
            anyhow::bail!("a span refers to a resource or scope not in its batch");
        };
        let row = match traces.entry(s.trace_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let found: Option<(i64, i64, Option<String>)> = find
                    .query_row(params![user_id, &s.trace_id[..]], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .optional()?;
                e.insert(match found {
                    Some((id, count, tags)) => TraceRow {
                        id: Some(id),
                        count: count.max(0) as u64,
                        tags: TraceLists::parse(tags.as_deref()),
                        ..TraceRow::default()
                    },
                    None => {
                        new_traces.push(s.trace_id);
                        TraceRow::default()
                    }
                })
            }
        };
        if row.count >= limits.max_spans_per_trace {
            out.over_trace_cap += 1;
            continue;
        }
        tag_ids.of_span(tx, user_id, s, &mut ids)?;
        write_list(&mut list, &ids);
        let stored = match row.id {
            Some(id) => insert_span(id, s, resource, scope, &list)? == 1,
            None => {
                let first = row.seen.insert(s.span_id);
                if first {
                    row.waiting.push((i, resource, scope, list.clone()));
                }
                first
            }
        };
        if !stored {
            out.duplicates += 1;
            continue;
        }
        out.stored += 1;
        row.add(s, &ids, &list);
    }
    let mut create = tx.prepare_cached(
        "INSERT INTO received_traces
           (user_id, span_count, error_count, start_ns, end_ns, root_service, root_name,
            first_received_at, last_received_at, tags, trace_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)",
    )?;
    for trace_id in &new_traces {
        let Some(row) = traces.get(trace_id).filter(|r| r.added > 0) else {
            continue;
        };
        let trace_id = Value::from(trace_id.to_vec());
        create.execute(params_from_iter(
            std::iter::once(Value::from(user_id))
                .chain(row.columns(now))
                .chain([trace_id]),
        ))?;
        let id = tx.last_insert_rowid();
        for (i, resource, scope, list) in &row.waiting {
            if let Some(s) = batch.spans.get(*i) {
                insert_span(id, s, *resource, *scope, list)?;
            }
        }
    }
    let mut update = tx.prepare_cached(
        "UPDATE received_traces SET
           span_count = span_count + ?2,
           error_count = error_count + ?3,
           start_ns = min(start_ns, ?4),
           end_ns = max(end_ns, ?5),
           root_service = coalesce(root_service, ?6),
           root_name = CASE WHEN root_service IS NULL THEN ?7 ELSE root_name END,
           last_received_at = ?8,
           tags = ?9
         WHERE id = ?1",
    )?;
    for row in traces.values().filter(|r| r.added > 0) {
        let Some(id) = row.id else { continue };
        update.execute(params_from_iter(
            std::iter::once(Value::from(id)).chain(row.columns(now)),
        ))?;
    }
    tx.prepare_cached(
        "INSERT INTO received_usage (user_id, span_count) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET span_count = span_count + ?2",
    )?
    .execute(params![user_id, out.stored as i64])?;
    Ok(out)
}

/// What one batch adds to one trace's row.
#[derive(Debug, Default)]
struct TraceRow {
    /// The row, or None for a trace this batch starts.
    id: Option<i64>,
    /// Spans stored, before this batch and with it.
    count: u64,
    added: u64,
    errors: u64,
    start: Option<u64>,
    end: Option<u64>,
    /// Start, service and name of the earliest span without parent.
    root: Option<(u64, String, String)>,
    /// The distinct tag lists of the trace's spans.
    tags: TraceLists,
    /// A new trace's span ids so far (its duplicates within the batch).
    seen: HashSet<[u8; 8]>,
    /// A new trace's spans to insert after its row: (index in the batch,
    /// resource row, scope row, tag list).
    waiting: Vec<(usize, i64, i64, String)>,
}

impl TraceRow {
    /// Counts one stored span with its sorted tag ids and their list.
    fn add(&mut self, s: &NewSpan, ids: &[i64], list: &str) {
        self.tags.add(ids, list);
        self.count += 1;
        self.added += 1;
        self.errors += u64::from(s.error);
        self.start = Some(self.start.map_or(s.start_ns, |t| t.min(s.start_ns)));
        self.end = Some(self.end.map_or(s.end_ns, |t| t.max(s.end_ns)));
        if s.parent_span_id.is_none() && self.root.as_ref().is_none_or(|r| s.start_ns < r.0) {
            self.root = Some((s.start_ns, s.service.clone(), s.name.clone()));
        }
    }

    /// Parameters ?2 to ?9 of the statements that create and update the
    /// trace row: spans and errors added, earliest start, latest end, root
    /// service and name (NULL without a root), receipt time `now`, tag lists.
    fn columns(&self, now: i64) -> [Value; 8] {
        let (service, name) = match &self.root {
            Some((_, s, n)) => (Value::from(s.clone()), Value::from(n.clone())),
            None => (Value::Null, Value::Null),
        };
        [
            Value::from(self.added as i64),
            Value::from(self.errors as i64),
            Value::from(ns(self.start.unwrap_or(0))),
            Value::from(ns(self.end.unwrap_or(0))),
            service,
            name,
            Value::from(now),
            self.tags.to_text().map_or(Value::Null, Value::from),
        ]
    }
}

/// What a span's tag id stands for ([`tag_lists`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Facet {
    Tag,
    Service,
    Name,
}

/// The member's tag value ids met in one batch.
#[derive(Debug, Default)]
struct TagIds<'a> {
    known: HashMap<(Facet, &'a str, &'a str), i64>,
}

impl<'a> TagIds<'a> {
    /// The sorted ids of `s`'s service, name and tags into `ids`; a value
    /// the member never sent is added to `received_tag_values`.
    fn of_span(
        &mut self,
        tx: &Transaction,
        user_id: i64,
        s: &'a NewSpan,
        ids: &mut Vec<i64>,
    ) -> anyhow::Result<()> {
        ids.clear();
        let facets = [
            (Facet::Service, FACET_KEY, s.service.as_str()),
            (Facet::Name, FACET_KEY, s.name.as_str()),
        ];
        let attributes = s
            .tags
            .iter()
            .map(|(k, v)| (Facet::Tag, k.as_str(), v.as_str()));
        for (facet, key, value) in facets.into_iter().chain(attributes) {
            let id = match self.known.get(&(facet, key, value)) {
                Some(&id) => id,
                None => {
                    let stored = match facet {
                        Facet::Tag => value.to_string(),
                        Facet::Service => tag_lists::service_value(value),
                        Facet::Name => tag_lists::name_value(value),
                    };
                    let found: Option<i64> = tx
                        .prepare_cached(
                            "SELECT id FROM received_tag_values
                             WHERE user_id = ?1 AND key = ?2 AND value = ?3",
                        )?
                        .query_row(params![user_id, key, stored], |r| r.get(0))
                        .optional()?;
                    let id = match found {
                        Some(id) => id,
                        None => {
                            tx.prepare_cached(
                                "INSERT INTO received_tag_values (user_id, key, value)
                                 VALUES (?1, ?2, ?3)",
                            )?
                            .execute(params![user_id, key, stored])?;
                            tx.last_insert_rowid()
                        }
                    };
                    self.known.insert((facet, key, value), id);
                    id
                }
            };
            ids.push(id);
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(())
    }
}

/// Nanoseconds as SQLite's signed integer (times past 2262 are clamped).
fn ns(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Stores each body once per member and digest; returns the row ids in order.
fn intern(
    tx: &Transaction,
    table: &str,
    user_id: i64,
    bodies: &[Vec<u8>],
) -> anyhow::Result<Vec<i64>> {
    let mut insert = tx.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {table} (user_id, digest, body) VALUES (?1, ?2, ?3)"
    ))?;
    let mut find = tx.prepare_cached(&format!(
        "SELECT id FROM {table} WHERE user_id = ?1 AND digest = ?2"
    ))?;
    let mut ids = Vec::with_capacity(bodies.len());
    for body in bodies {
        let digest = Sha256::digest(body).to_vec();
        insert.execute(params![user_id, digest, body])?;
        ids.push(find.query_row(params![user_id, digest], |r| r.get(0))?);
    }
    Ok(ids)
}

/// Deletes the member's traces past the retention age, then the least
/// recently received ones while over the span cap. Returns traces removed.
/// [`ingest`] runs it in its transaction; the "My traces" page runs it
/// before listing, so a member who stopped sending sees retention applied.
pub fn expire(tx: &Connection, user_id: i64, limits: &Limits, now: i64) -> anyhow::Result<u64> {
    let mut removed = 0u64;
    let mut old = tx.prepare_cached(
        "SELECT id, span_count FROM received_traces
         WHERE user_id = ?1 AND last_received_at < ?2",
    )?;
    let stale: Vec<(i64, i64)> = old
        .query_map(
            params![user_id, now.saturating_sub(limits.retention_secs)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<Result<_, _>>()?;
    for (id, spans) in stale {
        remove(tx, user_id, id, spans)?;
        removed += 1;
    }
    loop {
        let total: i64 = tx
            .prepare_cached("SELECT span_count FROM received_usage WHERE user_id = ?1")?
            .query_row(params![user_id], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        if total.max(0) as u64 <= limits.max_spans_per_member {
            break;
        }
        let oldest: Option<(i64, i64)> = tx
            .prepare_cached(
                "SELECT id, span_count FROM received_traces WHERE user_id = ?1
                 ORDER BY last_received_at, id LIMIT 1",
            )?
            .query_row(params![user_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((id, spans)) = oldest else { break };
        remove(tx, user_id, id, spans)?;
        removed += 1;
    }
    Ok(removed)
}

/// Deletes one trace row, its spans (by cascade), and uncounts its spans.
pub(crate) fn remove(c: &Connection, user_id: i64, id: i64, spans: i64) -> anyhow::Result<()> {
    c.prepare_cached("DELETE FROM received_traces WHERE id = ?1 AND user_id = ?2")?
        .execute(params![id, user_id])?;
    c.prepare_cached(
        "UPDATE received_usage SET span_count = max(0, span_count - ?2) WHERE user_id = ?1",
    )?
    .execute(params![user_id, spans])?;
    Ok(())
}

/// What one [`maintain`] pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Maintained {
    /// Traces removed by retention or the per-member cap.
    pub traces: u64,
    /// Resources, scopes and tag values no span refers to any more.
    pub orphans: u64,
}

/// The store's periodic pass over received traces, at `now` (unix seconds),
/// in one transaction: [`expire`] for every member who has traces (so that
/// retention applies to a member who stopped sending and never opens the
/// page), then the resources, instrumentation scopes and tag values that no
/// stored span refers to any more (left by evicted and deleted traces) are
/// deleted, one scan each.
///
/// Errors: only database errors; nothing is removed then.
pub fn maintain(c: &mut Connection, limits: &Limits, now: i64) -> anyhow::Result<Maintained> {
    let tx = Transaction::new(c, TransactionBehavior::Immediate)?;
    let members: Vec<i64> = tx
        .prepare("SELECT DISTINCT user_id FROM received_traces")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Maintained::default();
    for user_id in members {
        out.traces += expire(&tx, user_id, limits, now)?;
    }
    // A tag value is named by its trace's lists, or by its spans' when the
    // trace holds none (past MAX_TRACE_TAG_LISTS); json_each reads
    // ",3,17,|,4," as the array [3,17,4].
    let orphans = [
        "DELETE FROM otlp_resources WHERE id NOT IN (SELECT resource_id FROM received_spans)",
        "DELETE FROM otlp_scopes WHERE id NOT IN (SELECT scope_id FROM received_spans)",
        "DELETE FROM received_tag_values WHERE id NOT IN (
           SELECT j.value FROM received_traces t,
             json_each('[' || trim(replace(t.tags, ',|,', ','), ',') || ']') j
           WHERE t.tags IS NOT NULL
           UNION ALL
           SELECT j.value FROM received_traces t
             JOIN received_spans s ON s.trace_row = t.id,
             json_each('[' || trim(s.tags, ',') || ']') j
           WHERE t.tags IS NULL)",
    ];
    for sql in orphans {
        out.orphans += tx.execute(sql, [])? as u64;
    }
    tx.commit()?;
    Ok(out)
}
