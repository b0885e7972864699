//! Interview questions: `questions/<level>/<id>.md`, multiple-choice or open.

use std::fmt;

use serde::Deserialize;

use crate::content::markdown::LinkRef;

mod parse;
#[cfg(test)]
mod tests;

pub use parse::parse;

/// The four practice levels, in rising order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    Intermediate,
    Senior,
    Architect,
}

impl Level {
    /// All levels, in order.
    pub const ALL: [Level; 4] = [
        Level::Beginner,
        Level::Intermediate,
        Level::Senior,
        Level::Architect,
    ];

    /// The lowercase name used in URLs, folders and front matter.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Senior => "senior",
            Level::Architect => "architect",
        }
    }

    /// The capitalised name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Level::Beginner => "Beginner",
            Level::Intermediate => "Intermediate",
            Level::Senior => "Senior",
            Level::Architect => "Architect",
        }
    }

    /// Parses a lowercase level name.
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a question is answered and graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Options, graded at once.
    Choice,
    /// Free text, self-rated against a model answer.
    Open,
    /// Generated from the simulator for each attempt and graded exactly.
    Sim,
}

impl QuestionKind {
    /// The lowercase name used in front matter.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Choice => "choice",
            QuestionKind::Open => "open",
            QuestionKind::Sim => "sim",
        }
    }
}

/// Topics a question may be filed under.
pub const TOPICS: &[&str] = &[
    "basics",
    "spans",
    "span-trees",
    "propagation",
    "sampling",
    "analysis",
    "instrumentation",
    "collector",
    "correlation",
    "semantic-conventions",
    "retries-async",
    "scale",
    "rca",
    "backends",
    "ottl",
    "security",
    "frontend",
    "testing",
];

/// One option of a choice question.
#[derive(Debug, Clone)]
pub struct Choice {
    pub text_html: String,
    pub correct: bool,
    pub why_html: String,
}

/// One validated, rendered question.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub level: Level,
    pub kind: QuestionKind,
    pub title: String,
    /// The title rendered as inline Markdown (for `code` in titles).
    pub title_html: String,
    pub topics: Vec<String>,
    pub lessons: Vec<String>,
    pub explore: Option<String>,
    pub choices: Vec<Choice>,
    /// For `kind = "sim"`: which generator makes each attempt's puzzle.
    pub puzzle: Option<crate::practice::puzzles::PuzzleSpec>,
    /// Line of `generator` in the file, for reference errors.
    pub generator_line: usize,
    /// Extra context shown with the title (`## Question`).
    pub context_html: Option<String>,
    /// The model answer or explanation (`## Answer`).
    pub answer_html: String,
    /// Key points as inline HTML (`## Key points`).
    pub key_points: Vec<String>,
    /// Follow-up questions as inline HTML (`## Follow-ups`).
    pub follow_ups: Vec<String>,
    pub path: String,
    /// Links in the body and `explore`, with lines in the source file.
    pub links: Vec<LinkRef>,
    /// Lines of `lessons` and `explore` in the file, for reference errors.
    pub lessons_line: usize,
}
