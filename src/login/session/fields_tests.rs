//! Tests of the tool-result reader: every shape, every field rule, every failure.

use super::*;
use crate::login::wait::SESSION_WINDOW;
use serde_json::json;

fn structured(v: Value) -> Value {
    json!({"content": [{"type": "text", "text": v.to_string()}], "structuredContent": v})
}

fn text_only(v: Value) -> Value {
    json!({"content": [{"type": "text", "text": v.to_string()}]})
}

#[test]
fn created_from_every_shape() {
    let fields = json!({"sessionRequestId": "s1", "loginUrl": "https://agentview.de/l/s1", "expiresIn": 300});
    let snake = json!({"session_request_id": "s1", "login_url": "https://agentview.de/l/s1", "expires_in": 300});
    for result in [
        structured(fields.clone()),
        text_only(fields.clone()),
        text_only(snake.clone()),
        json!({"content": [], "structuredContent": {"result": fields.clone()}}),
        text_only(json!({"result": fields.clone()})),
    ] {
        let created = parse_created(&result).expect("parses");
        assert_eq!(created.session_request_id, "s1");
        assert_eq!(created.login_url, "https://agentview.de/l/s1");
        assert_eq!(created.window, Duration::from_secs(300));
        assert!(created.warnings.is_empty());
    }
}

#[test]
fn nonsense_windows_fall_back_with_a_warning() {
    for bad in [json!(-5), json!(0), json!(1e12)] {
        let r = structured(json!({"sessionRequestId": "s", "loginUrl": "https://a.de/x", "expiresIn": bad}));
        let created = parse_created(&r).expect("parses");
        assert_eq!(created.window, SESSION_WINDOW);
        assert_eq!(created.warnings.len(), 1);
    }
    let r = structured(json!({"sessionRequestId": "s", "loginUrl": "https://a.de/x"}));
    assert_eq!(parse_created(&r).expect("parses").window, SESSION_WINDOW);
    let r = structured(json!({"sessionRequestId": "s", "loginUrl": "https://a.de/x", "expiresIn": "ten minutes"}));
    assert!(matches!(parse_created(&r), Err(ToolFailure::Malformed(m)) if m.contains("expiresIn")));
}

#[test]
fn windows_as_integer_float_or_numeric_string() {
    for value in [json!(300), json!(300.9), json!("300"), json!(" 300.0 ")] {
        let r = structured(json!({"sessionRequestId": "s", "loginUrl": "https://a.de/x", "expiresIn": value}));
        let created = parse_created(&r).expect("parses");
        assert_eq!(created.window, Duration::from_secs(300), "{value}");
        assert!(created.warnings.is_empty(), "{value}");
    }
    for absurd in [json!(u64::MAX), json!(4_070_908_800_000u64), json!("1e300"), json!(-1)] {
        let r = structured(json!({"sessionRequestId": "s", "loginUrl": "https://a.de/x", "expiresIn": absurd}));
        assert_eq!(parse_created(&r).expect("parses").window, SESSION_WINDOW, "{absurd}");
    }
}

#[test]
fn token_times_are_parsed_or_dropped_with_a_warning() {
    let now = 1_900_000_000;
    let active = |extra: serde_json::Value| {
        let mut fields = json!({"status": "active", "token": "tok_1"});
        for (k, v) in extra.as_object().expect("object") {
            fields[k] = v.clone();
        }
        parse_polled_at(&structured(fields), "s1", now)
    };
    let at = |extra| match active(extra) {
        Ok(Polled::Active(a)) => (a.expires_at, a.expires_in, a.warnings.len()),
        other => panic!("{other:?}"),
    };
    let utc = 4_070_908_800;
    assert_eq!(at(json!({"tokenExpiresAt": "2099-01-01T00:00:00+02:00"})), (Some(utc - 7200), None, 0));
    assert_eq!(at(json!({"tokenExpiresAt": utc})), (Some(utc), None, 0));
    assert_eq!(at(json!({"tokenExpiresAt": utc * 1000})), (Some(utc), None, 0));
    assert_eq!(at(json!({"tokenExpiresAt": "4070908800"})), (Some(utc), None, 0));
    assert_eq!(at(json!({"tokenExpiresAt": u64::MAX})), (None, None, 1));
    assert_eq!(at(json!({"tokenExpiresAt": true})), (None, None, 1));
    assert_eq!(at(json!({"expiresIn": 3600})), (None, Some(3600), 0));
    assert_eq!(at(json!({"expiresIn": "3600.5"})), (None, Some(3600), 0));
    assert_eq!(at(json!({"expiresIn": 4_070_908_800_000u64})), (None, None, 1));
    assert_eq!(at(json!({"expiresIn": u64::MAX})), (None, None, 1));
    assert_eq!(at(json!({"expiresIn": 0})), (None, None, 1));
    let past = active(json!({"tokenExpiresAt": "2001-01-01T00:00:00Z"}));
    assert!(matches!(past, Err(ToolFailure::Malformed(ref m)) if m.contains("already expired")), "{past:?}");
}

