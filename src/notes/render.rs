//! Members' Markdown to HTML that is safe to show: pulldown-cmark (tables,
//! task lists, strikethrough, fenced code) and then ammonia.

use std::fmt;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

/// HTML that went through the sanitiser; the only HTML made from members'
/// text that templates may mark safe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanHtml(String);

impl CleanHtml {
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

/// Renders a member's Markdown and sanitises the result.
pub fn markdown(text: &str) -> CleanHtml {
    let mut raw = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(text, options()));
    CleanHtml(CLEANER.clean(&raw).to_string())
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
            for bad in [
                "<script",
                "javascript:",
                "onerror",
                "onclick",
                "onfocus",
                "<iframe",
                "<form",
                "style=",
                "autofocus",
            ] {
                assert!(!html.contains(bad), "{payload:?} gave {html:?}");
            }
        }
        let html = markdown("[ok](https://example.com)").to_string();
        assert!(html.contains("href=\"https://example.com\"") && html.contains("noopener"));
        let html = markdown("<input type=\"text\" name=\"x\">").to_string();
        assert!(html.contains("type=\"checkbox\"") && !html.contains("name="));
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
