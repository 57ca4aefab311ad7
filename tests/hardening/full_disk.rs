//! A full disk fails the login before anything is sent: no approval is wasted on a credential
//! that could not be kept.
#![cfg(target_os = "linux")]

use std::process::Command;
use std::time::Duration;

use super::no_panic;
use super::support::cli::{Agentview, binary, wait_with_deadline};
use super::support::fixture::approving;
use super::support::server::TestServer;

/// Whether a private mount namespace with a tmpfs can be made (root, or a user namespace).
#[allow(clippy::print_stderr)]
fn can_mount_tmpfs() -> bool {
    let probe = Command::new("unshare").args(["-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"]).output();
    if probe.is_ok_and(|o| o.status.success()) {
        return true;
    }
    super::support::cli::skip("AGENTVIEW_REQUIRE_ROOT", "no tmpfs can be mounted in a private namespace (needs root)");
    false
}

#[test]
fn a_full_disk_fails_with_8_before_create_auth_session() {
    if !can_mount_tmpfs() {
        return;
    }
    let server = TestServer::start(approving());
    let av = Agentview::new(&server.mcp_url());
    let config = av.config_dir();
    std::fs::create_dir_all(&config).unwrap();
    // A small tmpfs, filled up before agentview starts.
    let fill = r#"dd if=/dev/zero of="$1/fill" bs=1k count=64 2>/dev/null"#;
    let line =
        format!(r#"mount -t tmpfs -o size=16k,mode=700 tmpfs "$1" && {{ {fill}; true; }} && shift && exec "$@""#);
    let child = av
        .wrapper("unshare")
        .args(["-m", "sh", "-c", &line, "sh"])
        .arg(&config)
        .arg(binary())
        .args(["login", "--no-browser"])
        .spawn()
        .unwrap();
    let run = wait_with_deadline(child, Duration::from_secs(60));
    no_panic("login on a full disk", &run);
    assert_eq!(run.code, 8, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert_eq!(server.calls().create, 0, "create_auth_session was not called");
}
