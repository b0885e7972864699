//! Members' Markdown to HTML that is safe to show: pulldown-cmark (tables,
//! task lists, strikethrough, fenced code) and then ammonia.
//!
//! The work is linear in the size of the text: the HTML parser inside the
//! sanitiser costs time proportional to size × depth of the tree, so the
//! tree handed to it is at most [`MAX_DEPTH`] elements deep. Deeper
//! Markdown containers (block quotes, lists, emphasis…) are shown flat, with
//! all their text, and the page says so. Raw HTML keeps only an allow-list
//! of tags ([`crate::notes::raw_html`]); any other markup is shown as text.

use std::fmt;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

use crate::notes::raw_html::RawHtml;

/// HTML that went through the sanitiser; the only HTML made from members'
/// text that templates may mark safe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanHtml(String);

impl CleanHtml {
    /// HTML that [`markdown`] produced earlier and the store kept for the
    /// same body (`crate::store::notes::cache_html`); only the store's note
    /// cache may be passed here.
    pub fn from_cache(html: String) -> Self {
        CleanHtml(html)
    }

    /// The sanitised HTML.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CleanHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Marks the start of a search match in snippets from SQLite.
pub const MARK_START: char = '\u{1}';
/// Marks the end of a search match in snippets from SQLite.
pub const MARK_END: char = '\u{2}';

/// The sanitiser: ammonia's defaults (no script, no event handlers, no
/// `javascript:` URLs, no styles), plus the disabled checkboxes of task lists.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_tag_attributes("input", ["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        // A task-list checkbox is named by its role: "task, checkbox, checked".
        .set_tag_attribute_value("input", "aria-label", "task")
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH
}

/// Deepest nesting of elements rendered from a note; deeper containers
/// are shown flat (their text is kept).
pub const MAX_DEPTH: usize = 32;

/// What rendering one note cost, in units of work rather than time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderStats {
    /// Deepest nesting of elements handed to the sanitiser (≤ [`MAX_DEPTH`]).
    pub max_depth: usize,
    /// Elements left out because they would have gone past [`MAX_DEPTH`].
    pub flattened: usize,
    /// Bytes of HTML handed to the sanitiser.
    pub html_bytes: usize,
}

/// Renders a member's Markdown and sanitises the result.
pub fn markdown(text: &str) -> CleanHtml {
    markdown_with_stats(text).0
}

/// [`markdown`], also reporting the work it did.
pub fn markdown_with_stats(text: &str) -> (CleanHtml, RenderStats) {
    let mut stats = RenderStats::default();
    let mut raw_html = RawHtml::default();
    // For each Markdown element open now: whether it was kept, and how many
    // raw HTML elements were open when it started.
    let mut open: Vec<(bool, usize)> = Vec::new();
    let mut kept = 0usize;
    let mut events = Vec::new();
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Start(Tag::HtmlBlock) => open.push((false, usize::MAX)),
            Event::Start(tag) => {
                let keep = kept + raw_html.depth() < MAX_DEPTH;
                open.push((keep, raw_html.depth()));
                if keep {
                    kept += 1;
                    stats.max_depth = stats.max_depth.max(kept + raw_html.depth());
                    events.push(Event::Start(tag));
                } else {
                    stats.flattened += 1;
                }
            }
            Event::End(end) => {
                let (keep, raw_depth) = open.pop().unwrap_or((false, usize::MAX));
                if raw_depth != usize::MAX && raw_html.depth() > raw_depth {
                    let mut closing = String::new();
                    raw_html.close_to(&mut closing, raw_depth);
                    events.push(Event::Html(CowStr::from(closing)));
                }
                if keep {
                    kept -= 1;
                    events.push(Event::End(end));
                }
            }
            Event::Html(s) | Event::InlineHtml(s) => {
                let mut allowed = String::with_capacity(s.len());
                raw_html.push(&mut allowed, &s, kept, MAX_DEPTH);
                stats.max_depth = stats.max_depth.max(kept + raw_html.depth());
                events.push(Event::Html(CowStr::from(allowed)));
            }
            other => events.push(other),
        }
    }
    let mut closing = String::new();
    raw_html.close_all(&mut closing);
    stats.flattened += raw_html.dropped;
    if stats.flattened > 0 {
        closing.push_str(&format!(
            "<p><em>This note nests deeper than {MAX_DEPTH} levels; \
             the levels below that are shown flat.</em></p>"
        ));
    }
    events.push(Event::Html(CowStr::from(closing)));
    let mut raw = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut raw, events.into_iter());
    stats.html_bytes = raw.len();
    (CleanHtml(CLEANER.clean(&raw).to_string()), stats)
}

