//! Splitting `+++`-delimited TOML front matter from a Markdown body, with
//! errors that name the file and line.

use serde::de::DeserializeOwned;

use crate::content::ContentError;

/// A content file split into its front matter and body.
#[derive(Debug)]
pub struct Split<'a> {
    /// The TOML text between the `+++` lines.
    pub front: &'a str,
    /// The Markdown after the closing `+++`.
    pub body: &'a str,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
}

/// Splits `text` into front matter and body.
pub fn split<'a>(path: &str, text: &'a str) -> Result<Split<'a>, ContentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "+++" {
        return Err(ContentError::new(
            path,
            1,
            "the file must start with a `+++` line opening the TOML front matter",
        ));
    }
    let front_start = first.len();
    let mut offset = front_start;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        if line.trim_end() == "+++" {
            return Ok(Split {
                front: &text[front_start..offset],
                body: &text[offset + line.len()..],
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err(ContentError::new(
        path,
        1,
        "the front matter opened here is never closed by a `+++` line",
    ))
}

/// Parses the front matter as `T`, mapping TOML errors to file lines.
pub fn parse<T: DeserializeOwned>(path: &str, front: &str) -> Result<T, ContentError> {
    toml::from_str(front).map_err(|e| {
        let line = e
            .span()
            .map(|span| line_of(front, span.start) + 1)
            .unwrap_or(1);
        ContentError::new(path, line, e.message().trim().to_string())
    })
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based line, within the front matter, of the first line that starts with `key`.
pub fn key_line(front: &str, key: &str) -> usize {
    front
        .lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 2)
        .unwrap_or(1)
}

/// 1-based line, within the front matter, of the first `header` line (e.g. `[[choice]]`).
pub fn table_line(front: &str, header: &str) -> Option<usize> {
    front
        .lines()
        .position(|l| l.trim() == header)
        .map(|i| i + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Front {
        title: String,
        count: u32,
    }

    #[test]
    fn splits_and_counts_body_line() {
        let s = split("a.md", "+++\ntitle = \"x\"\ncount = 1\n+++\nbody\n").unwrap();
        assert_eq!(s.front, "title = \"x\"\ncount = 1\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn missing_opening_names_line_one() {
        let e = split("lessons/01-a.md", "title = 1\n").unwrap_err();
        assert_eq!(e.to_string().split(": ").next(), Some("lessons/01-a.md:1"));
    }

    #[test]
    fn unclosed_front_matter_is_reported() {
        let e = split("a.md", "+++\ntitle = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("never closed"), "{e}");
    }

    #[test]
    fn toml_error_names_the_file_line() {
        let text = "+++\ntitle = \"x\"\ncount = \"three\"\n+++\n";
        let s = split("q.md", text).unwrap();
        let e = parse::<Front>("q.md", s.front).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.to_string().starts_with("q.md:3: "), "{e}");
    }

    #[test]
    fn unknown_and_missing_fields_are_reported_with_lines() {
        let text = "+++\ntitle = \"x\"\ncount = 2\ncolour = \"red\"\n+++\n";
        let s = split("q.md", text).unwrap();
        let e = parse::<Front>("q.md", s.front).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("colour"), "{e}");

        let s = split("q.md", "+++\ntitle = \"x\"\n+++\n").unwrap();
        let e = parse::<Front>("q.md", s.front).unwrap_err();
        assert!(e.message.contains("count"), "{e}");
    }

    #[test]
    fn key_line_finds_keys() {
        assert_eq!(key_line("a = 1\nbb = 2\n", "bb"), 3);
        assert_eq!(key_line("a = 1\n", "zz"), 1);
    }
}
