//! What a member's notes take, and pruning old versions
//! ([`crate::notes::quota`] holds the limits).

use rusqlite::{Connection, params};

/// Bytes of UTF-8 text in `title`, `body` and `tags` of a row.
const TEXT_BYTES: &str =
    "length(CAST(title AS BLOB)) + length(CAST(body AS BLOB)) + length(CAST(tags AS BLOB))";

/// Bytes of text the owner's notes take: every note (the trash included)
/// and every kept version.
pub fn used_bytes(c: &Connection, owner: i64) -> anyhow::Result<u64> {
    let sql = format!(
        "SELECT (SELECT coalesce(sum({TEXT_BYTES}), 0) FROM notes WHERE user_id = ?1)
              + (SELECT coalesce(sum(length(CAST(r.title AS BLOB)) + length(CAST(r.body AS BLOB))
                                     + length(CAST(r.tags AS BLOB))), 0)
                 FROM note_revisions r JOIN notes n ON n.id = r.note_id WHERE n.user_id = ?1)"
    );
    let used: i64 = c.query_row(&sql, [owner], |r| r.get(0))?;
    Ok(u64::try_from(used).unwrap_or(0))
}

/// Deletes all but the newest `keep` versions of note `note_id` (at least
/// one is kept); returns how many were deleted.
pub fn prune_revisions(c: &Connection, note_id: i64, keep: usize) -> anyhow::Result<usize> {
    let keep = i64::try_from(keep.max(1)).unwrap_or(i64::MAX);
    Ok(c.execute(
        "DELETE FROM note_revisions WHERE note_id = ?1 AND id NOT IN
           (SELECT id FROM note_revisions WHERE note_id = ?1 ORDER BY id DESC LIMIT ?2)",
        params![note_id, keep],
    )?)
}
