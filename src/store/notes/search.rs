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
/// [`crate::notes::fts_query`]), best first, at most `limit` hits. The
/// ranking reads only ids and bm25 scores; titles are highlighted and
/// snippets cut only for the `limit` hits shown. The inner error is a query
/// FTS5 refused, for the member to fix.
pub fn search(
    c: &Connection,
    owner: i64,
    query: &str,
    limit: i64,
) -> anyhow::Result<Result<Vec<Hit>, String>> {
    // Title matches weigh most, then tags, then the body.
    let ranked = "SELECT n.id, bm25(notes_fts, 10.0, 1.0, 5.0) AS rank
                  FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
                  WHERE notes_fts MATCH ?1 AND n.user_id = ?2 AND n.deleted_at IS NULL
                  ORDER BY rank LIMIT ?3";
    let top = c.prepare(ranked).and_then(|mut stmt| {
        stmt.query_map(params![query, owner, limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()
    });
    let top = match top {
        Ok(top) => top,
        Err(rusqlite::Error::SqliteFailure(e, msg)) if e.code == ErrorCode::Unknown => {
            let detail = msg.unwrap_or_default();
            let detail = detail.strip_prefix("fts5: ").unwrap_or(&detail);
            return Ok(Err(format!(
                "That search could not be understood ({detail}). Check quotes and AND/OR/NOT."
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let shown = "SELECT highlight(notes_fts, 0, char(1), char(2)),
                        snippet(notes_fts, 1, char(1), char(2), '…', 24),
                        n.tags, n.updated_at
                 FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
                 WHERE notes_fts MATCH ?1 AND notes_fts.rowid = ?2";
    let mut stmt = c.prepare(shown)?;
    let mut hits = Vec::with_capacity(top.len());
    for (id, rank) in top {
        let hit = stmt.query_row(params![query, id], |r| {
            Ok(Hit {
                id,
                title: r.get(0)?,
                snippet: r.get(1)?,
                tags: tags_from_text(&r.get::<_, String>(2)?),
                updated_at: r.get(3)?,
                rank,
            })
        })?;
        hits.push(hit);
    }
    Ok(Ok(hits))
}
