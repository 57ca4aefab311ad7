//! Credential stores: where a login's credential is kept, and how one is chosen.

use std::path::PathBuf;
use std::time::Duration;

pub(crate) mod account;
pub(crate) mod accounts;
mod backend;
mod credential;
pub(crate) mod file;
pub(crate) mod keyring;
mod lock;
pub(crate) mod private;
mod record;

pub use account::AccountName;
pub use credential::{
    ClientAuth, ClientJwt, Credential, CredentialKind, Flow, Grant, GrantAuth, OAuthGrant, SigningAlg, UserInfo,
};
pub use file::FileStore;
pub use keyring::KeyringStore;

/// Which store the user asked for (`--store`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreChoice {
    Auto,
    Keyring,
    File,
}

/// Which keyring backend to use on Linux (`AGENTVIEW_KEYRING_BACKEND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyringBackend {
    /// The platform default: Secret Service, else keyutils on Linux.
    Default,
    SecretService,
    Keyutils,
}

/// Where a credential lives (or came from, for `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Env,
    Keyring,
    File,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Env => "env",
            Source::Keyring => "keyring",
            Source::File => "file",
        }
    }
}

/// What a store needs to know to open.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    pub choice: StoreChoice,
    pub backend: KeyringBackend,
    /// Directory of `credentials.json`.
    pub config_dir: PathBuf,
    /// How long one keyring call may take before it counts as hung.
    pub keyring_timeout: Duration,
    /// How long a write waits for another process's lock on the credentials file.
    pub lock_wait: Duration,
}

/// Why a store could not do its job. Code branches on these kinds.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be used on this machine right now (no D-Bus, locked, denied…).
    #[error("{store} is not available: {reason}")]
    Unavailable { store: String, reason: String },
    /// A keyring call did not answer in time.
    #[error("{store} did not answer within {} s (is it locked, or waiting for a password prompt?)", .after.as_secs())]
    Timeout { store: String, after: Duration },
    /// The stored data cannot be read back as a credential.
    #[error("{store} holds an unreadable entry for {server}: {reason}")]
    Corrupt { store: String, server: String, reason: String },
    /// The write reported success but reading back gave something else.
    #[error("{store} accepted the credential but reading it back gave {found}")]
    Mismatch { store: String, found: String },
    /// A file operation failed; the I/O error is kept as the source.
    #[error("{store}: {what}: {source}")]
    Io {
        store: String,
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// Anything else, with the platform's own message.
    #[error("{store}: {reason}")]
    Other { store: String, reason: String },
}

