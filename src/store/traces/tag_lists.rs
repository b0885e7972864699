//! The tag lists of received spans and traces (migration 0013), and the SQL
//! function that reads a trace's.
//!
//! - A **span's list** holds the ids (rows of `received_tag_values`) of its
//!   tags, of its service (key `''`, value `service:NAME`) and of its name
//!   (key `''`, value `name:NAME`), sorted, each between commas: `,3,17,42,`.
//!   `instr(tags, ',17,') > 0` finds one.
//! - A **trace's lists** are the distinct lists of its spans joined by `|`
//!   (`,3,17,|,4,17,`), at most [`MAX_TRACE_TAG_LISTS`] bytes; past that the
//!   trace row holds NULL and a search reads its spans' lists instead.
//!   [`one_span_has`] (SQL `one_span_has(lists, wanted)`) tells whether one
//!   span has every wanted id, without reading the trace's spans.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;

use crate::store::traces::MAX_TRACE_TAG_LISTS;

/// Key of the values that stand for a span's service and name: no attribute
/// has an empty key (the receiver does not index such attributes).
pub const FACET_KEY: &str = "";

/// The `received_tag_values` value that stands for service `name`.
pub fn service_value(name: &str) -> String {
    format!("service:{name}")
}

/// The `received_tag_values` value that stands for span name `name`.
pub fn name_value(name: &str) -> String {
    format!("name:{name}")
}

/// Writes sorted ids as a row lists them (`,3,17,`; `''` for none) into
/// `out`, replacing what it held.
pub fn write_list(out: &mut String, ids: &[i64]) {
    use std::fmt::Write;
    out.clear();
    for id in ids {
        let _ = write!(out, ",{id}");
    }
    if !ids.is_empty() {
        out.push(',');
    }
}

