//! The plaintext credential file: `<config-dir>/credentials.json`, mode 0600.
//!
//! Layout: `{"version": 1, "credentials": {"<key>": {kind, token, expires_at, user, created_at}}}`, where the
//! key is the server URL for a server's `default` account, `<server URL>#account=<name>` for its
//! others ([`super::account`]): a release that knows no accounts keeps those entries untouched
//! (every entry is kept as raw JSON) and lists them under their key.
//!
//! Writes are read-modify-write under an exclusive lock on `credentials.json.lock`
//! (left in place: deleting a lock file races with the next locker), and replace
//! the file atomically ([`PrivateDir::write`]). Readers take no lock; the rename
//! gives them either the old or the new file, never a partial one.
//!
//! On a shared machine the file is only trusted like ssh's StrictModes would ([`super::private`]):
//! a planted or loosely owned config dir, credentials file or lock file is refused, and so is a
//! credentials file that other users can read (the error names the `chmod` that fixes it): such a
//! file may be one nobody meant to be a credential (copied in, or committed to a repository).
//! Temporary files of writers that died before their rename are removed on the next write or
//! delete.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::account::{AccountName, split_key};
use super::private::{LockError, Locked, PrivateDir, PrivateError};
use super::record::{Record, describe_json_error};
use super::{Credential, CredentialStore, Source, StoreError};
use crate::clock::{Clock, RealClock};

pub const FILE_NAME: &str = "credentials.json";
const LOCK_NAME: &str = "credentials.json.lock";
/// What a login adds to the file at most: the longest token plus its record.
pub const RECORD_RESERVE: u64 = crate::secret::MAX_TOKEN_LEN as u64 + 4096;
const FORMAT_VERSION: u32 = 1;
/// No real credentials file comes near this; a bigger one is not ours.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;
/// How long a save waits for another agentview process to finish its own, unless told.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Entries are kept as raw JSON so that one odd entry (or fields from a newer
/// agentview) never blocks or loses the others.
#[derive(Serialize, Deserialize)]
struct Document {
    version: u32,
    #[serde(default)]
    credentials: BTreeMap<String, serde_json::Value>,
}

impl Document {
    fn empty() -> Self {
        Document { version: FORMAT_VERSION, credentials: BTreeMap::new() }
    }
}

/// The credentials file in one directory.
#[derive(Debug)]
pub struct FileStore {
    dir: PrivateDir,
    path: PathBuf,
    lock_wait: Duration,
    clock: Arc<dyn Clock>,
}

impl FileStore {
    pub fn new(config_dir: impl Into<PathBuf>) -> Self {
        let dir = PrivateDir::new(config_dir);
        let path = dir.file(FILE_NAME);
        FileStore { dir, path, lock_wait: LOCK_WAIT, clock: Arc::new(RealClock) }
    }

    /// How long a save waits for the lock another process holds.
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The clock a save waits for the lock on.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn store_name(&self) -> String {
        self.path.display().to_string()
    }

    fn corrupt(&self, server: &str, reason: String) -> StoreError {
        StoreError::Corrupt { store: self.store_name(), server: server.to_owned(), reason }
    }

    /// A private-file failure as this store's error.
    fn private(&self, error: PrivateError) -> StoreError {
        match error {
            PrivateError::Refused(reason) => StoreError::Other { store: self.store_name(), reason },
            PrivateError::TooLarge { .. } => StoreError::Other { store: self.store_name(), reason: error.to_string() },
            PrivateError::Io { what, source } => StoreError::Io { store: self.store_name(), what, source },
        }
    }

    /// Prove that a file of `size` bytes fits in the directory (a full disk or quota fails
    /// here, before a login is approved whose credential could then not be kept).
    pub fn probe_write(&self, size: u64) -> Result<(), StoreError> {
        self.dir.probe_write(FILE_NAME, size).map_err(|e| self.private(e))
    }

