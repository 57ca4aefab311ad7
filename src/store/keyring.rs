//! The OS keyring through keyring-core and its per-platform stores.
//!
//! One entry per account of a server: service `agentview`, user = the store key (the normalized
//! server URL for the server's `default` account, as the previous release kept its one
//! credential; `<server URL>#account=<name>` for the others, see [`super::account`]). The secret is a small JSON document of the whole credential, so
//! `status` can show expiry and user from the keyring alone.
//!
//! Where the platform caps a secret's size (Windows: 2,560 bytes) the document is written as
//! UTF-8 bytes; one that still does not fit leaves out the account details, and a credential
//! too large even then is refused with a hint to use the file store.
//!
//! Every platform call runs on a helper thread and is abandoned after
//! `keyring_timeout`: a locked collection or an unlock prompt nobody answers
//! must not hang the CLI. An abandoned thread finishes (or not) on its own.
//! A Secret Service call that got no reply within the D-Bus library's own 2 s
//! (a busy daemon) is made again, a few times, within that timeout: each call
//! here reads, replaces or deletes one entry, so making it again is harmless.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyring_core::Error as KeyringError;
use serde::{Deserialize, Serialize};

use super::account::split_key;
use super::backend::{Backend, Opened, connect, error_text};
use super::record::{Record, describe_json_error};
use super::{Credential, CredentialStore, KeyringBackend, Source, StoreError};

const FORMAT_VERSION: u32 = 1;
/// How many times a call that got no reply is made in all.
const NO_REPLY_TRIES: u32 = 4;
/// The account `probe` looks up; it is never written.
const PROBE_ACCOUNT: &str = "agentview-probe";

/// Whether the platform call failed for want of a reply: D-Bus's NoReply, whose
/// text libdbus writes (the Secret Service store keeps only the text).
fn got_no_reply(err: &KeyringError) -> bool {
    let KeyringError::PlatformFailure(_) = err else {
        return false;
    };
    let text = error_text(err);
    text.contains("Did not receive a reply") || text.contains("org.freedesktop.DBus.Error.NoReply")
}

/// The keyring secret: the credential plus its server, versioned.
#[derive(Serialize, Deserialize)]
struct Document {
    version: u32,
    server: String,
    #[serde(flatten)]
    record: Record,
}

/// The OS keyring.
#[derive(Debug)]
pub struct KeyringStore {
    requested: KeyringBackend,
    timeout: Duration,
    /// Connected lazily, on a helper thread, then reused. Never locked across
    /// a platform call, so `describe` cannot hang behind one.
    opened: Arc<Mutex<Option<Opened>>>,
    notes: Mutex<Vec<String>>,
}

impl KeyringStore {
    pub fn new(backend: KeyringBackend, timeout: Duration) -> Self {
        KeyringStore { requested: backend, timeout, opened: Arc::new(Mutex::new(None)), notes: Mutex::default() }
    }

    /// A store already connected to `store`, as if `backend` had answered.
    #[cfg(test)]
    fn connected(backend: Backend, store: Arc<keyring_core::CredentialStore>, timeout: Duration) -> Self {
        let opened = Opened { backend, store, passed_over: None };
        KeyringStore {
            requested: KeyringBackend::Default,
            timeout,
            opened: Arc::new(Mutex::new(Some(opened))),
            notes: Mutex::default(),
        }
    }