/// Reads one list written by [`write_list`], sorted and without repeats;
/// text that is not an id is skipped.
pub fn parse_list(text: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = text.split(',').filter_map(|t| t.parse().ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The distinct span lists of one trace, as its row holds them, or None
/// once they no longer fit in [`MAX_TRACE_TAG_LISTS`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLists {
    lists: Option<Vec<Vec<i64>>>,
    bytes: usize,
}

impl Default for TraceLists {
    /// A new trace's: no list yet.
    fn default() -> TraceLists {
        TraceLists {
            lists: Some(Vec::new()),
            bytes: 0,
        }
    }
}

impl TraceLists {
    /// Reads a trace row's `tags` (None: NULL, the trace lists none).
    pub fn parse(text: Option<&str>) -> TraceLists {
        match text {
            None => TraceLists {
                lists: None,
                bytes: 0,
            },
            Some(text) => TraceLists {
                lists: Some(
                    text.split('|')
                        .filter(|l| !l.is_empty())
                        .map(parse_list)
                        .collect(),
                ),
                bytes: text.len(),
            },
        }
    }

    /// Adds one span's sorted list unless the trace holds it already; past
    /// [`MAX_TRACE_TAG_LISTS`] bytes the trace holds none.
    pub fn add(&mut self, ids: &[i64], text: &str) {
        let Some(lists) = &mut self.lists else { return };
        if lists.iter().any(|l| l == ids) {
            return;
        }
        self.bytes += text.len() + usize::from(!lists.is_empty());
        lists.push(ids.to_vec());
        if self.bytes > MAX_TRACE_TAG_LISTS {
            self.lists = None;
        }
    }

    /// The row's `tags`: the lists joined by `|`, or None (NULL).
    pub fn to_text(&self) -> Option<String> {
        let lists = self.lists.as_ref()?;
        let mut out = String::with_capacity(self.bytes);
        let mut one = String::new();
        for (i, l) in lists.iter().enumerate() {
            if i > 0 {
                out.push('|');
            }
            write_list(&mut one, l);
            out.push_str(&one);
        }
        Some(out)
    }
}

/// True when one of `lists` (a trace's, `,3,17,|,4,17,`) holds every id of
/// `wanted` (one list, `,3,17,`). No wanted id: true. One pass over
/// `lists`, without allocating: a search calls it once per trace it reads.
pub fn one_span_has(lists: &str, wanted: &str) -> bool {
    const MOST: usize = 64;
    let mut want = [0i64; MOST];
    let mut n = 0;
    for t in wanted.split(',').filter(|t| !t.is_empty()) {
        let (Ok(id), Some(slot)) = (t.parse::<i64>(), want.get_mut(n)) else {
            return lists.split('|').any(|list| {
                wanted
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .all(|id| holds(list, id))
            });
        };
        *slot = id;
        n += 1;
    }
    if n == 0 {
        return true;
    }
    let all = u64::MAX >> (MOST - n);
    let (mut seen, mut id) = (0u64, None::<i64>);
    for &b in lists.as_bytes().iter().chain(std::iter::once(&b'|')) {
        if b.is_ascii_digit() {
            let digit = i64::from(b - b'0');
            id = Some(id.unwrap_or(0).saturating_mul(10).saturating_add(digit));
            continue;
        }
        if let Some(id) = id.take() {
            for (i, w) in want[..n].iter().enumerate() {
                if *w == id {
                    seen |= 1 << i;
                }
            }
        }
        if b == b'|' {
            if seen == all {
                return true;
            }
            seen = 0;
        }
    }
    false
}

/// `list` (`,3,17,`) holds `id` (`17`).
fn holds(list: &str, id: &str) -> bool {
    let bytes = list.as_bytes();
    list.match_indices(id).any(|(at, _)| {
        at > 0 && bytes.get(at - 1) == Some(&b',') && bytes.get(at + id.len()) == Some(&b',')
    })
}

/// A text argument of a SQL function as UTF-8, or None.
fn text(v: ValueRef<'_>) -> Option<&str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// Registers `one_span_has(lists, wanted)` on a connection: 1 or 0, NULL
/// when either argument is not text. Every connection of the store has it.
///
/// Errors: SQLite's, when the function cannot be created.
pub fn register(c: &Connection) -> rusqlite::Result<()> {
    c.create_scalar_function(
        "one_span_has",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match (text(ctx.get_raw(0)), text(ctx.get_raw(1))) {
                (Some(lists), Some(wanted)) => Some(one_span_has(lists, wanted)),
                _ => None,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_span_must_hold_every_wanted_id() {
        let lists = ",3,17,|,4,17,170,";
        assert!(one_span_has(lists, ",3,17,"));
        assert!(one_span_has(lists, ",4,170,"));
        assert!(
            !one_span_has(lists, ",3,4,"),
            "3 and 4 are on different spans"
        );
        assert!(!one_span_has(lists, ",7,"), "17 and 170 do not hold 7");
        assert!(!one_span_has(lists, ",1,"), "nor 1");
        assert!(one_span_has(lists, ""));
        assert!(!one_span_has("", ",3,"));
        let many: String = (0..70).map(|i| format!(",{i}")).collect::<String>() + ",";
        assert!(one_span_has(&many, &many), "more ids than one pass tracks");
        assert!(!one_span_has(",1,2,", &many));
        assert!(!one_span_has(lists, ",x,"), "not an id");
    }

    #[test]
    fn a_trace_keeps_each_distinct_list_once_up_to_its_bound() {
        let mut t = TraceLists::default();
        assert_eq!(t, TraceLists::parse(Some("")));
        let mut text = String::new();
        for ids in [vec![3, 17], vec![4, 17], vec![3, 17]] {
            write_list(&mut text, &ids);
            t.add(&ids, &text);
        }
        assert_eq!(t.to_text().as_deref(), Some(",3,17,|,4,17,"));
        assert_eq!(TraceLists::parse(t.to_text().as_deref()), t);
        for i in 0..MAX_TRACE_TAG_LISTS {
            let ids = vec![i as i64];
            write_list(&mut text, &ids);
            t.add(&ids, &text);
        }
        assert_eq!(t.to_text(), None, "too long: the trace lists none");
        assert_eq!(TraceLists::parse(None).to_text(), None);
    }
}
