//! The search form of "My traces" and the duration scatter plot of its
//! results, as Jaeger's search page has them: service, operation, duration
//! bounds, errors only and a time window, each validated and bounded, then
//! one SVG dot per trace (start time across, duration up).

use serde::Deserialize;

use crate::store::traces::read::{MAX_LIMIT, Search, TraceSummary};
use crate::web::render::push_esc;

/// Longest service or operation name searched for, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest duration bound: one day, in nanoseconds.
pub const MAX_DURATION_NS: u64 = 86_400 * 1_000_000_000;
/// The time windows offered, in minutes (0: all time).
pub const WINDOWS: [(u64, &str); 5] = [
    (0, "any time"),
    (15, "last 15 minutes"),
    (60, "last hour"),
    (360, "last 6 hours"),
    (1440, "last 24 hours"),
];

/// The search form as sent (`GET /traces?service=…&operation=…&min=…&max=…
/// &errors=on&since=60&limit=100`); every field optional.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub operation: String,
    /// Span attributes as Jaeger writes them: `http.route=/cart
    /// error=true`, a value with spaces in double quotes.
    #[serde(default)]
    pub tags: String,
    /// Shortest duration, e.g. `250ms`, `1.5s`, `800us`; a bare number is ms.
    #[serde(default)]
    pub min: String,
    /// Longest duration, in the same notation.
    #[serde(default)]
    pub max: String,
    /// `on` (a checked checkbox): only traces with an error span.
    #[serde(default)]
    pub errors: String,
    /// One of [`WINDOWS`]' minutes.
    #[serde(default)]
    pub since: String,
    /// Most traces, 1 to [`MAX_LIMIT`]; 100 when empty.
    #[serde(default)]
    pub limit: String,
}

impl SearchForm {
    /// The store's [`Search`], with `now` (unix seconds) for the time
    /// window. Errors: a readable sentence naming the field at fault.
    pub fn to_search(&self, now: i64) -> Result<Search, String> {
        let name = |value: &str, field: &str| -> Result<Option<String>, String> {
            let value = value.trim();
            if value.chars().count() > MAX_NAME_CHARS {
                return Err(format!(
                    "The {field} is longer than {MAX_NAME_CHARS} characters."
                ));
            }
            Ok((!value.is_empty()).then(|| value.to_string()))
        };
        let min_duration_ns =
            parse_duration(&self.min).map_err(|e| format!("Shortest duration: {e}"))?;
        let max_duration_ns =
            parse_duration(&self.max).map_err(|e| format!("Longest duration: {e}"))?;
        if let (Some(lo), Some(hi)) = (min_duration_ns, max_duration_ns)
            && lo > hi
        {
            return Err("The shortest duration is longer than the longest.".into());
        }
        let since = match self.since.trim() {
            "" => 0,
            s => s
                .parse::<u64>()
                .ok()
                .filter(|m| WINDOWS.iter().any(|(w, _)| w == m))
                .ok_or("Started: choose a time window from the list.")?,
        };
        let limit = match self.limit.trim() {
            "" => 100,
            s => s
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or(format!(
                    "At most: the number of traces must be a whole number from 1 to {MAX_LIMIT}."
                ))?,
        };
        let start_from_ns = (since > 0).then(|| {
            let from = now.max(0) as u64 - (since * 60).min(now.max(0) as u64);
            from.saturating_mul(1_000_000_000)
        });
        Ok(Search {
            service: name(&self.service, "service")?,
            operation: name(&self.operation, "operation")?,
            tags: parse_tags(&self.tags)?,
            min_duration_ns,
            max_duration_ns,
            errors_only: match self.errors.as_str() {
                "" => false,
                "on" | "1" | "true" => true,
                _ => return Err("Errors only: a checkbox, on or absent.".into()),
            },
            start_from_ns,
            start_to_ns: None,
            limit,
        })
    }

    /// Whether any field is set (the page says "matching" then).
    pub fn is_filtered(&self) -> bool {
        [
            &self.service,
            &self.operation,
            &self.tags,
            &self.min,
            &self.max,
            &self.errors,
            &self.since,
            &self.limit,
        ]
        .iter()
        .any(|v| !v.trim().is_empty() && v.trim() != "0")
    }
}

/// Most `key=value` pairs in one search.
pub const MAX_TAGS: usize = 8;

