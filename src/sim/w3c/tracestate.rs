//! The W3C Trace Context `tracestate` header (Level 1 grammar).
//!
//! ```text
//! list        = list-member 0*31( OWS "," OWS list-member )
//! list-member = key "=" value / OWS
//! key         = simple-key / multi-tenant-key
//! simple-key  = lcalpha 0*255( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//! multi-tenant-key = tenant-id "@" system-id
//! tenant-id   = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//! system-id   = lcalpha 0*13( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//! value       = 0*255(chr) nblk-chr
//! nblk-chr    = %x21-2B / %x2D-3C / %x3E-7E
//! chr         = %x20 / nblk-chr
//! ```
//! Empty and whitespace-only members are allowed and ignored; at most 32
//! members; each key at most once.

use std::fmt;

/// Most list members in a `tracestate`.
pub const MAX_MEMBERS: usize = 32;

/// A parsed `tracestate`: vendor entries, left-most (most recent) first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TraceState {
    /// (key, value) pairs in header order.
    pub entries: Vec<(String, String)>,
}

impl TraceState {
    /// Value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Adds or updates an entry and moves it to the front (as a vendor does
    /// when it mutates the header). Fails on an invalid key or value or when
    /// the list would exceed 32 members.
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), TraceStateError> {
        check_key(key, 1)?;
        check_value(value, 1)?;
        self.entries.retain(|(k, _)| k != key);
        if self.entries.len() >= MAX_MEMBERS {
            return Err(TraceStateError::TooManyMembers {
                count: self.entries.len() + 1,
            });
        }
        self.entries.insert(0, (key.to_string(), value.to_string()));
        Ok(())
    }
}

impl fmt::Display for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_tracestate(self))
    }
}

/// Why a `tracestate` value is invalid. `member` is 1-based among the
/// non-empty list members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceStateError {
    /// More than 32 non-empty members.
    TooManyMembers {
        /// Members found.
        count: usize,
    },
    /// A member without `=`.
    MissingEquals {
        /// Member number.
        member: usize,
    },
    /// Key is empty.
    EmptyKey {
        /// Member number.
        member: usize,
    },
    /// Key (or one of its tenant/system parts) is too long.
    KeyTooLong {
        /// Member number.
        member: usize,
        /// `key`, `tenant-id` or `system-id`.
        part: &'static str,
        /// Length found.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// Key (or part) starts with a character it may not start with.
    BadKeyStart {
        /// Member number.
        member: usize,
        /// `key`, `tenant-id` or `system-id`.
        part: &'static str,
        /// The character found.
        found: char,
    },
    /// A character not allowed in keys.
    BadKeyChar {
        /// Member number.
        member: usize,
        /// The character found.
        found: char,
    },
    /// Value is empty.
    EmptyValue {
        /// Member number.
        member: usize,
    },
    /// Value longer than 256 characters.
    ValueTooLong {
        /// Member number.
        member: usize,
        /// Length found.
        len: usize,
    },
    /// A character not allowed in values (outside 0x20-0x7E, `,` or `=`).
    BadValueChar {
        /// Member number.
        member: usize,
        /// The character found.
        found: char,
    },
    /// Value ends with a space.
    ValueTrailingSpace {
        /// Member number.
        member: usize,
    },
    /// The same key twice.
    DuplicateKey {
        /// The key.
        key: String,
    },
}

impl fmt::Display for TraceStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TraceStateError::*;
        match self {
            TooManyMembers { count } => {
                write!(f, "{count} list members; at most {MAX_MEMBERS} are allowed")
            }
            MissingEquals { member } => write!(f, "member {member}: expected key=value"),
            EmptyKey { member } => write!(f, "member {member}: the key is empty"),
            KeyTooLong {
                member,
                part,
                len,
                max,
            } => {
                write!(
                    f,
                    "member {member}: {part} is {len} characters, at most {max} are allowed"
                )
            }
            BadKeyStart {
                member,
                part,
                found,
            } => {
                let what = if *part == "tenant-id" {
                    "a lower-case letter or a digit"
                } else {
                    "a lower-case letter"
                };
                write!(
                    f,
                    "member {member}: {part} must start with {what}, found {found:?}"
                )
            }
            BadKeyChar { member, found } => write!(
                f,
                "member {member}: {found:?} is not allowed in a key (a-z, 0-9, _ - * / and one @)"
            ),
            EmptyValue { member } => write!(f, "member {member}: the value is empty"),
            ValueTooLong { member, len } => {
                write!(
                    f,
                    "member {member}: the value is {len} characters, at most 256 are allowed"
                )
            }
            BadValueChar { member, found } => write!(
                f,
                "member {member}: {found:?} is not allowed in a value (printable ASCII except , and =)"
            ),
            ValueTrailingSpace { member } => {
                write!(f, "member {member}: a value may not end with a space")
            }
            DuplicateKey { key } => write!(f, "key {key:?} appears more than once"),
        }
    }
}

