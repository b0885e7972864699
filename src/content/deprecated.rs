//! Deprecated semantic-convention attribute names, and a check that content
//! never presents one as current.
//!
//! The list follows the `deprecated` entries of OpenTelemetry semantic
//! conventions v1.44.0 (`model/*/deprecated/registry-deprecated.yaml`). A
//! lesson, question or scenario may name an old attribute only in the same
//! sentence (or table row, or line) as its replacement, or, for a name with
//! no replacement, next to the word "deprecated" or "removed".

use crate::content::ContentError;

/// A deprecated attribute and what replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deprecated {
    /// The old attribute name.
    pub name: &'static str,
    /// Current names that replace it (any one suffices next to a mention);
    /// empty when the attribute was removed without a replacement.
    pub replaced_by: &'static [&'static str],
}

const fn d(name: &'static str, replaced_by: &'static [&'static str]) -> Deprecated {
    Deprecated { name, replaced_by }
}

/// Deprecated attribute names with their replacements (semconv v1.44.0).
pub const DEPRECATED: &[Deprecated] = &[
    d("http.method", &["http.request.method"]),
    d("http.status_code", &["http.response.status_code"]),
    d("http.url", &["url.full"]),
    d("http.target", &["url.path", "url.query"]),
    d("http.scheme", &["url.scheme"]),
    d("http.user_agent", &["user_agent.original"]),
    d("http.client_ip", &["client.address"]),
    d(
        "http.flavor",
        &["network.protocol.name", "network.protocol.version"],
    ),
    d(
        "http.host",
        &[
            "server.address",
            "client.address",
            "http.request.header.host",
        ],
    ),
    d("net.peer.name", &["server.address", "client.address"]),
    d("net.peer.port", &["server.port", "client.port"]),
    d("net.host.name", &["server.address"]),
    d("net.host.port", &["server.port"]),
    d("net.sock.peer.addr", &["network.peer.address"]),
    d("db.system", &["db.system.name"]),
    d("db.statement", &["db.query.text"]),
    d("db.name", &["db.namespace"]),
    d("db.operation", &["db.operation.name"]),
    d("db.sql.table", &["db.collection.name"]),
    d("rpc.system", &["rpc.system.name"]),
    d("rpc.service", &["rpc.method"]),
    d("rpc.grpc.status_code", &["rpc.response.status_code"]),
    d("messaging.destination", &["messaging.destination.name"]),
    d("messaging.operation", &["messaging.operation.type"]),
    d("deployment.environment", &["deployment.environment.name"]),
    d("code.filepath", &["code.file.path"]),
    d("code.lineno", &["code.line.number"]),
    d("code.function", &["code.function.name"]),
    d("otel.library.name", &["otel.scope.name"]),
    d("exception.escaped", &[]),
];

/// Words that, next to a name without a replacement, mark it as old.
const RETIRED_WORDS: [&str; 3] = ["deprecated", "removed", "obsolete"];

/// Every place in `text` (a content file at `path`) where a deprecated
/// attribute is named without its replacement (or, for one without a
/// replacement, without saying it is deprecated) in the same sentence,
/// table row or line. Lines are 1-based.
pub fn check(path: &str, text: &str) -> Vec<ContentError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for dep in DEPRECATED {
            for at in mentions(line, dep.name) {
                let line_ok = vouched(line, dep);
                if line_ok || vouched(&sentence(&lines, i, at), dep) {
                    continue;
                }
                let message = if dep.replaced_by.is_empty() {
                    format!(
                        "`{}` is deprecated with no replacement (semconv v1.44.0); say so where it is named",
                        dep.name
                    )
                } else {
                    format!(
                        "`{}` is deprecated (semconv v1.44.0); name `{}` in the same sentence or use it instead",
                        dep.name,
                        dep.replaced_by.join("` or `")
                    )
                };
                out.push(ContentError::new(path, i + 1, message));
            }
        }
    }
    out
}

/// Byte offsets in `line` where `name` occurs as a whole attribute name:
/// not part of a longer name such as `db.system.name` or `my.db.system`.
fn mentions(line: &str, name: &str) -> Vec<usize> {
    let bytes = line.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = line[from..].find(name) {
        let at = from + pos;
        let end = at + name.len();
        let before_ok = at == 0 || !(is_name(bytes[at - 1]) || bytes[at - 1] == b'.');
        let after_ok = match bytes.get(end) {
            None => true,
            Some(&b) if is_name(b) => false,
            Some(b'.') => !bytes.get(end + 1).is_some_and(|&n| is_name(n)),
            Some(_) => true,
        };
        if before_ok && after_ok {
            found.push(at);
        }
        from = end;
    }
    found
}

