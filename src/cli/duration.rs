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
}
