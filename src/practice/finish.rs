//! When a session is finished, as pure decisions. The web layer asks these
//! before it stores an answer or a self-rating, and the store marks the
//! session finished in the same transaction
//! ([`crate::store::practice::answer`], [`crate::store::practice::rate`]).
//! A session that is left open is finished later by its summary page.
//!
//! A session is finished when every position is answered and, in practice
//! and review sessions, every open answer is self-rated (interviews are
//! rated later, on the summary, and end at the last answer).

/// Where one position of a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// No answer yet.
    Unanswered,
    /// An open answer waiting for its self-rating.
    AwaitingRating,
    /// Answered (and rated where a rating is asked for).
    Done,
}

/// The first position not yet [`Slot::Done`], or `None` when the session is
/// complete.
pub fn first_pending(slots: &[Slot]) -> Option<usize> {
    slots.iter().position(|s| *s != Slot::Done)
}

/// Whether storing the answer at `pos` finishes the session whose
/// positions stand as `slots`: the answer needs no self-rating afterwards
/// (it was graded on the spot, `rated`, or the session is an interview) and
/// every other position is done.
pub fn on_answer(slots: &[Slot], pos: usize, rated: bool, interview: bool) -> bool {
    let after = if rated || interview {
        Slot::Done
    } else {
        Slot::AwaitingRating
    };
    complete_after(slots, pos, after)
}

/// Whether the self-rating of the attempt at `pos` finishes the session:
/// it is not finished yet (`finished`) and every other position is done.
pub fn on_rating(finished: bool, slots: &[Slot], pos: usize) -> bool {
    !finished && complete_after(slots, pos, Slot::Done)
}

/// Whether every position is done once `pos` becomes `after`.
fn complete_after(slots: &[Slot], pos: usize, after: Slot) -> bool {
    slots.iter().enumerate().all(|(i, s)| {
        if i == pos {
            after == Slot::Done
        } else {
            *s == Slot::Done
        }
    })
}

#[cfg(test)]
mod tests {
    use super::Slot::{AwaitingRating as R, Done as D, Unanswered as U};
    use super::*;

    #[test]
    fn only_the_last_answer_finishes_and_only_when_nothing_waits() {
        let mut slots = vec![D; 10];
        slots[9] = U;
        assert!(on_answer(&slots, 9, true, false), "graded last answer");
        assert!(
            !on_answer(&slots, 9, false, false),
            "an open answer waits for its self-rating"
        );
        slots[3] = R;
        assert!(
            !on_answer(&slots, 9, true, false),
            "an earlier open answer still waits for its rating"
        );
        let mut interview = vec![D; 5];
        interview[4] = U;
        assert!(
            on_answer(&interview, 4, false, true),
            "interviews rate on the summary"
        );
        interview[3] = U;
        assert!(!on_answer(&interview, 3, false, true));
    }

    #[test]
    fn rating_the_first_open_answer_does_not_end_a_session() {
        let mut slots = vec![U; 10];
        slots[0] = R;
        assert!(!on_rating(false, &slots, 0));
        assert_eq!(first_pending(&slots), Some(0));
    }

    #[test]
    fn the_last_missing_rating_finishes() {
        let mut slots = vec![D; 10];
        slots[3] = R;
        assert!(on_rating(false, &slots, 3));
        assert!(!on_rating(true, &slots, 3), "finished once");
        slots[5] = U;
        assert!(!on_rating(false, &slots, 3), "position 5 is unanswered");
        slots[5] = R;
        assert!(!on_rating(false, &slots, 3), "another answer is unrated");
        assert_eq!(first_pending(&[D, D]), None);
    }
}
