//! Time as the login flow sees it: a monotonic clock, sleeping, and the wall clock.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Injected so the poll loop runs in tests without real waiting.
pub trait Clock {
    fn now(&self) -> Instant;
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
    /// Wall-clock unix seconds (for expiry times shown to people and stored).
    fn unix_now(&self) -> u64;
}

/// The real clock: tokio's timer, `Instant` and `SystemTime`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn unix_now(&self) -> u64 {
        unix_now()
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Time until the next UTC minute starts, plus a second of margin for clock skew.
pub fn until_next_minute(unix_secs: u64) -> Duration {
    Duration::from_secs(60 - unix_secs % 60 + 1)
}

/// "14:05:09 UTC" for a unix time.
pub fn utc_time_of_day(unix_secs: u64) -> String {
    let day = unix_secs % 86_400;
    format!("{:02}:{:02}:{:02} UTC", day / 3600, day % 3600 / 60, day % 60)
}

/// "2026-11-24T14:05:09Z" for a unix time.
pub fn iso8601(unix_secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix_secs)).to_string()
}

/// "9:05" (minutes:seconds) or "1:02:03" for a duration, rounded up to the second.
pub fn countdown(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(countdown(Duration::from_millis(59_001)), "1:00");
        assert_eq!(countdown(Duration::from_secs(600)), "10:00");
        assert_eq!(countdown(Duration::from_secs(3725)), "1:02:05");
        assert_eq!(utc_time_of_day(1_893_456_000 + 3 * 3600 + 62), "03:01:02 UTC");
        assert_eq!(iso8601(1_893_456_000), "2030-01-01T00:00:00Z");
        assert_eq!(until_next_minute(120), Duration::from_secs(61));
        assert_eq!(until_next_minute(179), Duration::from_secs(2));
    }
}
