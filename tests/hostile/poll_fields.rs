//! get_auth_session results: mistyped fields, bad tokens, terminal and unknown statuses.

use serde_json::json;

use super::support::server::Fault;
use super::{GET, Hostile, approved, check_all, hostile, patch, tool};

fn poll(name: &'static str, value: serde_json::Value, code: i32, says: &'static str) -> Hostile {
    hostile(name, vec![patch(GET, value)], code, says)
}

#[test]
fn mistyped_fields_and_unusable_tokens() {
    let cases = vec![
        poll("status a number", json!({"status": 1}), 7, "status is a number instead of a string"),
        poll("status missing", json!({"status": null}), 7, "has no field status"),
        poll("token a number", json!({"status": "active", "token": 12345}), 7, "token is a number instead of a string"),
        poll(
            "active naming another session",
            json!({"status": "active", "sessionRequestId": "someone-else"}),
            7,
            "names a different sessionRequestId",
        ),
        poll("token with a newline", json!({"status": "active", "token": "avt_abc\ndef"}), 7, "refusing to store"),
        poll("token with ESC", json!({"status": "active", "token": "avt_\u{1b}[31m"}), 7, "refusing to store"),
        poll("token with a space", json!({"status": "active", "token": "avt_a b"}), 7, "refusing to store"),
        poll("token absurdly long", json!({"status": "active", "token": "a".repeat(100_000)}), 7, "refusing"),
    ];
    check_all(cases);
}

#[test]
fn terminal_and_unknown_statuses() {
    let cases = vec![
        poll("consumed", json!({"status": "consumed"}), 1, "already collected by another client"),
        poll("unknown status", json!({"status": "weird"}), 1, "ended with status \"weird\""),
        poll("status with ANSI", json!({"status": "\u{1b}[31mweird\u{202e}\u{7}"}), 1, "status \"[31mweird\""),
        poll("denied", json!({"status": "denied"}), 5, "the login was denied"),
        poll("rejected", json!({"status": "Rejected"}), 5, "the login was denied"),
        poll("cancelled", json!({"status": "CANCELLED"}), 5, "the login was cancelled"),
        poll("expired", json!({"status": "expired"}), 3, "expired before the login was approved"),
        hostile(
            "isError with ANSI while polling",
            vec![Fault::PolicyDeny { on: tool(GET), message: "\u{1b}]0;pwned\u{7}no such session".into(), count: 1 }],
            7,
            "the server reported an error while waiting for approval: ]0;pwnedno such session",
        ),
    ];
    check_all(cases);
}

#[test]
fn odd_but_usable_active_results() {
    let ok = |name, value, says| Hostile { config: approved(), ..poll(name, value, 0, says) };
    let cases = vec![
        ok("expiry not a time", json!({"tokenExpiresAt": "\u{1b}[31m2030-99-99"}), "ignoring the token expiry: not"),
        ok(
            "user name with OSC 8",
            json!({"tokenExpiresAt": "soon", "user": {"name": "\u{1b}]8;;https://evil\u{7}Ada\u{202e}"}}),
            "ignoring the token expiry: not an ISO 8601 time",
        ),
    ];
    check_all(cases);
}
