//! `token --format headers`: the object Claude Code's headersHelper reads, or nothing at all.

use serde_json::Value;

use super::support::cli::Agentview;
use super::{FAR, store};

#[test]
fn prints_exactly_the_authorization_header_as_json() {
    let av = Agentview::new("https://agentview.example/mcp");
    store(&av, &[("https://agentview.example/mcp", "avt_headers_token", FAR)]);
    let run = av.run(&["token", "--format", "headers"]).expect_code(0);
    assert_eq!(run.stdout, "{\"Authorization\":\"Bearer avt_headers_token\"}\n");
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let object = doc.as_object().expect("an object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["Authorization"]);
    run.assert_stderr_clean("avt_headers_token");
}

#[test]
fn without_a_credential_stdout_stays_empty_and_the_exit_is_4() {
    let av = Agentview::new("https://agentview.example/mcp");
    let run = av.run(&["token", "--format", "headers"]).expect_code(4);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("not logged in"), "{}", run.stderr);
}

#[test]
fn an_expired_credential_prints_nothing_on_stdout() {
    let av = Agentview::new("https://agentview.example/mcp");
    store(&av, &[("https://agentview.example/mcp", "avt_expired_token", 1_000)]);
    let run = av.run(&["token", "--format", "headers"]).expect_code(4);
    assert_eq!(run.stdout, "");
    run.assert_no_leak("avt_expired_token");
}

#[test]
fn an_unusable_keyring_fails_fast_without_prompting() {
    let mut av = Agentview::new("https://agentview.example/mcp");
    av.set("AGENTVIEW_STORE", "keyring")
        .set("AGENTVIEW_KEYRING_BACKEND", "secret-service")
        .set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .set("AGENTVIEW_KEYRING_TIMEOUT", "5");
    let run = av.run(&["token", "--format", "headers"]).expect_code(8);
    assert_eq!(run.stdout, "");
    // Refused as unavailable at once, not waited on until the keyring timeout.
    assert!(run.stderr.contains("not available") && !run.stderr.contains("did not answer"), "{}", run.stderr);
}
