//! create_auth_session results with missing, mistyped or nonsensical fields.

use serde_json::json;

use super::support::server::Fault;
use super::{CREATE, Hostile, approved, check_all, hostile, patch, tool};

fn create(name: &'static str, value: serde_json::Value, code: i32, says: &'static str) -> Hostile {
    hostile(name, vec![patch(CREATE, value)], code, says)
}

#[test]
fn missing_and_mistyped_fields() {
    let cases = vec![
        create("sessionRequestId missing", json!({"sessionRequestId": null}), 7, "has no field sessionRequestId"),
        create("sessionRequestId a number", json!({"sessionRequestId": 42}), 7, "sessionRequestId is a number"),
        create("sessionRequestId an object", json!({"sessionRequestId": {}}), 7, "sessionRequestId is an object"),
        create("sessionRequestId with spaces", json!({"sessionRequestId": "a b"}), 7, "sessionRequestId is not usable"),
        create("loginUrl missing", json!({"loginUrl": null}), 7, "has no loginUrl"),
        create("loginUrl a number", json!({"loginUrl": 7}), 7, "loginUrl is a number"),
        create("expiresIn a word", json!({"expiresIn": "ten minutes"}), 7, "expiresIn is a string instead of a number"),
        create("result a bare string", json!("just text"), 7, "the result text is a string instead of an object"),
        create("result an array", json!([1, 2]), 7, "the result text is an array instead of an object"),
    ];
    check_all(cases);
}

#[test]
fn nonsense_windows_fall_back_to_600_seconds() {
    let window = |name, value| Hostile {
        config: approved(),
        ..hostile(name, vec![patch(CREATE, json!({"expiresIn": value}))], 0, "makes no sense; using 600 s")
    };
    let cases = vec![
        window("expiresIn negative", json!(-5)),
        window("expiresIn zero", json!(0)),
        window("expiresIn huge", json!(1e12)),
        window("expiresIn below a second", json!(0.25)),
    ];
    check_all(cases);
}

#[test]
fn tool_errors_of_create() {
    let cases = vec![
        hostile(
            "isError with ANSI",
            vec![Fault::PolicyDeny {
                on: tool(CREATE),
                message: "\u{1b}[2J\u{1b}[31mdatabase on fire\u{1b}[0m\u{7}".into(),
                count: 1,
            }],
            7,
            "the server reported an error: [2J[31mdatabase on fire[0m",
        ),
        hostile(
            "policy denial",
            vec![Fault::PolicyDeny {
                on: tool(CREATE),
                message: "[INTERCEPT POLICY DENIED] \u{202e}denied by policy".into(),
                count: 1,
            }],
            6,
            "refused by policy: [INTERCEPT POLICY DENIED] denied by policy",
        ),
    ];
    check_all(cases);
}
