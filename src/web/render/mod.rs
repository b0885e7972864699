//! Server-side views of traces: the timeline (waterfall), span detail, flame
//! graph, service graph and latency breakdown, all fed plain data from
//! [`crate::sim`]. The timeline, flame graph and service graph are HTML/SVG
//! strings in which every piece of text has been escaped with [`push_esc`],
//! so templates may mark them `|safe`. The span detail ([`detail`]) and the
//! breakdown ([`breakdown`]) are plain data that askama templates escape.
//! Span names and attribute values may come from uploads: they are
//! untrusted.

pub mod breakdown;
pub mod detail;
pub mod flame;
pub mod graph_model;
pub mod model;
pub mod scale;
pub mod service_graph;
pub mod timeline;

pub use model::TraceModel;

/// Appends `s` to `out` with `& < > " '` escaped for HTML text and
/// attribute values (SVG included).
pub fn push_esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// `s` escaped as by [`push_esc`].
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_esc(&mut out, s);
    out
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn truncate(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            std::borrow::Cow::Owned(format!("{}…", &s[..end]))
        }
    }
}

/// How views link to the detail of a span.
#[derive(Debug, Clone)]
pub enum DetailMode {
    /// A generated trace: one detail panel, chosen with `?span=<id>`, so
    /// every view links to its own URL.
    Link(PageLinks),
    /// An uploaded trace (no URL to come back to): the detail sits inline
    /// in a `<details>` element of each timeline row.
    Inline,
}

impl DetailMode {
    /// The (unescaped) URL that shows `span_id`'s detail, in link mode.
    pub fn span_href(&self, span_id: &[u8; 8]) -> Option<String> {
        match self {
            DetailMode::Link(links) => Some(links.href(Some(span_id), None) + "#detail"),
            DetailMode::Inline => None,
        }
    }
}

/// Builds the URLs of one trace page: its path, the query parameters every
/// link keeps, and the expanded subtrees.
#[derive(Debug, Clone, Default)]
pub struct PageLinks {
    /// Path of the page, e.g. `/sim/checkout/3`.
    pub path: String,
    /// Parameters every link keeps (`spans`, `depth`, `view`); values are
    /// digits or fixed words, so they need no percent-encoding.
    pub keep: Vec<(&'static str, String)>,
    /// Span ids whose subtrees are expanded.
    pub expand: Vec<[u8; 8]>,
    /// Span ids whose subtrees are collapsed (the ▾ links without script).
    pub collapse: Vec<[u8; 8]>,
}

impl PageLinks {
    /// The (unescaped) URL with `span` selected and `also_expand` added to
    /// the expanded subtrees.
    pub fn href(&self, span: Option<&[u8; 8]>, also_expand: Option<&[u8; 8]>) -> String {
        let mut expand = self.expand.clone();
        let mut collapse = self.collapse.clone();
        if let Some(e) = also_expand {
            expand.push(*e);
            collapse.retain(|c| c != e);
        }
        self.build(span, &expand, &collapse)
    }

    /// The (unescaped) URL with the subtree of `span` collapsed, and the
    /// page scrolled back to its row.
    pub fn collapse_href(&self, span: &[u8; 8]) -> String {
        let expand: Vec<[u8; 8]> = self.expand.iter().filter(|e| *e != span).copied().collect();
        let mut collapse = self.collapse.clone();
        collapse.push(*span);
        format!(
            "{}#s-{}",
            self.build(None, &expand, &collapse),
            crate::sim::trace::hex(span)
        )
    }

    fn build(&self, span: Option<&[u8; 8]>, expand: &[[u8; 8]], collapse: &[[u8; 8]]) -> String {
        let mut q: Vec<String> = self.keep.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let join = |ids: &[[u8; 8]]| {
            ids.iter()
                .map(|e| crate::sim::trace::hex(e))
                .collect::<Vec<_>>()
                .join(",")
        };
        if !expand.is_empty() {
            q.push(format!("expand={}", join(expand)));
        }
        if !collapse.is_empty() {
            q.push(format!("collapse={}", join(collapse)));
        }
        if let Some(s) = span {
            q.push(format!("span={}", crate::sim::trace::hex(s)));
        }
        if q.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, q.join("&"))
        }
    }
}

/// Number of colour classes (`c0` … `c11`) used for services.
pub const PALETTE: usize = 12;

/// The colour class of a service index.
pub fn colour(service: usize) -> usize {
    service % PALETTE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            esc(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(esc("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn truncates_on_characters() {
        assert_eq!(truncate("abcdef", 10), "abcdef");
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdefg", 6), "abcde…");
        assert_eq!(truncate("ääääää", 3), "ää…");
    }
}
