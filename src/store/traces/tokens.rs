//! Ingest tokens: named, per member, shown once, stored as SHA-256, revocable.

use rusqlite::{Connection, OptionalExtension, params};

/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Most live (not revoked) tokens per member.
pub const MAX_TOKENS_PER_MEMBER: i64 = 20;

/// A token as its owner sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestToken {
    /// Row id, used to revoke it.
    pub id: i64,
    /// Name given at creation.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last request it authenticated (to the minute).
    pub last_used_at: Option<i64>,
    /// Unix seconds it was revoked at.
    pub revoked_at: Option<i64>,
}

/// Why a token could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateError {
    /// The member already has [`MAX_TOKENS_PER_MEMBER`] live tokens.
    TooMany,
}

/// Creates a token for `user_id` named `name` (trimmed, at most
/// [`MAX_NAME_CHARS`] characters, "token" when empty) and returns
/// `(id, token)`: the token (64 hex digits) is returned only here.
pub fn create(
    c: &Connection,
    user_id: i64,
    name: &str,
    now: i64,
) -> anyhow::Result<Result<(i64, String), CreateError>> {
    let live: i64 = c.query_row(
        "SELECT count(*) FROM ingest_tokens WHERE user_id = ?1 AND revoked_at IS NULL",
        params![user_id],
        |r| r.get(0),
    )?;
    if live >= MAX_TOKENS_PER_MEMBER {
        return Ok(Err(CreateError::TooMany));
    }
    let name = clean_name(name);
    let token = crate::accounts::new_token();
    let hash = crate::accounts::token_hash(&token);
    c.execute(
        "INSERT INTO ingest_tokens (user_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, name, hash, now],
    )?;
    Ok(Ok((c.last_insert_rowid(), token)))
}

/// The name as stored: trimmed, control characters dropped, at most
/// [`MAX_NAME_CHARS`] characters, `token` when nothing is left.
pub fn clean_name(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    if cleaned.trim().is_empty() {
        "token".to_string()
    } else {
        cleaned.trim().to_string()
    }
}

/// The member's tokens, newest first, revoked ones included.
pub fn list(c: &Connection, user_id: i64) -> anyhow::Result<Vec<IngestToken>> {
    let mut stmt = c.prepare(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM ingest_tokens
         WHERE user_id = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt.query_map(params![user_id], |r| {
        Ok(IngestToken {
            id: r.get(0)?,
            name: r.get(1)?,
            created_at: r.get(2)?,
            last_used_at: r.get(3)?,
            revoked_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes the member's token `id`; false when the member has no such live token.
pub fn revoke(c: &Connection, user_id: i64, id: i64, now: i64) -> anyhow::Result<bool> {
    let n = c.execute(
        "UPDATE ingest_tokens SET revoked_at = ?3
         WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
        params![id, user_id, now],
    )?;
    Ok(n == 1)
}

/// The member a live token belongs to, or None for an unknown or revoked
/// token. Records the use (at most once a minute, to spare writes).
pub fn authenticate(c: &Connection, token: &str, now: i64) -> anyhow::Result<Option<i64>> {
    let hash = crate::accounts::token_hash(token);
    let found: Option<(i64, i64, Option<i64>)> = c
        .query_row(
            "SELECT id, user_id, last_used_at FROM ingest_tokens
             WHERE token_hash = ?1 AND revoked_at IS NULL",
            params![hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, user_id, last)) = found else {
        return Ok(None);
    };
    if last.is_none_or(|t| now - t >= 60) {
        c.execute(
            "UPDATE ingest_tokens SET last_used_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
    }
    Ok(Some(user_id))
}
