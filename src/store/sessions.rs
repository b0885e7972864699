//! Login sessions. The database stores only a hash of each session token.

use rusqlite::{Connection, OptionalExtension, params};

use crate::store::users::User;

/// A live session and its member.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub renewed_at: i64,
    pub expires_at: i64,
}

/// Stores a new session.
pub fn create(
    c: &Connection,
    token_hash: &[u8],
    user_id: i64,
    now: i64,
    expires_at: i64,
) -> anyhow::Result<()> {
    c.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, renewed_at, expires_at)
         VALUES (?1, ?2, ?3, ?3, ?4)",
        params![token_hash, user_id, now, expires_at],
    )?;
    Ok(())
}

/// The unexpired session for `token_hash`.
pub fn lookup(c: &Connection, token_hash: &[u8], now: i64) -> anyhow::Result<Option<Session>> {
    Ok(c.query_row(
        "SELECT u.id, u.username, u.display_name, u.is_admin, u.created_at, u.last_seen_at,
                    u.time_zone, s.renewed_at, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2",
        params![token_hash, now],
        |row| {
            Ok(Session {
                user: User {
                    id: row.get(0)?,
                    username: row.get(1)?,
                    display_name: row.get(2)?,
                    is_admin: row.get(3)?,
                    created_at: row.get(4)?,
                    last_seen_at: row.get(5)?,
                    time_zone: row.get(6)?,
                },
                renewed_at: row.get(7)?,
                expires_at: row.get(8)?,
            })
        },
    )
    .optional()?)
}

/// Slides a session's expiry forward and records the member as seen.
pub fn renew(c: &Connection, token_hash: &[u8], now: i64, expires_at: i64) -> anyhow::Result<()> {
    c.execute(
        "UPDATE sessions SET renewed_at = ?2, expires_at = ?3 WHERE token_hash = ?1",
        params![token_hash, now, expires_at],
    )?;
    c.execute(
        "UPDATE users SET last_seen_at = ?2
         WHERE id = (SELECT user_id FROM sessions WHERE token_hash = ?1)",
        params![token_hash, now],
    )?;
    Ok(())
}

/// Ends one session.
pub fn delete(c: &Connection, token_hash: &[u8]) -> anyhow::Result<()> {
    c.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

/// Ends every session of a member except `keep`.
pub fn delete_for_user(c: &Connection, user_id: i64, keep: Option<&[u8]>) -> anyhow::Result<usize> {
    Ok(c.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2",
        params![user_id, keep],
    )?)
}

/// Number of live sessions of a member.
pub fn count_for_user(c: &Connection, user_id: i64, now: i64) -> anyhow::Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM sessions WHERE user_id = ?1 AND expires_at > ?2",
        params![user_id, now],
        |r| r.get(0),
    )?)
}

/// Removes expired sessions.
pub fn purge_expired(c: &Connection, now: i64) -> anyhow::Result<usize> {
    Ok(c.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?)
}