/// Whether `text` names a replacement of `dep` (or calls it deprecated).
fn vouched(text: &str, dep: &Deprecated) -> bool {
    if dep.replaced_by.is_empty() {
        let lower = text.to_ascii_lowercase();
        return RETIRED_WORDS.iter().any(|w| lower.contains(w));
    }
    dep.replaced_by
        .iter()
        .any(|r| !mentions(text, r).is_empty())
}

/// The sentence around byte `at` of line `i`: within its paragraph (lines
/// up to a blank line, a heading, a list item or a table row), from the
/// previous sentence end to the next one.
fn sentence(lines: &[&str], i: usize, at: usize) -> String {
    let starts_block = |l: &str| {
        let t = l.trim_start();
        t.is_empty()
            || t.starts_with('#')
            || t.starts_with('|')
            || t.starts_with("- ")
            || t.starts_with("* ")
            || t.starts_with("```")
            || t.starts_with("+++")
    };
    let single = |l: &str| {
        let t = l.trim_start();
        t.is_empty() || t.starts_with('#') || t.starts_with('|') || t.starts_with("```")
    };
    let (mut first, mut last) = (i, i);
    if !single(lines[i]) {
        while first > 0 && !starts_block(lines[first]) && !single(lines[first - 1]) {
            first -= 1;
        }
        while last + 1 < lines.len() && !starts_block(lines[last + 1]) {
            last += 1;
        }
    }
    let mut para = String::new();
    let mut offset = 0;
    for (j, l) in lines.iter().enumerate().take(last + 1).skip(first) {
        if j == i {
            offset = para.len() + at;
        }
        para.push_str(l);
        para.push(' ');
    }
    let ends = |s: &str, k: usize| {
        let b = s.as_bytes();
        matches!(b[k], b'.' | b'!' | b'?') && b.get(k + 1).is_none_or(|c| c.is_ascii_whitespace())
    };
    let start = (0..offset)
        .rev()
        .find(|&k| ends(&para, k))
        .map_or(0, |k| k + 1);
    let end = (offset..para.len())
        .find(|&k| ends(&para, k))
        .map_or(para.len(), |k| k + 1);
    para[start..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flagged(text: &str) -> Vec<usize> {
        check("x.md", text).into_iter().map(|e| e.line).collect()
    }

    #[test]
    fn whole_names_only() {
        assert_eq!(
            mentions("`db.system.name` and db.system.", "db.system"),
            [21]
        );
        assert!(mentions("my.db.system", "db.system").is_empty());
        assert!(mentions("http.methods", "http.method").is_empty());
        assert_eq!(mentions("(http.url)", "http.url"), [1]);
    }

    #[test]
    fn an_old_name_needs_its_replacement_in_the_same_sentence() {
        assert_eq!(flagged("Filter on `http.status_code` for errors.\n"), [1]);
        assert!(
            flagged("Use `http.response.status_code` (formerly `http.status_code`).\n").is_empty()
        );
        let wrapped = "Older SDKs emit `db.statement`, which the\nconventions renamed to `db.query.text`. Done.\n";
        assert!(flagged(wrapped).is_empty());
        let next_sentence = "Older SDKs emit `db.statement`. Newer\nones emit `db.query.text`.\n";
        assert_eq!(flagged(next_sentence), [1]);
        assert_eq!(
            flagged("| `db.name` | gone |\n| `db.namespace` | new |\n"),
            [1]
        );
        assert!(flagged("`exception.escaped` is deprecated.\n").is_empty());
        assert_eq!(flagged("Set `exception.escaped` to true.\n"), [1]);
        assert!(flagged("`db.system.name` and `http.request.method`\n").is_empty());
    }

    #[test]
    fn names_and_replacements_are_distinct() {
        for d in DEPRECATED {
            assert!(!d.replaced_by.contains(&d.name), "{}", d.name);
            let n = DEPRECATED.iter().filter(|o| o.name == d.name).count();
            assert_eq!(n, 1, "{} listed twice", d.name);
        }
    }

    #[test]
    fn embedded_content_presents_no_deprecated_attribute_as_current() {
        let content = crate::content::Content::load(None).unwrap_or_else(|e| panic!("{e}"));
        let found = content.deprecated_mentions();
        assert!(
            found.is_empty(),
            "{}",
            crate::content::ContentErrors(found.to_vec())
        );
    }
}
