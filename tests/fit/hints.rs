//! Hints and small rough edges: every printed command repeats --server, --store and
//! --config-dir; durations with units; a URL without a scheme; expiry in JSON.

use serde_json::Value;

use super::support::cli::Agentview;
use super::support::server::{ServerConfig, TestServer};
use super::{FAR, store};

#[test]
fn hints_repeat_the_users_flags() {
    let av = Agentview::new("https://agentview.example/mcp");
    let dir = av.dir.path().join("other config");
    let dir = dir.display().to_string();
    let flags = ["--server", "https://elsewhere.example/mcp", "--store", "file", "--config-dir", &dir];
    let want = format!("agentview --server https://elsewhere.example/mcp --store file --config-dir '{dir}' login");
    let mut args = flags.to_vec();
    args.push("token");
    let run = av.run(&args).expect_code(4);
    assert!(run.stderr.contains(&want), "{}", run.stderr);
    let mut args = flags.to_vec();
    args.push("status");
    let run = av.run(&args).expect_code(4);
    assert!(run.stderr.contains(&want), "{}", run.stderr);
}

#[test]
fn quiet_keeps_errors_and_drops_hints() {
    let av = Agentview::new("https://agentview.example/mcp");
    let run = av.run(&["-q", "token"]).expect_code(4);
    assert!(run.stderr.contains("error: not logged in"), "{}", run.stderr);
    assert!(!run.stderr.contains("login` first"), "{}", run.stderr);
    let help = av.run(&["--help"]).expect_code(0);
    assert!(help.stdout.contains("errors, warnings and the login URL still show"), "{}", help.stdout);
}

#[test]
fn timeout_takes_units() {
    let server = TestServer::start(ServerConfig { auto_approve_after_polls: Some(2), ..ServerConfig::default() });
    let av = Agentview::new(&server.mcp_url());
    av.run(&["login", "--no-browser", "--timeout", "1m"]).expect_code(0);
    let run = av.run(&["login", "--timeout", "5 minutes"]).expect_code(2);
    assert!(!run.stderr.contains("invalid digit"), "{}", run.stderr);
    assert!(run.stderr.contains("90, 90s, 5m or 1h"), "{}", run.stderr);
}

#[test]
fn a_server_without_a_scheme_gets_a_suggestion() {
    let av = Agentview::new("https://agentview.example/mcp");
    let run = av.run(&["--server", "agentview.de/mcp", "status"]).expect_code(2);
    assert!(run.stderr.contains("did you mean https://agentview.de/mcp?"), "{}", run.stderr);
    assert!(!run.stderr.contains("relative URL"), "{}", run.stderr);
}

#[test]
fn expiry_in_json_is_rfc3339_utc_and_unix_seconds() {
    let av = Agentview::new("https://agentview.example/mcp");
    store(&av, &[("https://agentview.example/mcp", "avt_json_token", FAR)]);
    for args in [&["token", "--format", "json"][..], &["status", "--json"][..]] {
        let run = av.run(args).expect_code(0);
        let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(doc["expires_at"], "2096-10-02T07:06:40Z", "{args:?}");
        assert_eq!(doc["expires_at_unix"], FAR, "{args:?}");
    }
}

/// Linux: the unusable keyring is the Secret Service on a D-Bus address that leads nowhere.
#[cfg(target_os = "linux")]
#[test]
fn the_keyring_fallback_warning_is_short_and_the_cause_is_under_verbose() {
    let mut av = Agentview::new("https://agentview.example/mcp");
    av.set("AGENTVIEW_STORE", "auto")
        .set("AGENTVIEW_KEYRING_BACKEND", "secret-service")
        .set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    let run = av.run_with_stdin(&["login", "--with-token"], b"avt_fallback_token").expect_code(0);
    let warning: Vec<&str> =
        run.stderr.lines().skip_while(|l| !l.starts_with("warning: no usable OS keyring")).collect();
    assert!(!warning.is_empty(), "{}", run.stderr);
    assert!(warning[0].contains("plain text"), "{}", run.stderr);
    assert!(warning[1].contains("-v shows"), "{}", run.stderr);
    assert!(!run.stderr.contains("/nonexistent"), "the D-Bus details wait for -v\n{}", run.stderr);
    let quiet = av.run_with_stdin(&["-q", "login", "--with-token", "--force"], b"avt_fallback_token").expect_code(0);
    assert_eq!(quiet.stderr.lines().count(), 1, "{}", quiet.stderr);
    let verbose = av.run_with_stdin(&["-v", "login", "--with-token", "--force"], b"avt_fallback_token");
    assert!(verbose.stderr.contains("keyring: ") && verbose.stderr.contains("/nonexistent"), "{}", verbose.stderr);
}
