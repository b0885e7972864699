//! Lists over a member's sessions and attempts: sessions left unfinished
//! (to resume from `/practice`) and the questions missed since a time (to
//! drill at once).

use rusqlite::{Connection, params};

use crate::store::practice::Mode;

/// A session not finished yet, for the practice page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub id: i64,
    pub mode: Mode,
    /// Stored level name (`beginner`, …), if the session has one.
    pub level: Option<String>,
    pub topic: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
    /// Questions in the session.
    pub total: usize,
    /// Questions answered so far.
    pub answered: i64,
}

/// `user_id`'s sessions with no `finished_at`, newest first, at most `limit`.
pub fn unfinished(c: &Connection, user_id: i64, limit: i64) -> anyhow::Result<Vec<Unfinished>> {
    let mut stmt = c.prepare(
        "SELECT s.id, s.mode, s.level, s.topic, s.started_at, s.question_ids,
                (SELECT count(*) FROM attempts a WHERE a.session_id = s.id)
         FROM practice_sessions s
         WHERE s.user_id = ?1 AND s.finished_at IS NULL
         ORDER BY s.started_at DESC, s.id DESC LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![user_id, limit], |r| {
            let mode: String = r.get(1)?;
            let ids: String = r.get(5)?;
            Ok((
                Unfinished {
                    id: r.get(0)?,
                    mode: Mode::parse(&mode),
                    level: r.get(2)?,
                    topic: r.get(3)?,
                    started_at: r.get(4)?,
                    total: 0,
                    answered: r.get(6)?,
                },
                ids,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(mut u, ids)| {
            u.total = serde_json::from_str::<Vec<String>>(&ids)?.len();
            Ok(u)
        })
        .collect()
}

/// Ids of the questions `user_id` missed at or after `since` (Unix
/// seconds): a wrong graded answer, or an open answer self-rated Again or
/// Hard. Most recently missed first, each once.
pub fn missed_since(c: &Connection, user_id: i64, since: i64) -> anyhow::Result<Vec<String>> {
    let mut stmt = c.prepare(
        "SELECT question_id FROM attempts
         WHERE user_id = ?1 AND answered_at >= ?2
           AND (correct = 0 OR (correct IS NULL AND rating <= 2))
         GROUP BY question_id ORDER BY max(answered_at) DESC, question_id",
    )?;
    let rows = stmt
        .query_map(params![user_id, since], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
