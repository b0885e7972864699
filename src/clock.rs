//! Time for the whole app: the one place that reads the system clock, and
//! all calendar arithmetic (civil dates, members' time zones, day numbers,
//! display formats), done with `jiff` and the IANA Time Zone Database (the
//! system copy when there is one, else the copy bundled in the binary).
//!
//! A *day number* is a civil date counted in days since 1970-01-01, so day 0
//! is a Thursday whatever the zone; [`local_day`] gives the day number of an
//! instant as a member in a given zone lives it.

use std::sync::OnceLock;

use jiff::civil::{Date, DateTime};
use jiff::tz::{self, Offset};
use jiff::{SignedDuration, Timestamp};

pub use jiff::tz::TimeZone;

/// 1970-01-01, day number 0.
const EPOCH: Date = Date::constant(1970, 1, 1);
const SECONDS_PER_DAY: i64 = 86_400;
/// Longest time zone name accepted (the longest IANA name has 32 characters).
pub const MAX_TIME_ZONE_CHARS: usize = 64;

/// Seconds since the Unix epoch (UTC); 0 if the system clock is before 1970.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A Unix time as a `jiff` timestamp, clamped to jiff's range (years
/// -9999 to 9999).
fn timestamp(unix: i64) -> Timestamp {
    Timestamp::from_second(unix).unwrap_or(if unix < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// Validates a member's time zone: an IANA name such as `Europe/Paris`,
/// matched without regard to ASCII case. The zone's canonical name is
/// [`time_zone_name`].
///
/// Errors: a readable message when the name is empty, too long, or not in
/// the time zone database.
pub fn parse_time_zone(name: &str) -> Result<TimeZone, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Choose a time zone, such as Europe/Paris or UTC.".into());
    }
    if name.chars().count() > MAX_TIME_ZONE_CHARS {
        return Err(format!(
            "A time zone name has at most {MAX_TIME_ZONE_CHARS} characters."
        ));
    }
    match tz::db().get(name) {
        Ok(zone) if !zone.is_unknown() && zone.iana_name().is_some() => Ok(zone),
        _ => Err(format!(
            "“{name}” is not a time zone we know. Use a name from the IANA time zone \
             database, such as Europe/Paris, America/Los_Angeles or UTC."
        )),
    }
}

/// The zone named `name`, or UTC when the name is not (or no longer) in the
/// database; for names already stored.
pub fn time_zone_or_utc(name: &str) -> TimeZone {
    parse_time_zone(name).unwrap_or(TimeZone::UTC)
}

/// The canonical IANA name of `zone` (`"UTC"` for a zone without one).
pub fn time_zone_name(zone: &TimeZone) -> &str {
    zone.iana_name().unwrap_or("UTC")
}

/// The IANA names a member can choose from, sorted; for suggestions in forms.
/// The `posix/` and `right/` copies some systems keep are left out.
pub fn time_zone_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .filter(|n| !n.starts_with("posix") && !n.starts_with("right/"))
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

/// The day number of a civil date.
fn day_number(date: Date) -> i64 {
    date.duration_since(EPOCH)
        .as_secs()
        .div_euclid(SECONDS_PER_DAY)
}

/// The civil date of a day number (clamped to jiff's range of dates).
fn date_of_day(day: i64) -> Date {
    EPOCH.saturating_add(SignedDuration::from_secs(
        day.saturating_mul(SECONDS_PER_DAY),
    ))
}

/// The day number on which the Unix time `unix` falls in `zone`.
pub fn local_day(unix: i64, zone: &TimeZone) -> i64 {
    day_number(zone.to_datetime(timestamp(unix)).date())
}

/// The Unix time at which day number `day` begins in `zone`: its local
/// midnight, or the first instant after it when a transition skips midnight.
pub fn day_start(day: i64, zone: &TimeZone) -> i64 {
    date_of_day(day)
        .to_zoned_datetime(zone.clone())
        .map_or(day.saturating_mul(SECONDS_PER_DAY), |z| {
            z.timestamp().as_second()
        })
}

/// A day number as `YYYY-MM-DD`.
pub fn day_label(day: i64) -> String {
    date_of_day(day).to_string()
}

/// A Unix time as `YYYY-MM-DD` in `zone`.
pub fn date(unix: i64, zone: &TimeZone) -> String {
    zone.to_datetime(timestamp(unix)).date().to_string()
}

