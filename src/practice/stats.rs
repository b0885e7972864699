//! Progress statistics on day numbers: a member's local civil dates counted
//! in days since 1970-01-01 (see [`crate::clock::local_day`]).

use crate::clock::{self, TimeZone};

/// `(day, answers)` per active day, in day order, from answer times (Unix
/// seconds) read in the member's time zone.
pub fn daily_counts(times: impl IntoIterator<Item = i64>, zone: &TimeZone) -> Vec<(i64, i64)> {
    let mut days: Vec<i64> = times
        .into_iter()
        .map(|t| clock::local_day(t, zone))
        .collect();
    days.sort_unstable();
    let mut counts: Vec<(i64, i64)> = Vec::new();
    for day in days {
        match counts.last_mut() {
            Some((d, n)) if *d == day => *n += 1,
            _ => counts.push((day, 1)),
        }
    }
    counts
}

/// Current and longest runs of consecutive active days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streaks {
    /// Days in the run that includes today or yesterday (0 if none).
    pub current: u32,
    pub longest: u32,
}

/// Streaks from the days on which the member answered at least once.
pub fn streaks(active_days: &[i64], today: i64) -> Streaks {
    let mut days: Vec<i64> = active_days
        .iter()
        .copied()
        .filter(|d| *d <= today)
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut longest = 0;
    let mut run = 0;
    let mut prev: Option<i64> = None;
    for &d in &days {
        run = if prev == Some(d - 1) { run + 1 } else { 1 };
        longest = longest.max(run);
        prev = Some(d);
    }
    let current = match days.last() {
        Some(&last) if last >= today - 1 => run,
        _ => 0,
    };
    Streaks { current, longest }
}

/// One square of the activity heatmap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatCell {
    pub day: i64,
    pub count: i64,
    /// Column (week) from the left, 0-based.
    pub week: u32,
    /// Row: 0 = Monday … 6 = Sunday.
    pub weekday: u32,
    /// Shade 0 (none) to 4 (most).
    pub level: u8,
}

/// Day of the week of a day number: 0 = Monday.
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// The cells of a 53-week heatmap ending today; `counts` are `(day, answers)`.
pub fn heatmap(counts: &[(i64, i64)], today: i64) -> Vec<HeatCell> {
    let start = today - 52 * 7 - i64::from(weekday(today));
    let max = counts
        .iter()
        .filter(|(d, _)| *d >= start && *d <= today)
        .map(|(_, c)| *c)
        .max()
        .unwrap_or(0);
    (start..=today)
        .map(|day| {
            let count = counts
                .iter()
                .find(|(d, _)| *d == day)
                .map(|(_, c)| *c)
                .unwrap_or(0);
            let level = if count == 0 || max == 0 {
                0
            } else {
                (1 + (count - 1) * 4 / max).min(4) as u8
            };
            HeatCell {
                day,
                count,
                week: ((day - start) / 7) as u32,
                weekday: weekday(day),
                level,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaks_on_a_fixed_calendar() {
        let today = 20_000;
        assert_eq!(
            streaks(&[], today),
            Streaks {
                current: 0,
                longest: 0
            }
        );
        assert_eq!(
            streaks(&[today], today),
            Streaks {
                current: 1,
                longest: 1
            }
        );
        let days = [
            today - 10,
            today - 9,
            today - 8,
            today - 7,
            today - 2,
            today - 1,
        ];
        assert_eq!(
            streaks(&days, today),
            Streaks {
                current: 2,
                longest: 4
            },
            "yesterday keeps it alive"
        );
        let days = [today - 5, today - 4, today - 3];
        assert_eq!(
            streaks(&days, today),
            Streaks {
                current: 0,
                longest: 3
            },
            "a gap ends it"
        );
        let days = [today, today, today - 1, today + 3];
        assert_eq!(
            streaks(&days, today),
            Streaks {
                current: 2,
                longest: 2
            },
            "dupes and future ignored"
        );
    }

    #[test]
    fn answers_count_on_the_local_day() {
        // 2026-03-09 23:00 and 2026-03-10 01:00 UTC; 15:00 and 17:00 on
        // 2026-03-09 in Los Angeles.
        let times = [1_773_100_800 + 3600, 1_773_100_800 - 3600];
        let utc = daily_counts(times, &TimeZone::UTC);
        assert_eq!(utc, vec![(20_521, 1), (20_522, 1)]);
        let la = clock::parse_time_zone("America/Los_Angeles").unwrap();
        assert_eq!(daily_counts(times, &la), vec![(20_521, 2)]);
        let days: Vec<i64> = daily_counts(times, &la).iter().map(|c| c.0).collect();
        assert_eq!(streaks(&days, 20_521).longest, 1);
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(weekday(4), 0, "1970-01-05 was a Monday");
    }

    #[test]
    fn heatmap_spans_a_year_aligned_to_weeks() {
        let today = 20_000;
        let cells = heatmap(&[(today, 8), (today - 1, 1), (today - 400, 5)], today);
        assert_eq!(
            cells.first().map(|c| c.weekday),
            Some(0),
            "starts on a Monday"
        );
        assert_eq!(cells.last().map(|c| c.day), Some(today));
        assert!(cells.len() >= 365 && cells.len() <= 371);
        let last = cells.last().unwrap();
        assert_eq!((last.count, last.level), (8, 4));
        assert_eq!(cells[cells.len() - 2].level, 1);
        assert!(cells.iter().all(|c| c.week <= 52));
    }
}

/// A member's progress on one level.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LevelProgress {
    /// Questions in the bank at this level.
    pub total: usize,
    /// Questions answered at least once.
    pub seen: usize,
    /// Answers graded by the app and right ones (for accuracy).
    pub graded: i64,
    pub right: i64,
    /// Self-rated open answers and those rated Good or Easy: kept apart
    /// from the graded ones.
    pub self_rated: i64,
    pub self_good: i64,
    /// Cards with stability of at least [`super::MASTERED_STABILITY`] days.
    pub mastered: usize,
}

impl LevelProgress {
    /// Right answers as a whole percentage of graded ones, if any.
    pub fn accuracy(&self) -> Option<i64> {
        (self.graded > 0).then(|| (self.right * 100 + self.graded / 2) / self.graded)
    }

    /// Seen questions as a whole percentage of the level.
    pub fn seen_percent(&self) -> usize {
        (self.seen * 100).checked_div(self.total).unwrap_or(0)
    }

    /// Adds one question's record.
    pub fn add_record(&mut self, graded: i64, right: i64) {
        self.seen += 1;
        self.graded += graded;
        self.right += right;
    }

    /// Adds one question's self-rated answers (no change to `seen`).
    pub fn add_self_rated(&mut self, rated: i64, good: i64) {
        self.self_rated += rated;
        self.self_good += good;
    }

    /// Counts a card if mastered.
    pub fn add_card(&mut self, stability: f64) {
        if stability >= crate::practice::MASTERED_STABILITY {
            self.mastered += 1;
        }
    }
}

#[cfg(test)]
mod progress_tests {
    use super::*;

    #[test]
    fn level_progress() {
        let mut p = LevelProgress {
            total: 20,
            ..Default::default()
        };
        assert_eq!(p.accuracy(), None);
        p.add_record(3, 2);
        p.add_record(1, 0);
        p.add_card(30.0);
        p.add_card(20.9);
        assert_eq!(
            (p.seen, p.mastered, p.accuracy(), p.seen_percent()),
            (2, 1, Some(50), 10)
        );
    }
}