    /// The current document, `None` when there is no file. `server` only
    /// labels a corruption error.
    fn read_document(&self, server: &str) -> Result<Option<Document>, StoreError> {
        let refuse = |reason: String| {
            self.corrupt(server, format!("{reason}; agentview will not overwrite it: fix or remove the file"))
        };
        let contents = match self.dir.read(FILE_NAME, MAX_FILE_SIZE) {
            Ok(Some(contents)) => contents,
            Ok(None) => return Ok(None),
            Err(PrivateError::TooLarge { .. }) => {
                return Err(refuse(format!("the file is larger than {MAX_FILE_SIZE} bytes")));
            }
            Err(e) => return Err(self.private(e)),
        };
        // A file others can read may also be one someone else wrote (committed to a repository,
        // copied in): it is not trusted with where secrets go. Nothing of it is used.
        if let Some(mode) = contents.loose_mode {
            return Err(StoreError::Other {
                store: self.store_name(),
                reason: format!(
                    "refusing it: it is readable by other users (mode {mode:o}); a credentials file must be yours \
                     alone: `chmod 600 {}` (or remove it)",
                    self.path.display()
                ),
            });
        }
        let doc: Document = serde_json::from_slice(&contents.bytes).map_err(|e| refuse(describe_json_error(&e)))?;
        if doc.version != FORMAT_VERSION {
            return Err(refuse(format!(
                "format version {} is not one this agentview knows ({FORMAT_VERSION})",
                doc.version
            )));
        }
        Ok(Some(doc))
    }

    /// Run `change` on the current document under the lock; write the result
    /// when it returns true.
    fn update<T>(
        &self,
        server: &str,
        change: impl FnOnce(&mut Document) -> Result<(bool, T), StoreError>,
    ) -> Result<T, StoreError> {
        self.dir.ensure().map_err(|e| self.private(e))?;
        let _lock = self.lock()?;
        self.dir.remove_stale_temps(FILE_NAME);
        let mut doc = self.read_document(server)?.unwrap_or_else(Document::empty);
        let (write, out) = change(&mut doc)?;
        if write {
            let mut text = serde_json::to_vec_pretty(&doc)
                .map_err(|e| StoreError::Other { store: self.store_name(), reason: e.to_string() })?;
            text.push(b'\n');
            self.dir.write(FILE_NAME, &text).map_err(|e| self.private(e))?;
        }
        Ok(out)
    }

    fn lock(&self) -> Result<Locked, StoreError> {
        let file = self.dir.lock_file(LOCK_NAME).map_err(|e| self.private(e))?;
        file.lock_blocking(&*self.clock, self.lock_wait).map_err(|e| match e {
            LockError::Busy { .. } => StoreError::Other { store: self.store_name(), reason: e.to_string() },
            LockError::Io { source, .. } => {
                StoreError::Io { store: self.store_name(), what: "cannot lock".into(), source }
            }
        })
    }

    /// Every stored credential, without its secret (`status --all`): names, kinds and times.
    /// An entry that cannot be read is named in `problems`; it never hides the others.
    pub fn list(&self) -> Listing {
        let mut listing = Listing { file: self.store_name(), ..Listing::default() };
        let doc = match self.read_document("any server") {
            Ok(Some(doc)) => doc,
            Ok(None) => return listing,
            Err(e) => {
                listing.problems.push(e.to_string());
                return listing;
            }
        };
        for (server, value) in doc.credentials {
            let sign_in =
                value.pointer("/oauth/unattended/grant").and_then(serde_json::Value::as_str) == Some("idp_sign_in");
            let parsed = serde_json::from_value::<Entry>(value).map_err(|_| ()).and_then(|entry| {
                let (url, account) = split_key(&server).map_err(|_| ())?;
                Ok(Entry { server: url.to_owned(), account, ..entry })
            });
            match parsed {
                Ok(mut entry) => {
                    entry.sign_in = sign_in;
                    listing.entries.push(entry);
                }
                Err(_) => listing
                    .problems
                    .push(format!("the entry for {} is unreadable", crate::sanitize::line(&server, 200))),
            }
        }
        listing
    }
}

