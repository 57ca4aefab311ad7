//! Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use super::*;
use crate::secret::Secret;
use crate::store::UserInfo;

const TOKEN: &str = "tok-7f3a9c-secret";
const S: &str = "https://s.example/mcp";

fn credential(server: &str, token: &str) -> Credential {
    let server = crate::server_url::ServerUrl::parse(server).unwrap();
    Credential {
        expires_at: Some(2_000_000_000),
        user: Some(UserInfo { email: Some("ann@example.com".into()), ..UserInfo::default() }),
        ..Credential::bearer(server, Secret::new(token), 1_700_000_000)
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Write `bytes` as a private file (mode 600), as agentview writes it.
fn write_private(path: &Path, bytes: impl AsRef<[u8]>) {
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn round_trip_creates_private_dir_and_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested").join("agentview");
    let store = FileStore::new(&dir);
    assert_eq!(store.load("https://a.example/mcp").unwrap(), None);
    let c = credential("https://a.example/mcp", TOKEN);
    store.save(&c).unwrap();
    assert_eq!(store.load("https://a.example/mcp").unwrap(), Some(c));
    assert_eq!(store.load("https://b.example/mcp").unwrap(), None);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(store.path()), 0o600);
    // Nothing else is left behind: no temporary file, only the lock file.
    assert_eq!(names(&dir), ["credentials.json", "credentials.json.lock"]);
    assert_eq!(mode(&dir.join("credentials.json.lock")), 0o600);
}

#[test]
fn file_layout_is_the_documented_one() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    store.save(&credential("https://a.example/mcp", TOKEN)).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(store.path()).unwrap()).unwrap();
    assert_eq!(doc["version"], 1);
    let entry = &doc["credentials"]["https://a.example/mcp"];
    assert_eq!(entry["kind"], "bearer");
    assert_eq!(entry["token"], TOKEN);
    assert_eq!(entry["expires_at"], 2_000_000_000u64);
    assert_eq!(entry["user"]["email"], "ann@example.com");
    assert_eq!(entry["created_at"], 1_700_000_000u64);
}

#[test]
fn temp_file_is_private_from_creation() {
    let tmp = tempfile::tempdir().unwrap();
    let (_file, path) = PrivateDir::new(tmp.path()).create_temp(FILE_NAME).unwrap();
    assert_eq!(mode(&path), 0o600, "before anything is written");
    assert!(path.file_name().unwrap().to_str().unwrap().starts_with(".credentials.json."));
}

#[test]
fn replace_keeps_other_servers_and_unknown_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    store.save(&credential("https://a.example/mcp", "tok-a1")).unwrap();
    store.save(&credential("https://b.example/mcp", "tok-b1")).unwrap();
    // An entry some newer agentview wrote, with fields this one does not know.
    let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(store.path()).unwrap()).unwrap();
    doc["credentials"]["https://c.example/mcp"] = serde_json::json!({"kind": "dpop", "future": true});
    write_private(store.path(), serde_json::to_vec(&doc).unwrap());

    let updated = credential("https://a.example/mcp", "tok-a2");
    store.save(&updated).unwrap();
    assert_eq!(store.load("https://a.example/mcp").unwrap(), Some(updated));
    assert_eq!(store.load("https://b.example/mcp").unwrap().unwrap().secret.expose(), "tok-b1");
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(store.path()).unwrap()).unwrap();
    assert_eq!(doc["credentials"]["https://c.example/mcp"]["future"], true);
    // That odd entry is reported as corrupt only for its own server.
    assert!(matches!(store.load("https://c.example/mcp"), Err(StoreError::Corrupt { .. })));
}

#[test]
fn accounts_are_listed_by_server_and_name_and_an_odd_key_hides_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    let work = crate::store::AccountName::parse("work").unwrap();
    store.save(&credential("https://a.example/mcp", "tok-a")).unwrap();
    store.save(&credential("https://a.example/mcp", "tok-w").for_account(work.clone())).unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(store.path()).unwrap()).unwrap();
    let entry = doc["credentials"]["https://a.example/mcp"].clone();
    doc["credentials"]["https://a.example/mcp#account=no/such"] = entry;
    write_private(store.path(), serde_json::to_vec(&doc).unwrap());
    let listing = store.list();
    let listed: Vec<(&str, &str)> = listing.entries.iter().map(|e| (e.server.as_str(), e.account.as_str())).collect();
    assert_eq!(listed, [("https://a.example/mcp", "default"), ("https://a.example/mcp", "work")]);
    assert_eq!(listing.problems.len(), 1, "{:?}", listing.problems);
    assert_eq!(store.load(&work.key("https://a.example/mcp")).unwrap().unwrap().secret.expose(), "tok-w");
    assert!(matches!(store.load("https://a.example/mcp#account=no/such"), Err(StoreError::Corrupt { .. })));
}

#[test]
fn corrupt_file_is_refused_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    let garbage = format!("{{\"version\": 1, \"credentials\": {{\"x\": {{\"token\": \"{TOKEN}\"");
    write_private(store.path(), &garbage);

    let err = store.load("https://a.example/mcp").unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let err = store.save(&credential("https://a.example/mcp", "tok-new")).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&store.path().display().to_string()), "{text}");
    assert!(text.contains("will not overwrite"), "{text}");
    assert!(!text.contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
    assert_eq!(fs::read_to_string(store.path()).unwrap(), garbage, "left untouched");
    assert!(store.probe().is_err());
}

