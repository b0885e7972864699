//! Members and the one-time setup token.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A member as the app sees them (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    /// IANA time zone name (e.g. `Europe/Paris`); `UTC` unless the member chose one.
    pub time_zone: String,
}

const COLUMNS: &str = "id, username, display_name, is_admin, created_at, last_seen_at, time_zone";

fn from_row(row: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        is_admin: row.get(3)?,
        created_at: row.get(4)?,
        last_seen_at: row.get(5)?,
        time_zone: row.get(6)?,
    })
}

/// Why a change to the set of admins was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum UserChangeError {
    /// The change would leave the group without an admin.
    LastAdmin,
    /// No such member.
    NotFound,
}

/// Number of members.
pub fn count(c: &Connection) -> anyhow::Result<i64> {
    Ok(c.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
}

/// Inserts a member; `Ok(None)` when the username is taken.
pub fn create(
    c: &Connection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    is_admin: bool,
    now: i64,
) -> anyhow::Result<Option<i64>> {
    let inserted = c.execute(
        "INSERT INTO users (username, display_name, password_hash, is_admin, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(username) DO NOTHING",
        params![username, display_name, password_hash, is_admin, now],
    )?;
    Ok((inserted == 1).then(|| c.last_insert_rowid()))
}

/// Whether a username is already taken (case-insensitively).
pub fn username_taken(c: &Connection, username: &str) -> anyhow::Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM users WHERE username = ?1",
        [username],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// A member and their password hash, for login.
pub fn with_hash(c: &Connection, username: &str) -> anyhow::Result<Option<(User, String)>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = ?1"),
        [username],
        |row| Ok((from_row(row)?, row.get(7)?)),
    )
    .optional()?)
}

/// The password hash of member `id`.
pub fn password_hash(c: &Connection, id: i64) -> anyhow::Result<Option<String>> {
    Ok(
        c.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

/// Member `id`.
pub fn by_id(c: &Connection, id: i64) -> anyhow::Result<Option<User>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?)
}

/// All members, oldest first.
pub fn list(c: &Connection) -> anyhow::Result<Vec<User>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {COLUMNS} FROM users ORDER BY created_at, id"
    ))?;
    let users = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
    Ok(users)
}

/// Changes a display name.
pub fn set_display_name(c: &Connection, id: i64, name: &str) -> anyhow::Result<()> {
    c.execute(
        "UPDATE users SET display_name = ?2 WHERE id = ?1",
        params![id, name],
    )?;
    Ok(())
}

/// Sets a member's time zone: an IANA name the caller has validated (see
/// [`crate::clock::parse_time_zone`]).
pub fn set_time_zone(c: &Connection, id: i64, time_zone: &str) -> anyhow::Result<()> {
    c.execute(
        "UPDATE users SET time_zone = ?2 WHERE id = ?1",
        params![id, time_zone],
    )?;
    Ok(())
}

/// Replaces a password hash.
pub fn set_password_hash(c: &Connection, id: i64, hash: &str) -> anyhow::Result<()> {
    c.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id, hash],
    )?;
    Ok(())
}

