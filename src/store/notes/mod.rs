//! Personal notes, their revisions, the trash and full-text search.
//! Revisions live in [`history`], search in [`search`].
//!
//! Every query is scoped by the owner's id, except [`get_shared`] and
//! [`shared_with_group`], which read only notes their owners shared.

mod history;
mod html;
mod quota;
mod search;

pub use history::{Revision, RevisionSummary, restore_revision, revision, revisions};
pub use html::{cache_html, cached_html};
pub use quota::{prune_revisions, used_bytes};
pub use search::{Hit, search};

use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use crate::notes::archive::NoteFile;
use crate::notes::{Draft, TRASH_DAYS, tags_from_text, tags_to_text};

/// One note with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    pub uid: String,
    pub user_id: i64,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub lesson: Option<String>,
    pub question: Option<String>,
    pub shared: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

impl Note {
    /// The note in its export form.
    pub fn to_file(&self) -> NoteFile {
        NoteFile {
            uid: self.uid.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            tags: self.tags.clone(),
            lesson: self.lesson.clone(),
            question: self.question.clone(),
            shared: self.shared,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const COLUMNS: &str = "id, uid, user_id, title, body, tags, lesson, question, shared, \
                       created_at, updated_at, deleted_at";

fn note_from(r: &Row) -> rusqlite::Result<Note> {
    Ok(Note {
        id: r.get(0)?,
        uid: r.get(1)?,
        user_id: r.get(2)?,
        title: r.get(3)?,
        body: r.get(4)?,
        tags: tags_from_text(&r.get::<_, String>(5)?),
        lesson: r.get(6)?,
        question: r.get(7)?,
        shared: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        deleted_at: r.get(11)?,
    })
}

/// A note in a list: everything but the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: i64,
    pub title: String,
    pub tags: Vec<String>,
    pub lesson: Option<String>,
    pub question: Option<String>,
    pub shared: bool,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

const SUMMARY: &str = "id, title, tags, lesson, question, shared, updated_at, deleted_at";

fn summary_from(r: &Row) -> rusqlite::Result<Summary> {
    Ok(Summary {
        id: r.get(0)?,
        title: r.get(1)?,
        tags: tags_from_text(&r.get::<_, String>(2)?),
        lesson: r.get(3)?,
        question: r.get(4)?,
        shared: r.get(5)?,
        updated_at: r.get(6)?,
        deleted_at: r.get(7)?,
    })
}

fn summaries(
    c: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> anyhow::Result<Vec<Summary>> {
    let mut stmt = c.prepare(sql)?;
    let rows = stmt
        .query_map(args, summary_from)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Inserts a note for `owner`; `None` when the owner already has a note
/// with this `uid` (an import of something already there).
pub fn insert(c: &Connection, owner: i64, note: &NoteFile) -> anyhow::Result<Option<i64>> {
    let inserted = c.execute(
        "INSERT INTO notes (uid, user_id, title, body, tags, lesson, question, shared, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (user_id, uid) DO NOTHING",
        params![
            note.uid,
            owner,
            note.title,
            note.body,
            tags_to_text(&note.tags),
            note.lesson,
            note.question,
            note.shared,
            note.created_at,
            note.updated_at
        ],
    )?;
    Ok((inserted == 1).then(|| c.last_insert_rowid()))
}

/// The owner's note `id`, in the trash or not.
pub fn get_owned(c: &Connection, owner: i64, id: i64) -> anyhow::Result<Option<Note>> {
    let sql = format!("SELECT {COLUMNS} FROM notes WHERE id = ?1 AND user_id = ?2");
    Ok(c.query_row(&sql, params![id, owner], note_from)
        .optional()?)
}

/// Note `id` if its owner shares it with the group (and it is not in the
/// trash), with the owner's display name.
pub fn get_shared(c: &Connection, id: i64) -> anyhow::Result<Option<(Note, String)>> {
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT display_name FROM users WHERE users.id = notes.user_id)
         FROM notes WHERE id = ?1 AND shared = 1 AND deleted_at IS NULL"
    );
    Ok(c.query_row(&sql, [id], |r| Ok((note_from(r)?, r.get(12)?)))
        .optional()?)
}

/// What a save changes besides the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub lesson: Option<String>,
    pub question: Option<String>,
    pub shared: bool,
}

fn immediate(c: &Connection) -> rusqlite::Result<Transaction<'_>> {
    Transaction::new_unchecked(c, TransactionBehavior::Immediate)
}

/// Keeps the current text of `note` as a revision.
fn keep_revision(c: &Connection, note: &Note) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO note_revisions (note_id, title, body, tags, saved_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![note.id, note.title, note.body, tags_to_text(&note.tags), note.updated_at],
    )?;
    Ok(())
}

