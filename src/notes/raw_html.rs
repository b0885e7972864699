//! Raw HTML inside members' Markdown, reduced to an allow-list before the
//! sanitiser sees it, in one linear pass.
//!
//! Only the tags of [`ALLOWED`] survive, re-written in canonical form
//! (`<tag attr="value">`, with only the attributes listed for that tag);
//! every other `<` becomes `&lt;`, so the text of anything else is shown, not
//! lost. Tags are kept balanced: an end tag is written only for an element
//! this pass opened, and [`RawHtml::close_all`] closes what is still open.
//! Because the HTML parser downstream then sees only tags this pass wrote,
//! the depth of its tree is bounded by the depth this pass allows.

/// Tags allowed from raw HTML, with the attributes each may keep.
/// Void elements are listed in [`VOID`].
const ALLOWED: &[(&str, &[&str])] = &[
    ("a", &["href", "title"]),
    ("abbr", &["title"]),
    ("b", &[]),
    ("br", &[]),
    ("code", &[]),
    ("del", &[]),
    ("details", &["open"]),
    ("div", &[]),
    ("em", &[]),
    ("hr", &[]),
    ("i", &[]),
    ("img", &["src", "alt", "title", "width", "height"]),
    ("ins", &[]),
    ("kbd", &[]),
    ("mark", &[]),
    ("q", &[]),
    ("s", &[]),
    ("small", &[]),
    ("span", &[]),
    ("strong", &[]),
    ("sub", &[]),
    ("summary", &[]),
    ("sup", &[]),
    ("u", &[]),
];

/// Elements without content (no end tag, no depth).
const VOID: &[&str] = &["br", "hr", "img"];

/// The state of raw HTML across the events of one note: the elements it
/// opened and how many tags were dropped for depth.
#[derive(Debug, Default)]
pub struct RawHtml {
    open: Vec<&'static str>,
    /// Start tags left out because the nesting limit was reached.
    pub dropped: usize,
}

/// One tag as read from the input.
struct Tag<'a> {
    name: &'a str,
    end: bool,
    attrs: Vec<(&'a str, &'a str)>,
    /// Bytes of input the tag spans, from its `<` to its `>`.
    len: usize,
}

impl RawHtml {
    /// Elements this pass has open now.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Appends the allowed form of `raw` to `out`. `outer` is the nesting
    /// depth of the Markdown around it; a start tag that would go past
    /// `max_depth` is dropped (its content is kept).
    pub fn push(&mut self, out: &mut String, raw: &str, outer: usize, max_depth: usize) {
        let mut rest = raw;
        while let Some(at) = rest.find('<') {
            push_text(out, &rest[..at]);
            rest = &rest[at..];
            match read_tag(rest) {
                Some(tag) => {
                    if !self.write_tag(out, &tag, outer, max_depth) {
                        push_text(out, &rest[..tag.len]);
                    }
                    rest = &rest[tag.len..];
                }
                None => {
                    out.push_str("&lt;");
                    rest = &rest[1..];
                }
            }
        }
        push_text(out, rest);
    }

