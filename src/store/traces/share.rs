//! Received traces shared read-only with the group: the owner turns it on
//! or off; any member then reads the trace by its row id, never by another
//! member's trace id (two members may hold the same trace id).

use rusqlite::{Connection, OptionalExtension, params};

/// A trace on the group page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedTrace {
    /// Row id of the trace, the address of its shared view.
    pub row_id: i64,
    /// The owner's display name.
    pub author: String,
    /// `service: operation` of the root, or of the earliest span followed by
    /// "(parent not received)" when the root never arrived.
    pub root: Option<String>,
    /// Spans stored.
    pub spans: u64,
    /// End of the last span minus start of the first, nanoseconds.
    pub duration_ns: u64,
    /// When it was shared, unix seconds.
    pub shared_at: i64,
}

/// Shares (`shared`) or stops sharing the member's trace `trace_id` at
/// `now`; false when the member has no such trace.
pub fn set_shared(
    c: &Connection,
    user_id: i64,
    trace_id: &[u8; 16],
    shared: bool,
    now: i64,
) -> anyhow::Result<bool> {
    let n = c.execute(
        "UPDATE received_traces SET shared_at = CASE WHEN ?3 THEN coalesce(shared_at, ?4) END
         WHERE user_id = ?1 AND trace_id = ?2",
        params![user_id, &trace_id[..], shared, now],
    )?;
    Ok(n > 0)
}

/// Whether the member's trace `trace_id` is shared.
pub fn is_shared(c: &Connection, user_id: i64, trace_id: &[u8; 16]) -> anyhow::Result<bool> {
    let shared: Option<Option<i64>> = c
        .query_row(
            "SELECT shared_at FROM received_traces WHERE user_id = ?1 AND trace_id = ?2",
            params![user_id, &trace_id[..]],
            |r| r.get(0),
        )
        .optional()?;
    Ok(shared.flatten().is_some())
}

/// The shared trace at `row_id`: its owner, trace id and the owner's
/// display name; None when there is none or it is not shared.
pub fn shared_trace(
    c: &Connection,
    row_id: i64,
) -> anyhow::Result<Option<(i64, [u8; 16], String)>> {
    let found: Option<(i64, Vec<u8>, String)> = c
        .query_row(
            "SELECT t.user_id, t.trace_id, u.display_name
             FROM received_traces t JOIN users u ON u.id = t.user_id
             WHERE t.id = ?1 AND t.shared_at IS NOT NULL",
            [row_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(found.and_then(|(user, id, name)| Some((user, id.try_into().ok()?, name))))
}

/// The most recently shared traces, at most `limit`.
pub fn shared_with_group(c: &Connection, limit: usize) -> anyhow::Result<Vec<SharedTrace>> {
    let mut stmt = c.prepare(
        "SELECT t.id, u.display_name, t.root_service, t.root_name, t.span_count,
                t.end_ns - t.start_ns, t.shared_at
         FROM received_traces t JOIN users u ON u.id = t.user_id
         WHERE t.shared_at IS NOT NULL AND t.span_count > 0
         ORDER BY t.shared_at DESC, t.id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        let service: Option<String> = r.get(2)?;
        let name: Option<String> = r.get(3)?;
        Ok(SharedTrace {
            row_id: r.get(0)?,
            author: r.get(1)?,
            root: service.zip(name).map(|(s, n)| format!("{s}: {n}")),
            spans: r.get::<_, i64>(4)?.max(0) as u64,
            duration_ns: r.get::<_, i64>(5)?.max(0) as u64,
            shared_at: r.get(6)?,
        })
    })?;
    let mut out: Vec<SharedTrace> = rows.collect::<Result<_, _>>()?;
    let mut earliest = c.prepare_cached(
        "SELECT service, name FROM received_spans WHERE trace_row = ?1
         ORDER BY start_ns, id LIMIT 1",
    )?;
    for t in out.iter_mut().filter(|t| t.root.is_none()) {
        let top: Option<(String, String)> = earliest
            .query_row([t.row_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        t.root = top.map(|(s, n)| format!("{s}: {n} (parent not received)"));
    }
    Ok(out)
}
