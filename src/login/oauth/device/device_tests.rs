//! Tests of the device grant's answers (`mod.rs`).

use serde_json::{Value, json};

use super::*;

fn doc(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn answer() -> Value {
    json!({
        "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://as.example/device",
        "verification_uri_complete": "https://as.example/device?user_code=WDJB-MJHT",
        "expires_in": 1800,
        "interval": 5,
    })
}

#[test]
fn the_answer_is_read_as_the_server_sent_it() {
    let code = parse_device_code(&doc(answer()), Reach::Public).expect("read");
    assert_eq!(code.user_code, "WDJB-MJHT");
    assert_eq!(code.verification_uri.as_str(), "https://as.example/device");
    assert_eq!(
        code.verification_uri_complete.map(String::from).as_deref(),
        Some("https://as.example/device?user_code=WDJB-MJHT")
    );
    assert_eq!((code.expires_in, code.interval), (Some(Duration::from_secs(1800)), Duration::from_secs(5)));
    assert!(code.warnings.is_empty());
    let mut one = answer();
    one["interval"] = json!(1);
    one["expires_in"] = json!(2);
    let code = parse_device_code(&doc(one), Reach::Public).expect("read");
    assert_eq!(
        (code.expires_in, code.interval),
        (Some(Duration::from_secs(2)), Duration::from_secs(1)),
        "as the server says"
    );
}

#[test]
fn missing_times_take_the_rfcs_defaults_and_say_so() {
    let mut bare = answer();
    bare.as_object_mut().map(|m| {
        m.remove("interval");
        m.remove("expires_in")
    });
    let code = parse_device_code(&doc(bare), Reach::Public).expect("read");
    assert_eq!((code.expires_in, code.interval), (None, DEFAULT_INTERVAL));
    assert_eq!(code.warnings.len(), 1, "{:?}", code.warnings);
    let mut odd = answer();
    odd["interval"] = json!(0);
    odd["expires_in"] = json!(-3);
    let code = parse_device_code(&doc(odd), Reach::Public).expect("read");
    assert_eq!((code.expires_in, code.interval), (None, DEFAULT_INTERVAL));
    assert_eq!(code.warnings.len(), 2);
}

#[test]
fn what_a_person_is_shown_is_checked() {
    let refused = |field: &str, value: Value| {
        let mut bad = answer();
        bad[field] = value;
        parse_device_code(&doc(bad), Reach::Public).is_err()
    };
    assert!(refused("user_code", json!("WDJB\u{1b}[2J-MJHT")), "escape sequences");
    assert!(refused("user_code", json!("")));
    assert!(refused("user_code", json!("X".repeat(100))));
    assert!(refused("verification_uri", json!("http://as.example/device")), "plain http to a remote server");
    assert!(refused("verification_uri", json!("javascript:alert(1)")));
    assert!(refused("verification_uri", json!("https://127.0.0.1/device")), "home from a remote server");
    assert!(refused("device_code", json!("a\nb")));
    assert!(refused("device_code", json!(42)));
    // Another site's complete address is left out (the person types the code at the right one).
    let mut elsewhere = answer();
    elsewhere["verification_uri_complete"] = json!("https://evil.example/device?user_code=WDJB-MJHT");
    let code = parse_device_code(&doc(elsewhere), Reach::Public).expect("read");
    assert!(code.verification_uri_complete.is_none() && code.warnings.len() == 1);
    // Google's spelling.
    let mut google = answer();
    let uri = google.as_object_mut().and_then(|m| m.remove("verification_uri")).unwrap_or_default();
    google["verification_url"] = uri;
    assert!(parse_device_code(&doc(google), Reach::Public).is_ok());
}

#[test]
fn polls_are_read_as_the_rfc_says() {
    let rejected = |code: &str| Err(OAuthError::Rejected { error: ErrorCode::parse(code), description: None });
    assert!(matches!(read_poll(rejected("authorization_pending")), Polled::Pending));
    assert!(matches!(read_poll(rejected("slow_down")), Polled::SlowDown));
    assert!(matches!(read_poll(rejected("access_denied")), Polled::Denied));
    assert!(matches!(read_poll(rejected("expired_token")), Polled::Expired));
    assert!(matches!(read_poll(rejected("temporarily_unavailable")), Polled::Unavailable(_)));
    assert!(matches!(read_poll(rejected("invalid_grant")), Polled::Failed(_)));
    assert!(matches!(read_poll(rejected("invalid_client")), Polled::Failed(_)));
    let status = |status| Err(OAuthError::Status { what: "the token endpoint".into(), status });
    assert!(matches!(read_poll(status(503)), Polled::Unavailable(_)));
    assert!(matches!(read_poll(status(429)), Polled::Unavailable(_)));
    assert!(matches!(read_poll(status(404)), Polled::Failed(_)));
}