/// `key=value` pairs separated by spaces (logfmt, as Jaeger's search takes
/// them); a value may be double-quoted to hold spaces. Errors: a pair
/// without `=`, an empty key, an unclosed quote, more than [`MAX_TAGS`]
/// pairs, or a key or value longer than the tag index keeps
/// ([`crate::store::traces::MAX_TAG_KEY`], [`crate::store::traces::MAX_TAG_VALUE`]).
pub fn parse_tags(text: &str) -> Result<Vec<(String, String)>, String> {
    use crate::store::traces::{MAX_TAG_KEY, MAX_TAG_VALUE};
    let mut tags = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            return Err(format!("Tags: {rest:?} is not key=value."));
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!(
                "Tags: {key:?} is not a key; write key=value, such as http.route=/cart."
            ));
        }
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').ok_or_else(|| {
                    format!("Tags: the value of {key} opens a quote it does not close.")
                })?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => after.split_once(char::is_whitespace).unwrap_or((after, "")),
        };
        if key.len() > MAX_TAG_KEY || value.len() > MAX_TAG_VALUE {
            return Err(format!(
                "Tags: keys are searchable up to {MAX_TAG_KEY} bytes and values up to {MAX_TAG_VALUE}."
            ));
        }
        tags.push((key.to_string(), value.to_string()));
        if tags.len() > MAX_TAGS {
            return Err(format!("Tags: at most {MAX_TAGS} key=value pairs."));
        }
        rest = next.trim_start();
    }
    Ok(tags)
}

