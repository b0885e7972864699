//! Earlier versions of notes: listing, reading and restoring them.

use rusqlite::{Connection, OptionalExtension, params};

use crate::notes::{tags_from_text, tags_to_text};
use crate::store::notes::{immediate, keep_revision, live};

/// One kept version, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionSummary {
    pub id: i64,
    pub title: String,
    pub bytes: i64,
    pub saved_at: i64,
}

/// One kept version with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: i64,
    pub note_id: i64,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub saved_at: i64,
}

/// The kept versions of the owner's note, newest first; `None` when the
/// owner has no such note.
pub fn revisions(
    c: &Connection,
    owner: i64,
    id: i64,
) -> anyhow::Result<Option<Vec<RevisionSummary>>> {
    if live(c, owner, id)?.is_none() {
        return Ok(None);
    }
    let mut stmt = c.prepare(
        "SELECT id, title, length(CAST(body AS BLOB)), saved_at FROM note_revisions
         WHERE note_id = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(RevisionSummary {
                id: r.get(0)?,
                title: r.get(1)?,
                bytes: r.get(2)?,
                saved_at: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(rows))
}

/// Version `rev` of the owner's note `id`.
pub fn revision(c: &Connection, owner: i64, id: i64, rev: i64) -> anyhow::Result<Option<Revision>> {
    Ok(c.query_row(
        "SELECT r.id, r.note_id, r.title, r.body, r.tags, r.saved_at
         FROM note_revisions r JOIN notes n ON n.id = r.note_id
         WHERE r.id = ?1 AND r.note_id = ?2 AND n.user_id = ?3 AND n.deleted_at IS NULL",
        params![rev, id, owner],
        |r| {
            Ok(Revision {
                id: r.get(0)?,
                note_id: r.get(1)?,
                title: r.get(2)?,
                body: r.get(3)?,
                tags: tags_from_text(&r.get::<_, String>(4)?),
                saved_at: r.get(5)?,
            })
        },
    )
    .optional()?)
}

/// Makes version `rev` the note's text again; the text it replaces is kept
/// as a revision first, so a restore loses nothing. False when there is no
/// such note or version.
pub fn restore_revision(
    c: &Connection,
    owner: i64,
    id: i64,
    rev: i64,
    now: i64,
) -> anyhow::Result<bool> {
    let tx = immediate(c)?;
    let (Some(note), Some(old)) = (live(&tx, owner, id)?, revision(&tx, owner, id, rev)?) else {
        return Ok(false);
    };
    if note.title == old.title && note.body == old.body && note.tags == old.tags {
        return Ok(true);
    }
    keep_revision(&tx, &note)?;
    tx.execute(
        "UPDATE notes SET title = ?1, body = ?2, tags = ?3, updated_at = ?4 WHERE id = ?5",
        params![old.title, old.body, tags_to_text(&old.tags), now, id],
    )?;
    tx.commit()?;
    Ok(true)
}
