//! Applying a review to a card: FSRS state plus due date and counters.

use crate::practice::fsrs::{DESIRED_RETENTION, Fsrs, MemoryState, Rating};

/// A card's scheduling state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardState {
    pub stability: f64,
    pub difficulty: f64,
    pub due_at: i64,
    pub last_review_at: i64,
    pub reps: i64,
    pub lapses: i64,
}

/// Shortest gap before a card comes back, in seconds.
const MIN_INTERVAL_SECONDS: f64 = 600.0;

/// The card after a review at `now` with `rating` (`prev` is `None` for a new card).
pub fn review(prev: Option<CardState>, now: i64, rating: Rating) -> CardState {
    let fsrs = Fsrs::default();
    let (memory, reps, lapses) = match prev {
        None => (fsrs.first(rating), 0, 0),
        Some(card) => {
            let elapsed = (now - card.last_review_at).max(0) as f64 / 86_400.0;
            let state = MemoryState {
                stability: card.stability,
                difficulty: card.difficulty,
            };
            (fsrs.next(state, elapsed, rating), card.reps, card.lapses)
        }
    };
    let interval = (fsrs.interval_days(memory.stability, DESIRED_RETENTION) * 86_400.0)
        .max(MIN_INTERVAL_SECONDS);
    CardState {
        stability: memory.stability,
        difficulty: memory.difficulty,
        due_at: now + interval.round() as i64,
        last_review_at: now,
        reps: reps + 1,
        lapses: lapses + i64::from(rating == Rating::Again && prev.is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_card_good_is_due_in_about_two_days() {
        let card = review(None, 0, Rating::Good);
        assert_eq!(card.reps, 1);
        assert!((card.due_at as f64 / 86_400.0 - 2.3065).abs() < 0.01);
    }

    #[test]
    fn lapses_count_failed_reviews() {
        let first = review(None, 0, Rating::Good);
        let second = review(Some(first), 3 * 86_400, Rating::Again);
        assert_eq!(second.lapses, 1);
        assert!(second.stability < first.stability);
        assert!(second.due_at - second.last_review_at >= 600);
    }
}
