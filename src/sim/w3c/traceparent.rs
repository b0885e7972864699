//! The W3C Trace Context `traceparent` header (Level 1 grammar, with the
//! Level 2 `random` flag explained).
//!
//! ```text
//! traceparent = version "-" trace-id "-" parent-id "-" trace-flags
//! version     = 2HEXDIGLC   ; ff is forbidden
//! trace-id    = 32HEXDIGLC  ; not all zeros
//! parent-id   = 16HEXDIGLC  ; not all zeros
//! trace-flags = 2HEXDIGLC   ; bit 0x01 sampled, 0x02 random (Level 2)
//! ```
//! Version 00 is exactly 55 characters. A higher version must be at least 55
//! characters; its first four fields are parsed as above, and the character
//! after the flags (if any) must be `-`, after which anything may follow.

use std::fmt;

use crate::sim::trace::{hex, push_hex};

/// A parsed `traceparent` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    /// Version byte (0 for the current format; never 0xff).
    pub version: u8,
    /// Trace id (not all zero).
    pub trace_id: [u8; 16],
    /// Parent id: the caller's span id (not all zero).
    pub parent_id: [u8; 8],
    /// Trace flags.
    pub flags: u8,
    /// Data after the flags in a higher version (without the leading `-`).
    pub extra: Option<String>,
}

/// Sampled flag: the caller may have recorded this trace.
pub const FLAG_SAMPLED: u8 = 0x01;
/// Random flag (Level 2): the trace id's rightmost 7 bytes are random.
pub const FLAG_RANDOM: u8 = 0x02;

impl TraceParent {
    /// A version-00 value.
    pub fn new(trace_id: [u8; 16], parent_id: [u8; 8], flags: u8) -> TraceParent {
        TraceParent {
            version: 0,
            trace_id,
            parent_id,
            flags,
            extra: None,
        }
    }

    /// Sampled bit (0x01).
    pub fn sampled(&self) -> bool {
        self.flags & FLAG_SAMPLED != 0
    }

    /// Random bit (0x02, Trace Context Level 2).
    pub fn random(&self) -> bool {
        self.flags & FLAG_RANDOM != 0
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_traceparent(self))
    }
}

/// Why a `traceparent` value is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceParentError {
    /// Nothing but whitespace.
    Empty,
    /// Fewer than 55 characters.
    TooShort {
        /// Length found.
        len: usize,
    },
    /// Version 00 followed by more data (version 00 is exactly 55 characters).
    Version00ExtraData {
        /// Length found.
        len: usize,
    },
    /// Version `ff` is forbidden.
    VersionForbidden,
    /// An upper-case hex digit (only lower case is allowed).
    UppercaseHex {
        /// Field name.
        field: &'static str,
        /// 0-based index in the trimmed value.
        index: usize,
    },
    /// A character that is not a hex digit.
    NotHex {
        /// Field name.
        field: &'static str,
        /// 0-based index in the trimmed value.
        index: usize,
        /// The character found.
        found: char,
    },
    /// A `-` separator is missing.
    MissingDash {
        /// The field the dash should follow.
        after: &'static str,
        /// 0-based index where `-` was expected.
        index: usize,
        /// The character found.
        found: char,
    },
    /// Trace id is all zeros.
    ZeroTraceId,
    /// Parent id is all zeros.
    ZeroParentId,
}

impl fmt::Display for TraceParentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TraceParentError::*;
        match self {
            Empty => write!(f, "the header is empty"),
            TooShort { len } => write!(
                f,
                "too short: {len} characters, a traceparent has at least 55"
            ),
            Version00ExtraData { len } => write!(
                f,
                "version 00 must be exactly 55 characters, found {len}: no data may follow the flags"
            ),
            VersionForbidden => write!(f, "version ff is forbidden"),
            UppercaseHex { field, index } => write!(
                f,
                "{field}: upper-case hex digit at position {}; only lower-case hex is allowed",
                index + 1
            ),
            NotHex {
                field,
                index,
                found,
            } => {
                write!(
                    f,
                    "{field}: {found:?} at position {} is not a hex digit",
                    index + 1
                )
            }
            MissingDash {
                after,
                index,
                found,
            } => {
                write!(
                    f,
                    "expected '-' after {after} at position {}, found {found:?}",
                    index + 1
                )
            }
            ZeroTraceId => write!(f, "trace-id is all zeros, which is invalid"),
            ZeroParentId => write!(f, "parent-id is all zeros, which is invalid"),
        }
    }
}

impl std::error::Error for TraceParentError {}

