//! Wall-clock time for the whole app: one place that reads the system clock.

/// Seconds since the Unix epoch (UTC); 0 if the system clock is before 1970.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
