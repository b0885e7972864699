//! What `spandojo check` counts and the minimums the bundled bank must meet.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::{Content, Level};

/// The least content `spandojo check` accepts.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Minimums {
    /// Questions in all.
    pub questions: usize,
    /// Questions at each level.
    pub per_level: usize,
    /// Distinct simulator generators used by `kind = "sim"` questions.
    pub generators: usize,
    /// Simulator scenarios.
    pub scenarios: usize,
}

/// The minimums of the question bank (issue 15: twice the practice).
pub const MINIMUMS: Minimums = Minimums {
    questions: 220,
    per_level: 50,
    generators: 12,
    scenarios: 12,
};

/// Counts printed by `spandojo check` (one JSON object with `--json`).
#[derive(Debug, Serialize)]
pub struct Counts {
    pub lessons: usize,
    /// Questions per level (`beginner` … `architect`).
    pub questions: BTreeMap<&'static str, usize>,
    /// Questions in all.
    pub questions_total: usize,
    /// Questions per kind (`choice`, `open`, `sim`).
    pub question_kinds: BTreeMap<&'static str, usize>,
    /// Questions per level, then per kind.
    pub kinds_by_level: BTreeMap<&'static str, BTreeMap<&'static str, usize>>,
    /// Number of distinct generators the simulator questions use.
    pub generators: usize,
    /// Simulator questions per generator name.
    pub generator_questions: BTreeMap<String, usize>,
    /// Number of scenarios.
    pub scenarios: usize,
    /// Scenario names, sorted.
    pub scenario_names: Vec<String>,
    /// The minimums checked.
    pub minimums: Minimums,
}

impl Counts {
    /// Generator names used by simulator questions, sorted.
    pub fn generator_names(&self) -> Vec<&str> {
        self.generator_questions
            .keys()
            .map(String::as_str)
            .collect()
    }

    /// Every minimum these counts miss, as a sentence each.
    pub fn shortfalls(&self, min: &Minimums) -> Vec<String> {
        let mut out = Vec::new();
        if self.questions_total < min.questions {
            out.push(format!(
                "{} questions; at least {} are required",
                self.questions_total, min.questions
            ));
        }
        for (level, n) in &self.questions {
            if *n < min.per_level {
                out.push(format!(
                    "{n} {level} questions; at least {} per level are required",
                    min.per_level
                ));
            }
        }
        if self.generators < min.generators {
            out.push(format!(
                "simulator questions use {} generators ({}); at least {} are required",
                self.generators,
                self.generator_names().join(", "),
                min.generators
            ));
        }
        if self.scenarios < min.scenarios {
            out.push(format!(
                "{} scenarios; at least {} are required",
                self.scenarios, min.scenarios
            ));
        }
        out
    }
}

impl Content {
    /// Counts for `spandojo check` and the home page.
    pub fn counts(&self) -> Counts {
        let mut per_level: BTreeMap<&'static str, usize> =
            Level::ALL.iter().map(|l| (l.as_str(), 0)).collect();
        let mut kinds_by_level: BTreeMap<&'static str, BTreeMap<&'static str, usize>> = Level::ALL
            .iter()
            .map(|l| (l.as_str(), BTreeMap::new()))
            .collect();
        let mut per_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut generator_questions: BTreeMap<String, usize> = BTreeMap::new();
        for q in &self.questions {
            *per_level.entry(q.level.as_str()).or_default() += 1;
            *per_kind.entry(q.kind.as_str()).or_default() += 1;
            *kinds_by_level
                .entry(q.level.as_str())
                .or_default()
                .entry(q.kind.as_str())
                .or_default() += 1;
            if let Some(p) = &q.puzzle {
                *generator_questions.entry(p.generator.clone()).or_default() += 1;
            }
        }
        Counts {
            lessons: self.lessons.len(),
            questions: per_level,
            questions_total: self.questions.len(),
            question_kinds: per_kind,
            kinds_by_level,
            generators: generator_questions.len(),
            generator_questions,
            scenarios: self.scenarios.len(),
            scenario_names: self
                .scenarios
                .names()
                .iter()
                .map(|n| n.to_string())
                .collect(),
            minimums: MINIMUMS,
        }
    }
}
