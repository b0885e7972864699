//! Minimal JSON writing helpers with exact, stable output.

use std::fmt::Write;

/// Appends `s` as a JSON string literal.
pub(crate) fn string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends an unsigned integer.
pub(crate) fn uint(out: &mut String, n: u64) {
    let _ = write!(out, "{n}");
}

/// Appends a signed integer.
pub(crate) fn int(out: &mut String, n: i64) {
    let _ = write!(out, "{n}");
}

/// Appends a double: a JSON number when finite, else the strings `"NaN"`,
/// `"Infinity"`, `"-Infinity"` (the protobuf JSON mapping).
pub(crate) fn float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("\"NaN\"");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        });
    } else {
        match serde_json::Number::from_f64(x) {
            Some(n) => out.push_str(&n.to_string()),
            None => out.push_str("\"NaN\""),
        }
    }
}

/// Appends `"key":` (key must not need escaping).
pub(crate) fn key(out: &mut String, k: &str) {
    out.push('"');
    out.push_str(k);
    out.push_str("\":");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut s = String::new();
        string(&mut s, "a\"b\\c\nd\u{1}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é\"");
        let v: String = serde_json::from_str(&s).expect("valid json");
        assert_eq!(v, "a\"b\\c\nd\u{1}é");
    }

    #[test]
    fn numbers() {
        let mut s = String::new();
        float(&mut s, 1.0);
        s.push(' ');
        float(&mut s, 0.1);
        s.push(' ');
        float(&mut s, f64::NAN);
        s.push(' ');
        int(&mut s, -5);
        assert_eq!(s, "1.0 0.1 \"NaN\" -5");
    }
}
