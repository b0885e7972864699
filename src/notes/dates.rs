//! Unix times to and from TOML date-times (UTC), for the export format.

use toml::value::{Date, Datetime, Offset, Time};

/// A Unix time as a TOML date-time in UTC.
pub fn datetime(unix: i64) -> Datetime {
    let (year, month, day) = civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    Datetime {
        date: Some(Date {
            year: year.clamp(0, 9999) as u16,
            month: month as u8,
            day: day as u8,
        }),
        time: Some(Time {
            hour: (secs / 3600) as u8,
            minute: (secs % 3600 / 60) as u8,
            second: Some((secs % 60) as u8),
            nanosecond: None,
        }),
        offset: Some(Offset::Z),
    }
}

/// A TOML date-time (with an offset, or a plain date) as a Unix time.
pub fn unix(dt: Datetime) -> Result<i64, String> {
    let date = dt.date.ok_or("a date has no day")?;
    let days = days_from_civil(
        i64::from(date.year),
        i64::from(date.month),
        i64::from(date.day),
    );
    let (h, m, s) = dt.time.map_or((0, 0, 0), |t| {
        (
            i64::from(t.hour),
            i64::from(t.minute),
            i64::from(t.second.unwrap_or(0)),
        )
    });
    let offset_minutes = match dt.offset {
        Some(Offset::Custom { minutes }) => i64::from(minutes),
        Some(Offset::Z) | None => 0,
    };
    Ok(days * 86_400 + h * 3600 + m * 60 + s - offset_minutes * 60)
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A civil date to days since 1970-01-01 (the inverse of the above).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    }
}