impl std::error::Error for TraceStateError {}

fn key_char(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'*' | b'/')
}

fn first_char(s: &str) -> char {
    s.chars().next().unwrap_or(' ')
}

fn check_part(
    part: &str,
    name: &'static str,
    max: usize,
    digit_start: bool,
    member: usize,
) -> Result<(), TraceStateError> {
    if part.is_empty() {
        return Err(TraceStateError::EmptyKey { member });
    }
    let b = part.as_bytes();
    if !(b[0].is_ascii_lowercase() || (digit_start && b[0].is_ascii_digit())) {
        return Err(TraceStateError::BadKeyStart {
            member,
            part: name,
            found: first_char(part),
        });
    }
    if let Some(c) = part.chars().find(|&c| !c.is_ascii() || !key_char(c as u8)) {
        return Err(TraceStateError::BadKeyChar { member, found: c });
    }
    if part.len() > max {
        return Err(TraceStateError::KeyTooLong {
            member,
            part: name,
            len: part.len(),
            max,
        });
    }
    Ok(())
}

fn check_key(key: &str, member: usize) -> Result<(), TraceStateError> {
    if key.is_empty() {
        return Err(TraceStateError::EmptyKey { member });
    }
    match key.split_once('@') {
        None => check_part(key, "key", 256, false, member),
        Some((tenant, system)) => {
            if system.contains('@') {
                return Err(TraceStateError::BadKeyChar { member, found: '@' });
            }
            check_part(tenant, "tenant-id", 241, true, member)?;
            check_part(system, "system-id", 14, false, member)
        }
    }
}

fn check_value(value: &str, member: usize) -> Result<(), TraceStateError> {
    if value.is_empty() {
        return Err(TraceStateError::EmptyValue { member });
    }
    if let Some(c) = value
        .chars()
        .find(|&c| !(' '..='~').contains(&c) || c == ',' || c == '=')
    {
        return Err(TraceStateError::BadValueChar { member, found: c });
    }
    if value.len() > 256 {
        return Err(TraceStateError::ValueTooLong {
            member,
            len: value.len(),
        });
    }
    if value.ends_with(' ') {
        return Err(TraceStateError::ValueTrailingSpace { member });
    }
    Ok(())
}

/// Parses a `tracestate` header value.
pub fn parse_tracestate(value: &str) -> Result<TraceState, TraceStateError> {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut member = 0;
    for raw in value.split(',') {
        let m = raw.trim_matches([' ', '\t']);
        if m.is_empty() {
            continue;
        }
        member += 1;
        if member > MAX_MEMBERS {
            let count = value
                .split(',')
                .filter(|m| !m.trim_matches([' ', '\t']).is_empty())
                .count();
            return Err(TraceStateError::TooManyMembers { count });
        }
        let Some((k, v)) = m.split_once('=') else {
            return Err(TraceStateError::MissingEquals { member });
        };
        check_key(k, member)?;
        check_value(v, member)?;
        if entries.iter().any(|(e, _)| e == k) {
            return Err(TraceStateError::DuplicateKey { key: k.to_string() });
        }
        entries.push((k.to_string(), v.to_string()));
    }
    Ok(TraceState { entries })
}

/// Formats entries as `k1=v1,k2=v2`.
pub fn format_tracestate(ts: &TraceState) -> String {
    let mut s = String::new();
    for (i, (k, v)) in ts.entries.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

#[cfg(test)]
mod tests;
