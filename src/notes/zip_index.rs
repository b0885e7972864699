//! Names of zip entries: which are safe and which are archivers' own
//! files ([`is_safe_path`], [`is_junk`]), and the names of a zip's central
//! directory, read directly, so that
//! entries the zip library folds together (several with one name) are
//! still reported. Follows APPNOTE.TXT 6.3 sections 4.3.12 (central
//! directory header) and 4.3.16 (end of central directory record).

use std::collections::BTreeMap;

const EOCD_SIGNATURE: &[u8; 4] = b"PK\x05\x06";
const CENTRAL_SIGNATURE: &[u8; 4] = b"PK\x01\x02";
/// Fixed part of the end of central directory record, in bytes.
const EOCD_LEN: usize = 22;
/// Fixed part of a central directory header, in bytes.
const CENTRAL_LEN: usize = 46;

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// Every name in the central directory, in order, as written (names not
/// in UTF-8 are decoded lossily). `None` when the directory
/// cannot be read this simply (no end record in the last 64 KiB, ZIP64).
pub fn central_names(bytes: &[u8]) -> Option<Vec<String>> {
    let search_from = bytes.len().saturating_sub(EOCD_LEN + 0xFFFF);
    let eocd = bytes
        .get(search_from..)?
        .windows(4)
        .rposition(|w| w == EOCD_SIGNATURE)?
        + search_from;
    let count = u16_at(bytes, eocd + 10)?;
    let offset = u32_at(bytes, eocd + 16)?;
    if count == 0xFFFF || offset == 0xFFFF_FFFF {
        return None;
    }
    let mut names = Vec::with_capacity(count.min(4096));
    let mut at = offset;
    for _ in 0..count {
        if bytes.get(at..at + 4)? != CENTRAL_SIGNATURE {
            return None;
        }
        let name_len = u16_at(bytes, at + 28)?;
        let extra_len = u16_at(bytes, at + 30)?;
        let comment_len = u16_at(bytes, at + 32)?;
        let name = bytes.get(at + CENTRAL_LEN..at + CENTRAL_LEN + name_len)?;
        names.push(String::from_utf8_lossy(name).into_owned());
        at += CENTRAL_LEN + name_len + extra_len + comment_len;
    }
    Some(names)
}

/// Names that more than one central directory entry carries, with how
/// many carry each; the zip library shows only one entry per name.
pub fn duplicate_names(bytes: &[u8]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for name in central_names(bytes).unwrap_or_default() {
        *counts.entry(name).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(name, n)| (name.replace('\\', "/"), n))
        .collect()
}

/// Folders and files that archivers add on their own.
pub fn is_junk(name: &str) -> bool {
    name.starts_with("__MACOSX/") || name.rsplit('/').next().is_some_and(|f| f.starts_with("._"))
}

/// Relative (after `\` was read as `/`), no `..`, no drive letters or
/// other `:`, no NUL or other control characters.
pub fn is_safe_path(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains(['\\', ':'])
        && !name.chars().any(char::is_control)
        && name.split('/').all(|part| part != "..")
}
