//! FSRS-6, the Free Spaced Repetition Scheduler, as a pure function of a
//! card's memory state, the time since its last review and a rating.
//!
//! Memory state is stability `S` (days until recall probability falls to
//! 90%) and difficulty `D` (1..10). The forgetting curve is
//! `R(t, S) = (1 + F·t/S)^(−w20)` with `F = 0.9^(−1/w20) − 1`.

/// The published FSRS-6 default weights.
pub const DEFAULT_WEIGHTS: [f64; 21] = [
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796, 1.4835,
    0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
];

/// Recall probability the scheduler aims for.
pub const DESIRED_RETENTION: f64 = 0.9;

const MIN_STABILITY: f64 = 0.001;
const MAX_STABILITY: f64 = 36_500.0;

/// How well the member recalled the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rating {
    Again = 1,
    Hard = 2,
    Good = 3,
    Easy = 4,
}

impl Rating {
    /// All ratings, worst first.
    pub const ALL: [Rating; 4] = [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy];

    /// From the stored number 1..=4.
    pub fn from_number(n: i64) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| *r as i64 == n)
    }

    /// The stored number 1..=4.
    pub fn number(self) -> i64 {
        self as i64
    }

    /// The label on the rating button.
    pub fn label(self) -> &'static str {
        match self {
            Rating::Again => "Again",
            Rating::Hard => "Hard",
            Rating::Good => "Good",
            Rating::Easy => "Easy",
        }
    }

    fn grade(self) -> f64 {
        self as i64 as f64
    }
}

/// A card's memory state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryState {
    /// Days until recall probability decays to 90%.
    pub stability: f64,
    /// 1 (easy) to 10 (hard).
    pub difficulty: f64,
}

/// The scheduler with its weights.
#[derive(Debug, Clone)]
pub struct Fsrs {
    w: [f64; 21],
}

impl Default for Fsrs {
    fn default() -> Self {
        Fsrs { w: DEFAULT_WEIGHTS }
    }
}

impl Fsrs {
    fn factor(&self) -> f64 {
        DESIRED_RETENTION.powf(-1.0 / self.w[20]) - 1.0
    }

    /// Probability of recall `elapsed_days` after a review at stability `stability`.
    pub fn retrievability(&self, elapsed_days: f64, stability: f64) -> f64 {
        (1.0 + self.factor() * elapsed_days.max(0.0) / stability).powf(-self.w[20])
    }

    /// Days until recall probability falls to `retention`.
    pub fn interval_days(&self, stability: f64, retention: f64) -> f64 {
        let retention = retention.clamp(0.01, 0.99);
        (stability / self.factor() * (retention.powf(-1.0 / self.w[20]) - 1.0))
            .clamp(0.0, MAX_STABILITY)
    }

    fn init_difficulty_raw(&self, rating: Rating) -> f64 {
        self.w[4] - (self.w[5] * (rating.grade() - 1.0)).exp() + 1.0
    }

    /// The state after the first review of a new card.
    pub fn first(&self, rating: Rating) -> MemoryState {
        MemoryState {
            stability: self.w[rating as usize - 1].clamp(MIN_STABILITY, MAX_STABILITY),
            difficulty: self.init_difficulty_raw(rating).clamp(1.0, 10.0),
        }
    }

    fn next_difficulty(&self, d: f64, rating: Rating) -> f64 {
        let delta = -self.w[6] * (rating.grade() - 3.0);
        let damped = d + delta * (10.0 - d) / 9.0;
        let reverted =
            self.w[7] * self.init_difficulty_raw(Rating::Easy) + (1.0 - self.w[7]) * damped;
        reverted.clamp(1.0, 10.0)
    }

