//! Personal learning notes, without I/O: the limits and normalisation of what
//! members type, the study template, search queries, Markdown rendering
//! ([`render`]) and the export format ([`archive`]).

pub mod archive;
pub mod dates;
pub mod quota;
pub mod raw_html;
pub mod render;
pub mod zip_index;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Largest body, in bytes (256 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most tags on one note.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 32;
/// Days a note stays restorable in the trash.
pub const TRASH_DAYS: i64 = 30;
/// Longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most terms in one search query.
const MAX_QUERY_TERMS: usize = 32;

/// The body a new note starts from: the study sheet's headings.
pub const STUDY_TEMPLATE: &str = "## Key learnings\n\n\n\
## Concepts I need to revisit\n\n\n\
## Tools I will test\n\n\n\
## How tracing can help my project\n\n\n\
## Questions I still have\n\n";

/// A note's text after validation and normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
}

impl Draft {
    /// Bytes of text the draft stores (title, body and tags as stored), as
    /// counted against [`quota::Quota::bytes_per_member`].
    pub fn bytes(&self) -> u64 {
        (self.title.len() + self.body.len() + tags_to_text(&self.tags).len()) as u64
    }
}

/// Validates and normalises the three fields a member edits; the error is a
/// sentence for the form.
pub fn validate(title: &str, body: &str, tags: &str) -> Result<Draft, String> {
    Ok(Draft {
        title: normalize_title(title)?,
        body: normalize_body(body)?,
        tags: parse_tags(tags)?,
    })
}

/// A new random public id: 16 lowercase hex digits.
pub fn new_uid() -> String {
    let mut bytes = [0u8; 8];
    rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` has the form of a public id.
pub fn is_uid(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Trims the title, turns control characters into spaces and checks its length.
pub fn normalize_title(raw: &str) -> Result<String, String> {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let title = cleaned.trim().to_string();
    let chars = title.chars().count();
    if chars == 0 {
        return Err("Give the note a title.".into());
    }
    if chars > MAX_TITLE_CHARS {
        return Err(format!(
            "The title has {chars} characters; a title can have at most {MAX_TITLE_CHARS}."
        ));
    }
    Ok(title)
}

/// Uses `\n` line ends, drops control characters other than tab and newline,
/// and checks the size.
pub fn normalize_body(raw: &str) -> Result<String, String> {
    let body: String = raw
        .replace("\r\n", "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect();
    if body.len() > MAX_BODY_BYTES {
        return Err(format!(
            "The note is {} KiB; a note can be at most {} KiB. Split it into two notes.",
            body.len().div_ceil(1024),
            MAX_BODY_BYTES / 1024
        ));
    }
    Ok(body)
}

/// Splits tags on commas and spaces, trims a leading `#`, lowercases and
/// drops duplicates (keeping the first order), then checks the limits.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for word in raw.split(|c: char| c == ',' || c.is_whitespace()) {
        let tag = word.trim().trim_start_matches('#').to_lowercase();
        if tag.is_empty() || tags.contains(&tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(format!(
                "The tag \"{tag}\" is too long; a tag can have at most {MAX_TAG_CHARS} characters."
            ));
        }
        if !tag.chars().all(is_tag_char) {
            return Err(format!(
                "Tags may contain only letters, digits and - _ . / + (\"{tag}\" does not)."
            ));
        }
        tags.push(tag);
    }
    if tags.len() > MAX_TAGS {
        return Err(format!(
            "A note can have at most {MAX_TAGS} tags; this one has {}.",
            tags.len()
        ));
    }
    Ok(tags)
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '+')
}

/// Whether `tag` is one [`parse_tags`] could have produced (for `?tag=`).
pub fn is_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.chars().count() <= MAX_TAG_CHARS
        && tag.chars().all(|c| is_tag_char(c) && !c.is_uppercase())
}

/// Tags as stored: space-separated.
pub fn tags_to_text(tags: &[String]) -> String {
    tags.join(" ")
}

/// Tags from their stored form.
pub fn tags_from_text(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Fewest characters a prefix search (`samp*`) must start with: shorter
/// prefixes such as `a*` match most of the index and make one search cost
/// as much as reading every note.
pub const MIN_PREFIX_CHARS: usize = 3;

/// Refuses a prefix whose last word is shorter than [`MIN_PREFIX_CHARS`].
fn selective_prefix(text: &str) -> Result<(), String> {
    let last = text.split_whitespace().last().unwrap_or("");
    if last.chars().count() < MIN_PREFIX_CHARS {
        return Err(format!(
            "A prefix search needs at least {MIN_PREFIX_CHARS} letters before the * (as in samp*): “{last}*” would match almost everything."
        ));
    }
    Ok(())
}

/// Turns what a member typed into an FTS5 query, or says what is wrong.
///
/// Words are matched as typed (`tail-sampling` finds "tail sampling"),
/// `"quoted words"` are phrases, a trailing `*` makes a prefix (`samp*`, at least
/// [`MIN_PREFIX_CHARS`] characters),
/// and `AND`, `OR`, `NOT` in capitals are operators, each needing a word or
/// phrase on both sides (FTS5's grammar: `NOT` is binary, `a NOT b`).
/// `Ok(None)` means there is nothing to search for.
pub fn fts_query(input: &str) -> Result<Option<String>, String> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(format!(
            "That search is too long; use at most {MAX_QUERY_CHARS} characters."
        ));
    }
    let mut parts: Vec<String> = Vec::new();
    let mut rest = input.trim();
    while !rest.is_empty() {
        let (part, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or("A phrase is missing its closing quote (\").")?;
            let phrase = &quoted[..end];
            let mut after = &quoted[end + 1..];
            let prefix = after.starts_with('*');
            if prefix {
                after = after.trim_start_matches('*');
            }
            if phrase.trim().is_empty() {
                return Err("A phrase in quotes is empty.".into());
            }
            if prefix {
                selective_prefix(phrase)?;
            }
            (phrase_term(phrase, prefix), after)
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let part = match word {
                "AND" | "OR" | "NOT" => word.to_string(),
                _ => {
                    let stem = word.trim_end_matches('*');
                    if stem.is_empty() {
                        return Err("A * must follow the start of a word, as in samp*.".into());
                    }
                    let prefix = stem.len() < word.len();
                    if prefix {
                        selective_prefix(stem)?;
                    }
                    phrase_term(stem, prefix)
                }
            };
            (part, &rest[end..])
        };
        parts.push(part);
        if parts.len() > MAX_QUERY_TERMS {
            return Err(format!(
                "That search has too many words; use at most {MAX_QUERY_TERMS}."
            ));
        }
        rest = after.trim_start();
    }
    operators_between_terms(&parts)?;
    Ok((!parts.is_empty()).then(|| parts.join(" ")))
}

