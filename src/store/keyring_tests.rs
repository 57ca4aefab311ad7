//! Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::any::Any;
use std::collections::HashMap;
use std::time::Instant;

use keyring_core::Entry;
use keyring_core::api::{Credential as PlatformCredential, CredentialApi, CredentialStoreApi};
use keyring_core::mock;

use super::*;
use crate::secret::Secret;
use crate::store::UserInfo;
use crate::store::backend::SERVICE;

const SERVER: &str = "https://a.example/mcp";
const TOKEN: &str = "tok-5be1d2-secret";

fn credential(token: &str) -> Credential {
    let server = crate::server_url::ServerUrl::parse(SERVER).unwrap();
    Credential {
        expires_at: Some(2_000_000_000),
        user: Some(UserInfo { name: Some("Ann".into()), ..UserInfo::default() }),
        ..Credential::bearer(server, Secret::new(token), 1_700_000_000)
    }
}

fn on_mock() -> (KeyringStore, Arc<mock::Store>) {
    let platform = mock::Store::new().unwrap();
    let store = KeyringStore::connected(Backend::Keyutils, platform.clone(), Duration::from_secs(5));
    (store, platform)
}

fn raw(platform: &mock::Store, server: &str) -> Result<String, KeyringError> {
    platform.build(SERVICE, server, None).unwrap().get_password()
}

#[test]
fn round_trip_update_in_place_and_delete() {
    let (store, platform) = on_mock();
    store.probe().unwrap();
    assert_eq!(store.load(SERVER).unwrap(), None);
    store.save(&credential("tok-1")).unwrap();
    assert_eq!(store.load(SERVER).unwrap(), Some(credential("tok-1")));
    store.save(&credential("tok-2")).unwrap();
    assert_eq!(store.load(SERVER).unwrap(), Some(credential("tok-2")));
    let entries = platform.search(&HashMap::from([("service", SERVICE), ("user", SERVER)])).unwrap();
    assert_eq!(entries.len(), 1, "one entry, updated in place");
    assert!(store.delete(SERVER).unwrap());
    assert!(!store.delete(SERVER).unwrap());
    assert_eq!(store.load(SERVER).unwrap(), None);
}

#[test]
fn each_account_has_its_own_entry_and_the_default_one_keeps_the_server_url() {
    let (store, platform) = on_mock();
    let work = crate::store::AccountName::parse("work").unwrap();
    let key = work.key(SERVER);
    store.save(&credential("tok-default")).unwrap();
    store.save(&credential("tok-work").for_account(work.clone())).unwrap();
    assert_eq!(store.load(SERVER).unwrap(), Some(credential("tok-default")), "the other account changed nothing");
    assert_eq!(store.load(&key).unwrap(), Some(credential("tok-work").for_account(work)));
    // The entry a release without accounts reads is the URL's, in its own format.
    let old: serde_json::Value = serde_json::from_str(&raw(&platform, SERVER).unwrap()).unwrap();
    assert_eq!(
        (old["version"].as_u64(), old["server"].as_str(), old["token"].as_str()),
        (Some(1), Some(SERVER), Some("tok-default"))
    );
    let other: serde_json::Value = serde_json::from_str(&raw(&platform, &key).unwrap()).unwrap();
    assert_eq!(other["server"], key.as_str());
    assert!(store.delete(&key).unwrap());
    assert_eq!(store.load(SERVER).unwrap(), Some(credential("tok-default")), "a logout of one account keeps the other");
}

#[test]
fn secret_is_a_versioned_document_of_the_whole_credential() {
    let (store, platform) = on_mock();
    store.save(&credential(TOKEN)).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&raw(&platform, SERVER).unwrap()).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["server"], SERVER);
    assert_eq!(doc["kind"], "bearer");
    assert_eq!(doc["token"], TOKEN);
    assert_eq!(doc["expires_at"], 2_000_000_000u64);
    assert_eq!(doc["user"]["name"], "Ann");
    assert_eq!(doc["created_at"], 1_700_000_000u64);
}

