//! Practice sessions and attempts.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::practice::fsrs::Rating;
use crate::practice::schedule;
use crate::store::cards;

/// The kind of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Practice,
    Review,
    Interview,
}

impl Mode {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Practice => "practice",
            Mode::Review => "review",
            Mode::Interview => "interview",
        }
    }

    fn parse(s: &str) -> Mode {
        match s {
            "review" => Mode::Review,
            "interview" => Mode::Interview,
            _ => Mode::Practice,
        }
    }
}

/// A practice session as stored.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub mode: Mode,
    pub level: Option<String>,
    pub topic: Option<String>,
    pub question_ids: Vec<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub shared: bool,
}

/// One answered question.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub position: i64,
    pub question_id: String,
    pub answer: String,
    pub correct: Option<bool>,
    pub rating: Option<i64>,
    pub seed: Option<i64>,
    /// The simulator generator version that drew the seed's trace.
    pub generator: i64,
    pub answered_at: i64,
}

/// Creates a session and returns its id.
pub fn create_session(
    c: &Connection,
    user_id: i64,
    mode: Mode,
    level: Option<&str>,
    topic: Option<&str>,
    question_ids: &[String],
    now: i64,
) -> anyhow::Result<i64> {
    c.execute(
        "INSERT INTO practice_sessions (user_id, mode, level, topic, question_ids, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user_id,
            mode.as_str(),
            level,
            topic,
            serde_json::to_string(question_ids)?,
            now
        ],
    )?;
    Ok(c.last_insert_rowid())
}

fn session_from(row: &Row) -> rusqlite::Result<(Session, String)> {
    let mode: String = row.get(2)?;
    Ok((
        Session {
            id: row.get(0)?,
            user_id: row.get(1)?,
            mode: Mode::parse(&mode),
            level: row.get(3)?,
            topic: row.get(4)?,
            question_ids: Vec::new(),
            started_at: row.get(6)?,
            finished_at: row.get(7)?,
            shared: row.get(8)?,
        },
        row.get(5)?,
    ))
}

const SESSION_COLUMNS: &str =
    "id, user_id, mode, level, topic, question_ids, started_at, finished_at, shared";

/// Session `id` if `viewer` owns it, or if it is shared and `allow_shared`.
pub fn session(
    c: &Connection,
    id: i64,
    viewer: i64,
    allow_shared: bool,
) -> anyhow::Result<Option<Session>> {
    let found = c
        .query_row(
            &format!(
                "SELECT {SESSION_COLUMNS} FROM practice_sessions
                 WHERE id = ?1 AND (user_id = ?2 OR (?3 AND shared = 1))"
            ),
            params![id, viewer, allow_shared],
            session_from,
        )
        .optional()?;
    match found {
        Some((mut s, ids)) => {
            s.question_ids = serde_json::from_str(&ids)?;
            Ok(Some(s))
        }
        None => Ok(None),
    }
}

