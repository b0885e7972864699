//! Markdown rendering with pulldown-cmark: tables, footnotes, fenced code,
//! task lists, heading anchors and a table of contents.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// One heading in a table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    /// 2 for `##`, 3 for `###`.
    pub level: u8,
    /// The anchor id given to the heading.
    pub id: String,
    /// The heading's plain text.
    pub text: String,
}

/// A link found in the Markdown, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub url: String,
    /// 1-based line within the rendered text.
    pub line: usize,
}

/// The result of rendering a Markdown document.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub links: Vec<LinkRef>,
    /// Number of words of prose, for reading-time estimates.
    pub words: usize,
}

/// The pulldown-cmark extensions spandojo enables everywhere.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders trusted Markdown (content files) to HTML with heading ids and a TOC
/// of `##`/`###` headings.
pub fn render(markdown: &str) -> Rendered {
    let events: Vec<(Event, std::ops::Range<usize>)> = Parser::new_ext(markdown, options())
        .into_offset_iter()
        .collect();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut toc = Vec::new();
    let mut links = Vec::new();
    let mut used_ids = HashSet::new();
    let mut words = 0;
    let mut i = 0;
    while i < events.len() {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let end = events[i..]
                    .iter()
                    .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))
                    .map(|p| i + p)
                    .unwrap_or(events.len() - 1);
                let text = plain_text(events[i + 1..end].iter().map(|(e, _)| e));
                words += text.split_whitespace().count();
                let base = id.as_ref().map(|s| s.to_string()).unwrap_or(slugify(&text));
                let anchor = unique_id(&base, &mut used_ids);
                let level_num = heading_number(*level);
                if level_num == 2 || level_num == 3 {
                    toc.push(TocEntry {
                        level: level_num,
                        id: anchor.clone(),
                        text,
                    });
                }
                out.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(CowStr::from(anchor)),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                links.push(LinkRef {
                    url: dest_url.to_string(),
                    line: line_of(markdown, range.start),
                });
                out.push(event.clone());
            }
            Event::Text(t) => {
                words += t.split_whitespace().count();
                out.push(event.clone());
            }
            _ => out.push(event.clone()),
        }
        i += 1;
    }
    let mut html_out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html_out, out.into_iter());
    Rendered {
        html: html_out,
        toc,
        links,
        words,
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn plain_text<'a>(events: impl Iterator<Item = &'a Event<'a>>) -> String {
    let mut s = String::new();
    for e in events {
        if let Event::Text(t) | Event::Code(t) = e {
            s.push_str(t);
        }
    }
    s
}

fn line_of(text: &str, offset: usize) -> usize {
    crate::content::frontmatter::line_of(text, offset)
}

/// Turns heading text into a URL fragment: lowercase ASCII letters, digits and dashes.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '_' || c == '/')
            && !slug.ends_with('-')
            && !slug.is_empty()
        {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = base.to_string();
    let mut n = 2;
    while used.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    used.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_anchors_and_toc() {
        let r = render("## Why it matters\ntext\n### Cost & bias\n## Why it matters\n#### deep\n");
        assert!(r.html.contains(r#"<h2 id="why-it-matters">"#), "{}", r.html);
        assert!(
            r.html.contains(r#"<h2 id="why-it-matters-2">"#),
            "{}",
            r.html
        );
        let ids: Vec<_> = r.toc.iter().map(|t| (t.level, t.id.as_str())).collect();
        assert_eq!(
            ids,
            vec![
                (2, "why-it-matters"),
                (3, "cost-bias"),
                (2, "why-it-matters-2")
            ]
        );
    }

    #[test]
    fn tables_footnotes_and_code_render() {
        let r = render(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1].\n\n[^1]: The note.\n\n```rust\nfn main() {}\n```\n",
        );
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("footnote-definition"));
        assert!(r.html.contains(r#"<code class="language-rust">"#));
    }

    #[test]
    fn links_are_collected_with_lines() {
        let r = render(
            "intro\n\nsee [spans](/lessons/traces-and-spans) and\n[x](https://example.org)\n",
        );
        assert_eq!(
            r.links,
            vec![
                LinkRef {
                    url: "/lessons/traces-and-spans".into(),
                    line: 3
                },
                LinkRef {
                    url: "https://example.org".into(),
                    line: 4
                },
            ]
        );
    }

    #[test]
    fn slugify_is_url_safe() {
        assert_eq!(
            slugify("W3C `traceparent`, field by field"),
            "w3c-traceparent-field-by-field"
        );
        assert_eq!(slugify("???"), "section");
    }
}

/// Renders a one-line Markdown snippet (a takeaway, an option) without the
/// wrapping paragraph.
pub fn render_inline(markdown: &str) -> String {
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, options()));
    let trimmed = out.trim();
    trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
        .unwrap_or(trimmed)
        .to_string()
}

#[cfg(test)]
mod inline_tests {
    #[test]
    fn inline_drops_paragraph() {
        assert_eq!(
            super::render_inline("use `traceparent` *now*"),
            "use <code>traceparent</code> <em>now</em>"
        );
    }
}