/// Records that a member was active.
pub fn touch(c: &Connection, id: i64, now: i64) -> anyhow::Result<()> {
    c.execute(
        "UPDATE users SET last_seen_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

fn admin_count(c: &Connection) -> rusqlite::Result<i64> {
    c.query_row("SELECT count(*) FROM users WHERE is_admin = 1", [], |r| {
        r.get(0)
    })
}

/// Grants or removes admin rights, never removing the last admin.
pub fn set_admin(
    c: &mut Connection,
    id: i64,
    admin: bool,
) -> anyhow::Result<Result<(), UserChangeError>> {
    let tx = c.transaction()?;
    let Some(user) = by_id(&tx, id)? else {
        return Ok(Err(UserChangeError::NotFound));
    };
    if user.is_admin && !admin && admin_count(&tx)? <= 1 {
        return Ok(Err(UserChangeError::LastAdmin));
    }
    tx.execute(
        "UPDATE users SET is_admin = ?2 WHERE id = ?1",
        params![id, admin],
    )?;
    tx.commit()?;
    Ok(Ok(()))
}

/// Deletes a member and, through foreign keys, everything they own; never
/// the last admin. The text is zeroed in the file (`secure_delete`) and the
/// write-ahead log truncated.
pub fn delete(c: &mut Connection, id: i64) -> anyhow::Result<Result<(), UserChangeError>> {
    let tx = c.transaction()?;
    let Some(user) = by_id(&tx, id)? else {
        return Ok(Err(UserChangeError::NotFound));
    };
    if user.is_admin && admin_count(&tx)? <= 1 {
        return Ok(Err(UserChangeError::LastAdmin));
    }
    tx.execute("DELETE FROM users WHERE id = ?1", [id])?;
    tx.commit()?;
    crate::store::Store::truncate_wal(c);
    Ok(Ok(()))
}

/// Replaces any setup token with a new one (stored as a hash).
pub fn replace_setup_token(c: &mut Connection, token_hash: &[u8], now: i64) -> anyhow::Result<()> {
    let tx = c.transaction()?;
    tx.execute("DELETE FROM setup_tokens", [])?;
    tx.execute(
        "INSERT INTO setup_tokens (token_hash, created_at) VALUES (?1, ?2)",
        params![token_hash, now],
    )?;
    tx.commit()?;
    Ok(())
}

/// Whether `token_hash` is a live setup token and nobody has an account yet.
pub fn setup_token_valid(c: &Connection, token_hash: &[u8]) -> anyhow::Result<bool> {
    let found = c
        .query_row(
            "SELECT 1 FROM setup_tokens WHERE token_hash = ?1",
            [token_hash],
            |_| Ok(()),
        )
        .optional()?;
    Ok(found.is_some() && count(c)? == 0)
}

/// Uses the setup token to create the first admin in `time_zone` (a
/// validated IANA name), atomically; `Ok(None)` when the token is unknown or
/// already used.
pub fn create_first_admin(
    c: &mut Connection,
    token_hash: &[u8],
    username: &str,
    display_name: &str,
    password_hash: &str,
    time_zone: &str,
    now: i64,
) -> anyhow::Result<Option<i64>> {
    let tx = c.transaction()?;
    let used = tx.execute(
        "DELETE FROM setup_tokens WHERE token_hash = ?1",
        [token_hash],
    )?;
    if used != 1 || count(&tx)? != 0 {
        return Ok(None);
    }
    let id = create(&tx, username, display_name, password_hash, true, now)?;
    if let Some(id) = id {
        set_time_zone(&tx, id, time_zone)?;
    }
    tx.commit()?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, sessions};

    #[test]
    fn a_member_keeps_their_time_zone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        store
            .call_blocking(|c| {
                let ada = create(c, "ada", "Ada", "x", false, 0)?.unwrap();
                let bob = create(c, "bob", "Bob", "x", false, 0)?.unwrap();
                assert_eq!(by_id(c, ada)?.unwrap().time_zone, "UTC", "the default");
                set_time_zone(c, ada, "Asia/Kolkata")?;
                assert_eq!(by_id(c, ada)?.unwrap().time_zone, "Asia/Kolkata");
                assert_eq!(with_hash(c, "ada")?.unwrap().0.time_zone, "Asia/Kolkata");
                let zones: Vec<String> = list(c)?.into_iter().map(|u| u.time_zone).collect();
                assert_eq!(zones, ["Asia/Kolkata", "UTC"]);
                sessions::create(c, b"token", ada, 10, 100)?;
                let session = sessions::lookup(c, b"token", 20)?.unwrap();
                assert_eq!(session.user.time_zone, "Asia/Kolkata");
                assert_eq!(by_id(c, bob)?.unwrap().time_zone, "UTC");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn the_first_admin_starts_in_the_given_zone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        store
            .call_blocking(|c| {
                replace_setup_token(c, b"setup", 0)?;
                let id = create_first_admin(c, b"setup", "root", "Root", "x", "Europe/Paris", 1)?;
                assert_eq!(by_id(c, id.unwrap())?.unwrap().time_zone, "Europe/Paris");
                Ok(())
            })
            .unwrap();
    }
}
