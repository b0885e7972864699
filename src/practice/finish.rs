//! When a session is finished, as pure decisions. The web layer asks these
//! before it stores an answer or a self-rating, and the store marks the
//! session finished in the same transaction
//! ([`crate::store::practice::answer`], [`crate::store::practice::rate`]).
//! A session that is left open is finished later by its summary page.

/// Whether storing the answer at `pos` (0-based) of a session of `total`
/// questions finishes it. Only the last answer can, and only when it needs
/// no self-rating afterwards: it was graded on the spot (`rated`), or the
/// session is an interview, whose open answers are rated on the summary.
pub fn on_answer(pos: usize, total: usize, rated: bool, interview: bool) -> bool {
    pos + 1 == total && (rated || interview)
}

/// Whether the self-rating of the attempt at `pos` finishes the session.
///
/// `finished`: the session is already finished. `first_pending`: the first
/// position still waiting for an answer or a self-rating (None when none
/// is). `unrated`: answered attempts without a rating, the one being rated
/// included. The rating finishes the session when nothing else waits.
pub fn on_rating(finished: bool, first_pending: Option<usize>, pos: usize, unrated: usize) -> bool {
    !finished && first_pending.is_none_or(|p| p == pos) && unrated <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_answer_finishes_and_only_when_nothing_waits() {
        assert!(on_answer(9, 10, true, false), "graded last answer");
        assert!(!on_answer(8, 10, true, false), "not the last position");
        assert!(
            !on_answer(9, 10, false, false),
            "an open answer waits for its self-rating"
        );
        assert!(
            on_answer(4, 5, false, true),
            "interviews rate on the summary"
        );
        assert!(!on_answer(3, 5, false, true));
    }

    #[test]
    fn the_last_missing_rating_finishes() {
        assert!(on_rating(false, Some(3), 3, 1));
        assert!(on_rating(false, None, 3, 1));
        assert!(!on_rating(true, Some(3), 3, 1), "finished once");
        assert!(!on_rating(false, Some(5), 3, 1), "position 5 is unanswered");
        assert!(
            !on_rating(false, Some(3), 3, 2),
            "another answer is unrated"
        );
    }
}
