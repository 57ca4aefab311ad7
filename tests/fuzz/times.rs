//! A property test over the server's time fields: whatever `expiresIn` or `tokenExpiresAt`
//! holds (integers up to u64::MAX, floats, numeric strings, RFC 3339 with any offset, junk),
//! the login window stays within a day, a token expiry is in the future and before year 10000,
//! a lifetime is at most ten years, and formatting them never panics. Valid RFC 3339 times
//! with offsets parse to the same instant as their UTC form does in humantime.

use std::time::UNIX_EPOCH;

use agentview::fuzzing::{
    MAX_LIFETIME_SECS, MAX_UNIX, MAX_WINDOW, Polled, iso8601, parse_created, parse_polled_at, parse_rfc3339,
};
use serde_json::{Value, json};

use super::generate::Rng;
use super::text::assert_terminal_safe;

const NOW: u64 = 1_900_000_000;

fn integer(rng: &mut Rng) -> u64 {
    let edges =
        [0, 1, 59, 600, 86_400, 86_401, 3_153_600_000, 4_070_908_800, 4_070_908_800_000, MAX_UNIX, MAX_UNIX + 1];
    match rng.below(4) {
        0 => *rng.pick(&edges),
        1 => u64::MAX - rng.below(3) as u64,
        2 => rng.next() >> rng.below(64),
        _ => rng.next(),
    }
}

fn float(rng: &mut Rng) -> f64 {
    let edges = [0.0, -0.0, 0.5, 1.0, 1e11, 1e19, 1.8446744073709552e19, 1e300, f64::MAX, f64::MIN_POSITIVE, -1.0];
    if rng.chance(40) { *rng.pick(&edges) } else { f64::from_bits(rng.next()) }
}

/// A valid RFC 3339 time (1970..=9999 in UTC terms or near it) and its offset in seconds.
fn rfc3339(rng: &mut Rng) -> (String, i64) {
    let year = 1970 + rng.below(8030);
    let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
    let (h, m, s) = (rng.below(24), rng.below(60), rng.below(60));
    let fraction = if rng.chance(30) { format!(".{}", rng.next() % 1_000_000_000) } else { String::new() };
    let (oh, om) = (rng.below(24), rng.below(60));
    let (zone, offset) = match rng.below(4) {
        0 => ("Z".to_owned(), 0),
        1 => (format!("+{oh:02}:{om:02}"), (oh * 3600 + om * 60) as i64),
        2 => (format!("-{oh:02}:{om:02}"), -((oh * 3600 + om * 60) as i64)),
        _ => (format!("+{oh:02}{om:02}"), (oh * 3600 + om * 60) as i64),
    };
    let sep = *rng.pick(&["T", "t", " "]);
    (format!("{year:04}-{month:02}-{day:02}{sep}{h:02}:{m:02}:{s:02}{fraction}{zone}"), offset)
}

fn time_value(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => json!(integer(rng)),
        1 => json!(-(integer(rng) as i64).abs()),
        2 => serde_json::Number::from_f64(float(rng)).map_or(Value::Null, Value::Number),
        3 => json!(integer(rng).to_string()),
        4 => json!(format!(" {} ", float(rng))),
        5 | 6 => json!(rfc3339(rng).0),
        7 => {
            let mut s = rfc3339(rng).0;
            let at = rng.below(s.len());
            s.replace_range(at..=at, &rng.char().to_string());
            json!(s)
        }
        _ => json!(rng.string(30)),
    }
}

pub fn one_case(rng: &mut Rng) {
    let (expires_in, expires_at) = (time_value(rng), time_value(rng));
    let created = json!({"structuredContent": {"sessionRequestId": "s1", "loginUrl": "https://a.example/l", "expiresIn": expires_in}});
    if let Ok(created) = parse_created(&created) {
        assert!(created.window.as_secs() >= 1 && created.window <= MAX_WINDOW, "{expires_in}");
        created.warnings.iter().for_each(|w| assert_terminal_safe(w));
    }
    let mut fields = json!({"status": "active", "token": "tok_1"});
    if rng.chance(70) {
        fields["expiresIn"] = expires_in.clone();
    }
    if rng.chance(70) {
        fields["tokenExpiresAt"] = expires_at.clone();
    }
    if let Ok(Polled::Active(active)) = parse_polled_at(&json!({"structuredContent": fields}), "s1", NOW) {
        if let Some(at) = active.expires_at {
            assert!(at > NOW && at <= MAX_UNIX, "{expires_at} -> {at}");
            assert!(!iso8601(at).is_empty());
        }
        if let Some(secs) = active.expires_in {
            assert!((1..=MAX_LIFETIME_SECS).contains(&secs), "{expires_in} -> {secs}");
            assert!(!iso8601(NOW.saturating_add(secs)).is_empty());
        }
        active.warnings.iter().for_each(|w| assert_terminal_safe(w));
    }
    // The parser agrees with humantime on every valid time, whatever the offset.
    let (text, offset) = rfc3339(rng);
    let utc_form = format!("{}Z", &text[..19].replace(['t', ' '], "T"));
    let reference = humantime::parse_rfc3339(&utc_form).ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok());
    let expected = reference.and_then(|d| u64::try_from(d.as_secs() as i64 - offset).ok()).filter(|t| *t <= MAX_UNIX);
    assert_eq!(parse_rfc3339(&text), expected, "{text}");
    assert!(!iso8601(integer(rng)).is_empty());
}
