//! Peer comments on the answers of a shared interview (migration 0010):
//! written by group members, read by the session's owner and the group,
//! deleted only by their writer.

use rusqlite::{Connection, params};

/// A stored comment, with its writer's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    /// The answer's position in the session (0-based).
    pub position: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    /// 1..=4 (see [`crate::practice::peer::PeerRating`]), if given.
    pub rating: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A comment to store.
#[derive(Debug, Clone)]
pub struct NewComment<'a> {
    pub session_id: i64,
    pub position: i64,
    pub author_id: i64,
    pub body: &'a str,
    pub rating: Option<i64>,
    /// Unix seconds.
    pub now: i64,
}

/// Stores a comment and returns its id.
pub fn add(c: &Connection, n: &NewComment) -> anyhow::Result<i64> {
    c.execute(
        "INSERT INTO peer_comments (session_id, position, author_id, body, rating, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            n.session_id,
            n.position,
            n.author_id,
            n.body,
            n.rating,
            n.now
        ],
    )?;
    Ok(c.last_insert_rowid())
}

/// Every comment on `session_id`, by position then age.
pub fn for_session(c: &Connection, session_id: i64) -> anyhow::Result<Vec<Comment>> {
    let mut stmt = c.prepare(
        "SELECT p.id, p.position, p.author_id, u.display_name, p.body, p.rating, p.created_at
         FROM peer_comments p JOIN users u ON u.id = p.author_id
         WHERE p.session_id = ?1 ORDER BY p.position, p.id",
    )?;
    let rows = stmt
        .query_map([session_id], |r| {
            Ok(Comment {
                id: r.get(0)?,
                position: r.get(1)?,
                author_id: r.get(2)?,
                author_name: r.get(3)?,
                body: r.get(4)?,
                rating: r.get(5)?,
                created_at: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Deletes comment `id` of `session_id` if `author_id` wrote it; returns
/// the position it was on, or `None` when there was no such comment of
/// theirs (nothing changes).
pub fn delete(
    c: &Connection,
    session_id: i64,
    id: i64,
    author_id: i64,
) -> anyhow::Result<Option<i64>> {
    let mut stmt = c.prepare(
        "DELETE FROM peer_comments WHERE id = ?1 AND session_id = ?2 AND author_id = ?3
         RETURNING position",
    )?;
    let mut rows = stmt.query(params![id, session_id, author_id])?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}