#[test]
fn wrongly_typed_value_does_not_leak_into_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    let text =
        format!(r#"{{"version":1,"credentials":{{"{S}":{{"kind":"bearer","token":"t","created_at":"{TOKEN}"}}}}}}"#);
    write_private(store.path(), text);
    let err = store.load(S).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }));
    assert!(!err.to_string().contains(TOKEN), "{err}");
}

#[test]
fn newer_format_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    write_private(store.path(), r#"{"version": 2, "credentials": {}}"#);
    assert!(matches!(store.load(S), Err(StoreError::Corrupt { .. })));
    assert!(matches!(store.save(&credential(S, TOKEN)), Err(StoreError::Corrupt { .. })));
}

#[test]
fn oversized_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    let mut big = br#"{"version": 1, "credentials": {}}"#.to_vec();
    big.resize(MAX_FILE_SIZE as usize + 1, b' ');
    write_private(store.path(), &big);
    let err = store.load(S).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("larger than"), "{err}");
}

#[test]
fn a_file_others_can_read_is_refused_and_left_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    store.save(&credential(S, TOKEN)).unwrap();
    let before = fs::read(store.path()).unwrap();
    for loose in [0o644, 0o640, 0o604] {
        fs::set_permissions(store.path(), fs::Permissions::from_mode(loose)).unwrap();
        for err in [store.load(S).unwrap_err(), store.save(&credential(S, "tok-2")).unwrap_err()] {
            let said = err.to_string();
            assert!(said.contains("readable by other users"), "{said}");
            assert!(said.contains(&format!("chmod 600 {}", store.path().display())), "{said}");
        }
        assert!(store.probe().is_err() && store.delete(S).is_err());
        assert_eq!(fs::read(store.path()).unwrap(), before, "nothing written");
        assert_eq!(mode(store.path()), loose, "nothing changed");
    }
    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o600)).unwrap();
    assert!(store.load(S).unwrap().is_some());
}

#[test]
fn delete_reports_whether_there_was_one() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    assert!(!store.delete("https://a.example/mcp").unwrap());
    assert!(!store.path().exists(), "deleting from nothing creates nothing");
    store.save(&credential("https://a.example/mcp", "tok-a")).unwrap();
    store.save(&credential("https://b.example/mcp", "tok-b")).unwrap();
    assert!(store.delete("https://a.example/mcp").unwrap());
    assert!(!store.delete("https://a.example/mcp").unwrap());
    assert_eq!(store.load("https://a.example/mcp").unwrap(), None);
    assert!(store.load("https://b.example/mcp").unwrap().is_some());
}

#[test]
fn bad_token_is_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileStore::new(tmp.path());
    let err = store.save(&credential(S, "two\nlines")).unwrap_err();
    assert!(!err.to_string().contains("two\nlines"));
    assert!(!store.path().exists());
}

#[test]
fn probe_does_not_create_the_credentials_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("agentview");
    let store = FileStore::new(&dir);
    store.probe().unwrap();
    assert!(dir.is_dir());
    assert!(names(&dir).is_empty(), "{:?}", names(&dir));
}

#[test]
fn probe_fails_in_a_read_only_directory() {
    let tmp = tempfile::tempdir().unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o500)).unwrap();
    let store = FileStore::new(tmp.path());
    // root ignores permission bits; only check where they apply.
    let writable = File::create(tmp.path().join("x")).is_ok();
    if !writable {
        assert!(store.probe().is_err());
    }
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn concurrent_threads_for_different_servers_all_land() {
    let tmp = tempfile::tempdir().unwrap();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let dir = tmp.path().to_owned();
            std::thread::spawn(move || {
                let store = FileStore::new(dir);
                for i in 0..5 {
                    store.save(&credential(&format!("https://s{t}-{i}.example/mcp"), "tok")).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let store = FileStore::new(tmp.path());
    for t in 0..8 {
        for i in 0..5 {
            assert!(store.load(&format!("https://s{t}-{i}.example/mcp")).unwrap().is_some());
        }
    }
    assert_eq!(names(tmp.path()), ["credentials.json", "credentials.json.lock"]);
}

const CHILD_DIR: &str = "AGENTVIEW_TEST_CHILD_DIR";
const CHILD_SERVER: &str = "AGENTVIEW_TEST_CHILD_SERVER";

/// Not a test on its own: the body of one writer process in the test below.
#[test]
fn child_writer() {
    let (Ok(dir), Ok(server)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_SERVER)) else {
        return;
    };
    let store = FileStore::new(dir);
    for i in 0..10 {
        store.save(&credential(&format!("{server}/{i}"), "tok")).unwrap();
    }
}

#[test]
fn concurrent_processes_for_different_servers_all_land() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..6)
        .map(|p| {
            Command::new(&exe)
                .args(["--exact", "store::file::tests::child_writer", "--test-threads=1", "-q"])
                .env(CHILD_DIR, tmp.path())
                .env(CHILD_SERVER, format!("https://p{p}.example/mcp"))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let store = FileStore::new(tmp.path());
    for p in 0..6 {
        for i in 0..10 {
            let server = format!("https://p{p}.example/mcp/{i}");
            assert!(store.load(&server).unwrap().is_some(), "{server} was lost");
        }
    }
}
