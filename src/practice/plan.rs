//! Choosing the questions of a session: due reviews first, then unseen
//! questions, then the weakest of the rest.

use rand::Rng;
use rand::seq::SliceRandom;

use crate::content::Level;
use crate::practice::fsrs::Fsrs;

/// What the scheduler knows about one member's card for a question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardInfo {
    pub stability: f64,
    pub due_at: i64,
    pub last_review_at: i64,
}

/// A question that may go into a session.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub question_id: String,
    /// `None` when the member has never answered it.
    pub card: Option<CardInfo>,
}

/// Picks up to `size` question ids: due cards (most overdue first), then
/// unseen questions (in random order), then seen ones with the lowest
/// recall probability now.
pub fn plan_session(
    candidates: Vec<Candidate>,
    now: i64,
    size: usize,
    rng: &mut impl Rng,
) -> Vec<String> {
    let fsrs = Fsrs::default();
    let mut due = Vec::new();
    let mut unseen = Vec::new();
    let mut rest = Vec::new();
    for c in candidates {
        match c.card {
            Some(card) if card.due_at <= now => due.push((card.due_at, c.question_id)),
            Some(card) => {
                let days = (now - card.last_review_at) as f64 / 86_400.0;
                rest.push((fsrs.retrievability(days, card.stability), c.question_id));
            }
            None => unseen.push(c.question_id),
        }
    }
    due.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    unseen.sort();
    unseen.shuffle(rng);
    rest.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    due.into_iter()
        .map(|(_, id)| id)
        .chain(unseen)
        .chain(rest.into_iter().map(|(_, id)| id))
        .take(size)
        .collect()
}

/// The levels of an interview's five questions, rising to `level`.
pub fn interview_levels(level: Level) -> [Level; 5] {
    use Level::*;
    match level {
        Beginner => [Beginner; 5],
        Intermediate => [Beginner, Beginner, Intermediate, Intermediate, Intermediate],
        Senior => [Beginner, Intermediate, Intermediate, Senior, Senior],
        Architect => [Intermediate, Senior, Senior, Architect, Architect],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn card(due_at: i64, stability: f64) -> Option<CardInfo> {
        Some(CardInfo {
            stability,
            due_at,
            last_review_at: due_at - (stability * 86_400.0) as i64,
        })
    }

    fn cand(id: &str, card: Option<CardInfo>) -> Candidate {
        Candidate {
            question_id: id.into(),
            card,
        }
    }

    #[test]
    fn due_before_unseen_before_weakest() {
        let now = 1_000_000_000;
        let candidates = vec![
            cand("strong", card(now + 50 * 86_400, 60.0)),
            cand("new-a", None),
            cand("due-late", card(now - 10, 3.0)),
            cand("weak", card(now + 86_400, 2.0)),
            cand("due-early", card(now - 86_400, 5.0)),
            cand("new-b", None),
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let plan = plan_session(candidates, now, 10, &mut rng);
        assert_eq!(&plan[..2], ["due-early", "due-late"]);
        let mut middle = plan[2..4].to_vec();
        middle.sort();
        assert_eq!(middle, ["new-a", "new-b"]);
        assert_eq!(&plan[4..], ["weak", "strong"]);
    }

    #[test]
    fn size_is_respected() {
        let candidates = (0..30).map(|i| cand(&format!("q{i}"), None)).collect();
        let plan = plan_session(candidates, 0, 10, &mut ChaCha8Rng::seed_from_u64(2));
        assert_eq!(plan.len(), 10);
    }

    #[test]
    fn interviews_rise_to_the_level() {
        assert_eq!(interview_levels(Level::Senior)[4], Level::Senior);
        assert!(
            interview_levels(Level::Architect)
                .windows(2)
                .all(|w| w[0] <= w[1])
        );
    }
}