#[test]
fn unreadable_entries_are_corrupt_without_the_token() {
    let (store, platform) = on_mock();
    let entry = platform.build(SERVICE, SERVER, None).unwrap();
    for text in [
        TOKEN.to_owned(),
        format!(r#"{{"version":1,"server":"{SERVER}","kind":"bearer","token":"t","created_at":"{TOKEN}"}}"#),
        format!(r#"{{"version":1,"server":"https://other/","kind":"bearer","token":"{TOKEN}","created_at":1}}"#),
        format!(r#"{{"version":9,"server":"{SERVER}","kind":"bearer","token":"{TOKEN}","created_at":1}}"#),
    ] {
        entry.set_password(&text).unwrap();
        let err = store.load(SERVER).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(!err.to_string().contains(TOKEN) && !format!("{err:?}").contains(TOKEN), "{err}");
    }
}

/// A platform store whose every entry misbehaves as told.
#[derive(Debug)]
struct OddStore(Odd);

#[derive(Debug, Clone, Copy)]
enum Odd {
    /// Connecting takes this long.
    Slow(Duration),
    /// Writes are accepted and something else is read back.
    Lossy,
    /// The platform refuses access.
    Denied,
}

impl CredentialStoreApi for OddStore {
    fn vendor(&self) -> String {
        "odd".into()
    }
    fn id(&self) -> String {
        "odd".into()
    }
    fn build(&self, _: &str, _: &str, _: Option<&HashMap<&str, &str>>) -> keyring_core::Result<Entry> {
        if let Odd::Slow(delay) = self.0 {
            std::thread::sleep(delay);
        }
        Ok(Entry::new_with_credential(Arc::new(OddCred(self.0))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct OddCred(Odd);

impl CredentialApi for OddCred {
    fn set_secret(&self, _: &[u8]) -> keyring_core::Result<()> {
        match self.0 {
            Odd::Denied => Err(denied()),
            _ => Ok(()),
        }
    }
    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        match self.0 {
            Odd::Denied => Err(denied()),
            _ => Ok(b"{}".to_vec()),
        }
    }
    fn delete_credential(&self) -> keyring_core::Result<()> {
        Err(KeyringError::NoEntry)
    }
    fn get_credential(&self) -> keyring_core::Result<Option<Arc<PlatformCredential>>> {
        Ok(None)
    }
    fn get_specifiers(&self) -> Option<(String, String)> {
        None
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const DENIED: &str = "org.freedesktop.DBus.Error.AccessDenied: the collection is locked";

fn denied() -> KeyringError {
    KeyringError::NoStorageAccess(Box::new(std::io::Error::other(DENIED)))
}

fn odd(odd: Odd, timeout: Duration) -> KeyringStore {
    KeyringStore::connected(Backend::SecretService, Arc::new(OddStore(odd)), timeout)
}

#[test]
fn a_hung_call_times_out() {
    let store = odd(Odd::Slow(Duration::from_secs(3)), Duration::from_millis(100));
    let started = Instant::now();
    let err = store.probe().unwrap_err();
    assert!(matches!(err, StoreError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.to_string().contains("the Secret Service keyring"), "{err}");
}

#[test]
fn read_back_difference_is_a_mismatch_without_the_token() {
    let store = odd(Odd::Lossy, Duration::from_secs(5));
    let err = store.save(&credential(TOKEN)).unwrap_err();
    assert!(matches!(err, StoreError::Mismatch { .. }), "{err:?}");
    assert!(!err.to_string().contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
}

#[test]
fn the_platform_error_is_kept() {
    let store = odd(Odd::Denied, Duration::from_secs(5));
    let err = store.probe().unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains(DENIED), "{err}");
    let err = store.save(&credential(TOKEN)).unwrap_err();
    assert!(err.to_string().contains(DENIED), "{err}");
}

#[test]
fn describe_and_notes_name_the_backend() {
    let (store, _) = on_mock();
    assert_eq!(store.describe(), "the kernel keyutils keyring");
    assert_eq!(store.is_volatile(), Some(true));
    assert!(store.notes()[0].contains("reboot"));
    let store = odd(Odd::Lossy, Duration::from_secs(1));
    assert_eq!(store.describe(), "the Secret Service keyring");
    assert!(store.notes().is_empty());
    let fresh = KeyringStore::new(KeyringBackend::SecretService, Duration::from_secs(1));
    assert_eq!(fresh.describe(), "the Secret Service keyring");
    assert_eq!(fresh.is_volatile(), None);
}

/// The real kernel keyring, where this machine has a session keyring.
#[test]
fn keyutils_round_trip_when_available() {
    let store = KeyringStore::new(KeyringBackend::Keyutils, Duration::from_secs(5));
    if let Err(e) = store.probe() {
        eprintln!("skipped: no usable keyutils session keyring ({e})");
        return;
    }
    let server = format!("https://keyutils-test-{}.example/mcp", std::process::id());
    let mut c = credential("tok-k1");
    c.server = crate::server_url::ServerUrl::parse(&server).unwrap();
    store.save(&c).unwrap();
    c.secret = Secret::new("tok-k2");
    store.save(&c).unwrap();
    assert_eq!(store.load(&server).unwrap(), Some(c));
    assert!(store.delete(&server).unwrap());
}

/// Windows Credential Manager as far as size goes: a secret holds at most 2,560 bytes, and a
/// password is stored as UTF-16 (two bytes a character).
#[derive(Debug, Default)]
struct CappedStore(Entries);

/// What a capped store holds: secret bytes per account.
type Entries = Arc<Mutex<HashMap<String, Vec<u8>>>>;

const CAP: usize = 2560;

impl CredentialStoreApi for CappedStore {
    fn vendor(&self) -> String {
        "capped".into()
    }
    fn id(&self) -> String {
        "capped".into()
    }
    fn build(&self, _: &str, user: &str, _: Option<&HashMap<&str, &str>>) -> keyring_core::Result<Entry> {
        Ok(Entry::new_with_credential(Arc::new(CappedCred(self.0.clone(), user.to_owned()))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct CappedCred(Entries, String);

impl CredentialApi for CappedCred {
    fn set_password(&self, password: &str) -> keyring_core::Result<()> {
        let utf16: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
        self.set_secret(&utf16)
    }
    fn get_password(&self) -> keyring_core::Result<String> {
        let bytes = self.get_secret()?;
        let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
        String::from_utf16(&units).map_err(|_| KeyringError::BadEncoding(bytes))
    }
    fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
        if secret.len() > CAP {
            return Err(KeyringError::TooLong("secret".into(), CAP as u32));
        }
        self.0.lock().unwrap().insert(self.1.clone(), secret.to_vec());
        Ok(())
    }
    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        self.0.lock().unwrap().get(&self.1).cloned().ok_or(KeyringError::NoEntry)
    }
    fn delete_credential(&self) -> keyring_core::Result<()> {
        self.0.lock().unwrap().remove(&self.1).map(drop).ok_or(KeyringError::NoEntry)
    }
    fn get_credential(&self) -> keyring_core::Result<Option<Arc<PlatformCredential>>> {
        Ok(None)
    }
    fn get_specifiers(&self) -> Option<(String, String)> {
        None
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn capped() -> (KeyringStore, Entries) {
    let platform = CappedStore::default();
    let entries = platform.0.clone();
    (KeyringStore::connected(Backend::WindowsCredentialManager, Arc::new(platform), Duration::from_secs(5)), entries)
}

/// A credential whose stored document is exactly `size` bytes.
fn credential_of_size(store: &KeyringStore, size: usize) -> Credential {
    let base = store.encode(&credential("t"), None).unwrap().len();
    credential(&"t".repeat(size - base + 1))
}

#[test]
fn a_record_at_the_windows_limit_fits() {
    let (store, entries) = capped();
    let c = credential_of_size(&store, CAP);
    store.save(&c).unwrap();
    assert_eq!(entries.lock().unwrap()[SERVER].len(), CAP, "stored as UTF-8 bytes, not UTF-16");
    assert_eq!(store.load(SERVER).unwrap(), Some(c));
    assert!(store.notes().is_empty(), "{:?}", store.notes());
}

#[test]
fn a_record_over_the_limit_leaves_out_the_account_details() {
    let (store, _) = capped();
    let c = credential_of_size(&store, CAP + 10);
    store.save(&c).unwrap();
    let back = store.load(SERVER).unwrap().unwrap();
    assert_eq!(back.secret, c.secret);
    assert_eq!(back.user, None);
    assert!(store.notes().iter().any(|n| n.contains("left out")), "{:?}", store.notes());
}

#[test]
fn a_record_too_large_even_then_is_refused_with_a_hint() {
    let (store, entries) = capped();
    let c = credential_of_size(&store, 3 * CAP);
    let err = store.save(&c).unwrap_err().to_string();
    assert!(err.contains("--store file") && err.contains("2560"), "{err}");
    assert!(!err.contains("tttttttt"), "{err}");
    assert!(entries.lock().unwrap().is_empty());
}

#[test]
fn an_entry_written_as_a_password_is_still_read() {
    let (store, entries) = capped();
    let text = store.encode(&credential(TOKEN), None).unwrap();
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    entries.lock().unwrap().insert(SERVER.to_owned(), utf16);
    assert_eq!(store.load(SERVER).unwrap(), Some(credential(TOKEN)));
}

/// What the Secret Service store reports when the daemon does not answer a call within the D-Bus
/// library's 2 s (dbus-secret-service's fixed call timeout), as gnome-keyring may not on a busy
/// machine: libdbus's own words for `org.freedesktop.DBus.Error.NoReply`.
#[derive(Debug)]
struct NoReply;

impl std::fmt::Display for NoReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "DBus error: Did not receive a reply. Possible causes include: the remote application did not send a \
             reply, the message bus security policy blocked the reply, the reply timeout expired, or the network \
             connection was broken.",
        )
    }
}

impl std::error::Error for NoReply {}

/// The next platform call on `server`'s entry fails with `err` (once).
fn fail_next(platform: &mock::Store, server: &str, err: KeyringError) {
    let entry = platform.build(SERVICE, server, None).unwrap();
    let cred: &mock::Cred = entry.as_any().downcast_ref().unwrap();
    cred.set_error(err);
}

#[test]
fn a_keyring_call_the_daemon_did_not_answer_in_time_is_tried_again() {
    let (store, platform) = on_mock();
    fail_next(&platform, SERVER, KeyringError::PlatformFailure(Box::new(NoReply)));
    store.save(&credential("tok-1")).unwrap();
    fail_next(&platform, SERVER, KeyringError::PlatformFailure(Box::new(NoReply)));
    assert_eq!(store.load(SERVER).unwrap(), Some(credential("tok-1")));
    fail_next(&platform, SERVER, KeyringError::PlatformFailure(Box::new(NoReply)));
    assert!(store.delete(SERVER).unwrap());
    assert_eq!(raw(&platform, SERVER).unwrap_err().to_string(), KeyringError::NoEntry.to_string());
}

#[test]
fn other_keyring_failures_are_not_tried_again() {
    let (store, platform) = on_mock();
    fail_next(&platform, SERVER, KeyringError::PlatformFailure("the collection is locked".into()));
    let err = store.save(&credential("tok-1")).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("the collection is locked"), "{err}");
    assert!(matches!(raw(&platform, SERVER), Err(KeyringError::NoEntry)), "nothing was written");
}
