//! Invite codes with a number of uses and an optional expiry.

use rusqlite::{Connection, OptionalExtension, params};

/// An invite code as the admin sees it.
#[derive(Debug, Clone)]
pub struct Invite {
    pub id: i64,
    pub code: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub max_uses: i64,
    pub uses_left: i64,
    pub revoked: bool,
}

/// Why an invite code cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteProblem {
    Unknown,
    Expired,
    UsedUp,
    Revoked,
}

impl InviteProblem {
    /// A sentence for the registration form.
    pub fn message(self) -> &'static str {
        match self {
            InviteProblem::Unknown => {
                "That invite code is not valid. Check it with whoever invited you."
            }
            InviteProblem::Expired => "That invite code has expired. Ask for a new one.",
            InviteProblem::UsedUp => "That invite code has been used up. Ask for a new one.",
            InviteProblem::Revoked => "That invite code was revoked. Ask for a new one.",
        }
    }
}

/// Stores a new invite.
pub fn create(
    c: &Connection,
    code: &str,
    uses: i64,
    expires_at: Option<i64>,
    created_by: Option<i64>,
    now: i64,
) -> anyhow::Result<i64> {
    c.execute(
        "INSERT INTO invites (code, created_by, created_at, expires_at, max_uses, uses_left)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![code, created_by, now, expires_at, uses],
    )?;
    Ok(c.last_insert_rowid())
}

/// All invites, newest first.
pub fn list(c: &Connection) -> anyhow::Result<Vec<Invite>> {
    let mut stmt = c.prepare(
        "SELECT i.id, i.code, u.username, i.created_at, i.expires_at, i.max_uses, i.uses_left, i.revoked
         FROM invites i LEFT JOIN users u ON u.id = i.created_by
         ORDER BY i.created_at DESC, i.id DESC",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Invite {
                id: r.get(0)?,
                code: r.get(1)?,
                created_by: r.get(2)?,
                created_at: r.get(3)?,
                expires_at: r.get(4)?,
                max_uses: r.get(5)?,
                uses_left: r.get(6)?,
                revoked: r.get(7)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Revokes invite `id`; false when there is no such invite.
pub fn revoke(c: &Connection, id: i64) -> anyhow::Result<bool> {
    Ok(c.execute("UPDATE invites SET revoked = 1 WHERE id = ?1", [id])? == 1)
}

/// Uses one use of `code` inside the caller's transaction.
pub fn redeem(c: &Connection, code: &str, now: i64) -> anyhow::Result<Result<(), InviteProblem>> {
    let row: Option<(i64, Option<i64>, i64, bool)> = c
        .query_row(
            "SELECT id, expires_at, uses_left, revoked FROM invites WHERE code = ?1",
            [code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((id, expires_at, uses_left, revoked)) = row else {
        return Ok(Err(InviteProblem::Unknown));
    };
    if revoked {
        return Ok(Err(InviteProblem::Revoked));
    }
    if expires_at.is_some_and(|e| e <= now) {
        return Ok(Err(InviteProblem::Expired));
    }
    if uses_left <= 0 {
        return Ok(Err(InviteProblem::UsedUp));
    }
    c.execute(
        "UPDATE invites SET uses_left = uses_left - 1 WHERE id = ?1",
        [id],
    )?;
    Ok(Ok(()))
}