/// Refuses an operator without a term on each side, which FTS5 would
/// refuse with a bare "syntax error".
fn operators_between_terms(parts: &[String]) -> Result<(), String> {
    let is_op = |p: &str| matches!(p, "AND" | "OR" | "NOT");
    for (i, p) in parts.iter().enumerate() {
        if !is_op(p) {
            continue;
        }
        let before = i > 0 && !is_op(&parts[i - 1]);
        let after = parts.get(i + 1).is_some_and(|n| !is_op(n));
        if !before || !after {
            return Err(format!(
                "{p} needs a word or a phrase on each side, as in “head {p} tail”. \
                 To search for the word itself, write it in lower case or in quotes."
            ));
        }
    }
    Ok(())
}

/// One FTS5 string term; `"` cannot occur in `text`.
fn phrase_term(text: &str, prefix: bool) -> String {
    let quoted = format!("\"{}\"", text.replace('"', ""));
    if prefix {
        format!("{quoted} *")
    } else {
        quoted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_need_a_term_on_each_side() {
        for bad in ["NOT apple", "apple AND", "OR", "a AND NOT b", "a OR OR b"] {
            let err = fts_query(bad).unwrap_err();
            assert!(
                err.contains("needs a word or a phrase on each side"),
                "{bad}: {err}"
            );
        }
        assert_eq!(
            fts_query("apple NOT pear").unwrap().as_deref(),
            Some("\"apple\" NOT \"pear\"")
        );
        assert_eq!(
            fts_query("\"AND\" not").unwrap().as_deref(),
            Some("\"AND\" \"not\"")
        );
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(normalize_title("  Hello\tworld \n").unwrap(), "Hello world");
        assert!(normalize_title("   ").is_err());
        assert!(normalize_title(&"é".repeat(200)).is_ok());
        let err = normalize_title(&"x".repeat(201)).unwrap_err();
        assert!(err.contains("201") && err.contains("200"), "{err}");
    }

    #[test]
    fn bodies_use_newlines_and_are_bounded() {
        assert_eq!(normalize_body("a\r\nb\u{1}\tc").unwrap(), "a\nb\tc");
        assert!(normalize_body(&"x".repeat(MAX_BODY_BYTES)).is_ok());
        let err = normalize_body(&"x".repeat(MAX_BODY_BYTES + 1)).unwrap_err();
        assert!(err.contains("257 KiB"), "{err}");
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(
            parse_tags(" Sampling, #OTel  sampling,tail-sampling ").unwrap(),
            ["sampling", "otel", "tail-sampling"]
        );
        assert_eq!(parse_tags("").unwrap(), Vec::<String>::new());
        assert!(
            parse_tags(&"a".repeat(33))
                .unwrap_err()
                .contains("too long")
        );
        assert!(parse_tags("<script>").unwrap_err().contains("only letters"));
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(
            parse_tags(&many.join(","))
                .unwrap_err()
                .contains("at most 20")
        );
        assert!(parse_tags(&many[..20].join(",")).is_ok());
        assert!(is_tag("tail-sampling") && !is_tag("Tail") && !is_tag("a b"));
        let tags = parse_tags("b a").unwrap();
        assert_eq!(tags_from_text(&tags_to_text(&tags)), tags);
    }

    #[test]
    fn uids_are_hex() {
        let uid = new_uid();
        assert!(is_uid(&uid), "{uid}");
        assert_ne!(uid, new_uid());
        assert!(!is_uid("0123456789ABCDEF") && !is_uid("../../etc/passwd"));
    }

    #[test]
    fn search_queries_are_quoted() {
        assert_eq!(fts_query("  ").unwrap(), None);
        assert_eq!(
            fts_query("tail-sampling samp* \"head based\" OR x").unwrap(),
            Some("\"tail-sampling\" \"samp\" * \"head based\" OR \"x\"".into())
        );
        assert_eq!(
            fts_query("\"trace con\"*").unwrap(),
            Some("\"trace con\" *".into())
        );
        assert!(fts_query("\"open").is_err());
        assert!(fts_query("* x").is_err());
        assert!(fts_query("\"\"").is_err());
        assert!(fts_query(&"a ".repeat(40)).is_err());
        assert!(fts_query(&"a".repeat(201)).is_err());
    }
}
