//! Durations as people type them on the command line: `90`, `90s`, `5m`, `1h`, `1h30m`.

use std::time::Duration;

/// The longest `--timeout` accepted (one day).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// Parse `90`, `90s`, `5m`, `1h`, `1h30m` (a bare number is seconds).
pub fn parse(raw: &str) -> Result<Duration, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("an empty duration; use e.g. 90, 90s, 5m or 1h".into());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u64>().map(Duration::from_secs).map_err(|_| format!("\"{raw}\" is too large"));
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(format!("\"{raw}\" is not a duration; use e.g. 90, 90s, 5m or 1h")),
        };
        let value: u64 = number
            .parse()
            .map_err(|_| format!("\"{raw}\" is not a duration; a number must come before each unit (e.g. 1h30m)"))?;
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("\"{raw}\" is too large"))?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!("\"{raw}\" ends without a unit; use e.g. 1h30m, not 1h30"));
    }
    Ok(Duration::from_secs(total))
}

/// clap's value parser for `--timeout`: whole seconds between 1 s and one day.
pub fn parse_timeout_secs(raw: &str) -> Result<u64, String> {
    let duration = parse(raw)?;
    if duration.is_zero() || duration > MAX_TIMEOUT {
        return Err(format!("\"{raw}\" is outside 1s..24h"));
    }
    Ok(duration.as_secs())
}

/// "90 s", "5 min", "1 h 30 min": how agentview says a duration back.
pub fn describe(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

/// Which limit ends a wait, in words that keep "your --timeout" apart from "the server's login
/// window": `timeout` is the user's `--timeout`, `window` the server's window, both from now.
pub fn wait_limit(timeout: Option<Duration>, window: Duration, now_unix: u64) -> String {
    let at = |d: Duration| crate::clock::utc_time_of_day(now_unix + d.as_secs());
    match timeout {
        Some(t) if t < window => format!(
            "your --timeout ({}) ends the wait at {}; the server's login window stays open until {} ({})",
            describe(t),
            at(t),
            at(window),
            describe(window)
        ),
        _ => format!("the server's login window closes at {} (in {})", at(window), describe(window)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_people_type() {
        for (raw, secs) in [("90", 90), ("90s", 90), ("5m", 300), ("1h", 3600), ("1h30m", 5400), (" 2m ", 120)] {
            assert_eq!(parse(raw), Ok(Duration::from_secs(secs)), "{raw}");
        }
    }

    #[test]
    fn refuses_with_a_reason() {
        for raw in ["", "5x", "m", "1h30", "-5", "1.5m", "5 m"] {
            let err = parse(raw).expect_err(raw);
            assert!(!err.contains("invalid digit"), "{raw}: {err}");
        }
        assert!(parse_timeout_secs("0").is_err());
        assert!(parse_timeout_secs("25h").is_err());
        assert_eq!(parse_timeout_secs("24h"), Ok(86_400));
    }

    #[test]
    fn the_limit_that_ends_the_wait_is_named() {
        let ten_min = Duration::from_secs(600);
        let text = wait_limit(Some(Duration::from_secs(3)), ten_min, 0);
        assert_eq!(
            text,
            "your --timeout (3 s) ends the wait at 00:00:03 UTC; the server's login window stays open until \
             00:10:00 UTC (10 min)"
        );
        let text = wait_limit(None, ten_min, 0);
        assert_eq!(text, "the server's login window closes at 00:10:00 UTC (in 10 min)");
        assert!(wait_limit(Some(Duration::from_secs(3600)), ten_min, 0).starts_with("the server's"));
    }

    #[test]
    fn says_durations_back() {
        assert_eq!(describe(Duration::from_secs(90)), "1 min 30 s");
        assert_eq!(describe(Duration::from_secs(3)), "3 s");
        assert_eq!(describe(Duration::from_secs(600)), "10 min");
        assert_eq!(describe(Duration::from_secs(5400)), "1 h 30 min");
    }
}
