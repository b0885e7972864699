//! Storing requests' spans: one transaction for a group of requests
//! (group commit), committed before any of them is acknowledged, with the
//! per-trace and per-member caps and the retention age of [`Limits`]; and the
//! periodic [`maintain`] pass.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::store::traces::{Limits, NewBatch};

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
    let mut tag_ids: HashMap<(&str, &str), i64> = HashMap::new();
    // The tag rows of one span, flattened (span_row, tag, …), and the
    // INSERT for n rows at index n.
    let mut span_tags: Vec<i64> = Vec::with_capacity(2 * crate::store::traces::MAX_TAGS_PER_SPAN);
    let mut tag_sql: Vec<String> = Vec::new();
    let mut traces: HashMap<[u8; 16], TraceRow> = HashMap::new();
    {
        let mut find = tx.prepare_cached(
            "SELECT id, span_count FROM received_traces WHERE user_id = ?1 AND trace_id = ?2",
        )?;
        let mut create = tx.prepare_cached(
            "INSERT INTO received_traces
               (user_id, trace_id, start_ns, end_ns, first_received_at, last_received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO received_spans
               (trace_row, user_id, span_id, parent_span_id, service, name, start_ns,
                duration_ns, error, resource_id, scope_id, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let mut find_value = tx.prepare_cached(
            "SELECT id FROM received_tag_values WHERE user_id = ?1 AND key = ?2 AND value = ?3",
        )?;
        let mut new_value = tx.prepare_cached(
            "INSERT INTO received_tag_values (user_id, key, value) VALUES (?1, ?2, ?3)",
        )?;
        for s in &batch.spans {
            let (Some(&resource_id), Some(&scope_id)) =
                (resources.get(s.resource), scopes.get(s.scope))
            else {
                anyhow::bail!("a span refers to a resource or scope not in its batch");
            };
            let row = match traces.get_mut(&s.trace_id) {
                Some(row) => row,
                None => {
                    let found: Option<(i64, i64)> = find
                        .query_row(params![user_id, &s.trace_id[..]], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .optional()?;
                    let (id, count) = match found {
                        Some(f) => f,
                        None => {
                            create.execute(params![
                                user_id,
                                &s.trace_id[..],
                                ns(s.start_ns),
                                ns(s.end_ns),
                                now
                            ])?;
                            (tx.last_insert_rowid(), 0)
                        }
                    };
                    traces.entry(s.trace_id).or_insert(TraceRow {
                        id,
                        count: count.max(0) as u64,
                        ..TraceRow::default()
                    })
                }
            };
            if row.count >= limits.max_spans_per_trace {
                out.over_trace_cap += 1;
                continue;
            }
            let n = insert.execute(params![
                row.id,
                user_id,
                &s.span_id[..],
                s.parent_span_id.as_ref().map(|p| &p[..]),
                s.service,
                s.name,
                ns(s.start_ns),
                ns(s.end_ns.saturating_sub(s.start_ns)),
                s.error,
                resource_id,
                scope_id,
                s.body,
            ])?;
            if n == 0 {
                out.duplicates += 1;
                continue;
            }
            let span_row = tx.last_insert_rowid();
            span_tags.clear();
            for (key, value) in &s.tags {
                let id = match tag_ids.get(&(key.as_str(), value.as_str())) {
                    Some(&id) => id,
                    None => {
                        let found: Option<i64> = find_value
                            .query_row(params![user_id, key, value], |r| r.get(0))
                            .optional()?;
                        let id = match found {
                            Some(id) => id,
                            None => {
                                new_value.execute(params![user_id, key, value])?;
                                tx.last_insert_rowid()
                            }
                        };
                        tag_ids.insert((key.as_str(), value.as_str()), id);
                        id
                    }
                };
                span_tags.push(span_row);
                span_tags.push(id);
            }
            if !span_tags.is_empty() {
                // One statement per span for all its tags.
                let n = span_tags.len() / 2;
                if tag_sql.len() <= n {
                    tag_sql.resize_with(n + 1, String::new);
                }
                if tag_sql[n].is_empty() {
                    let rows = vec!["(?, ?)"; n].join(", ");
                    tag_sql[n] = format!(
                        "INSERT OR IGNORE INTO received_span_tags (span_row, tag) VALUES {rows}"
                    );
                }
                tx.prepare_cached(&tag_sql[n])?
                    .execute(rusqlite::params_from_iter(span_tags.iter()))?;
            }
            out.stored += 1;
            row.count += 1;
            row.added += 1;
            row.errors += u64::from(s.error);
            row.start = Some(row.start.map_or(s.start_ns, |t: u64| t.min(s.start_ns)));
            row.end = Some(row.end.map_or(s.end_ns, |t: u64| t.max(s.end_ns)));
            if s.parent_span_id.is_none() && row.root.as_ref().is_none_or(|r| s.start_ns < r.0) {
                row.root = Some((s.start_ns, s.service.clone(), s.name.clone()));
            }
        }
    }
    {
        let mut update = tx.prepare_cached(
            "UPDATE received_traces SET
               span_count = span_count + ?2,
               error_count = error_count + ?3,
               start_ns = min(start_ns, ?4),
               end_ns = max(end_ns, ?5),
               root_service = coalesce(root_service, ?6),
               root_name = CASE WHEN root_service IS NULL THEN ?7 ELSE root_name END,
               last_received_at = ?8
             WHERE id = ?1",
        )?;
        for row in traces.values().filter(|r| r.added > 0) {
            let (service, name) = match &row.root {
                Some((_, s, n)) => (Some(s.as_str()), Some(n.as_str())),
                None => (None, None),
            };
            update.execute(params![
                row.id,
                row.added as i64,
                row.errors as i64,
                ns(row.start.unwrap_or(0)),
                ns(row.end.unwrap_or(0)),
                service,
                name,
                now
            ])?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO received_usage (user_id, span_count) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET span_count = span_count + ?2",
    )?
    .execute(params![user_id, out.stored as i64])?;
    Ok(out)
}

#[derive(Debug, Default)]
struct TraceRow {
    id: i64,
    count: u64,
    added: u64,
    errors: u64,
    start: Option<u64>,
    end: Option<u64>,
    root: Option<(u64, String, String)>,
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

/// Deletes one trace row, its spans' tags, its spans (by cascade), and
/// uncounts its spans.
pub(crate) fn remove(c: &Connection, user_id: i64, id: i64, spans: i64) -> anyhow::Result<()> {
    c.prepare_cached(
        "DELETE FROM received_span_tags WHERE span_row IN
           (SELECT s.id FROM received_spans s JOIN received_traces t ON t.id = s.trace_row
            WHERE s.trace_row = ?1 AND t.user_id = ?2)",
    )?
    .execute(params![id, user_id])?;
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
/// page), then the tags, resources, instrumentation scopes and tag values
/// that no stored span refers to any more are deleted (a deleted member's
/// spans leave tags behind, evicted spans the others; one scan each).
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
    let orphans = [
        "DELETE FROM received_span_tags WHERE span_row NOT IN (SELECT id FROM received_spans)",
        "DELETE FROM otlp_resources WHERE id NOT IN (SELECT resource_id FROM received_spans)",
        "DELETE FROM otlp_scopes WHERE id NOT IN (SELECT scope_id FROM received_spans)",
        "DELETE FROM received_tag_values WHERE NOT EXISTS
           (SELECT 1 FROM received_span_tags WHERE tag = received_tag_values.id)",
    ];
    for sql in orphans {
        out.orphans += tx.execute(sql, [])? as u64;
    }
    tx.commit()?;
    Ok(out)
}