    fn stability_after_recall(&self, s: f64, d: f64, r: f64, rating: Rating) -> f64 {
        let hard_penalty = if rating == Rating::Hard {
            self.w[15]
        } else {
            1.0
        };
        let easy_bonus = if rating == Rating::Easy {
            self.w[16]
        } else {
            1.0
        };
        s * (1.0
            + self.w[8].exp()
                * (11.0 - d)
                * s.powf(-self.w[9])
                * ((self.w[10] * (1.0 - r)).exp() - 1.0)
                * hard_penalty
                * easy_bonus)
    }

    fn stability_after_lapse(&self, s: f64, d: f64, r: f64) -> f64 {
        let lapse = self.w[11]
            * d.powf(-self.w[12])
            * ((s + 1.0).powf(self.w[13]) - 1.0)
            * (self.w[14] * (1.0 - r)).exp();
        let short_term_floor = s / (self.w[17] * self.w[18]).exp();
        lapse.min(short_term_floor)
    }

    fn stability_same_day(&self, s: f64, rating: Rating) -> f64 {
        let mut increase =
            (self.w[17] * (rating.grade() - 3.0 + self.w[18])).exp() * s.powf(-self.w[19]);
        if rating >= Rating::Good {
            increase = increase.max(1.0);
        }
        s * increase
    }

    /// The state after reviewing a card `elapsed_days` after its last review.
    pub fn next(&self, state: MemoryState, elapsed_days: f64, rating: Rating) -> MemoryState {
        let MemoryState {
            stability: s,
            difficulty: d,
        } = state;
        let stability = if elapsed_days < 1.0 {
            self.stability_same_day(s, rating)
        } else {
            let r = self.retrievability(elapsed_days, s);
            if rating == Rating::Again {
                self.stability_after_lapse(s, d, r)
            } else {
                self.stability_after_recall(s, d, r, rating)
            }
        };
        MemoryState {
            stability: stability.clamp(MIN_STABILITY, MAX_STABILITY),
            difficulty: self.next_difficulty(d, rating),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 5e-4,
            "expected {expected}, got {actual}"
        );
    }

    #[test]
    fn first_review_matches_published_values() {
        let f = Fsrs::default();
        for (rating, s, d) in [
            (Rating::Again, 0.2120, 6.4133),
            (Rating::Hard, 1.2931, 5.1122),
            (Rating::Good, 2.3065, 2.1181),
            (Rating::Easy, 8.2956, 1.0),
        ] {
            let state = f.first(rating);
            close(state.stability, s);
            close(state.difficulty, d);
        }
    }

    #[test]
    fn good_then_good_after_two_days() {
        let f = Fsrs::default();
        let state = f.next(f.first(Rating::Good), 2.0, Rating::Good);
        close(state.stability, 10.9643);
        close(state.difficulty, 2.1112);
    }

    #[test]
    fn review_of_a_mature_card_matches_published_values() {
        let f = Fsrs::default();
        let start = MemoryState {
            stability: 10.0,
            difficulty: 5.0,
        };
        for (rating, s, d) in [
            (Rating::Again, 1.3920, 8.3418),
            (Rating::Hard, 23.2469, 6.6660),
            (Rating::Good, 32.0267, 4.9902),
            (Rating::Easy, 51.2539, 3.3145),
        ] {
            let state = f.next(start, 10.0, rating);
            close(state.stability, s);
            close(state.difficulty, d);
        }
    }

    #[test]
    fn intervals_follow_desired_retention() {
        let f = Fsrs::default();
        close(f.interval_days(10.0, 0.9), 10.0);
        assert!(
            (f.interval_days(10.0, 0.8) - 33.16).abs() < 0.01,
            "{}",
            f.interval_days(10.0, 0.8)
        );
        close(f.retrievability(10.0, 10.0), 0.9);
    }

    #[test]
    fn same_day_good_never_lowers_stability() {
        let f = Fsrs::default();
        let s0 = f.first(Rating::Good);
        let s1 = f.next(s0, 0.01, Rating::Good);
        assert!(s1.stability >= s0.stability);
        let s2 = f.next(s0, 0.01, Rating::Again);
        assert!(s2.stability < s0.stability);
    }
}