    /// Writes an allowed tag (or drops it for depth); `false` when the tag
    /// is not on the allow-list, so that the caller shows it as text.
    fn write_tag(
        &mut self,
        out: &mut String,
        tag: &Tag<'_>,
        outer: usize,
        max_depth: usize,
    ) -> bool {
        let lower = tag.name.to_ascii_lowercase();
        let Some(&(name, allowed_attrs)) = ALLOWED.iter().find(|(n, _)| *n == lower) else {
            return false;
        };
        if tag.end {
            if let Some(pos) = self.open.iter().rposition(|n| *n == name) {
                for open in self.open.drain(pos..).rev() {
                    push_end(out, open);
                }
            }
            return true;
        }
        let void = VOID.contains(&name);
        if !void && outer + self.open.len() >= max_depth {
            self.dropped += 1;
            return true;
        }
        out.push('<');
        out.push_str(name);
        for (key, value) in &tag.attrs {
            let key = key.to_ascii_lowercase();
            if let Some(k) = allowed_attrs.iter().find(|a| **a == key) {
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"");
                for c in value.chars() {
                    match c {
                        '"' => out.push_str("&quot;"),
                        '<' => out.push_str("&lt;"),
                        '>' => out.push_str("&gt;"),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
        }
        out.push('>');
        if !void {
            self.open.push(name);
        }
        true
    }

    /// Closes every element this pass still has open, innermost first.
    pub fn close_all(&mut self, out: &mut String) {
        self.close_to(out, 0);
    }

    /// Closes open elements, innermost first, until `depth` remain.
    pub fn close_to(&mut self, out: &mut String, depth: usize) {
        while self.open.len() > depth {
            if let Some(name) = self.open.pop() {
                push_end(out, name);
            }
        }
    }
}

fn push_end(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Text between tags: `<` and `>` escaped; `&` kept so entities still work
/// (an entity can only ever decode to text).
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Reads a start or end tag at the start of `s` (which begins with `<`):
/// a name of ASCII letters and digits, then attributes, then `>`.
/// `None` when `s` does not start with a complete tag.
fn read_tag(s: &str) -> Option<Tag<'_>> {
    let b = s.as_bytes();
    let mut i = 1;
    let end = b.get(i) == Some(&b'/');
    if end {
        i += 1;
    }
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    let start = i;
    while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
        i += 1;
    }
    let name = &s[start..i];
    let mut attrs = Vec::new();
    loop {
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == b'/')
        {
            i += 1;
        }
        match b.get(i)? {
            b'>' => {
                return Some(Tag {
                    name,
                    end,
                    attrs,
                    len: i + 1,
                });
            }
            b'<' | b'=' | b'"' | b'\'' => return None,
            _ => {}
        }
        let key_start = i;
        while b
            .get(i)
            .is_some_and(|c| !c.is_ascii_whitespace() && !b"/>=<\"'".contains(c))
        {
            i += 1;
        }
        let key = &s[key_start..i];
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        let mut value = "";
        if b.get(i) == Some(&b'=') {
            i += 1;
            while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                i += 1;
            }
            match b.get(i)? {
                q @ (b'"' | b'\'') => {
                    let close = s[i + 1..].find(*q as char)? + i + 1;
                    value = &s[i + 1..close];
                    i = close + 1;
                }
                _ => {
                    let v_start = i;
                    while b
                        .get(i)
                        .is_some_and(|c| !c.is_ascii_whitespace() && !b"<>\"'`=".contains(c))
                    {
                        i += 1;
                    }
                    value = &s[v_start..i];
                }
            }
        }
        attrs.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(raw: &str, max: usize) -> (String, usize) {
        let mut r = RawHtml::default();
        let mut out = String::new();
        r.push(&mut out, raw, 0, max);
        r.close_all(&mut out);
        (out, r.dropped)
    }

    #[test]
    fn keeps_allowed_tags_in_canonical_form() {
        let (out, _) = allow("<B>bold</b> <a href='x\"y' onclick=z>l</a><br/>", 8);
        assert_eq!(out, "<b>bold</b> <a href=\"x&quot;y\">l</a><br>");
    }

    #[test]
    fn other_markup_becomes_text() {
        let (out, _) = allow("<script>x</script><p title=\">\">a</p> 1 < 2", 8);
        assert_eq!(
            out,
            "&lt;script&gt;x&lt;/script&gt;&lt;p title=\"&gt;\"&gt;a&lt;/p&gt; 1 &lt; 2"
        );
    }

    #[test]
    fn depth_is_bounded_and_tags_balanced() {
        let (out, dropped) = allow(&"<div>".repeat(1000), 10);
        assert_eq!(
            out,
            format!("{}{}", "<div>".repeat(10), "</div>".repeat(10))
        );
        assert_eq!(dropped, 990);
        let (out, _) = allow("</i><i><b>x</i>y</b>", 10);
        assert_eq!(out, "<i><b>x</b></i>y");
    }
}
