//! The keyring store against a real Secret Service (gnome-keyring).
//!
//! Run under `.ci/keyring-session cargo test --test integration store_keyring::`. Without a
//! reachable Secret Service the tests say "skipped" and pass, unless
//! `AGENTVIEW_REQUIRE_KEYRING=1` asks for them to fail instead.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support::cli;

use std::process::{Command, Stdio};
use std::time::Duration;

use agentview::Secret;
use agentview::store::{
    Credential, CredentialStore, KeyringBackend, KeyringStore, Source, StoreChoice, StoreConfig, StoreError, UserInfo,
    select_for_write,
};

const TIMEOUT: Duration = Duration::from_secs(10);

/// One test at a time talks to the shared daemon: a burst of parallel sessions has made the
/// session bus drop gnome-keyring's connection ("recipient disconnected"), which is the test
/// machine's limit, not agentview's.
static DAEMON: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The Secret Service store and the daemon to itself, or `None` (after saying why) when the
/// tests should skip.
fn secret_service() -> Option<(KeyringStore, std::sync::MutexGuard<'static, ()>)> {
    let turn = DAEMON.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let store = KeyringStore::new(KeyringBackend::SecretService, TIMEOUT);
    match store.probe() {
        Ok(()) => Some((store, turn)),
        Err(e) => {
            let why = format!("no Secret Service is usable (run under .ci/keyring-session): {e}");
            cli::skip("AGENTVIEW_REQUIRE_KEYRING", &why);
            None
        }
    }
}

fn credential(server: &str, token: &str) -> Credential {
    let server = agentview::ServerUrl::parse(server).unwrap();
    Credential {
        expires_at: Some(2_000_000_000),
        user: Some(UserInfo { email: Some("ann@example.com".into()), ..UserInfo::default() }),
        ..Credential::bearer(server, Secret::new(token), 1_700_000_000)
    }
}

fn server(test: &str) -> String {
    format!("https://{test}-{}.example/mcp", std::process::id())
}

/// `secret-tool` with the attributes the dbus store gives its items
/// (`service`, `username`); `None` when secret-tool is not installed.
fn secret_tool(args: &[&str]) -> Option<(bool, String)> {
    secret_tool_with_input(args, "")
}

fn secret_tool_with_input(args: &[&str], input: &str) -> Option<(bool, String)> {
    use std::io::Write;
    let mut child = Command::new("secret-tool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    Some((out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned()))
}

#[test]
fn round_trip_updates_in_place_and_is_visible_to_secret_tool() {
    let Some((store, _turn)) = secret_service() else {
        return;
    };
    assert_eq!(store.source(), Source::Keyring);
    assert_eq!(store.describe(), "the Secret Service keyring");
    let server = server("round-trip");
    assert_eq!(store.load(&server).unwrap(), None);

    let first = credential(&server, "tok-first-1a2b");
    store.save(&first).unwrap();
    assert_eq!(store.load(&server).unwrap(), Some(first));

    let second = credential(&server, "tok-second-3c4d");
    store.save(&second).unwrap();
    assert_eq!(store.load(&server).unwrap(), Some(second));

    if let Some((found, text)) = secret_tool(&["lookup", "service", "agentview", "username", &server]) {
        assert!(found, "secret-tool finds the entry");
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["token"], "tok-second-3c4d");
        assert_eq!(doc["server"], server.as_str());
        assert_eq!(doc["version"], 1);
        let (_, listing) = secret_tool(&["search", "--all", "service", "agentview", "username", &server]).unwrap();
        let items = listing.lines().filter(|l| l.starts_with('[')).count();
        assert_eq!(items, 1, "updated in place, not added twice:\n{listing}");
        assert!(listing.contains("agentview credential for"), "labelled:\n{listing}");
    } else {
        cli::skip("AGENTVIEW_REQUIRE_SECRET_TOOL", "secret-tool is not installed: no cross-check");
    }

    assert!(store.delete(&server).unwrap());
    assert_eq!(store.load(&server).unwrap(), None);
    assert!(!store.delete(&server).unwrap());
    if let Some((found, _)) = secret_tool(&["lookup", "service", "agentview", "username", &server]) {
        assert!(!found, "gone for secret-tool too");
    }
}

#[test]
fn entries_written_by_others_are_read_or_refused() {
    let Some((store, _turn)) = secret_service() else {
        return;
    };
    let server = server("foreign");
    let args = ["store", "--label=not agentview's", "service", "agentview", "username", &server];
    let Some((stored, _)) = secret_tool_with_input(&args, "plain password") else {
        return cli::skip("AGENTVIEW_REQUIRE_SECRET_TOOL", "secret-tool is not installed");
    };
    assert!(stored);
    let err = store.load(&server).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(!err.to_string().contains("plain password"), "{err}");
    // Saving over it updates that same item.
    let c = credential(&server, "tok-over-5e6f");
    store.save(&c).unwrap();
    assert_eq!(store.load(&server).unwrap(), Some(c));
    assert!(store.delete(&server).unwrap());
}

#[test]
fn selection_with_a_working_secret_service() {
    let Some((_, _turn)) = secret_service() else { return };
    let dir = tempfile::tempdir().unwrap();
    for choice in [StoreChoice::Keyring, StoreChoice::Auto] {
        let selected = select_for_write(&config(choice, dir.path())).unwrap();
        assert_eq!(selected.store.source(), Source::Keyring);
        assert_eq!(selected.fallback_reason, None);
    }
}

fn config(choice: StoreChoice, dir: &std::path::Path) -> StoreConfig {
    StoreConfig {
        choice,
        backend: KeyringBackend::SecretService,
        config_dir: dir.to_owned(),
        keyring_timeout: TIMEOUT,
        lock_wait: TIMEOUT,
    }
}

#[cfg(target_os = "linux")]
const CHILD: &str = "AGENTVIEW_TEST_UNREACHABLE_BUS_CHILD";

/// Runs in a child process whose D-Bus address points nowhere (see below). Linux: the Secret
/// Service is reached over D-Bus there only.
#[cfg(target_os = "linux")]
#[test]
fn child_unreachable_bus() {
    if std::env::var(CHILD).is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let err = select_for_write(&config(StoreChoice::Keyring, dir.path())).unwrap_err();
    // Unavailable, not Timeout: the unreachable bus is reported at once, not waited out.
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("Secret Service") && text.contains("/nonexistent"), "{text}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "fails closed: no file");

    let selected = select_for_write(&config(StoreChoice::Auto, dir.path())).unwrap();
    assert_eq!(selected.store.source(), Source::File);
    assert!(selected.fallback_reason.unwrap().contains("/nonexistent"));
}

#[cfg(target_os = "linux")]
#[test]
fn keyring_choice_fails_fast_and_closed_without_a_bus() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "store_keyring::child_unreachable_bus", "--nocapture", "--test-threads=1"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
