//! "Report a problem with this question".

use rusqlite::{Connection, params};

/// An open report, for the admin page.
#[derive(Debug, Clone)]
pub struct Flag {
    pub id: i64,
    pub question_id: String,
    pub reason: String,
    pub reporter: Option<String>,
    pub created_at: i64,
}

/// Stores a report.
pub fn create(
    c: &Connection,
    user_id: i64,
    question_id: &str,
    reason: &str,
    now: i64,
) -> anyhow::Result<()> {
    c.execute(
        "INSERT INTO question_flags (user_id, question_id, reason, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, question_id, reason, now],
    )?;
    Ok(())
}

/// Unresolved reports, newest first.
pub fn open(c: &Connection) -> anyhow::Result<Vec<Flag>> {
    let mut stmt = c.prepare(
        "SELECT f.id, f.question_id, f.reason, u.username, f.created_at
         FROM question_flags f LEFT JOIN users u ON u.id = f.user_id
         WHERE f.resolved_at IS NULL ORDER BY f.created_at DESC, f.id DESC",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Flag {
                id: r.get(0)?,
                question_id: r.get(1)?,
                reason: r.get(2)?,
                reporter: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Marks a report resolved; false if there is no such open report.
pub fn resolve(c: &Connection, id: i64, now: i64) -> anyhow::Result<bool> {
    Ok(c.execute(
        "UPDATE question_flags SET resolved_at = ?2 WHERE id = ?1 AND resolved_at IS NULL",
        params![id, now],
    )? == 1)
}