fn live(c: &Connection, owner: i64, id: i64) -> anyhow::Result<Option<Note>> {
    Ok(get_owned(c, owner, id)?.filter(|n| n.deleted_at.is_none()))
}

/// Saves a new text for the owner's note, keeping the previous text as a
/// revision when it changed; false when there is no such note (or it is in
/// the trash).
pub fn update(
    c: &Connection,
    owner: i64,
    id: i64,
    draft: &Draft,
    placement: &Placement,
    now: i64,
) -> anyhow::Result<bool> {
    let tx = immediate(c)?;
    let Some(note) = live(&tx, owner, id)? else {
        return Ok(false);
    };
    let text_changed =
        note.title != draft.title || note.body != draft.body || note.tags != draft.tags;
    let placed_changed = note.lesson != placement.lesson
        || note.question != placement.question
        || note.shared != placement.shared;
    if text_changed {
        keep_revision(&tx, &note)?;
    }
    if text_changed || placed_changed {
        tx.execute(
            "UPDATE notes SET title = ?1, body = ?2, tags = ?3, lesson = ?4, question = ?5,
             shared = ?6, updated_at = ?7 WHERE id = ?8",
            params![
                draft.title,
                draft.body,
                tags_to_text(&draft.tags),
                placement.lesson,
                placement.question,
                placement.shared,
                now,
                id
            ],
        )?;
    }
    tx.commit()?;
    Ok(true)
}

/// The owner's notes outside the trash, last edited first, optionally only
/// those with `tag`.
pub fn list(c: &Connection, owner: i64, tag: Option<&str>) -> anyhow::Result<Vec<Summary>> {
    let sql = format!(
        "SELECT {SUMMARY} FROM notes WHERE user_id = ?1 AND deleted_at IS NULL
         AND (?2 IS NULL OR instr(' ' || tags || ' ', ' ' || ?2 || ' ') > 0)
         ORDER BY updated_at DESC, id DESC"
    );
    summaries(c, &sql, params![owner, tag])
}

/// Every tag the owner uses outside the trash, with how many notes have it.
pub fn tag_counts(c: &Connection, owner: i64) -> anyhow::Result<Vec<(String, usize)>> {
    let mut stmt = c.prepare("SELECT tags FROM notes WHERE user_id = ?1 AND deleted_at IS NULL")?;
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for tags in stmt.query_map([owner], |r| r.get::<_, String>(0))? {
        for tag in tags_from_text(&tags?) {
            *counts.entry(tag).or_default() += 1;
        }
    }
    Ok(counts.into_iter().collect())
}

/// The owner's notes attached to lesson `slug`, last edited first.
pub fn notes_for_lesson(c: &Connection, owner: i64, slug: &str) -> anyhow::Result<Vec<Summary>> {
    let sql = format!(
        "SELECT {SUMMARY} FROM notes WHERE user_id = ?1 AND lesson = ?2 AND deleted_at IS NULL
         ORDER BY updated_at DESC, id DESC"
    );
    summaries(c, &sql, params![owner, slug])
}

/// The owner's notes attached to question `id`, last edited first.
pub fn notes_for_question(c: &Connection, owner: i64, id: &str) -> anyhow::Result<Vec<Summary>> {
    let sql = format!(
        "SELECT {SUMMARY} FROM notes WHERE user_id = ?1 AND question = ?2 AND deleted_at IS NULL
         ORDER BY updated_at DESC, id DESC"
    );
    summaries(c, &sql, params![owner, id])
}

