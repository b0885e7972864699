//! Aggregates over attempts for progress pages and the group.

use rusqlite::{Connection, params};

/// One member's record on one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRecord {
    pub user_id: i64,
    pub question_id: String,
    pub attempts: i64,
    /// Attempts graded by the app (choice and simulator questions).
    pub graded: i64,
    /// Of those, the right ones.
    pub right: i64,
    /// Open answers the member rated themself: not graded, kept apart.
    pub self_rated: i64,
    /// Of those, the ones rated Good or Easy.
    pub self_good: i64,
}

impl QuestionRecord {
    /// Misses: wrong graded answers and open answers self-rated Again or Hard.
    pub fn missed(&self) -> i64 {
        (self.graded - self.right) + (self.self_rated - self.self_good)
    }
}

const RECORD_SQL: &str = "SELECT user_id, question_id, count(*),
        sum(correct IS NOT NULL),
        sum(coalesce(correct, 0)),
        sum(correct IS NULL AND rating IS NOT NULL),
        sum(correct IS NULL AND rating >= 3)
     FROM attempts";

fn record(r: &rusqlite::Row) -> rusqlite::Result<QuestionRecord> {
    Ok(QuestionRecord {
        user_id: r.get(0)?,
        question_id: r.get(1)?,
        attempts: r.get(2)?,
        graded: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
        right: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
        self_rated: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
        self_good: r.get::<_, Option<i64>>(6)?.unwrap_or(0),
    })
}

/// A member's record per question.
pub fn records(c: &Connection, user_id: i64) -> anyhow::Result<Vec<QuestionRecord>> {
    let mut stmt = c.prepare(&format!(
        "{RECORD_SQL} WHERE user_id = ?1 GROUP BY user_id, question_id"
    ))?;
    let rows = stmt
        .query_map([user_id], record)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Everyone's records per question.
pub fn all_records(c: &Connection) -> anyhow::Result<Vec<QuestionRecord>> {
    let mut stmt = c.prepare(&format!("{RECORD_SQL} GROUP BY user_id, question_id"))?;
    let rows = stmt.query_map([], record)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// `(user_id, answered_at)` of every attempt (Unix seconds), by member then
/// time: the raw material for days, streaks and the heatmap, which depend on
/// each member's time zone (see [`crate::practice::stats::daily_counts`]).
pub fn answer_times(c: &Connection, user_id: Option<i64>) -> anyhow::Result<Vec<(i64, i64)>> {
    let mut stmt = c.prepare(
        "SELECT user_id, answered_at FROM attempts
         WHERE ?1 IS NULL OR user_id = ?1 ORDER BY user_id, answered_at",
    )?;
    let rows = stmt
        .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// `(user_id, stability)` of every card.
pub fn stabilities(c: &Connection) -> anyhow::Result<Vec<(i64, String, f64)>> {
    let mut stmt = c.prepare("SELECT user_id, question_id, stability FROM cards")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A leaderboard row since `since`: answers, graded answers and right
/// ones, and self-rated open answers and those rated Good or Easy.
#[derive(Debug, Clone)]
pub struct WeekRow {
    pub display_name: String,
    pub answers: i64,
    pub graded: i64,
    pub right: i64,
    pub self_rated: i64,
    pub self_good: i64,
}

/// Members who opted in, by graded right answers since `since`, then by
/// answers; self-rated answers are reported but do not rank.
pub fn leaderboard(c: &Connection, since: i64) -> anyhow::Result<Vec<WeekRow>> {
    let mut stmt = c.prepare(
        "SELECT u.display_name, count(a.id),
                coalesce(sum(a.correct IS NOT NULL), 0),
                coalesce(sum(coalesce(a.correct, 0)), 0) AS right,
                coalesce(sum(a.correct IS NULL AND a.rating IS NOT NULL), 0),
                coalesce(sum(a.correct IS NULL AND a.rating >= 3), 0)
         FROM users u JOIN attempts a ON a.user_id = u.id AND a.answered_at >= ?1
         WHERE u.on_leaderboard = 1
         GROUP BY u.id ORDER BY right DESC, count(a.id) DESC, u.display_name LIMIT 20",
    )?;
    let rows = stmt
        .query_map(params![since], |r| {
            Ok(WeekRow {
                display_name: r.get(0)?,
                answers: r.get(1)?,
                graded: r.get(2)?,
                right: r.get(3)?,
                self_rated: r.get(4)?,
                self_good: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Whether the member appears on the leaderboard.
pub fn on_leaderboard(c: &Connection, user_id: i64) -> anyhow::Result<bool> {
    Ok(c.query_row(
        "SELECT on_leaderboard FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Opts a member in or out of the leaderboard.
pub fn set_on_leaderboard(c: &Connection, user_id: i64, on: bool) -> anyhow::Result<()> {
    c.execute(
        "UPDATE users SET on_leaderboard = ?2 WHERE id = ?1",
        params![user_id, on],
    )?;
    Ok(())
}
