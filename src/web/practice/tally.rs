//! Progress per member and level ([`Tally`]) from question records and
//! review cards, for the practice pages, the progress page and the group.

use std::collections::HashMap;

use crate::content::{Content, Level};
use crate::practice::stats::LevelProgress;
use crate::store::progress::QuestionRecord;
use crate::store::{cards, progress};
use crate::web::{AppError, AppState};

/// Progress per member and level, from per-question records and card
/// stabilities; questions no longer in the bank are ignored.
pub struct Tally {
    per: HashMap<(i64, Level), LevelProgress>,
    totals: HashMap<Level, usize>,
}

impl Tally {
    /// Tallies `records` and `(member, question, stability)` cards.
    pub fn new<'a>(
        content: &Content,
        records: &[QuestionRecord],
        cards: impl IntoIterator<Item = (i64, &'a str, f64)>,
    ) -> Tally {
        let totals = Level::ALL
            .iter()
            .map(|&l| (l, content.questions.iter().filter(|q| q.level == l).count()))
            .collect();
        let mut per: HashMap<(i64, Level), LevelProgress> = HashMap::new();
        for r in records {
            if let Some(q) = content.question(&r.question_id) {
                let level = per.entry((r.user_id, q.level)).or_default();
                level.add_record(r.graded, r.right);
                level.add_self_rated(r.self_rated, r.self_good);
            }
        }
        for (user, id, stability) in cards {
            if let Some(q) = content.question(id) {
                per.entry((user, q.level)).or_default().add_card(stability);
            }
        }
        Tally { per, totals }
    }

    /// One member's progress on one level, with the level's question count.
    pub fn get(&self, user: i64, level: Level) -> LevelProgress {
        LevelProgress {
            total: self.totals.get(&level).copied().unwrap_or(0),
            ..self.per.get(&(user, level)).copied().unwrap_or_default()
        }
    }
}

/// Per-level progress of one member.
pub async fn level_progress(
    state: &AppState,
    user_id: i64,
) -> Result<HashMap<Level, LevelProgress>, AppError> {
    let (records, all_cards) = state
        .store
        .call(move |c| Ok((progress::records(c, user_id)?, cards::all(c, user_id)?)))
        .await?;
    let tally = Tally::new(
        &state.content,
        &records,
        all_cards
            .iter()
            .map(|(id, card)| (user_id, id.as_str(), card.stability)),
    );
    Ok(Level::ALL
        .iter()
        .map(|&l| (l, tally.get(user_id, l)))
        .collect())
}
