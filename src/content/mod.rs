//! Content: lessons, questions and simulator scenarios, parsed once at start.
//!
//! Files come from the copy embedded in the binary or, with `--content DIR`,
//! from disk. Every problem is reported as `path:line: reason`.

pub mod counts;
pub mod deprecated;
pub mod frontmatter;
pub mod lessons;
pub mod markdown;
pub mod questions;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rust_embed::RustEmbed;

pub use counts::{Counts, MINIMUMS, Minimums};
pub use lessons::Lesson;
pub use questions::{Level, Question, QuestionKind};

use crate::sim::Catalog;

/// Sampling-lab presets that content may link to (`/sim/lab?preset=…`).
pub const LAB_PRESETS: &[&str] = &[
    "head-vs-tail",
    "errors-only",
    "latency-slo",
    "broken-propagation",
    "rate-limited",
    "cost-budget",
    "load-balancing",
];

/// Content files compiled into the binary.
#[derive(RustEmbed)]
#[folder = "content/"]
struct Embedded;

/// Most content files read from one source, against runaway directories.
const MAX_FILES: usize = 5_000;
/// Largest content file accepted.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A problem in one content file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl ContentError {
    /// An error at `path:line`.
    pub fn new(path: &str, line: usize, message: impl Into<String>) -> Self {
        ContentError {
            path: path.to_string(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// Every problem found while loading content, one per line when displayed.
#[derive(Debug, Clone)]
pub struct ContentErrors(pub Vec<ContentError>);

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContentErrors {}

/// All validated content, shared read-only by the app.
#[derive(Debug, Default)]
pub struct Content {
    /// Lessons in reading order.
    pub lessons: Vec<Arc<Lesson>>,
    lesson_index: HashMap<String, usize>,
    /// Questions ordered by level, then id.
    pub questions: Vec<Arc<Question>>,
    question_index: HashMap<String, usize>,
    /// Simulator scenarios from `topologies/*.toml`.
    pub scenarios: Catalog,
    /// Deprecated attribute names presented as current (see [`deprecated`]).
    deprecated: Vec<ContentError>,
}

impl Content {
    /// Loads from `dir`, or from the embedded copy when `dir` is `None`.
    pub fn load(dir: Option<&Path>) -> Result<Content, ContentErrors> {
        let files = match dir {
            Some(dir) => read_dir_files(dir)?,
            None => embedded_files()?,
        };
        Content::from_files(files)
    }

    /// Builds content from `(relative path, text)` pairs.
    pub fn from_files(mut files: Vec<(String, String)>) -> Result<Content, ContentErrors> {
        files.sort();
        let mut errors = Vec::new();
        let mut lessons = Vec::new();
        let mut questions = Vec::new();
        let mut topologies = Vec::new();
        for (path, text) in &files {
            if path.starts_with("topologies/") && path.ends_with(".toml") {
                topologies.push((path.clone(), text.clone()));
                continue;
            }
            if path.starts_with("lessons/") && path.ends_with(".md") {
                match lessons::parse(path, text) {
                    Ok(l) => lessons.push(l),
                    Err(e) => errors.push(e),
                }
            } else if path.starts_with("questions/") && path.ends_with(".md") {
                match questions::parse(path, text) {
                    Ok(q) => questions.push(q),
                    Err(e) => errors.push(e),
                }
            }
        }
        lessons.sort_by_key(|l| l.order);
        questions.sort_by(|a, b| (a.level, &a.id).cmp(&(b.level, &b.id)));

        let mut content = Content::default();
        for (path, text) in &files {
            let scanned = ["lessons/", "questions/", "topologies/"]
                .iter()
                .any(|dir| path.starts_with(dir));
            if scanned {
                content.deprecated.extend(deprecated::check(path, text));
            }
        }
        match Catalog::from_files(topologies) {
            Ok(catalog) => content.scenarios = catalog,
            Err(topology_errors) => errors.extend(
                topology_errors
                    .into_iter()
                    .map(|(path, e)| ContentError::new(&path, e.line, e.message)),
            ),
        }
        for lesson in lessons {
            if let Some(&other) = content.lesson_index.get(&lesson.slug) {
                let first = &content.lessons[other].path;
                errors.push(ContentError::new(
                    &lesson.path,
                    1,
                    format!("slug \"{}\" is also used by {first}", lesson.slug),
                ));
                continue;
            }
            if let Some(prev) = content.lessons.iter().find(|l| l.order == lesson.order) {
                errors.push(ContentError::new(
                    &lesson.path,
                    1,
                    format!("order {:02} is also used by {}", lesson.order, prev.path),
                ));
                continue;
            }
            content
                .lesson_index
                .insert(lesson.slug.clone(), content.lessons.len());
            content.lessons.push(Arc::new(lesson));
        }
        for q in questions {
            if let Some(&other) = content.question_index.get(&q.id) {
                let first = &content.questions[other].path;
                errors.push(ContentError::new(
                    &q.path,
                    2,
                    format!("id \"{}\" is also used by {first}", q.id),
                ));
                continue;
            }
            content
                .question_index
                .insert(q.id.clone(), content.questions.len());
            content.questions.push(Arc::new(q));
        }
        content.check_references(&mut errors);
        if errors.is_empty() {
            Ok(content)
        } else {
            errors.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
            Err(ContentErrors(errors))
        }
    }

    fn check_references(&self, errors: &mut Vec<ContentError>) {
        for lesson in &self.lessons {
            for link in &lesson.links {
                if let Err(reason) = self.check_link(&link.url) {
                    errors.push(ContentError::new(&lesson.path, link.line, reason));
                }
            }
        }
        for q in &self.questions {
            for slug in &q.lessons {
                if self.lesson(slug).is_none() {
                    errors.push(ContentError::new(
                        &q.path,
                        q.lessons_line,
                        format!("unknown lesson \"{slug}\" in `lessons`"),
                    ));
                }
            }
            if let Some(spec) = &q.puzzle
                && let Err(reason) = crate::practice::puzzles::validate(spec, &self.scenarios)
            {
                errors.push(ContentError::new(&q.path, q.generator_line, reason));
            }
            for link in &q.links {
                if let Err(reason) = self.check_link(&link.url) {
                    errors.push(ContentError::new(&q.path, link.line, reason));
                }
            }
        }
    }

    /// Checks that an internal link points at something that exists.
    fn check_link(&self, url: &str) -> Result<(), String> {
        let Some(path) = url.strip_prefix('/') else {
            return Ok(());
        };
        let (path, query) = match path.split('#').next().unwrap_or("").split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path.split('#').next().unwrap_or(""), None),
        };
        if path == "sim/lab" {
            let preset = query.and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("preset=")));
            return match preset {
                Some(p) if LAB_PRESETS.contains(&p) => Ok(()),
                Some(p) => Err(format!(
                    "unknown lab preset \"{p}\" ({url}); known: {}",
                    LAB_PRESETS.join(", ")
                )),
                None => Ok(()),
            };
        }
        if let Some(rest) = path.strip_prefix("sim/") {
            let mut parts = rest.split('/');
            let scenario = parts.next().unwrap_or("");
            if self.scenarios.get(scenario).is_none() {
                return Err(format!("link to unknown scenario \"{scenario}\" ({url})"));
            }
            if let Some(seed) = parts.next()
                && seed.parse::<u64>().is_err()
            {
                return Err(format!("the seed in {url} must be a whole number"));
            }
            return Ok(());
        }
        if path == "tools/traceparent" || path == "sim" {
            return Ok(());
        }
        if let Some(slug) = path.strip_prefix("lessons/") {
            if self.lesson(slug).is_none() {
                return Err(format!("link to unknown lesson \"{slug}\" ({url})"));
            }
            return Ok(());
        }
        let first = path.split('/').next().unwrap_or("");
        if matches!(
            first,
            "" | "lessons" | "sim" | "tools" | "practice" | "review" | "notes" | "group"
        ) {
            Ok(())
        } else {
            Err(format!("link to a page spandojo does not have ({url})"))
        }
    }

    /// The lesson with `slug`.
    pub fn lesson(&self, slug: &str) -> Option<&Arc<Lesson>> {
        self.lesson_index.get(slug).map(|&i| &self.lessons[i])
    }

    /// The lessons before and after `slug` in reading order.
    pub fn neighbours(&self, slug: &str) -> (Option<&Arc<Lesson>>, Option<&Arc<Lesson>>) {
        match self.lesson_index.get(slug) {
            Some(&i) => (
                i.checked_sub(1).and_then(|p| self.lessons.get(p)),
                self.lessons.get(i + 1),
            ),
            None => (None, None),
        }
    }

    /// The question with `id`.
    pub fn question(&self, id: &str) -> Option<&Arc<Question>> {
        self.question_index.get(id).map(|&i| &self.questions[i])
    }

    /// Questions that list `slug` among their lessons.
    pub fn questions_for_lesson<'a>(
        &'a self,
        slug: &'a str,
    ) -> impl Iterator<Item = &'a Arc<Question>> {
        self.questions
            .iter()
            .filter(move |q| q.lessons.iter().any(|l| l == slug))
    }

    /// Places where a lesson, question or scenario names a deprecated
    /// semantic-convention attribute without its replacement; `spandojo
    /// check` fails on them.
    pub fn deprecated_mentions(&self) -> &[ContentError] {
        &self.deprecated
    }
}

