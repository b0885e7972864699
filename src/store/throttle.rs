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

/// Records one failure under each key and forgets failures older than `forget_before`.
pub fn record_failure(
    c: &Connection,
    keys: &[String],
    now: i64,
    forget_before: i64,
) -> anyhow::Result<()> {
    for key in keys {
        c.execute(
            "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
            params![key, now],
        )?;
    }
    c.execute("DELETE FROM login_failures WHERE at <= ?1", [forget_before])?;
    Ok(())
}

/// Forgets the failures under `keys` (after a successful login).
pub fn clear(c: &Connection, keys: &[String]) -> anyhow::Result<()> {
    for key in keys {
        c.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
    }
    Ok(())
}
