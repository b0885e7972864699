//! Small display helpers for templates.

use crate::notes::dates::civil_from_days;

/// A Unix time as `YYYY-MM-DD` (UTC).
pub fn date(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A Unix time as `YYYY-MM-DD HH:MM` (UTC).
pub fn date_time(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{} {:02}:{:02}", date(unix), secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date_time(1_795_000_000), "2026-11-18 11:06");
    }
}
