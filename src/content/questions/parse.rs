//! Reading one question file: TOML front matter, then the `## Question`,
//! `## Answer`, `## Key points` and `## Follow-ups` sections.

use serde::Deserialize;

use crate::content::ContentError;
use crate::content::frontmatter::{self, key_line};
use crate::content::markdown::{self, LinkRef};
use crate::content::questions::{Choice, Level, Question, QuestionKind, TOPICS};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFront {
    id: String,
    level: Level,
    kind: QuestionKind,
    title: String,
    topics: Vec<String>,
    lessons: Vec<String>,
    explore: Option<String>,
    #[serde(default, rename = "choice")]
    choices: Vec<ChoiceFront>,
    generator: Option<String>,
    scenario: Option<String>,
    variant: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceFront {
    text: String,
    #[serde(default)]
    correct: bool,
    why: String,
}

/// A `## Heading` section of a question body.
struct Section<'a> {
    name: &'a str,
    line: usize,
    text: String,
}

/// Parses one question file at `questions/<level>/<id>.md`.
pub fn parse(path: &str, text: &str) -> Result<Question, ContentError> {
    let mut parts = path.rsplit('/');
    let file_name = parts.next().unwrap_or(path);
    let folder = parts.next().unwrap_or("");
    let split = frontmatter::split(path, text)?;
    let front: QuestionFront = frontmatter::parse(path, split.front)?;
    let at = |key: &str| key_line(split.front, key);
    let err = |line: usize, msg: String| ContentError::new(path, line, msg);

    if file_name.strip_suffix(".md") != Some(front.id.as_str()) {
        return Err(err(
            at("id"),
            format!(
                "`id` is \"{}\" but the file is {file_name}; they must match",
                front.id
            ),
        ));
    }
    if !is_slug(&front.id) {
        return Err(err(
            at("id"),
            "`id` uses lowercase letters, digits and dashes".into(),
        ));
    }
    if folder != front.level.as_str() {
        return Err(err(
            at("level"),
            format!(
                "`level` is {} but the file is in questions/{folder}/",
                front.level
            ),
        ));
    }
    if front.title.trim().is_empty() || front.title.chars().count() > 300 {
        return Err(err(
            at("title"),
            "`title` must be 1 to 300 characters".into(),
        ));
    }
    if front.topics.is_empty() {
        return Err(err(
            at("topics"),
            "`topics` needs at least one topic".into(),
        ));
    }
    if let Some(t) = front.topics.iter().find(|t| !TOPICS.contains(&t.as_str())) {
        return Err(err(
            at("topics"),
            format!("unknown topic \"{t}\"; known: {}", TOPICS.join(", ")),
        ));
    }
    if front.lessons.is_empty() {
        return Err(err(
            at("lessons"),
            "`lessons` needs at least one lesson slug".into(),
        ));
    }

    let sections = sections(split.body, split.body_line).map_err(|(line, msg)| err(line, msg))?;
    let find = |name: &str| sections.iter().find(|s| s.name == name);
    let answer = find("Answer")
        .filter(|s| !s.text.trim().is_empty())
        .ok_or_else(|| {
            err(
                split.body_line,
                "the body needs a non-empty `## Answer` section".into(),
            )
        })?;
    let mut links: Vec<LinkRef> = Vec::new();
    let mut render = |s: &Section| {
        let r = markdown::render(&s.text);
        links.extend(r.links.into_iter().map(|l| LinkRef {
            url: l.url,
            line: l.line + s.line,
        }));
        r.html
    };
    let answer_html = render(answer);
    let context_html = find("Question").map(&mut render);
    let key_points = match find("Key points") {
        Some(s) => bullets(s).map_err(|(line, msg)| err(line, msg))?,
        None => Vec::new(),
    };
    let follow_ups = match find("Follow-ups") {
        Some(s) => bullets(s).map_err(|(line, msg)| err(line, msg))?,
        None => Vec::new(),
    };

    match front.kind {
        QuestionKind::Choice => {
            let choice_line =
                frontmatter::table_line(split.front, "[[choice]]").unwrap_or(at("kind"));
            if !(2..=8).contains(&front.choices.len()) {
                return Err(err(
                    choice_line,
                    format!(
                        "a choice question needs 2 to 8 [[choice]] options, found {}",
                        front.choices.len()
                    ),
                ));
            }
            if !front.choices.iter().any(|c| c.correct) {
                return Err(err(
                    choice_line,
                    "no option is marked `correct = true`".into(),
                ));
            }
            if front.choices.iter().all(|c| c.correct) {
                return Err(err(
                    choice_line,
                    "every option is correct; at least one must be wrong".into(),
                ));
            }
            for (i, c) in front.choices.iter().enumerate() {
                if c.text.trim().is_empty() || c.why.trim().is_empty() {
                    return Err(err(
                        choice_line,
                        format!("option {} needs a non-empty `text` and `why`", i + 1),
                    ));
                }
                if front.choices[..i]
                    .iter()
                    .any(|o| o.text.trim() == c.text.trim())
                {
                    return Err(err(
                        choice_line,
                        format!("option {} repeats the text of an earlier option", i + 1),
                    ));
                }
            }
            if !key_points.is_empty() {
                let line = find("Key points").map(|s| s.line).unwrap_or(1);
                return Err(err(
                    line,
                    "`## Key points` belongs to open questions only".into(),
                ));
            }
        }
        QuestionKind::Sim => {
            if front.generator.is_none() {
                return Err(err(at("kind"), "a sim question needs `generator`".into()));
            }
            if !front.choices.is_empty() || !key_points.is_empty() {
                return Err(err(at("kind"), "a sim question has no [[choice]] options or key points: its generator makes them".into()));
            }
        }
        QuestionKind::Open => {
            if !front.choices.is_empty() {
                return Err(err(
                    at("kind"),
                    "an open question has no [[choice]] options".into(),
                ));
            }
            if !(3..=6).contains(&key_points.len()) {
                let line = find("Key points")
                    .map(|s| s.line)
                    .unwrap_or(split.body_line);
                return Err(err(
                    line,
                    format!(
                        "an open question needs a `## Key points` list of 3 to 6 bullets, found {}",
                        key_points.len()
                    ),
                ));
            }
        }
    }
    if front.kind != QuestionKind::Sim
        && (front.generator.is_some() || front.scenario.is_some() || front.variant.is_some())
    {
        return Err(err(
            at("generator").max(at("scenario")).max(at("variant")),
            "`generator`, `scenario` and `variant` belong to sim questions only".into(),
        ));
    }
    if let Some(url) = &front.explore {
        links.push(LinkRef {
            url: url.clone(),
            line: at("explore"),
        });
    }

    Ok(Question {
        id: front.id,
        level: front.level,
        kind: front.kind,
        title_html: markdown::render_inline(front.title.trim()),
        title: front.title.trim().to_string(),
        topics: front.topics,
        lessons: front.lessons,
        explore: front.explore,
        puzzle: front
            .generator
            .clone()
            .map(|generator| crate::practice::puzzles::PuzzleSpec {
                generator,
                scenario: front.scenario.clone(),
                variant: front.variant.clone(),
            }),
        generator_line: at("generator"),
        choices: front
            .choices
            .iter()
            .map(|c| Choice {
                text_html: markdown::render_inline(c.text.trim()),
                correct: c.correct,
                why_html: markdown::render_inline(c.why.trim()),
            })
            .collect(),
        context_html,
        answer_html,
        key_points,
        follow_ups,
        path: path.to_string(),
        links,
        lessons_line: at("lessons"),
    })
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

const SECTIONS: &[&str] = &["Question", "Answer", "Key points", "Follow-ups"];

/// Splits the body on `## ` headings outside fenced code.
fn sections(body: &str, body_line: usize) -> Result<Vec<Section<'_>>, (usize, String)> {
    let mut out: Vec<Section> = Vec::new();
    let mut in_fence = false;
    for (i, line) in body.lines().enumerate() {
        let line_no = body_line + i;
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence && let Some(name) = line.strip_prefix("## ") {
            let name = name.trim();
            let known = SECTIONS.iter().find(|s| **s == name).ok_or_else(|| {
                (
                    line_no,
                    format!("unknown section `## {name}`; use {}", SECTIONS.join(", ")),
                )
            })?;
            if out.iter().any(|s| s.name == name) {
                return Err((line_no, format!("section `## {name}` appears twice")));
            }
            out.push(Section {
                name: known,
                line: line_no,
                text: String::new(),
            });
            continue;
        }
        match out.last_mut() {
            Some(section) => {
                section.text.push_str(line);
                section.text.push('\n');
            }
            None if line.trim().is_empty() => {}
            None => return Err((line_no, "text before the first `## ` section".into())),
        }
    }
    Ok(out)
}

/// The `- ` items of a bullet-list section, rendered inline.
fn bullets(section: &Section) -> Result<Vec<String>, (usize, String)> {
    let mut items: Vec<String> = Vec::new();
    for (i, line) in section.text.lines().enumerate() {
        if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            items.push(item.trim().to_string());
        } else if line.starts_with("  ") && !line.trim().is_empty() {
            match items.last_mut() {
                Some(last) => {
                    last.push(' ');
                    last.push_str(line.trim());
                }
                None => return Err((section.line + 1 + i, "expected a `- ` bullet".into())),
            }
        } else if !line.trim().is_empty() {
            return Err((
                section.line + 1 + i,
                format!("`## {}` holds only `- ` bullets", section.name),
            ));
        }
    }
    Ok(items.iter().map(|s| markdown::render_inline(s)).collect())
}
