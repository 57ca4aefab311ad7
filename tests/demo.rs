//! The quick start's first command: `cargo run --example demo` logs in end to end, with OAuth by
//! default and with the session tools on request, without a display, network or account.

use crate::support::cli;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The demo example, built beside this test by `cargo test`.
fn demo() -> PathBuf {
    let me = std::env::current_exe().expect("the test's own path");
    let deps = me.parent().expect("deps dir");
    deps.parent().expect("profile dir").join("examples").join(format!("demo{}", std::env::consts::EXE_SUFFIX))
}

fn run_demo(args: &[&str]) -> (bool, String) {
    let mut child = Command::new(demo())
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("BROWSER")
        .env_remove("AGENTVIEW_BROWSER")
        .env("AGENTVIEW_DEMO_APPROVE_AFTER", "0.2")
        .env("AGENTVIEW_STORE", "file")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo runs (cargo test builds the examples)");
    let mut pipe = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let status = cli::wait_for_exit(&mut child, Duration::from_secs(60));
    let stderr = reader.join().unwrap_or_default();
    (status.is_some_and(|s| s.success()), stderr)
}

#[test]
fn the_demo_logs_in_with_oauth_and_revokes_on_logout() {
    let (ok, stderr) = run_demo(&[]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("Logging in with OAuth"), "{stderr}");
    assert!(stderr.contains("Revoked the OAuth tokens"), "{stderr}");
    assert!(stderr.contains("1 OAuth registration(s) and 2 revocation(s)"), "{stderr}");
}

#[test]
fn the_demo_shows_the_session_tools_on_request() {
    let (ok, stderr) = run_demo(&["--method", "session"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("login tools"), "{stderr}");
    assert!(stderr.contains("1 create_auth_session call(s)"), "{stderr}");
}
