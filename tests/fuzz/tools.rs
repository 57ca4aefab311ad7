//! The tool-result reader on arbitrary JSON and on mutated valid results: no panic, and whatever
//! it accepts is usable (a storable token, a sane window, terminal-safe text).

use agentview::fuzzing::{Polled, Terminal, ToolFailure, check_token_shape, parse_created, parse_polled};
use serde_json::{Value, json};

use super::generate::Rng;
use super::text::assert_terminal_safe;

const KEYS: &[&str] = &[
    "content",
    "structuredContent",
    "isError",
    "type",
    "text",
    "result",
    "sessionRequestId",
    "session_request_id",
    "loginUrl",
    "login_url",
    "pollUrl",
    "expiresIn",
    "expires_in",
    "status",
    "token",
    "accessToken",
    "access_token",
    "bearerToken",
    "tokenExpiresAt",
    "expiresAt",
    "user",
    "name",
    "email",
    "id",
    "interval",
    "retryAfter",
];

fn valid_created(rng: &mut Rng) -> Value {
    json!({"sessionRequestId": "s1", "loginUrl": "https://127.0.0.1/login/s1", "pollUrl": "x", "expiresIn": rng.json(0, KEYS)})
}

fn valid_polled(rng: &mut Rng) -> Value {
    let status = *rng.pick(&["pending", "active", "denied", "expired", "consumed"]);
    json!({"status": status, "sessionRequestId": "s1", "token": "tok_1", "tokenExpiresAt": "2030-01-01T00:00:00Z",
           "user": {"name": "Ada", "id": 1}, "interval": 3})
}

/// Put `object` in one of the shapes servers use, then break it a little.
fn wrap_and_mutate(rng: &mut Rng, mut object: Value) -> Value {
    for _ in 0..rng.below(4) {
        let Value::Object(map) = &mut object else { break };
        let key = (*rng.pick(KEYS)).to_string();
        if rng.chance(30) {
            map.remove(&key);
        } else {
            map.insert(key, rng.json(2, KEYS));
        }
    }
    let text = if rng.chance(10) { rng.string(30) } else { object.to_string() };
    let mut result = json!({"content": [{"type": "text", "text": text}]});
    match rng.below(4) {
        0 => result["structuredContent"] = object,
        1 => result["structuredContent"] = json!({"result": object}),
        2 => {}
        _ => result["structuredContent"] = rng.json(2, KEYS),
    }
    if rng.chance(15) {
        result["isError"] = if rng.chance(70) { json!(true) } else { rng.json(0, KEYS) };
    }
    if rng.chance(10) {
        result["content"] = rng.json(2, KEYS);
    }
    result
}

fn check_failure(failure: &ToolFailure) {
    assert_terminal_safe(&failure.to_string());
}

pub fn one_case(rng: &mut Rng) {
    let result = match rng.below(3) {
        0 => rng.json(4, KEYS),
        1 => {
            let created = valid_created(rng);
            wrap_and_mutate(rng, created)
        }
        _ => {
            let polled = valid_polled(rng);
            wrap_and_mutate(rng, polled)
        }
    };
    match parse_created(&result) {
        Ok(created) => {
            assert!(check_token_shape(&created.session_request_id).is_ok(), "{result}");
            assert!(created.session_request_id.len() <= 512);
            assert!(created.window.as_secs() >= 1 && created.window.as_secs() <= 24 * 3600, "{result}");
            created.warnings.iter().for_each(|w| assert_terminal_safe(w));
        }
        Err(failure) => check_failure(&failure),
    }
    match parse_polled(&result, "s1") {
        Ok(Polled::Active(active)) => {
            if let Some(token) = &active.token {
                assert!(check_token_shape(token.expose()).is_ok(), "{result}");
            }
            active.warnings.iter().for_each(|w| assert_terminal_safe(w));
        }
        Ok(Polled::Ended(Terminal::Other(status))) => assert_terminal_safe(&status),
        Ok(Polled::Ended(_)) => {}
        Ok(Polled::Pending { interval }) => {
            if let Some(i) = interval {
                assert!(i.as_secs_f64() > 0.0 && i.as_secs() <= 300, "{result}");
            }
        }
        Err(failure) => check_failure(&failure),
    }
}
