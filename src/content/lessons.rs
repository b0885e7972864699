//! Lessons: `lessons/NN-slug.md` files with a title, summary, takeaways and a
//! Markdown body.

use serde::Deserialize;

use crate::content::ContentError;
use crate::content::frontmatter::{self, key_line};
use crate::content::markdown::{self, LinkRef, TocEntry};

/// Words per minute used for reading-time estimates.
const WORDS_PER_MINUTE: usize = 200;

/// One validated, rendered lesson.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub slug: String,
    pub order: u32,
    pub title: String,
    pub summary: String,
    /// Takeaways rendered as inline HTML.
    pub takeaways: Vec<String>,
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub reading_minutes: usize,
    /// Source path, for error messages.
    pub path: String,
    /// Links in the body, with lines in the source file.
    pub links: Vec<LinkRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFront {
    title: String,
    summary: String,
    takeaways: Vec<String>,
}

/// Parses one lesson file; `path` is relative to the content root.
pub fn parse(path: &str, text: &str) -> Result<Lesson, ContentError> {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let (order, slug) = parse_file_name(file_name).ok_or_else(|| {
        ContentError::new(
            path,
            1,
            "a lesson file is named NN-slug.md: two digits, a dash, then lowercase letters, digits and dashes",
        )
    })?;
    let split = frontmatter::split(path, text)?;
    let front: LessonFront = frontmatter::parse(path, split.front)?;
    let at = |key: &str| key_line(split.front, key);
    if front.title.trim().is_empty() {
        return Err(ContentError::new(path, at("title"), "`title` is empty"));
    }
    if front.summary.trim().is_empty() {
        return Err(ContentError::new(path, at("summary"), "`summary` is empty"));
    }
    if !(1..=8).contains(&front.takeaways.len())
        || front.takeaways.iter().any(|t| t.trim().is_empty())
    {
        return Err(ContentError::new(
            path,
            at("takeaways"),
            "`takeaways` needs 1 to 8 non-empty entries",
        ));
    }
    if split.body.trim().is_empty() {
        return Err(ContentError::new(
            path,
            split.body_line,
            "the lesson has no body",
        ));
    }
    let rendered = markdown::render(split.body);
    let links = rendered
        .links
        .into_iter()
        .map(|l| LinkRef {
            url: l.url,
            line: l.line + split.body_line - 1,
        })
        .collect();
    Ok(Lesson {
        slug,
        order,
        title: front.title.trim().to_string(),
        summary: front.summary.trim().to_string(),
        takeaways: front
            .takeaways
            .iter()
            .map(|t| markdown::render_inline(t))
            .collect(),
        html: rendered.html,
        toc: rendered.toc,
        reading_minutes: rendered.words.div_ceil(WORDS_PER_MINUTE).max(1),
        path: path.to_string(),
        links,
    })
}

/// `03-span-trees.md` → `(3, "span-trees")`.
fn parse_file_name(name: &str) -> Option<(u32, String)> {
    let stem = name.strip_suffix(".md")?;
    let (digits, slug) = stem.split_at_checked(2)?;
    let slug = slug.strip_prefix('-')?;
    let order = digits
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| digits.parse().ok())??;
    let valid = !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    valid.then(|| (order, slug.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\ntitle = \"Spans\"\nsummary = \"What a span is.\"\ntakeaways = [\"A span is one operation.\"]\n+++\n## Fields\n\nSee [trees](/lessons/span-trees).\n";

    #[test]
    fn parses_a_lesson() {
        let l = parse("lessons/02-traces-and-spans.md", GOOD).unwrap();
        assert_eq!(l.slug, "traces-and-spans");
        assert_eq!(l.order, 2);
        assert_eq!(l.toc.len(), 1);
        assert_eq!(l.links[0].line, 8);
        assert_eq!(l.reading_minutes, 1);
    }

    #[test]
    fn bad_file_names_are_rejected() {
        for name in [
            "lessons/2-x.md",
            "lessons/02_x.md",
            "lessons/02-X.md",
            "lessons/02-.md",
        ] {
            let e = parse(name, GOOD).unwrap_err();
            assert!(e.to_string().starts_with(&format!("{name}:1: ")), "{e}");
        }
    }

    #[test]
    fn empty_takeaways_name_their_line() {
        let text = GOOD.replace("[\"A span is one operation.\"]", "[]");
        let e = parse("lessons/02-a.md", &text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "lessons/02-a.md:4: `takeaways` needs 1 to 8 non-empty entries"
        );
    }

    #[test]
    fn missing_title_is_reported() {
        let text = GOOD.replace("title = \"Spans\"\n", "");
        let e = parse("lessons/02-a.md", &text).unwrap_err();
        assert!(e.message.contains("title"), "{e}");
    }
}