/// One stored credential, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Entry {
    /// The server it is for (an identity provider's address, for a sign-in).
    #[serde(skip)]
    pub server: String,
    /// Which of the server's accounts.
    #[serde(skip)]
    pub account: AccountName,
    /// A sign-in at an identity provider (`login --idp`), kept under the provider's address: no
    /// server's credential.
    #[serde(skip)]
    pub sign_in: bool,
    pub kind: super::CredentialKind,
    #[serde(default)]
    pub expires_at: Option<u64>,
    #[serde(default)]
    pub user: Option<super::UserInfo>,
    pub created_at: u64,
}

impl Entry {
    pub fn is_live(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

/// What listing the file found, and what it could not read.
#[derive(Debug, Default)]
pub struct Listing {
    /// The credential file's path.
    pub file: String,
    pub entries: Vec<Entry>,
    /// Entries that could not be read (named by server), or why the file could not be.
    pub problems: Vec<String>,
}

impl CredentialStore for FileStore {
    fn source(&self) -> Source {
        Source::File
    }

    fn describe(&self) -> String {
        self.store_name()
    }

    /// Creates the directory if needed; an existing credentials file must be readable and
    /// ours, and a scratch file as big as the file after a login must fit beside it.
    fn probe(&self) -> Result<(), StoreError> {
        self.dir.ensure().map_err(|e| self.private(e))?;
        self.read_document("any server")?;
        let current = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        self.probe_write(current + RECORD_RESERVE)
    }

    fn load(&self, server: &str) -> Result<Option<Credential>, StoreError> {
        let Some(mut doc) = self.read_document(server)? else {
            return Ok(None);
        };
        let Some(value) = doc.credentials.remove(server) else {
            return Ok(None);
        };
        let record: Record =
            serde_json::from_value(value).map_err(|e| self.corrupt(server, describe_json_error(&e)))?;
        let (url, account) = split_key(server).map_err(|reason| self.corrupt(server, reason))?;
        let credential = record.into_credential(url).map_err(|reason| self.corrupt(server, reason))?;
        Ok(Some(credential.for_account(account)))
    }

    fn save(&self, credential: &Credential) -> Result<(), StoreError> {
        let key = credential.key();
        let server = key.as_str();
        let record = Record::from_credential(credential)
            .map_err(|reason| StoreError::Other { store: self.store_name(), reason })?;
        let value = serde_json::to_value(&record)
            .map_err(|e| StoreError::Other { store: self.store_name(), reason: e.to_string() })?;
        self.update(server, |doc| {
            doc.credentials.insert(server.to_owned(), value);
            Ok((true, ()))
        })?;
        match self.load(server) {
            Ok(Some(back)) if back == *credential => Ok(()),
            Ok(Some(_)) => Err(self.mismatch("a different credential")),
            Ok(None) => Err(self.mismatch("nothing")),
            Err(e) => Err(self.mismatch(&format!("an error ({e})"))),
        }
    }

    fn delete(&self, server: &str) -> Result<bool, StoreError> {
        // A directory others can write is refused here as for every read: "nothing to remove"
        // would say it is clean.
        self.dir.check().map_err(|e| self.private(e))?;
        if std::fs::symlink_metadata(&self.path).is_err() {
            self.dir.remove_stale_temps(FILE_NAME);
            return Ok(false);
        }
        self.update(server, |doc| {
            let removed = doc.credentials.remove(server).is_some();
            Ok((removed, removed))
        })
    }
}

impl FileStore {
    fn mismatch(&self, found: &str) -> StoreError {
        StoreError::Mismatch { store: self.store_name(), found: found.to_owned() }
    }
}

#[cfg(all(test, unix))]
#[path = "file_tests.rs"]
mod tests;
