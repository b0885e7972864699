//! Unix times to and from TOML date-times (UTC), for the export format.
//! The calendar arithmetic is [`crate::clock`]'s; this maps its civil
//! date-times onto TOML's fields.

use jiff::civil::{Date as CivilDate, DateTime, Time as CivilTime};
use toml::value::{Date, Datetime, Offset, Time};

use crate::clock;

/// A Unix time as a TOML date-time in UTC (years clamped to 0..=9999).
pub fn datetime(unix: i64) -> Datetime {
    let dt = clock::utc_datetime(unix);
    Datetime {
        date: Some(Date {
            year: dt.year().clamp(0, 9999) as u16,
            month: dt.month() as u8,
            day: dt.day() as u8,
        }),
        time: Some(Time {
            hour: dt.hour() as u8,
            minute: dt.minute() as u8,
            second: Some(dt.second() as u8),
            nanosecond: None,
        }),
        offset: Some(Offset::Z),
    }
}

/// A TOML date-time (with an offset, or a plain date, read as UTC) as a
/// Unix time.
///
/// Errors: a readable message for a time without a date, or a date or time
/// out of range.
pub fn unix(dt: Datetime) -> Result<i64, String> {
    let date = dt.date.ok_or("a date has no day")?;
    let date = CivilDate::new(
        i16::try_from(date.year).map_err(|_| "the year is out of range")?,
        date.month as i8,
        date.day as i8,
    )
    .map_err(|_| "the date does not exist")?;
    let time = match dt.time {
        Some(t) => CivilTime::new(
            t.hour as i8,
            t.minute as i8,
            t.second.unwrap_or(0).min(59) as i8,
            0,
        )
        .map_err(|_| "the time does not exist")?,
        None => CivilTime::midnight(),
    };
    let offset_seconds = match dt.offset {
        Some(Offset::Custom { minutes }) => i32::from(minutes) * 60,
        Some(Offset::Z) | None => 0,
    };
    clock::unix_at_offset(DateTime::from_parts(date, time), offset_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways() {
        for t in [0, 951_782_400, 1_795_000_000, 4_102_444_799] {
            assert_eq!(unix(datetime(t)).unwrap(), t);
        }
        let dt: Datetime = "2024-01-01T02:00:00+02:00".parse().unwrap();
        assert_eq!(unix(dt).unwrap(), 1_704_067_200);
        let day: Datetime = "2024-01-01".parse().unwrap();
        assert_eq!(unix(day).unwrap(), 1_704_067_200);
    }

    #[test]
    fn impossible_dates_are_errors() {
        let time_only: Datetime = "02:00:00".parse().unwrap();
        assert!(unix(time_only).is_err());
        let bad = Datetime {
            date: Some(Date {
                year: 2023,
                month: 2,
                day: 29,
            }),
            time: None,
            offset: None,
        };
        assert!(unix(bad).is_err());
    }
}
