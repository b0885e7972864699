//! Grading choice answers and mapping outcomes to FSRS ratings.

use std::collections::BTreeSet;

use crate::content::Question;
use crate::practice::fsrs::Rating;

/// The result of grading a choice answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceGrade {
    /// True when exactly the correct options were chosen.
    pub correct: bool,
    /// The options the member chose, sorted.
    pub selected: Vec<usize>,
    /// The correct options, sorted.
    pub answer: Vec<usize>,
}

/// Why an answer could not be graded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GradeError {
    /// Nothing was selected.
    Empty,
    /// An option index that the question does not have (a tampered form).
    UnknownOption(usize),
}

impl GradeError {
    /// A sentence for the member.
    pub fn message(&self) -> String {
        match self {
            GradeError::Empty => "Choose at least one option before you submit.".into(),
            GradeError::UnknownOption(i) => {
                format!("Option {i} is not one of this question's options.")
            }
        }
    }
}

/// Grades the selected option indices against the question's key.
pub fn grade_choice(question: &Question, selected: &[usize]) -> Result<ChoiceGrade, GradeError> {
    let key: Vec<usize> = question
        .choices
        .iter()
        .enumerate()
        .filter(|(_, c)| c.correct)
        .map(|(i, _)| i)
        .collect();
    grade_selection(question.choices.len(), &key, selected)
}

/// Grades a selection among `options` options against the right indices `key`:
/// right only when exactly the key was chosen.
pub fn grade_selection(
    options: usize,
    key: &[usize],
    selected: &[usize],
) -> Result<ChoiceGrade, GradeError> {
    if selected.is_empty() {
        return Err(GradeError::Empty);
    }
    if let Some(&bad) = selected.iter().find(|&&i| i >= options) {
        return Err(GradeError::UnknownOption(bad));
    }
    let chosen: BTreeSet<usize> = selected.iter().copied().collect();
    let answer: BTreeSet<usize> = key.iter().copied().collect();
    Ok(ChoiceGrade {
        correct: chosen == answer,
        selected: chosen.into_iter().collect(),
        answer: answer.into_iter().collect(),
    })
}

/// Automatically graded answers map to FSRS ratings: right → Good, wrong → Again.
pub fn rating_for(correct: bool) -> Rating {
    if correct { Rating::Good } else { Rating::Again }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::questions;

    fn question(correct: &[bool]) -> Question {
        let mut text = String::from(
            "+++\nid = \"q\"\nlevel = \"beginner\"\nkind = \"choice\"\ntitle = \"Q?\"\ntopics = [\"basics\"]\nlessons = [\"x\"]\n",
        );
        for (i, c) in correct.iter().enumerate() {
            text.push_str(&format!(
                "[[choice]]\ntext = \"option {i}\"\ncorrect = {c}\nwhy = \"because\"\n"
            ));
        }
        text.push_str("+++\n## Answer\nA.\n");
        questions::parse("questions/beginner/q.md", &text).unwrap()
    }

    #[test]
    fn single_answer() {
        let q = question(&[false, true, false, false]);
        assert!(grade_choice(&q, &[1]).unwrap().correct);
        assert!(!grade_choice(&q, &[0]).unwrap().correct);
        assert!(
            !grade_choice(&q, &[0, 1]).unwrap().correct,
            "extra picks are wrong"
        );
    }

    #[test]
    fn multiple_answers_need_exactly_the_set() {
        let q = question(&[true, false, true, false]);
        let g = grade_choice(&q, &[2, 0]).unwrap();
        assert!(g.correct);
        assert_eq!(g.selected, vec![0, 2]);
        assert!(
            !grade_choice(&q, &[0]).unwrap().correct,
            "half right is wrong"
        );
        assert!(
            grade_choice(&q, &[0, 0, 2]).unwrap().correct,
            "duplicates collapse"
        );
    }

    #[test]
    fn tampered_and_empty_answers_are_errors() {
        let q = question(&[true, false, false]);
        assert_eq!(grade_choice(&q, &[7]), Err(GradeError::UnknownOption(7)));
        assert_eq!(grade_choice(&q, &[]), Err(GradeError::Empty));
    }

    #[test]
    fn ratings() {
        assert_eq!(rating_for(true), Rating::Good);
        assert_eq!(rating_for(false), Rating::Again);
    }
}
