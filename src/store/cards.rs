//! FSRS cards: one per member and question.

use rusqlite::{Connection, OptionalExtension, params};

pub use crate::practice::schedule::CardState as Card;

/// The member's card for a question.
pub fn get(c: &Connection, user_id: i64, question_id: &str) -> anyhow::Result<Option<Card>> {
    Ok(c.query_row(
        "SELECT stability, difficulty, due_at, last_review_at, reps, lapses
             FROM cards WHERE user_id = ?1 AND question_id = ?2",
        params![user_id, question_id],
        |r| {
            Ok(Card {
                stability: r.get(0)?,
                difficulty: r.get(1)?,
                due_at: r.get(2)?,
                last_review_at: r.get(3)?,
                reps: r.get(4)?,
                lapses: r.get(5)?,
            })
        },
    )
    .optional()?)
}

/// Stores a card.
pub fn put(c: &Connection, user_id: i64, question_id: &str, card: &Card) -> anyhow::Result<()> {
    c.execute(
        "INSERT INTO cards (user_id, question_id, stability, difficulty, due_at, last_review_at, reps, lapses)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (user_id, question_id) DO UPDATE SET
           stability = excluded.stability, difficulty = excluded.difficulty, due_at = excluded.due_at,
           last_review_at = excluded.last_review_at, reps = excluded.reps, lapses = excluded.lapses",
        params![user_id, question_id, card.stability, card.difficulty, card.due_at, card.last_review_at, card.reps, card.lapses],
    )?;
    Ok(())
}

/// All of a member's cards, as `(question_id, card)`.
pub fn all(c: &Connection, user_id: i64) -> anyhow::Result<Vec<(String, Card)>> {
    let mut stmt = c.prepare(
        "SELECT question_id, stability, difficulty, due_at, last_review_at, reps, lapses
         FROM cards WHERE user_id = ?1",
    )?;
    let rows = stmt
        .query_map([user_id], |r| {
            Ok((
                r.get(0)?,
                Card {
                    stability: r.get(1)?,
                    difficulty: r.get(2)?,
                    due_at: r.get(3)?,
                    last_review_at: r.get(4)?,
                    reps: r.get(5)?,
                    lapses: r.get(6)?,
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Question ids of the member's due cards, most overdue first.
pub fn due(c: &Connection, user_id: i64, now: i64, limit: i64) -> anyhow::Result<Vec<String>> {
    let mut stmt = c.prepare(
        "SELECT question_id FROM cards WHERE user_id = ?1 AND due_at <= ?2 ORDER BY due_at, question_id LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![user_id, now, limit], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Number of due cards.
pub fn due_count(c: &Connection, user_id: i64, now: i64) -> anyhow::Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM cards WHERE user_id = ?1 AND due_at <= ?2",
        params![user_id, now],
        |r| r.get(0),
    )?)
}