    fn opened(&self) -> Option<Opened> {
        self.opened.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether the backend in use forgets credentials at reboot or logout
    /// (keyutils). `None` until a call has connected.
    pub fn is_volatile(&self) -> Option<bool> {
        self.opened().map(|o| o.backend == Backend::Keyutils)
    }

    fn name(&self) -> String {
        self.describe()
    }

    /// Run `op` against the connected store on a helper thread, waiting at most
    /// `timeout` for the whole thing (connecting included); `op` is made again
    /// while the platform says it got no reply.
    fn call<T: Send + 'static>(
        &self,
        op: impl Fn(&Opened) -> Result<T, KeyringError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = mpsc::channel();
        let cache = Arc::clone(&self.opened);
        let requested = self.requested;
        let spawned = std::thread::Builder::new().name("agentview-keyring".into()).spawn(move || {
            let result = connect(&cache, requested).map(|opened| {
                let mut tries = 1;
                loop {
                    match op(&opened) {
                        Err(e) if tries < NO_REPLY_TRIES && got_no_reply(&e) => tries += 1,
                        done => break done,
                    }
                }
            });
            let _ = tx.send(result);
        });
        if let Err(e) = spawned {
            return Err(StoreError::Other { store: self.name(), reason: format!("cannot start a thread: {e}") });
        }
        match rx.recv_timeout(self.timeout) {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(e))) => Err(self.map_error(e)),
            Ok(Err(reason)) => Err(StoreError::Unavailable { store: self.name(), reason }),
            Err(RecvTimeoutError::Timeout) => Err(StoreError::Timeout { store: self.name(), after: self.timeout }),
            Err(RecvTimeoutError::Disconnected) => {
                Err(StoreError::Other { store: self.name(), reason: "the keyring call panicked".to_owned() })
            }
        }
    }

    /// Keep the platform's own words: a swallowed keyring error leaves users guessing.
    fn map_error(&self, err: KeyringError) -> StoreError {
        let reason = error_text(&err);
        match err {
            KeyringError::NoStorageAccess(_) | KeyringError::PlatformFailure(_) => {
                StoreError::Unavailable { store: self.name(), reason }
            }
            _ => StoreError::Other { store: self.name(), reason },
        }
    }

    /// Add why an earlier backend was not used, so a failure of the fallback
    /// (keyutils) still shows the first one's error (the Secret Service's).
    fn with_passed_over(&self, err: StoreError) -> StoreError {
        let Some(why) = self.opened().and_then(|o| o.passed_over) else {
            return err;
        };
        match err {
            StoreError::Unavailable { store, reason } => {
                StoreError::Unavailable { store, reason: format!("{reason}; not using {why}") }
            }
            StoreError::Other { store, reason } => {
                StoreError::Other { store, reason: format!("{reason}; not using {why}") }
            }
            other => other,
        }
    }

    fn corrupt(&self, server: &str, reason: String) -> StoreError {
        StoreError::Corrupt { store: self.name(), server: server.to_owned(), reason }
    }

    /// The secret for `credential`, within `limit` bytes when the platform has one.
    fn encode(&self, credential: &Credential, limit: Option<usize>) -> Result<String, StoreError> {
        let other = |reason: String| StoreError::Other { store: self.name(), reason };
        let mut record = Record::from_credential(credential).map_err(other)?;
        let mut text = String::new();
        for attempt in 0..2 {
            if attempt == 1 {
                record.user = None;
            }
            let doc = Document { version: FORMAT_VERSION, server: credential.key(), record };
            text = serde_json::to_string(&doc).map_err(|e| other(e.to_string()))?;
            record = doc.record;
            match limit {
                Some(limit) if text.len() > limit => {}
                _ if attempt == 1 => {
                    self.notes
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(format!("the account details were left out of {} to fit its size limit", self.name()));
                    return Ok(text);
                }
                _ => return Ok(text),
            }
        }
        Err(other(format!(
            "the credential takes {} bytes, more than the {} bytes one entry can hold; use --store file",
            text.len(),
            limit.unwrap_or_default()
        )))
    }

    fn mismatch(&self, found: &str) -> StoreError {
        StoreError::Mismatch { store: self.name(), found: found.to_owned() }
    }

    /// The raw secret text of a server's entry.
    fn read_raw(&self, server: &str) -> Result<Option<Result<String, String>>, StoreError> {
        let server = server.to_owned();
        self.call(move |o| {
            let entry = o.backend.entry(&*o.store, &server)?;
            if o.backend.stores_bytes() {
                match entry.get_secret() {
                    // JSON text never holds a NUL byte; UTF-16 text of ASCII is half NULs.
                    Ok(bytes) if bytes.first() == Some(&b'{') && !bytes.contains(&0) => {
                        return Ok(Some(
                            String::from_utf8(bytes).map_err(|_| "the entry is not UTF-8 text".to_owned()),
                        ));
                    }
                    // Anything else may be an entry an older agentview wrote as a password.
                    Ok(_) => {}
                    Err(KeyringError::NoEntry) => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
            match entry.get_password() {
                Ok(text) => Ok(Some(Ok(text))),
                Err(KeyringError::NoEntry) => Ok(None),
                // Not UTF-8: the bytes are not shown, they may be a token.
                Err(KeyringError::BadEncoding(_)) => Ok(Some(Err("the entry is not UTF-8 text".to_owned()))),
                Err(e) => Err(e),
            }
        })
    }

    fn parse(&self, server: &str, text: &str) -> Result<Credential, StoreError> {
        let doc: Document = serde_json::from_str(text).map_err(|e| self.corrupt(server, describe_json_error(&e)))?;
        if doc.version != FORMAT_VERSION {
            return Err(self.corrupt(server, format!("unknown format version {}", doc.version)));
        }
        if doc.server != server {
            return Err(self.corrupt(server, format!("the entry names another server ({})", doc.server)));
        }
        let (url, account) = split_key(server).map_err(|reason| self.corrupt(server, reason))?;
        let credential = doc.record.into_credential(url).map_err(|reason| self.corrupt(server, reason))?;
        Ok(credential.for_account(account))
    }
}

impl CredentialStore for KeyringStore {
    fn source(&self) -> Source {
        Source::Keyring
    }

    fn describe(&self) -> String {
        match (self.opened(), self.requested) {
            (Some(o), _) => o.backend.describe().to_owned(),
            (None, KeyringBackend::SecretService) => Backend::SecretService.describe().to_owned(),
            (None, KeyringBackend::Keyutils) => Backend::Keyutils.describe().to_owned(),
            (None, KeyringBackend::Default) => match Backend::candidates(KeyringBackend::Default)[..] {
                [only] => only.describe().to_owned(),
                _ => "the OS keyring".to_owned(),
            },
        }
    }

    /// Looks up an entry nobody writes: `NoEntry` means the keyring answers.
    ///
    /// keyutils is the exception: there a lookup can succeed while every write
    /// is refused (in containers the persistent keyring denies the link the
    /// store makes after adding a key), so the probe adds and removes a scratch
    /// key holding "probe". No credential is touched. Where the link is denied
    /// the scratch key cannot be removed either and stays in the user's session
    /// keyring (one at most: the next add displaces it) until the kernel drops
    /// it; that is why the probe must fail there, before a token meets the same fate.
    fn probe(&self) -> Result<(), StoreError> {
        let result = self.call(|o| {
            let entry = o.backend.entry(&*o.store, PROBE_ACCOUNT)?;
            if o.backend == Backend::Keyutils {
                return entry.set_password("probe").and_then(|()| entry.delete_credential());
            }
            match entry.get_password() {
                Ok(_) | Err(KeyringError::NoEntry) | Err(KeyringError::BadEncoding(_)) => Ok(()),
                Err(e) => Err(e),
            }
        });
        result.map_err(|e| self.with_passed_over(e))
    }

    fn load(&self, server: &str) -> Result<Option<Credential>, StoreError> {
        match self.read_raw(server)? {
            None => Ok(None),
            Some(Err(reason)) => Err(self.corrupt(server, reason)),
            Some(Ok(text)) => self.parse(server, &text).map(Some),
        }
    }

    /// `set_password` on the same entry updates it in place (no delete-then-add,
    /// which re-prompts on macOS and loses the entry if the add fails).
    fn save(&self, credential: &Credential) -> Result<(), StoreError> {
        let backend = self.call(|o| Ok(o.backend))?;
        let text = self.encode(credential, backend.secret_limit())?;
        let key = credential.key();
        let server = key.clone();
        let written = text.clone();
        self.call(move |o| {
            let entry = o.backend.entry(&*o.store, &server)?;
            if o.backend.stores_bytes() { entry.set_secret(written.as_bytes()) } else { entry.set_password(&written) }
        })?;
        match self.read_raw(&key) {
            Ok(Some(Ok(back))) if back == text => Ok(()),
            Ok(Some(_)) => Err(self.mismatch("a different entry")),
            Ok(None) => Err(self.mismatch("no entry at all")),
            Err(e) => Err(self.mismatch(&format!("an error ({e})"))),
        }
    }

    fn delete(&self, server: &str) -> Result<bool, StoreError> {
        let server = server.to_owned();
        self.call(move |o| match o.backend.entry(&*o.store, &server)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(e),
        })
    }

    fn notes(&self) -> Vec<String> {
        let Some(opened) = self.opened() else {
            return Vec::new();
        };
        let mut notes = self.notes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if opened.backend == Backend::Keyutils {
            notes.push(
                "the kernel keyutils keyring forgets the credential at reboot or when the \
                 login session ends; log in again then, or use --store file"
                    .to_owned(),
            );
        }
        if let Some(why) = opened.passed_over {
            notes.push(format!("not using {why}"));
        }
        notes
    }
}

#[cfg(test)]
#[path = "keyring_tests.rs"]
mod tests;