/// The attempts of a session, by position.
pub fn attempts(c: &Connection, session_id: i64) -> anyhow::Result<Vec<Attempt>> {
    let mut stmt = c.prepare(
        "SELECT position, question_id, answer, correct, rating, seed, answered_at, generator
         FROM attempts WHERE session_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([session_id], |r| {
            Ok(Attempt {
                position: r.get(0)?,
                question_id: r.get(1)?,
                answer: r.get(2)?,
                correct: r.get(3)?,
                rating: r.get(4)?,
                seed: r.get(5)?,
                answered_at: r.get(6)?,
                generator: r.get(7)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A new attempt to record.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    pub user_id: i64,
    pub session_id: i64,
    pub position: i64,
    pub question_id: &'a str,
    pub level: &'a str,
    pub answer: &'a str,
    pub correct: Option<bool>,
    /// Set when the answer was graded on the spot; open answers wait for
    /// the member's self-rating.
    pub rating: Option<Rating>,
    /// Puzzle seed, for simulator questions.
    pub seed: Option<i64>,
    /// The simulator generator version (see `sim::GeneratorVersion`).
    pub generator: i64,
    /// Unix seconds.
    pub now: i64,
}

/// Stores an answer in one transaction: records the attempt, reschedules
/// the member's card when the attempt carries a rating
/// ([`schedule::review`]), and marks the session finished when `finish`
/// (see [`crate::practice::finish::on_answer`]). Returns `false` for a
/// double submit (the position was already answered): then nothing changes.
pub fn answer(c: &mut Connection, a: &NewAttempt, finish: bool) -> anyhow::Result<bool> {
    let tx = c.transaction()?;
    if !record_attempt(&tx, a)? {
        return Ok(false);
    }
    if let Some(rating) = a.rating {
        reschedule(&tx, a.user_id, a.question_id, a.now, rating)?;
    }
    if finish {
        finish_session(&tx, a.session_id, a.now)?;
    }
    tx.commit()?;
    Ok(true)
}

/// A member's self-rating of an answered open question.
#[derive(Debug, Clone)]
pub struct NewRating<'a> {
    pub user_id: i64,
    pub session_id: i64,
    pub position: i64,
    pub question_id: &'a str,
    pub rating: Rating,
    /// Unix seconds.
    pub now: i64,
}

/// Stores a self-rating in one transaction: sets the attempt's rating and
/// reschedules the card, unless the attempt was already rated (a double
/// submit); and marks the session finished when `finish` (see
/// [`crate::practice::finish::on_rating`]). Returns whether the rating was
/// stored.
pub fn rate(c: &mut Connection, r: &NewRating, finish: bool) -> anyhow::Result<bool> {
    let tx = c.transaction()?;
    let rated = rate_attempt(&tx, r.session_id, r.position, r.rating.number(), r.now)?;
    if rated {
        reschedule(&tx, r.user_id, r.question_id, r.now, r.rating)?;
    }
    if finish {
        finish_session(&tx, r.session_id, r.now)?;
    }
    tx.commit()?;
    Ok(rated)
}

/// Applies a review with `rating` at `now` to the member's card.
fn reschedule(
    c: &Connection,
    user_id: i64,
    question_id: &str,
    now: i64,
    rating: Rating,
) -> anyhow::Result<()> {
    let card = schedule::review(cards::get(c, user_id, question_id)?, now, rating);
    cards::put(c, user_id, question_id, &card)
}

/// Records an attempt; `false` if this position was already answered
/// (a double submit), in which case nothing changes.
fn record_attempt(c: &Connection, a: &NewAttempt) -> anyhow::Result<bool> {
    let inserted = c.execute(
        "INSERT INTO attempts (user_id, session_id, position, question_id, level, answer, correct, rating, seed, answered_at, rated_at, generator)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, CASE WHEN ?8 IS NULL THEN NULL ELSE ?10 END, ?11)
         ON CONFLICT (session_id, position) DO NOTHING",
        params![a.user_id, a.session_id, a.position, a.question_id, a.level, a.answer, a.correct, a.rating.map(Rating::number), a.seed, a.now, a.generator],
    )?;
    Ok(inserted == 1)
}

/// Sets the self-rating of an unrated attempt; `false` if it was already rated.
fn rate_attempt(
    c: &Connection,
    session_id: i64,
    position: i64,
    rating: i64,
    now: i64,
) -> anyhow::Result<bool> {
    Ok(c.execute(
        "UPDATE attempts SET rating = ?3, rated_at = ?4
         WHERE session_id = ?1 AND position = ?2 AND rating IS NULL",
        params![session_id, position, rating, now],
    )? == 1)
}

/// Marks a session finished (once).
pub fn finish_session(c: &Connection, session_id: i64, now: i64) -> anyhow::Result<()> {
    c.execute(
        "UPDATE practice_sessions SET finished_at = ?2 WHERE id = ?1 AND finished_at IS NULL",
        params![session_id, now],
    )?;
    Ok(())
}

/// Shares or unshares an owner's session with the group.
pub fn set_shared(
    c: &Connection,
    session_id: i64,
    owner: i64,
    shared: bool,
) -> anyhow::Result<bool> {
    Ok(c.execute(
        "UPDATE practice_sessions SET shared = ?3 WHERE id = ?1 AND user_id = ?2",
        params![session_id, owner, shared],
    )? == 1)
}

/// A shared interview, for the group page.
#[derive(Debug, Clone)]
pub struct SharedSession {
    pub id: i64,
    pub display_name: String,
    pub level: Option<String>,
    pub finished_at: Option<i64>,
}

/// Sessions shared with the group, newest first.
pub fn shared_sessions(c: &Connection, limit: i64) -> anyhow::Result<Vec<SharedSession>> {
    let mut stmt = c.prepare(
        "SELECT s.id, u.display_name, s.level, s.finished_at
         FROM practice_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.shared = 1 ORDER BY s.started_at DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([limit], |r| {
            Ok(SharedSession {
                id: r.get(0)?,
                display_name: r.get(1)?,
                level: r.get(2)?,
                finished_at: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

mod lists;
pub use lists::{Unfinished, missed_since, unfinished};

#[cfg(test)]
mod tests;
