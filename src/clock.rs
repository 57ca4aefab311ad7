//! Time as agentview sees it: a monotonic clock, waiting, and the wall clock. Every wait in
//! agentview goes through a [`Clock`], so tests run the waits without real waiting.

#[cfg(test)]
pub mod fake;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A wait in async code.
pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// The clock a run shares between its parts.
pub type SharedClock = std::sync::Arc<dyn Clock>;

/// Injected so polls, retries and lock waits run in tests without real waiting.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Instant;
    /// Wait in async code, on tokio's timer: other tasks (Ctrl-C) keep running.
    fn sleep(&self, duration: Duration) -> Sleep<'_>;
    /// Wait in blocking code, which runs off the async thread (a store call under
    /// `spawn_blocking`, or a program without a runtime). Never call it from async code.
    fn pause(&self, duration: Duration);
    /// Wall-clock unix seconds (for expiry times shown to people and stored).
    fn unix_now(&self) -> u64;
    /// Wall-clock unix milliseconds (to order events between processes).
    fn unix_millis(&self) -> u64 {
        self.unix_now().saturating_mul(1000)
    }
}

/// The real clock: tokio's timer, `Instant` and `SystemTime`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep<'_> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn unix_now(&self) -> u64 {
        unix_now()
    }

    fn unix_millis(&self) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
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

/// The last second RFC 3339 can write (9999-12-31T23:59:59Z). Any time from a server or a
/// stored record is clamped to it before it meets `SystemTime` arithmetic or formatting.
pub const MAX_UNIX: u64 = 253_402_300_799;

/// "2026-11-24T14:05:09Z" for a unix time; times past year 9999 show as its last second.
pub fn iso8601(unix_secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix_secs.min(MAX_UNIX))).to_string()
}

/// Unix seconds of an RFC 3339 time with any offset (`Z`, `+02:00`, `-0530`, or none for
/// UTC), `T` or a space between date and time, fractions dropped. `None` for anything else,
/// and for times before 1970 or after year 9999.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() < 19 || !text.is_ascii() || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &text[range];
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest.as_bytes() {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => ([*h1, *h2], [*m1, *m2]),
                _ => return None,
            };
            let two = |d: [u8; 2]| {
                d.iter().all(u8::is_ascii_digit).then(|| i64::from(d[0] - b'0') * 10 + i64::from(d[1] - b'0'))
            };
            let (h, m) = (two(h)?, two(m)?);
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'+' { h * 3600 + m * 60 } else { -(h * 3600 + m * 60) }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let unix = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset;
    u64::try_from(unix).ok().filter(|t| *t <= MAX_UNIX)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A duration with a unit on every number, rounded up to the second: "45s", "9m05s",
/// "1h02m05s", and past a day "3d04h05m". Never "1:02", which reads as minutes or hours
/// depending on what stands beside it; the units are those `--timeout` takes.
pub fn countdown(d: Duration) -> String {
    let secs = d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0));
    let (days, hours, minutes, seconds) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    if days > 0 {
        format!("{days}d{hours:02}h{minutes:02}m")
    } else if hours > 0 {
        format!("{hours}h{minutes:02}m{seconds:02}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(countdown(Duration::from_millis(59_001)), "1m00s");
        assert_eq!(countdown(Duration::from_secs(45)), "45s");
        assert_eq!(countdown(Duration::ZERO), "0s");
        assert_eq!(countdown(Duration::from_secs(62)), "1m02s");
        assert_eq!(countdown(Duration::from_secs(600)), "10m00s");
        assert_eq!(countdown(Duration::from_secs(3600)), "1h00m00s");
        assert_eq!(countdown(Duration::from_secs(3725)), "1h02m05s");
        assert_eq!(countdown(Duration::from_secs(3 * 86_400 + 4 * 3600 + 5 * 60 + 6)), "3d04h05m");
        assert_eq!(countdown(Duration::from_secs(u64::MAX)), "213503982334601d07h00m");
        assert_eq!(countdown(Duration::MAX), "213503982334601d07h00m");
        assert_eq!(utc_time_of_day(1_893_456_000 + 3 * 3600 + 62), "03:01:02 UTC");
        assert_eq!(iso8601(1_893_456_000), "2030-01-01T00:00:00Z");
        assert_eq!(until_next_minute(120), Duration::from_secs(61));
        assert_eq!(until_next_minute(179), Duration::from_secs(2));
    }

    #[test]
    fn times_past_year_9999_do_not_panic() {
        assert_eq!(iso8601(u64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(iso8601(4_070_908_800_000), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn rfc3339_with_offsets() {
        let utc = 4_070_908_800; // 2099-01-01T00:00:00Z
        assert_eq!(parse_rfc3339("2099-01-01T00:00:00Z"), Some(utc));
        assert_eq!(parse_rfc3339("2099-01-01T00:00:00+02:00"), Some(utc - 7200));
        assert_eq!(parse_rfc3339("2099-01-01T00:00:00-0530"), Some(utc + 19_800));
        assert_eq!(parse_rfc3339(" 2099-01-01 00:00:00.123456789z "), Some(utc));
        assert_eq!(parse_rfc3339("2099-01-01T00:00:00"), Some(utc));
        assert_eq!(parse_rfc3339("2030-01-01T00:00:00Z"), Some(1_893_456_000));
        assert_eq!(parse_rfc3339("2024-02-29T12:00:00Z"), Some(1_709_208_000));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("9999-12-31T23:59:59Z"), Some(MAX_UNIX));
        for bad in [
            "",
            "soon",
            "2099-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2099-01-01T24:00:00Z",
            "2099-01-01T00:00:00+2:00",
            "2099-01-01T00:00:00+02:00x",
            "2099-01-01T00:00:00.Z",
            "1969-12-31T23:59:59Z",
            "9999-12-31T23:59:59-01:00",
            "+209-01-01T00:00:00Z",
            "2099-01-01\u{e9}00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
