//! The rendered HTML of notes, cached per revision of their body
//! (migration 0006): a note's body is rendered once per change, not once
//! per view.

use rusqlite::{Connection, OptionalExtension, params};

/// The cached HTML of note `id` for its current body, if any. The caller
/// has already checked that the reader may see the note.
pub fn cached_html(c: &Connection, id: i64) -> anyhow::Result<Option<String>> {
    Ok(c.query_row(
        "SELECT h.html FROM note_html h JOIN notes n ON n.id = h.note_id
         WHERE h.note_id = ?1 AND h.body_rev = n.body_rev",
        [id],
        |r| r.get(0),
    )
    .optional()?)
}

/// Caches `html`, rendered from `body`, for note `id`; nothing is stored
/// when the note's body is no longer `body` (it changed meanwhile).
pub fn cache_html(c: &Connection, id: i64, body: &str, html: &str) -> anyhow::Result<()> {
    c.execute(
        "INSERT INTO note_html (note_id, body_rev, html)
         SELECT id, body_rev, ?3 FROM notes WHERE id = ?1 AND body = ?2
         ON CONFLICT (note_id) DO UPDATE SET body_rev = excluded.body_rev, html = excluded.html",
        params![id, body, html],
    )?;
    Ok(())
}
