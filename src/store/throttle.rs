//! Failed-login bookkeeping for throttling.

use rusqlite::{Connection, params};

/// Failures for `key` since `since`, and the oldest of them.
pub fn failures_since(c: &Connection, key: &str, since: i64) -> anyhow::Result<(i64, Option<i64>)> {
    Ok(c.query_row(
        "SELECT count(*), min(at) FROM login_failures WHERE key = ?1 AND at > ?2",
        params![key, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Records one failure under each key, forgets failures older than
/// `forget_before`, and returns the row ids recorded (so that a login
/// attempt counted before its password was checked can be taken back).
pub fn record_failure(
    c: &Connection,
    keys: &[String],
    now: i64,
    forget_before: i64,
) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(keys.len());
    for key in keys {
        c.execute(
            "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
            params![key, now],
        )?;
        ids.push(c.last_insert_rowid());
    }
    c.execute("DELETE FROM login_failures WHERE at <= ?1", [forget_before])?;
    Ok(ids)
}

/// After a successful login: takes back the attempt's own rows (`ids`) and
/// forgets the failures under `key` (the username's), and nothing else, so
/// that failures of other usernames from the same address still count.
pub fn forget_success(c: &Connection, ids: &[i64], key: &str) -> anyhow::Result<()> {
    for id in ids {
        c.execute("DELETE FROM login_failures WHERE rowid = ?1", [id])?;
    }
    c.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
    Ok(())
}