/// A Unix time as `YYYY-MM-DD HH:MM` in `zone`.
pub fn date_time(unix: i64, zone: &TimeZone) -> String {
    zone.to_datetime(timestamp(unix))
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// A Unix time as a civil date-time in UTC (years clamped to -9999..=9999).
pub fn utc_datetime(unix: i64) -> DateTime {
    Offset::UTC.to_datetime(timestamp(unix))
}

/// The Unix time of a civil date-time read at a fixed offset from UTC
/// (`offset_seconds` east of UTC, as in RFC 3339).
///
/// Errors: a readable message when the offset or the instant is out of range.
pub fn unix_at_offset(dt: DateTime, offset_seconds: i32) -> Result<i64, String> {
    let offset = Offset::from_seconds(offset_seconds)
        .map_err(|_| "the offset from UTC is out of range".to_string())?;
    offset
        .to_timestamp(dt)
        .map(Timestamp::as_second)
        .map_err(|_| "the date-time is out of range".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as civil;

    /// 2026-01-15T00:00:00Z, a UTC midnight in winter.
    const MIDNIGHT: i64 = 1_768_435_200;

    fn zone(name: &str) -> TimeZone {
        parse_time_zone(name).unwrap()
    }

    #[test]
    fn day_numbers_and_labels() {
        assert_eq!(day_number(EPOCH), 0);
        assert_eq!(day_label(0), "1970-01-01");
        assert_eq!(day_label(-1), "1969-12-31");
        assert_eq!(day_number(civil(2000, 2, 29)), 11_016);
        assert_eq!(date_of_day(11_016), civil(2000, 2, 29));
        assert_eq!(local_day(MIDNIGHT, &TimeZone::UTC), MIDNIGHT / 86_400);
        assert_eq!(
            local_day(MIDNIGHT - 1, &TimeZone::UTC),
            MIDNIGHT / 86_400 - 1
        );
        assert_eq!(day_label(MIDNIGHT / 86_400), "2026-01-15");
    }

    #[test]
    fn a_utc_midnight_is_no_boundary_in_los_angeles() {
        let la = zone("America/Los_Angeles");
        let today = MIDNIGHT / 86_400;
        // 23:00 and 01:00 UTC either side of midnight are 15:00 and 17:00 the
        // same afternoon in Los Angeles (UTC-8 in January).
        assert_eq!(local_day(MIDNIGHT - 3600, &la), today - 1);
        assert_eq!(local_day(MIDNIGHT + 3600, &la), today - 1);
        assert_ne!(
            local_day(MIDNIGHT - 3600, &TimeZone::UTC),
            local_day(MIDNIGHT + 3600, &TimeZone::UTC)
        );
        // The local day there ends at 08:00 UTC.
        assert_eq!(local_day(MIDNIGHT + 8 * 3600 - 1, &la), today - 1);
        assert_eq!(local_day(MIDNIGHT + 8 * 3600, &la), today);
        assert_eq!(day_start(today, &la), MIDNIGHT + 8 * 3600);
        assert_eq!(date_time(MIDNIGHT + 3600, &la), "2026-01-14 17:00");
        assert_eq!(date(MIDNIGHT + 3600, &la), "2026-01-14");
        // In summer (UTC-7) the local day ends an hour earlier, at 07:00 UTC.
        let july = MIDNIGHT + 181 * 86_400;
        assert_eq!(day_start(july / 86_400, &la), july + 7 * 3600);
    }

    #[test]
    fn kolkata_days_begin_at_18_30_utc() {
        let kolkata = zone("Asia/Kolkata");
        let today = MIDNIGHT / 86_400;
        // 18:29 and 18:30 UTC fall on different days in Kolkata (UTC+5:30)
        // but on the same day in UTC.
        let before = MIDNIGHT - 5 * 3600 - 31 * 60;
        let after = MIDNIGHT - 5 * 3600 - 30 * 60;
        assert_eq!(local_day(before, &kolkata), today - 1);
        assert_eq!(local_day(after, &kolkata), today);
        assert_eq!(
            local_day(before, &TimeZone::UTC),
            local_day(after, &TimeZone::UTC)
        );
        assert_eq!(day_start(today, &kolkata), after);
        assert_eq!(date_time(MIDNIGHT, &kolkata), "2026-01-15 05:30");
    }

    #[test]
    fn a_day_that_starts_after_a_skipped_midnight() {
        // Chile moved its clocks from 00:00 to 01:00 on 2022-09-11 (UTC-4 to UTC-3).
        let santiago = zone("America/Santiago");
        let day = day_number(civil(2022, 9, 11));
        let start = day_start(day, &santiago);
        assert_eq!(date_time(start, &santiago), "2022-09-11 01:00");
        assert_eq!(local_day(start - 1, &santiago), day - 1);
        assert_eq!(local_day(start, &santiago), day);
    }

    #[test]
    fn time_zone_names_are_validated() {
        let paris = zone("europe/PARIS");
        assert_eq!(time_zone_name(&paris), "Europe/Paris");
        assert_eq!(time_zone_name(&zone("UTC")), "UTC");
        for bad in [
            "",
            "   ",
            "Mars/Olympus_Mons",
            "Etc/Unknown",
            "../../etc/passwd",
        ] {
            assert!(parse_time_zone(bad).is_err(), "{bad:?}");
        }
        assert!(parse_time_zone(&"A/".repeat(40)).is_err());
        assert_eq!(time_zone_or_utc("Nowhere/Special"), TimeZone::UTC);
        let names = time_zone_names();
        assert!(names.iter().any(|n| n == "Asia/Kolkata"));
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn utc_date_times_both_ways() {
        let dt = utc_datetime(951_782_400);
        assert_eq!(dt, civil(2000, 2, 29).at(0, 0, 0, 0));
        assert_eq!(unix_at_offset(dt, 0), Ok(951_782_400));
        assert_eq!(unix_at_offset(dt, 3600), Ok(951_782_400 - 3600));
        assert!(unix_at_offset(dt, 100_000).is_err());
        assert_eq!(utc_datetime(i64::MAX).date().year(), 9999);
    }
}
