//! Full-text search over the owner's notes (SQLite FTS5, ranked by bm25).

use rusqlite::{Connection, ErrorCode, params};

use crate::notes::tags_from_text;

/// One search result; `title` and `snippet` carry the match markers of
/// [`crate::notes::render::MARK_START`] and `MARK_END`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub title: String,
    pub snippet: String,
    pub tags: Vec<String>,
    pub updated_at: i64,
    /// bm25 score: lower is a better match.
    pub rank: f64,
}

/// Searches the owner's notes outside the trash with an FTS5 `query` (see
/// [`crate::notes::fts_query`]), best first. The inner error is a query
/// FTS5 refused, for the member to fix.
pub fn search(
    c: &Connection,
    owner: i64,
    query: &str,
    limit: i64,
) -> anyhow::Result<Result<Vec<Hit>, String>> {
    // Title matches weigh most, then tags, then the body.
    let sql = "SELECT n.id, highlight(notes_fts, 0, char(1), char(2)),
                      snippet(notes_fts, 1, char(1), char(2), '…', 24),
                      n.tags, n.updated_at, bm25(notes_fts, 10.0, 1.0, 5.0) AS rank
               FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
               WHERE notes_fts MATCH ?1 AND n.user_id = ?2 AND n.deleted_at IS NULL
               ORDER BY rank LIMIT ?3";
    let mut stmt = c.prepare(sql)?;
    let rows = stmt.query_map(params![query, owner, limit], |r| {
        Ok(Hit {
            id: r.get(0)?,
            title: r.get(1)?,
            snippet: r.get(2)?,
            tags: tags_from_text(&r.get::<_, String>(3)?),
            updated_at: r.get(4)?,
            rank: r.get(5)?,
        })
    });
    let collected = rows.and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
    match collected {
        Ok(hits) => Ok(Ok(hits)),
        Err(rusqlite::Error::SqliteFailure(e, msg)) if e.code == ErrorCode::Unknown => {
            let detail = msg.unwrap_or_default();
            let detail = detail.strip_prefix("fts5: ").unwrap_or(&detail);
            Ok(Err(format!(
                "That search could not be understood ({detail}). Check quotes and AND/OR/NOT."
            )))
        }
        Err(e) => Err(e.into()),
    }
}