/// A duration such as `250ms`, `1.5s`, `800us`, `800µs`, `2m` or `90000ns`;
/// a bare number is milliseconds. Empty is None. Errors: not a
/// non-negative number with one of those units, or over one day.
pub fn parse_duration(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "" | "ms" => 1e6,
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "s" => 1e9,
        "m" | "min" => 60e9,
        _ => {
            return Err(format!(
                "{text:?} is not a duration: write a number with ns, us, ms, s or m, such as 250ms."
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: write a number such as 250ms."))?;
    let ns = value * scale;
    if !ns.is_finite() || ns > MAX_DURATION_NS as f64 {
        return Err(format!("{text:?} is longer than one day."));
    }
    Ok(Some(ns.round() as u64))
}

/// The scatter plot's size, in SVG user units.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 22.0;

/// An SVG scatter plot of `traces`: start time across, duration up (linear
/// from zero), error traces marked; each dot links to its trace and has a
/// `<title>`. Empty when there is nothing to plot. Every text is escaped,
/// so the result may be marked safe.
pub fn scatter(traces: &[TraceSummary], label: impl Fn(&TraceSummary) -> String) -> String {
    if traces.is_empty() {
        return String::new();
    }
    let first = traces.iter().map(|t| t.start_ns).min().unwrap_or(0);
    let last = traces.iter().map(|t| t.start_ns).max().unwrap_or(0);
    let longest = traces
        .iter()
        .map(|t| t.duration_ns)
        .max()
        .unwrap_or(0)
        .max(1);
    let span = (last - first).max(1) as f64;
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - BOTTOM - 8.0;
    let mut out = format!(
        "<svg class=\"scatter\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"scatter-title\">\
         <title id=\"scatter-title\">Duration of each trace against its start time; {} {}, the longest {}</title>",
        traces.len(),
        if traces.len() == 1 { "trace" } else { "traces" },
        super::pages::duration(longest)
    );
    let base = HEIGHT - BOTTOM;
    out.push_str(&format!(
        "<line class=\"ax\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>\
         <line class=\"ax\" x1=\"{LEFT}\" y1=\"8\" x2=\"{LEFT}\" y2=\"{base}\"/>\
         <text x=\"{}\" y=\"16\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>\
         <text x=\"{LEFT}\" y=\"{}\">oldest</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">newest</text>",
        WIDTH - 8.0,
        LEFT - 6.0,
        super::pages::duration(longest),
        LEFT - 6.0,
        HEIGHT - 6.0,
        WIDTH - 8.0,
        HEIGHT - 6.0,
    ));
    for t in traces {
        let x = if last == first {
            LEFT + plot_w / 2.0
        } else {
            LEFT + (t.start_ns - first) as f64 / span * plot_w
        };
        let y = base - t.duration_ns as f64 / longest as f64 * plot_h;
        let class = if t.errors > 0 { "dot err" } else { "dot" };
        out.push_str(&format!(
            "<a href=\"/traces/{}\"><circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\"><title>",
            crate::accounts::hex(&t.trace_id)
        ));
        push_esc(&mut out, &label(t));
        out.push_str("</title></circle></a>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_units() {
        assert_eq!(parse_duration(""), Ok(None));
        assert_eq!(parse_duration("250ms"), Ok(Some(250_000_000)));
        assert_eq!(parse_duration("250"), Ok(Some(250_000_000)));
        assert_eq!(parse_duration("1.5s"), Ok(Some(1_500_000_000)));
        assert_eq!(parse_duration("800us"), Ok(Some(800_000)));
        assert_eq!(parse_duration("800µs"), Ok(Some(800_000)));
        assert_eq!(parse_duration(" 2 m "), Ok(Some(120_000_000_000)));
        assert_eq!(parse_duration("90ns"), Ok(Some(90)));
        for bad in ["-1ms", "1h", "ms", "1.2.3s", "1e9", "25 hours", "2000m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_read_as_logfmt() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(parse_tags(""), Ok(vec![]));
        assert_eq!(
            parse_tags(" http.route=/cart  error=true "),
            Ok(vec![pair("http.route", "/cart"), pair("error", "true")])
        );
        assert_eq!(
            parse_tags(r#"db.statement="SELECT 1" peer=db"#),
            Ok(vec![pair("db.statement", "SELECT 1"), pair("peer", "db")])
        );
        assert_eq!(parse_tags("a="), Ok(vec![pair("a", "")]));
        assert_eq!(parse_tags("a=b=c"), Ok(vec![pair("a", "b=c")]));
        let nine = (0..9)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(" ");
        for bad in [
            "route",
            "=v",
            r#"a="open"#,
            nine.as_str(),
            &format!("k={}", "v".repeat(257)),
        ] {
            assert!(parse_tags(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_form_becomes_a_bounded_search() {
        let form = SearchForm {
            service: " checkout ".into(),
            min: "10ms".into(),
            errors: "on".into(),
            since: "60".into(),
            ..SearchForm::default()
        };
        let s = form.to_search(10_000).unwrap();
        assert_eq!(s.service.as_deref(), Some("checkout"));
        assert_eq!(s.operation, None);
        assert_eq!(s.min_duration_ns, Some(10_000_000));
        assert!(s.errors_only);
        assert_eq!(s.start_from_ns, Some((10_000 - 3_600) * 1_000_000_000));
        assert_eq!(s.limit, 100);
        assert!(form.is_filtered());
        assert!(!SearchForm::default().is_filtered());
        let bad = [
            SearchForm {
                since: "7".into(),
                ..SearchForm::default()
            },
            SearchForm {
                limit: "0".into(),
                ..SearchForm::default()
            },
            SearchForm {
                limit: "1001".into(),
                ..SearchForm::default()
            },
            SearchForm {
                errors: "yes please".into(),
                ..SearchForm::default()
            },
            SearchForm {
                min: "2s".into(),
                max: "1s".into(),
                ..SearchForm::default()
            },
            SearchForm {
                service: "x".repeat(201),
                ..SearchForm::default()
            },
        ];
        for form in bad {
            assert!(form.to_search(10_000).is_err(), "{form:?}");
        }
    }

    #[test]
    fn the_scatter_escapes_and_links_every_trace() {
        let t = |id: u8, start: u64, dur: u64, errors: u64| TraceSummary {
            trace_id: [id; 16],
            root_service: Some("<svc>".into()),
            root_name: Some("op".into()),
            spans: 3,
            errors,
            start_ns: start,
            duration_ns: dur,
            first_received_at: 0,
            last_received_at: 0,
            services: 1,
            top: None,
        };
        assert_eq!(scatter(&[], |_| String::new()), "");
        let svg = scatter(&[t(1, 0, 10, 0), t(2, 100, 40, 1)], |t| {
            format!(
                "{}: {}",
                t.root_service.clone().unwrap_or_default(),
                t.duration_ns
            )
        });
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("href=\"/traces/01010101010101010101010101010101\""));
        assert!(svg.contains("class=\"dot err\""));
        assert!(svg.contains("&lt;svc&gt;: 40") && !svg.contains("<svc>"));
    }
}
