//! Planted files on a shared machine: like ssh's StrictModes, a config dir or credentials file
//! that someone else could have put there is refused (exit 8, naming the path and the problem).
#![cfg(unix)]

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use super::no_panic;
use super::support::cli::{Agentview, Run, mode, require_root, wait_with_deadline};
use super::support::fixture::{OLD_TOKEN, seed};

const SERVER: &str = "https://agentview.example/mcp";
const NEW_TOKEN: &str = "avt_new_token_from_stdin";
/// Another account's uid for the ownership cases.
const NOBODY: u32 = 65534;

fn with_token(av: &Agentview, token: &str) -> Run {
    av.run_with_stdin(&["login", "--with-token"], format!("{token}\n").as_bytes())
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `token` and `login --with-token` both refuse with exit 8, naming `path` and saying `what`.
fn refused(av: &Agentview, path: &Path, what: &str) {
    for run in [av.run(&["token"]), with_token(av, NEW_TOKEN)] {
        no_panic("a planted file", &run);
        assert_eq!(run.code, 8, "{what}\n--- stderr\n{}", run.stderr);
        assert!(run.stderr.contains(&path.display().to_string()), "names {}: {}", path.display(), run.stderr);
        assert!(run.stderr.contains(what), "says {what:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "prints no token: {:?}", run.stdout);
    }
}

/// Skip (or, with AGENTVIEW_REQUIRE_ROOT=1, fail) when files cannot be given to another user.
fn can_chown() -> bool {
    require_root("giving a file to another user needs root")
}

#[test]
fn a_symlinked_credentials_file_is_refused() {
    let av = Agentview::new(SERVER);
    let elsewhere = tempfile::tempdir().unwrap();
    let victim = Agentview::new(SERVER);
    seed(&victim, SERVER);
    std::fs::create_dir_all(av.config_dir()).unwrap();
    chmod(&av.config_dir(), 0o700);
    symlink(victim.credentials_file(), av.credentials_file()).unwrap();
    refused(&av, &av.credentials_file(), "symbolic link");
    let login = av.run(&["login", "--no-browser"]);
    assert!(!login.stderr.contains("Already logged in"), "{}", login.stderr);
    assert_eq!(login.code, 8, "{}", login.stderr);
    // The file is already the store (AGENTVIEW_STORE=file): no hint to use it.
    assert!(!login.stderr.contains("use --store file"), "{}", login.stderr);
    drop(elsewhere);
}

#[test]
fn a_symlinked_lock_file_creates_nothing_where_it_points() {
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    let target = av.dir.path().join("planted-target");
    symlink(&target, av.config_dir().join("credentials.json.lock")).unwrap();
    let run = with_token(&av, NEW_TOKEN);
    no_panic("lock symlink", &run);
    assert_eq!(run.code, 8, "{}", run.stderr);
    assert!(run.stderr.contains("credentials.json.lock"), "{}", run.stderr);
    assert!(!target.exists(), "a file was created where the lock symlink points");
}

#[test]
fn a_fifo_is_refused_without_hanging() {
    let av = Agentview::new(SERVER);
    std::fs::create_dir_all(av.config_dir()).unwrap();
    chmod(&av.config_dir(), 0o700);
    let made = std::process::Command::new("mkfifo").arg(av.credentials_file()).status().unwrap();
    assert!(made.success());
    refused(&av, &av.credentials_file(), "not a regular file");
}

#[test]
fn a_writable_config_dir_or_file_is_refused() {
    for dir_mode in [0o777, 0o770, 0o1777] {
        let av = Agentview::new(SERVER);
        seed(&av, SERVER);
        chmod(&av.config_dir(), dir_mode);
        refused(&av, &av.config_dir(), "writable by");
    }
    for file_mode in [0o666, 0o620, 0o602] {
        let av = Agentview::new(SERVER);
        seed(&av, SERVER);
        chmod(&av.config_dir(), 0o700);
        chmod(&av.credentials_file(), file_mode);
        refused(&av, &av.credentials_file(), "writable by");
    }
}

#[test]
fn a_symlinked_config_dir_is_refused() {
    let av = Agentview::new(SERVER);
    let real = av.dir.path().join("real-config");
    std::fs::create_dir_all(&real).unwrap();
    chmod(&real, 0o700);
    symlink(&real, av.config_dir()).unwrap();
    refused(&av, &av.config_dir(), "symbolic link");
}

#[test]
fn files_of_another_user_are_refused() {
    if !can_chown() {
        return;
    }
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    chmod(&av.config_dir(), 0o700);
    std::os::unix::fs::chown(av.credentials_file(), Some(NOBODY), None).unwrap();
    refused(&av, &av.credentials_file(), "owned by");
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    chmod(&av.config_dir(), 0o700);
    std::os::unix::fs::chown(av.config_dir(), Some(NOBODY), None).unwrap();
    refused(&av, &av.config_dir(), "owned by");
}

#[test]
fn a_readable_file_is_warned_about_on_every_read_and_fixed_on_write() {
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    chmod(&av.config_dir(), 0o700);
    chmod(&av.credentials_file(), 0o644);
    for _ in 0..2 {
        let run = av.run(&["token"]).expect_code(0);
        assert_eq!(run.stdout.trim(), OLD_TOKEN);
        assert!(run.stderr.contains("warning:") && run.stderr.contains("readable by other users"), "{}", run.stderr);
    }
    assert_eq!(mode(&av.credentials_file()), 0o644, "reading changes nothing");
    with_token(&av, NEW_TOKEN).expect_code(0);
    assert_eq!(mode(&av.credentials_file()), 0o600);
    let run = av.run(&["token"]).expect_code(0);
    assert!(!run.stderr.contains("readable by other users"), "{}", run.stderr);
}

/// Every byte of every file in `dir`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if std::fs::read(&path).is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle)) {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn writers_killed_mid_save_leave_no_token_after_logout() {
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    chmod(&av.config_dir(), 0o700);
    // What a writer killed between writing and renaming leaves: a full copy under a dead pid.
    let stale = av.config_dir().join(".credentials.json.4194303-0-1.tmp");
    std::fs::copy(av.credentials_file(), &stale).unwrap();
    for i in 0..30u64 {
        let token = format!("avt_killed_writer_{i}");
        let mut child = av
            .command(&["login", "--with-token", "--force"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(format!("{token}\n").as_bytes());
        std::thread::sleep(Duration::from_micros(500 + (i * 7919) % 6000));
        let _ = child.kill();
        let _ = child.wait();
    }
    let logout = av.command(&["logout"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let run = wait_with_deadline(logout, Duration::from_secs(60)).expect_code(0);
    let _ = run;
    for needle in ["avt_killed_writer_", OLD_TOKEN] {
        let left = files_holding(&av.config_dir(), needle);
        assert!(left.is_empty(), "{needle} is still in {left:?}");
    }
}