#[test]
fn malformed_results_name_the_field() {
    let cases = [
        (structured(json!({"sessionRequestId": 5, "loginUrl": "u"})), "sessionRequestId"),
        (structured(json!({"sessionRequestId": "s"})), "loginUrl"),
        (text_only(json!("just a string")), "a string"),
        (json!({"content": [{"type": "text", "text": "<html>oops</html>"}]}), "not JSON"),
        (json!({"content": []}), "no structured content"),
        (json!([1]), "an array"),
        (structured(json!({"sessionRequestId": "a b", "loginUrl": "u"})), "sessionRequestId"),
    ];
    for (result, needle) in cases {
        match parse_created(&result) {
            Err(ToolFailure::Malformed(m)) => assert!(m.contains(needle), "{m:?} should mention {needle}"),
            other => panic!("expected Malformed for {result}, got {other:?}"),
        }
    }
}

#[test]
fn errors_and_policy_denials() {
    let denied = json!({"isError": true, "content": [{"type": "text", "text": "[INTERCEPT POLICY DENIED] rate limit exceeded"}]});
    assert!(matches!(parse_created(&denied), Err(ToolFailure::Policy(_))));
    let limited = json!({"isError": true, "content": [{"type": "text", "text": "Rate limit: 30/min"}]});
    assert!(matches!(parse_polled(&limited, "s"), Err(ToolFailure::Policy(_))));
    let failed = json!({"isError": true, "content": [{"type": "text", "text": "unknown session \u{1b}[31m"}]});
    match parse_polled(&failed, "s") {
        Err(ToolFailure::Failed(m)) => assert_eq!(m, "unknown session [31m"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn polled_statuses() {
    let p = |v: Value| parse_polled(&structured(v), "s1");
    assert_eq!(p(json!({"status": "pending"})), Ok(Polled::Pending { interval: None }));
    assert_eq!(
        p(json!({"status": "PENDING", "interval": 5})),
        Ok(Polled::Pending { interval: Some(Duration::from_secs(5)) })
    );
    assert_eq!(p(json!({"status": "Denied"})), Ok(Polled::Ended(Terminal::Denied)));
    assert_eq!(p(json!({"status": " REJECTED "})), Ok(Polled::Ended(Terminal::Denied)));
    assert_eq!(p(json!({"status": "canceled"})), Ok(Polled::Ended(Terminal::Cancelled)));
    assert_eq!(p(json!({"status": "expired"})), Ok(Polled::Ended(Terminal::Expired)));
    assert_eq!(p(json!({"status": "consumed"})), Ok(Polled::Ended(Terminal::Consumed)));
    assert_eq!(p(json!({"status": "weird\u{1b}]8;;x"})), Ok(Polled::Ended(Terminal::Other("weird]8;;x".into()))));
    assert!(matches!(p(json!({"status": 3})), Err(ToolFailure::Malformed(_))));
}

#[test]
fn active_with_token_expiry_and_user() {
    let r = structured(json!({
        "status": "active", "accessToken": "tok123", "tokenExpiresAt": "2030-01-01T00:00:00Z",
        "user": {"name": "Ada", "email": "ada@example.org", "id": 42}
    }));
    let Ok(Polled::Active(a)) = parse_polled(&r, "s1") else { panic!("active") };
    assert_eq!(a.token.as_ref().map(|t| t.expose()), Some("tok123"));
    assert_eq!(a.expires_at, Some(1_893_456_000));
    assert_eq!(a.user.as_ref().and_then(|u| u.id.as_deref()), Some("42"));
}

#[test]
fn active_without_token_binds_our_session_id_unless_another_is_named() {
    let bound = structured(json!({"status": "active", "sessionRequestId": "s1"}));
    let Ok(Polled::Active(a)) = parse_polled(&bound, "s1") else { panic!("active") };
    assert!(a.token.is_none());
    // Identity bound to our session request id need not be echoed (agentView's newer servers).
    let silent = parse_polled(&structured(json!({"status": "active"})), "s1");
    assert!(matches!(silent, Ok(Polled::Active(ref a)) if a.token.is_none()), "{silent:?}");
    assert!(parse_polled(&structured(json!({"status": "active", "sessionRequestId": "other"})), "s1").is_err());
}

#[test]
fn tokens_with_control_characters_are_refused() {
    for bad in ["a\nb", "tok\u{1b}[0m", "", "sp ace"] {
        let r = structured(json!({"status": "active", "token": bad, "sessionRequestId": "s1"}));
        let parsed = parse_polled(&r, "s1");
        if bad.is_empty() {
            // An empty token counts as absent: the session id then binds identity.
            assert!(matches!(parsed, Ok(Polled::Active(ref a)) if a.token.is_none()));
        } else {
            assert!(matches!(parsed, Err(ToolFailure::Malformed(ref m)) if m.contains("refusing")), "{bad:?}");
        }
    }
}

#[test]
fn malformed_expiry_is_echoed_only_when_it_looks_like_a_time() {
    let warning = |expiry: &str| {
        let r = structured(json!({"status": "active", "token": "tok_secret_1", "tokenExpiresAt": expiry}));
        let Ok(Polled::Active(a)) = parse_polled(&r, "s1") else { panic!("active") };
        assert_eq!(a.expires_at, None);
        a.warnings.join("\n")
    };
    assert!(warning("2030-13-45T99:00:00Z").contains("\"2030-13-45T99:00:00Z\""));
    let hidden = warning("tok_secret_1");
    assert!(hidden.contains("not an ISO 8601 time") && !hidden.contains("tok_secret_1"), "{hidden}");
}
