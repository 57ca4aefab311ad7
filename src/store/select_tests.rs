//! Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::*;

/// A stand-in keyring whose probe and save pass or fail as told.
#[derive(Debug, Default)]
struct FakeKeyring {
    probe_error: Option<&'static str>,
    save_error: Option<&'static str>,
    deleted: std::sync::atomic::AtomicBool,
}

impl CredentialStore for FakeKeyring {
    fn source(&self) -> Source {
        Source::Keyring
    }
    fn describe(&self) -> String {
        "the fake keyring".into()
    }
    fn probe(&self) -> Result<(), StoreError> {
        match self.probe_error {
            None => Ok(()),
            Some(reason) => Err(StoreError::Unavailable { store: self.describe(), reason: reason.into() }),
        }
    }
    fn load(&self, _: &str) -> Result<Option<Credential>, StoreError> {
        Ok(None)
    }
    fn save(&self, _: &Credential) -> Result<(), StoreError> {
        match self.save_error {
            None => Ok(()),
            Some(reason) => Err(StoreError::Timeout { store: reason.into(), after: Duration::from_secs(1) }),
        }
    }
    fn delete(&self, _: &str) -> Result<bool, StoreError> {
        self.deleted.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(false)
    }
}

fn keyring(probe_error: Option<&'static str>) -> impl FnOnce() -> Box<dyn CredentialStore> {
    move || Box::new(FakeKeyring { probe_error, ..FakeKeyring::default() })
}

fn file(dir: &std::path::Path) -> impl FnOnce() -> Box<dyn CredentialStore> + '_ {
    move || Box::new(FileStore::new(dir))
}

const NO_BUS: &str = "Failed to connect to address unix:path=/run/user/0/bus";

#[test]
fn keyring_choice_fails_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let err = select(StoreChoice::Keyring, keyring(Some(NO_BUS)), file(tmp.path())).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }));
    assert!(err.to_string().contains(NO_BUS), "the real error is kept: {err}");
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none(), "the file was not touched");

    let ok = select(StoreChoice::Keyring, keyring(None), file(tmp.path())).unwrap();
    assert_eq!(ok.store.source(), Source::Keyring);
    assert_eq!(ok.fallback_reason, None);
}

#[test]
fn auto_prefers_the_keyring() {
    let tmp = tempfile::tempdir().unwrap();
    let selected = select(StoreChoice::Auto, keyring(None), file(tmp.path())).unwrap();
    assert_eq!(selected.store.source(), Source::Keyring);
    assert_eq!(selected.fallback_reason, None);
}

#[test]
fn auto_falls_back_to_the_file_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let selected = select(StoreChoice::Auto, keyring(Some(NO_BUS)), file(tmp.path())).unwrap();
    assert_eq!(selected.store.source(), Source::File);
    assert!(selected.fallback_reason.unwrap().contains(NO_BUS));
}

#[test]
fn auto_fails_when_neither_store_works() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("credentials.json"), "not json").unwrap();
    let err = select(StoreChoice::Auto, keyring(Some(NO_BUS)), file(tmp.path())).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(NO_BUS) && text.contains("credentials.json"), "{text}");
}

fn config(choice: StoreChoice, dir: &std::path::Path) -> StoreConfig {
    StoreConfig {
        choice,
        backend: KeyringBackend::Default,
        config_dir: dir.to_owned(),
        keyring_timeout: Duration::from_secs(3),
        lock_wait: Duration::from_secs(3),
    }
}

#[test]
fn file_choice_selects_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let selected = select_for_write(&config(StoreChoice::File, tmp.path())).unwrap();
    assert_eq!(selected.store.source(), Source::File);
    assert_eq!(selected.fallback_reason, None);
    assert!(selected.store.describe().ends_with("credentials.json"));
}

#[test]
fn read_order() {
    let tmp = tempfile::tempdir().unwrap();
    let sources =
        |choice| -> Vec<Source> { stores_for_read(&config(choice, tmp.path())).iter().map(|s| s.source()).collect() };
    assert_eq!(sources(StoreChoice::Auto), [Source::Keyring, Source::File]);
    assert_eq!(sources(StoreChoice::Keyring), [Source::Keyring]);
    assert_eq!(sources(StoreChoice::File), [Source::File]);
}

fn credential() -> Credential {
    let server = crate::server_url::ServerUrl::parse("https://a.example/mcp").unwrap();
    Credential::bearer(server, crate::secret::Secret::new("tok-1"), 1)
}

fn refusing_keyring() -> Selected {
    let keyring = FakeKeyring { save_error: Some("the locked keyring"), ..FakeKeyring::default() };
    Selected { store: std::sync::Arc::new(keyring), fallback_reason: None }
}

#[test]
fn auto_hands_a_refused_write_to_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let selected = refusing_keyring();
    let saved = save_with_fallback(StoreChoice::Auto, &selected, &credential(), file(tmp.path())).unwrap();
    assert_eq!(saved.store.source(), Source::File);
    assert!(saved.keyring_refused.unwrap().to_string().contains("the locked keyring"));
    assert_eq!(FileStore::new(tmp.path()).load("https://a.example/mcp").unwrap(), Some(credential()));
}

#[test]
fn keyring_choice_never_switches_to_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let err =
        save_with_fallback(StoreChoice::Keyring, &refusing_keyring(), &credential(), file(tmp.path())).unwrap_err();
    assert!(matches!(err, StoreError::Timeout { .. }), "{err:?}");
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none(), "the file was not touched");
}

#[test]
fn a_refused_write_with_no_usable_file_names_both() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("credentials.json"), "not json").unwrap();
    let err = save_with_fallback(StoreChoice::Auto, &refusing_keyring(), &credential(), file(tmp.path())).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("the locked keyring") && text.contains("credentials.json"), "{text}");
}
