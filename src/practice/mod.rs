//! Practice logic with no I/O: FSRS scheduling, grading, choosing the
//! questions of a session, deciding when it is finished, and progress
//! statistics.

pub mod finish;
pub mod fsrs;
pub mod grading;
pub mod peer;
pub mod plan;
pub mod puzzles;
pub mod schedule;
pub mod stats;

/// Questions per practice session.
pub const SESSION_SIZE: usize = 10;
/// Questions per interview.
pub const INTERVIEW_SIZE: usize = 5;
/// Most cards served by one review session.
pub const REVIEW_SIZE: usize = 20;
/// A card counts as mastered at this stability, in days.
pub const MASTERED_STABILITY: f64 = 21.0;