fn char_at(s: &str, index: usize) -> char {
    s.get(index..)
        .and_then(|r| r.chars().next())
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Parses `n` lower-case hex bytes from `s[start..]`.
fn hex_field<const N: usize>(
    s: &str,
    start: usize,
    field: &'static str,
) -> Result<[u8; N], TraceParentError> {
    let b = s.as_bytes();
    let mut out = [0u8; N];
    for i in 0..2 * N {
        let idx = start + i;
        let c = b[idx];
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => return Err(TraceParentError::UppercaseHex { field, index: idx }),
            _ => {
                return Err(TraceParentError::NotHex {
                    field,
                    index: idx,
                    found: char_at(s, idx),
                });
            }
        };
        out[i / 2] = (out[i / 2] << 4) | v;
    }
    Ok(out)
}

fn dash(s: &str, index: usize, after: &'static str) -> Result<(), TraceParentError> {
    if s.as_bytes().get(index) == Some(&b'-') {
        Ok(())
    } else {
        Err(TraceParentError::MissingDash {
            after,
            index,
            found: char_at(s, index),
        })
    }
}

/// Parses a `traceparent` header value. Leading and trailing optional
/// whitespace (spaces, tabs) is ignored.
pub fn parse_traceparent(value: &str) -> Result<TraceParent, TraceParentError> {
    let s = value.trim_matches([' ', '\t']);
    if s.is_empty() {
        return Err(TraceParentError::Empty);
    }
    if s.len() < 2 {
        return Err(TraceParentError::TooShort { len: s.len() });
    }
    let version = hex_field::<1>(s, 0, "version")?[0];
    if s.len() > 2 {
        dash(s, 2, "version")?;
    }
    if version == 0xff {
        return Err(TraceParentError::VersionForbidden);
    }
    if s.len() < 55 {
        return Err(TraceParentError::TooShort { len: s.len() });
    }
    let trace_id = hex_field::<16>(s, 3, "trace-id")?;
    dash(s, 35, "trace-id")?;
    let parent_id = hex_field::<8>(s, 36, "parent-id")?;
    dash(s, 52, "parent-id")?;
    let flags = hex_field::<1>(s, 53, "trace-flags")?[0];
    let mut extra = None;
    if s.len() > 55 {
        if version == 0 {
            return Err(TraceParentError::Version00ExtraData { len: s.len() });
        }
        dash(s, 55, "trace-flags")?;
        extra = Some(s[56..].to_string());
    }
    if trace_id == [0u8; 16] {
        return Err(TraceParentError::ZeroTraceId);
    }
    if parent_id == [0u8; 8] {
        return Err(TraceParentError::ZeroParentId);
    }
    Ok(TraceParent {
        version,
        trace_id,
        parent_id,
        flags,
        extra,
    })
}

/// Formats a value to propagate. Always writes version `00` and drops any
/// extra fields: a receiver of a higher version downgrades when it forwards.
pub fn format_traceparent(tp: &TraceParent) -> String {
    let mut s = String::with_capacity(55);
    s.push_str("00-");
    push_hex(&mut s, &tp.trace_id);
    s.push('-');
    push_hex(&mut s, &tp.parent_id);
    s.push('-');
    push_hex(&mut s, &[tp.flags]);
    s
}

/// Explains each field for a UI: (field, value, meaning).
pub fn explain(tp: &TraceParent) -> Vec<(&'static str, String, String)> {
    let version_meaning = if tp.version == 0 {
        "Format version. 00 is the version defined today; ff is forbidden.".to_string()
    } else {
        format!(
            "Format version {}: newer than 00. A version-00 parser reads the first four fields, ignores the rest, and forwards the header as version 00.",
            tp.version
        )
    };
    let mut flags = Vec::new();
    flags.push(if tp.sampled() {
        "sampled (0x01) is set: the caller may have recorded this trace, and downstream services should record it too".to_string()
    } else {
        "sampled (0x01) is not set: the caller did not record this trace".to_string()
    });
    flags.push(if tp.random() {
        "random (0x02, Level 2) is set: the rightmost 7 bytes of the trace-id are random, so samplers may use them".to_string()
    } else {
        "random (0x02, Level 2) is not set: make no assumption about how random the trace-id is".to_string()
    });
    if tp.flags & !(FLAG_SAMPLED | FLAG_RANDOM) != 0 {
        flags.push(format!(
            "other bits 0x{:02x} are reserved and should be zero",
            tp.flags & !(FLAG_SAMPLED | FLAG_RANDOM)
        ));
    }
    let mut out = vec![
        ("version", hex(&[tp.version]), version_meaning),
        (
            "trace-id",
            hex(&tp.trace_id),
            "16 bytes that identify the whole trace: every span of the request carries it. All zeros is invalid.".to_string(),
        ),
        (
            "parent-id",
            hex(&tp.parent_id),
            "8 bytes: the span id of the caller's span that sent this request (its client or producer span). The receiver records it as its parent. All zeros is invalid.".to_string(),
        ),
        ("trace-flags", hex(&[tp.flags]), flags.join("; ")),
    ];
    if let Some(e) = &tp.extra {
        out.push((
            "extra",
            e.clone(),
            "Fields added by a newer version; a version-00 parser ignores them.".to_string(),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