/// Escapes text for HTML and turns the match markers of an FTS5 snippet
/// into `<mark>` elements (unbalanced markers are closed).
pub fn highlight(snippet: &str) -> CleanHtml {
    let mut out = String::with_capacity(snippet.len() + 16);
    let mut open = false;
    for c in snippet.chars() {
        match c {
            MARK_START if !open => {
                out.push_str("<mark>");
                open = true;
            }
            MARK_END if open => {
                out.push_str("</mark>");
                open = false;
            }
            MARK_START | MARK_END => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    CleanHtml(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_extensions() {
        let html = markdown(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n```rust\nlet x = 1 < 2;\n```\n\n~~old~~",
        );
        let h = html.as_str();
        assert!(h.contains("<table>") && h.contains("<td>2</td>"), "{h}");
        assert!(
            h.contains("type=\"checkbox\"") && h.contains("checked"),
            "{h}"
        );
        assert!(h.contains("disabled"), "{h}");
        assert_eq!(
            h.matches("aria-label=\"task\"").count(),
            2,
            "checkboxes are named: {h}"
        );
        assert!(h.contains("<pre><code>let x = 1 &lt; 2;"), "{h}");
        assert!(h.contains("<del>old</del>"), "{h}");
    }

    #[test]
    fn xss_payloads_come_out_inert() {
        let payloads = [
            "<script>alert(1)</script>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<img src=x onerror=alert(1)>",
            "![x](javascript:alert(1))",
            "<div onclick=\"alert(1)\" style=\"color:red\">hi</div>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg><script>alert(1)</script></svg>",
            "<input type=\"text\" onfocus=alert(1) autofocus>",
            "<form action=/logout><button>x</button></form>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
        ];
        for payload in payloads {
            let html = markdown(payload).to_string().to_lowercase();
            // Text is escaped, so every literal `<` in the output opens a tag:
            // inert means no tag carries anything active.
            for tag in tags(&html) {
                for bad in [
                    "script",
                    "javascript:",
                    "onerror",
                    "onclick",
                    "onfocus",
                    "iframe",
                    "form",
                    "style=",
                    "autofocus",
                    "svg",
                    "name=",
                ] {
                    assert!(!tag.contains(bad), "{payload:?} gave {html:?}");
                }
            }
        }
        let html = markdown("[ok](https://example.com)").to_string();
        assert!(html.contains("href=\"https://example.com\"") && html.contains("noopener"));
        let html = markdown("<a href=\"https://example.com\" onclick=x>ok</a>").to_string();
        assert!(
            html.contains("<a href=\"https://example.com\" rel=\"noopener"),
            "{html}"
        );
        let html = markdown("- [x] done").to_string();
        assert!(html.contains("type=\"checkbox\"") && html.contains("disabled"));
    }

    /// The tags of serialised HTML, without their angle brackets.
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or(t))
            .collect()
    }

    fn depth_of(html: &str) -> usize {
        let (mut depth, mut max) = (0usize, 0usize);
        for tag in tags(html) {
            let name = tag.split([' ', '/']).next().unwrap_or("");
            if let Some(end) = tag.strip_prefix('/') {
                if !["br", "hr", "img", "input"].contains(&end) {
                    depth = depth.saturating_sub(1);
                }
            } else if !["br", "hr", "img", "input"].contains(&name) {
                depth += 1;
                max = max.max(depth);
            }
        }
        max
    }

    #[test]
    fn deep_quotes_at_the_limit_are_flattened_without_losing_text() {
        let mut body = "> ".repeat(50_000);
        body.push_str("the end");
        let body = format!(
            "{body}{}",
            " ".repeat(crate::notes::MAX_BODY_BYTES - body.len())
        );
        let (html, stats) = markdown_with_stats(&body);
        assert!(stats.max_depth <= MAX_DEPTH, "{stats:?}");
        assert!(stats.flattened >= 50_000 - MAX_DEPTH, "{stats:?}");
        assert!(stats.html_bytes < 64 * MAX_DEPTH + 1024, "{stats:?}");
        assert!(depth_of(html.as_str()) <= MAX_DEPTH);
        assert!(html.as_str().contains("the end"));
        assert!(html.as_str().contains("shown flat"));
    }

    #[test]
    fn deep_raw_html_at_the_limit_is_bounded() {
        let body = format!("{}x", "<div>".repeat(32_000));
        let body = format!(
            "{body}{}",
            "y".repeat(crate::notes::MAX_BODY_BYTES - body.len())
        );
        let (html, stats) = markdown_with_stats(&body);
        assert!(stats.max_depth <= MAX_DEPTH, "{stats:?}");
        assert!(stats.flattened >= 32_000 - MAX_DEPTH, "{stats:?}");
        assert!(stats.html_bytes < body.len() / 2, "{stats:?}");
        assert!(depth_of(html.as_str()) <= MAX_DEPTH);
        assert!(html.as_str().contains("xyyy"));
    }

    #[test]
    fn work_grows_linearly_with_nesting() {
        // Output size per input byte stays the same from 1k to 64k levels.
        let small = markdown_with_stats(&"> ".repeat(1_000)).1;
        let large = markdown_with_stats(&"> ".repeat(64_000)).1;
        assert_eq!(small.max_depth, large.max_depth);
        assert_eq!(small.html_bytes, large.html_bytes);
        let small = markdown_with_stats(&"- ".repeat(1_000)).1;
        let large = markdown_with_stats(&"- ".repeat(64_000)).1;
        assert!(small.max_depth <= MAX_DEPTH && large.max_depth <= MAX_DEPTH);
    }

    #[test]
    fn shallow_notes_render_as_before() {
        let html = markdown(
            "> quote\n>\n> - a\n> - b *c*\n\n<details><summary>S</summary>\n\nhidden\n\n</details>",
        );
        let h = html.as_str();
        assert!(
            h.contains("<blockquote>") && h.contains("<li>b <em>c</em></li>"),
            "{h}"
        );
        assert!(
            h.contains("<details><summary>S</summary>") && h.contains("hidden"),
            "{h}"
        );
        assert!(!h.contains("shown flat"), "{h}");
    }

    #[test]
    fn snippets_are_escaped_and_marked() {
        let s = format!("a <b> {MARK_START}span{MARK_END} & {MARK_START}tail");
        assert_eq!(
            highlight(&s).as_str(),
            "a &lt;b&gt; <mark>span</mark> &amp; <mark>tail</mark>"
        );
    }
}