/// The owner's notes for export (not those in the trash), oldest first.
pub fn all_for_export(c: &Connection, owner: i64) -> anyhow::Result<Vec<Note>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notes WHERE user_id = ?1 AND deleted_at IS NULL
         ORDER BY created_at, id"
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt
        .query_map([owner], note_from)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A note shared with the group, as listed on `/group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedNote {
    pub id: i64,
    pub title: String,
    pub tags: Vec<String>,
    pub author: String,
    pub updated_at: i64,
}

/// Every shared note outside the trash, last edited first (at most `limit`).
pub fn shared_with_group(c: &Connection, limit: i64) -> anyhow::Result<Vec<SharedNote>> {
    let mut stmt = c.prepare(
        "SELECT n.id, n.title, n.tags, u.display_name, n.updated_at
         FROM notes n JOIN users u ON u.id = n.user_id
         WHERE n.shared = 1 AND n.deleted_at IS NULL
         ORDER BY n.updated_at DESC, n.id DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([limit], |r| {
            Ok(SharedNote {
                id: r.get(0)?,
                title: r.get(1)?,
                tags: tags_from_text(&r.get::<_, String>(2)?),
                author: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Shares the owner's note with the group or stops sharing it.
pub fn set_shared(c: &Connection, owner: i64, id: i64, shared: bool) -> anyhow::Result<bool> {
    Ok(c.execute(
        "UPDATE notes SET shared = ?1 WHERE id = ?2 AND user_id = ?3 AND deleted_at IS NULL",
        params![shared, id, owner],
    )? == 1)
}

/// Moves the owner's note to the trash.
pub fn move_to_trash(c: &Connection, owner: i64, id: i64, now: i64) -> anyhow::Result<bool> {
    Ok(c.execute(
        "UPDATE notes SET deleted_at = ?1 WHERE id = ?2 AND user_id = ?3 AND deleted_at IS NULL",
        params![now, id, owner],
    )? == 1)
}

/// Takes the owner's note out of the trash.
pub fn restore(c: &Connection, owner: i64, id: i64) -> anyhow::Result<bool> {
    Ok(c.execute(
        "UPDATE notes SET deleted_at = NULL WHERE id = ?1 AND user_id = ?2 AND deleted_at IS NOT NULL",
        params![id, owner],
    )? == 1)
}

/// Deletes the owner's note for good; only a note already in the trash.
/// Its text, versions and cached HTML are zeroed in the file
/// (`secure_delete`) and the write-ahead log is truncated.
pub fn purge(c: &Connection, owner: i64, id: i64) -> anyhow::Result<bool> {
    let gone = c.execute(
        "DELETE FROM notes WHERE id = ?1 AND user_id = ?2 AND deleted_at IS NOT NULL",
        params![id, owner],
    )? == 1;
    if gone {
        crate::store::Store::truncate_wal(c);
    }
    Ok(gone)
}

/// Deletes every note that has been in the trash for [`TRASH_DAYS`].
pub fn purge_expired(c: &Connection, now: i64) -> anyhow::Result<usize> {
    let gone = c.execute(
        "DELETE FROM notes WHERE deleted_at IS NOT NULL AND deleted_at <= ?1",
        [now - TRASH_DAYS * 86_400],
    )?;
    if gone > 0 {
        crate::store::Store::truncate_wal(c);
    }
    Ok(gone)
}

/// The owner's notes in the trash, most recently deleted first.
pub fn trash(c: &Connection, owner: i64) -> anyhow::Result<Vec<Summary>> {
    let sql = format!(
        "SELECT {SUMMARY} FROM notes WHERE user_id = ?1 AND deleted_at IS NOT NULL
         ORDER BY deleted_at DESC, id DESC"
    );
    summaries(c, &sql, params![owner])
}

#[cfg(test)]
mod tests;