fn embedded_files() -> Result<Vec<(String, String)>, ContentErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for name in Embedded::iter() {
        let Some(file) = Embedded::get(&name) else {
            continue;
        };
        match String::from_utf8(file.data.into_owned()) {
            Ok(text) => files.push((name.to_string(), text)),
            Err(_) => errors.push(ContentError::new(&name, 1, "the file is not valid UTF-8")),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(ContentErrors(errors))
    }
}

/// Reads every file below `root`, with paths relative to it using `/`.
fn read_dir_files(root: &Path) -> Result<Vec<(String, String)>, ContentErrors> {
    let fail = |path: &Path, msg: String| {
        ContentErrors(vec![ContentError::new(&path.display().to_string(), 1, msg)])
    };
    if !root.is_dir() {
        return Err(fail(
            root,
            "the content directory does not exist or is not a directory".into(),
        ));
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| fail(&dir, format!("cannot read the directory: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| fail(&dir, format!("cannot read the directory: {e}")))?;
            let path = entry.path();
            let meta = entry
                .metadata()
                .map_err(|e| fail(&path, format!("cannot read: {e}")))?;
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if meta.is_dir() {
                stack.push(path);
            } else if meta.len() > MAX_FILE_BYTES {
                errors.push(ContentError::new(
                    &rel,
                    1,
                    format!("the file is larger than {MAX_FILE_BYTES} bytes"),
                ));
            } else if let Ok(bytes) = std::fs::read(&path) {
                match String::from_utf8(bytes) {
                    Ok(text) => files.push((rel, text)),
                    Err(_) => {
                        errors.push(ContentError::new(&rel, 1, "the file is not valid UTF-8"))
                    }
                }
            } else {
                errors.push(ContentError::new(&rel, 1, "the file cannot be read"));
            }
            if files.len() > MAX_FILES {
                return Err(fail(root, format!("more than {MAX_FILES} files")));
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(ContentErrors(errors))
    }
}

#[cfg(test)]
mod tests;
