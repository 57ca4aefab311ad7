//! Tests of `private.rs`.

use super::*;
use crate::clock::fake::FakeClock;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("exists").permissions().mode() & 0o777
}

#[test]
fn writes_are_private_atomic_and_leave_nothing_behind() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = PrivateDir::new(tmp.path().join("nested"));
    dir.write("a.json", b"{}").expect("write");
    assert_eq!(mode(dir.path()), 0o700);
    assert_eq!(mode(&dir.file("a.json")), 0o600);
    let read = dir.read("a.json", 10).expect("read").expect("there");
    assert_eq!((read.bytes.as_slice(), read.loose_mode), (&b"{}"[..], None));
    let names: Vec<_> = fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(names, ["a.json"]);
    assert!(matches!(dir.read("a.json", 1), Err(PrivateError::TooLarge { .. })));
    assert!(dir.read("missing", 10).expect("no error").is_none());
}

#[test]
fn links_and_loose_files_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = PrivateDir::new(tmp.path());
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).expect("chmod");
    let target = tmp.path().join("target");
    std::os::unix::fs::symlink(&target, dir.file("link")).expect("symlink");
    assert!(matches!(dir.read("link", 10), Err(PrivateError::Refused(_))));
    assert!(matches!(dir.lock_file("link"), Err(PrivateError::Refused(_))));
    assert!(!target.exists(), "nothing was created through the link");
    fs::write(dir.file("loose"), b"x").expect("write");
    fs::set_permissions(dir.file("loose"), fs::Permissions::from_mode(0o666)).expect("chmod");
    assert!(matches!(dir.read("loose", 10), Err(PrivateError::Refused(_))));
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o777)).expect("chmod");
    assert!(matches!(dir.write("new", b"x"), Err(PrivateError::Refused(_))));
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).expect("chmod");
}

#[test]
fn a_held_lock_is_waited_for_on_the_clock() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = PrivateDir::new(tmp.path());
    let held = dir.lock_file("x.lock").expect("open").lock_blocking(&FakeClock::new(0), Duration::ZERO);
    let _held = held.expect("free at first");
    let clock = FakeClock::new(0);
    let wait = Duration::from_secs(10);
    match dir.lock_file("x.lock").expect("open").lock_blocking(&clock, wait) {
        Err(LockError::Busy { waited, .. }) => assert_eq!(waited, wait),
        other => panic!("{other:?}"),
    }
    assert!(clock.elapsed() >= wait && clock.elapsed() < wait + Duration::from_secs(1), "{:?}", clock.elapsed());
}