/// A place that keeps one credential per account of a server.
pub trait CredentialStore: Send + Sync + std::fmt::Debug {
    /// `Keyring` or `File`.
    fn source(&self) -> Source;
    /// Human description: "the Secret Service keyring", "/home/u/.config/agentview/credentials.json".
    fn describe(&self) -> String;
    /// Check the store can be used, without changing what it holds.
    fn probe(&self) -> Result<(), StoreError>;
    /// The credential stored under `key` (see [`Credential::key`]: the server URL for its
    /// `default` account).
    fn load(&self, key: &str) -> Result<Option<Credential>, StoreError>;
    /// Write, then read back and compare; a mismatch is `StoreError::Mismatch`.
    fn save(&self, credential: &Credential) -> Result<(), StoreError>;
    /// Remove the credential stored under `key`; `Ok(false)` when there was none.
    fn delete(&self, key: &str) -> Result<bool, StoreError>;
    /// What the user should be told about this store, learned so far: a keyring
    /// that forgets at reboot. Shown as warnings; empty by default.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The store a login will write to, chosen before the login starts.
#[derive(Debug, Clone)]
pub struct Selected {
    /// Shared so a save can run off the async thread (Ctrl-C stays observable meanwhile).
    pub store: std::sync::Arc<dyn CredentialStore>,
    /// Set when `auto` fell back to the file: why the keyring was not usable.
    pub fallback_reason: Option<String>,
}

/// Where a login's credential ended up.
#[derive(Debug)]
pub struct Saved {
    pub store: std::sync::Arc<dyn CredentialStore>,
    /// Set when `auto`'s keyring refused the write and the file took it: the keyring's error.
    pub keyring_refused: Option<StoreError>,
}

/// Save a login's credential in the selected store. Under `auto`, a keyring that refuses the
/// write after the login (locked meanwhile, a record too large for the platform) hands over to
/// the file, so an approved login is not lost; `keyring` and `file` never switch.
pub fn save_selected(config: &StoreConfig, selected: &Selected, credential: &Credential) -> Result<Saved, StoreError> {
    save_with_fallback(config.choice, selected, credential, || file_store(config))
}

fn save_with_fallback(
    choice: StoreChoice,
    selected: &Selected,
    credential: &Credential,
    file: impl FnOnce() -> Box<dyn CredentialStore>,
) -> Result<Saved, StoreError> {
    let keyring_error = match selected.store.save(credential) {
        Ok(()) => return Ok(Saved { store: selected.store.clone(), keyring_refused: None }),
        Err(e) if choice == StoreChoice::Auto && selected.store.source() == Source::Keyring => e,
        Err(e) => return Err(e),
    };
    // Whatever the keyring kept of the failed write must not shadow the file's copy.
    let _ = selected.store.delete(&credential.key());
    let file: std::sync::Arc<dyn CredentialStore> = file().into();
    match file.probe().and_then(|()| file.save(credential)) {
        Ok(()) => Ok(Saved { store: file, keyring_refused: Some(keyring_error) }),
        Err(file_error) => Err(StoreError::Unavailable {
            store: "the credential store".to_owned(),
            reason: format!(
                "the keyring refused the credential ({keyring_error}), and the file did too ({file_error})"
            ),
        }),
    }
}

/// Choose and probe the store a login writes to.
/// `keyring` fails closed; `auto` falls back to the file and says why.
pub fn select_for_write(config: &StoreConfig) -> Result<Selected, StoreError> {
    select(config.choice, || keyring_store(config), || file_store(config))
}

/// The stores to read a credential from, in order (auto: keyring, then file).
///
/// Nothing is probed: a reader treats a keyring error as "skip, but remember
/// the reason" and goes on to the file.
pub fn stores_for_read(config: &StoreConfig) -> Vec<Box<dyn CredentialStore>> {
    match config.choice {
        StoreChoice::Keyring => vec![keyring_store(config)],
        StoreChoice::File => vec![file_store(config)],
        StoreChoice::Auto => vec![keyring_store(config), file_store(config)],
    }
}

fn keyring_store(config: &StoreConfig) -> Box<dyn CredentialStore> {
    Box::new(KeyringStore::new(config.backend, config.keyring_timeout))
}

fn file_store(config: &StoreConfig) -> Box<dyn CredentialStore> {
    Box::new(FileStore::new(&config.config_dir).with_lock_wait(config.lock_wait))
}

/// The selection policy, with the stores injected so tests can fake a keyring.
fn select(
    choice: StoreChoice,
    keyring: impl FnOnce() -> Box<dyn CredentialStore>,
    file: impl FnOnce() -> Box<dyn CredentialStore>,
) -> Result<Selected, StoreError> {
    let probed = |store: Box<dyn CredentialStore>| store.probe().map(|()| store);
    match choice {
        StoreChoice::Keyring => Ok(Selected { store: probed(keyring())?.into(), fallback_reason: None }),
        StoreChoice::File => Ok(Selected { store: probed(file())?.into(), fallback_reason: None }),
        StoreChoice::Auto => {
            let keyring_error = match probed(keyring()) {
                Ok(store) => {
                    return Ok(Selected { store: store.into(), fallback_reason: None });
                }
                Err(e) => e,
            };
            match probed(file()) {
                Ok(store) => Ok(Selected { store: store.into(), fallback_reason: Some(keyring_error.to_string()) }),
                Err(file_error) => Err(StoreError::Unavailable {
                    store: "the credential store".to_owned(),
                    reason: format!(
                        "the keyring is not usable ({keyring_error}), and the file is not either ({file_error})"
                    ),
                }),
            }
        }
    }
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
