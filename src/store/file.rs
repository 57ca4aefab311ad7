//! The plaintext credential file: `<config-dir>/credentials.json`, mode 0600.
//!
//! Layout: `{"version": 1, "credentials": {"<server>": {kind, token, expires_at, user, created_at}}}`.
//!
//! Writes are read-modify-write under an exclusive lock on `credentials.json.lock`
//! (left in place: deleting a lock file races with the next locker), and replace
//! the file atomically: a temporary file created 0600 in the same directory,
//! fsync, rename over, fsync the directory. Readers take no lock; the rename
//! gives them either the old or the new file, never a partial one.
//!
//! On a shared machine the file is only trusted like ssh's StrictModes would: a config dir or
//! credentials file that is a symbolic link, not a directory / regular file, owned by someone
//! else, or writable by others is refused ([`strict`]); the lock file is opened without
//! following links. A credentials file that other users could read is reported on every read
//! ([`FileStore::notes`]) and replaced by a 0600 one on the next save. Temporary files of
//! writers that died before their rename are removed on the next write or delete.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::record::{Record, describe_json_error};
use super::{Credential, CredentialStore, Source, StoreError};

mod strict;

pub const FILE_NAME: &str = "credentials.json";
/// Temporary files are `.credentials.json.<pid>-<n>-<nanos>.tmp`.
const TEMP_PREFIX: &str = ".credentials.json.";
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
    dir: PathBuf,
    path: PathBuf,
    notes: Mutex<Vec<String>>,
    lock_wait: Duration,
}

impl FileStore {
    pub fn new(config_dir: impl Into<PathBuf>) -> Self {
        let dir = config_dir.into();
        let path = dir.join(FILE_NAME);
        FileStore { dir, path, notes: Mutex::new(Vec::new()), lock_wait: LOCK_WAIT }
    }

    /// How long a save waits for the lock another process holds.
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn store_name(&self) -> String {
        self.path.display().to_string()
    }

    fn other(&self, what: &str, err: io::Error) -> StoreError {
        StoreError::Io { store: self.store_name(), what: what.to_owned(), source: err }
    }

    fn corrupt(&self, server: &str, reason: String) -> StoreError {
        StoreError::Corrupt { store: self.store_name(), server: server.to_owned(), reason }
    }

    fn note(&self, text: String) {
        let mut notes = self.notes.lock().unwrap_or_else(|e| e.into_inner());
        if !notes.contains(&text) {
            notes.push(text);
        }
    }

    fn refuse(&self, reason: String) -> StoreError {
        StoreError::Other { store: self.store_name(), reason }
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        self.check_dir()?;
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir).map_err(|e| self.other(&format!("cannot create {}", self.dir.display()), e))?;
        self.check_dir()
    }

    fn check_dir(&self) -> Result<(), StoreError> {
        strict::check_dir(&self.dir).map_err(|reason| self.refuse(reason))
    }

    /// Remove the temporary files of writers that died before renaming them.
    fn remove_stale_temps(&self) {
        for stale in strict::stale_temp_files(&self.dir, TEMP_PREFIX) {
            let _ = fs::remove_file(stale);
        }
    }

    /// Prove that a file of `size` bytes fits in the directory (a full disk or quota fails
    /// here, before a login is approved whose credential could then not be kept).
    pub fn probe_write(&self, size: u64) -> Result<(), StoreError> {
        self.ensure_dir()?;
        let (mut file, tmp) = create_private_temp(&self.dir)
            .map_err(|e| self.other(&format!("cannot write in {}", self.dir.display()), e))?;
        let chunk = vec![b' '; 64 * 1024];
        let mut left = size;
        let mut written = Ok(());
        while left > 0 && written.is_ok() {
            let n = left.min(chunk.len() as u64) as usize;
            written = file.write_all(&chunk[..n]);
            left -= n as u64;
        }
        let written = written.and_then(|()| file.sync_all());
        drop(file);
        let _ = fs::remove_file(&tmp);
        written.map_err(|e| {
            self.other(&format!("cannot write a {size}-byte credentials file in {}", self.dir.display()), e)
        })
    }

    /// The current document, `None` when there is no file. `server` only
    /// labels a corruption error.
    fn read_document(&self, server: &str) -> Result<Option<Document>, StoreError> {
        self.check_dir()?;
        match fs::symlink_metadata(&self.path) {
            Ok(meta) => strict::check_file(&self.path, &meta).map_err(|reason| self.refuse(reason))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.other("cannot inspect", e)),
        }
        let file = match strict::no_follow(OpenOptions::new().read(true)).open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.other("cannot open", e)),
        };
        // What was opened, not what was looked at a moment before.
        let meta = file.metadata().map_err(|e| self.other("cannot stat", e))?;
        strict::check_file(&self.path, &meta).map_err(|reason| self.refuse(reason))?;
        if let Some(mode) = loose_mode(&meta) {
            self.note(format!(
                "{} is readable by other users (mode {mode:o}); the next login or logout rewrites it with mode 600",
                self.path.display()
            ));
        }
        let refuse = |reason: String| {
            self.corrupt(server, format!("{reason}; agentview will not overwrite it: fix or remove the file"))
        };
        if meta.len() > MAX_FILE_SIZE {
            return Err(refuse(format!("the file is larger than {MAX_FILE_SIZE} bytes")));
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).map_err(|e| self.other("cannot read", e))?;
        if bytes.len() as u64 > MAX_FILE_SIZE {
            return Err(refuse(format!("the file is larger than {MAX_FILE_SIZE} bytes")));
        }
        let doc: Document = serde_json::from_slice(&bytes).map_err(|e| refuse(describe_json_error(&e)))?;
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
        self.ensure_dir()?;
        let _lock = self.lock()?;
        self.remove_stale_temps();
        let mut doc = self.read_document(server)?.unwrap_or_else(Document::empty);
        let (write, out) = change(&mut doc)?;
        if write {
            let mut text = serde_json::to_vec_pretty(&doc)
                .map_err(|e| StoreError::Other { store: self.store_name(), reason: e.to_string() })?;
            text.push(b'\n');
            self.replace(&text)?;
        }
        Ok(out)
    }

    fn lock(&self) -> Result<File, StoreError> {
        let lock_path = self.dir.join(format!("{FILE_NAME}.lock"));
        if let Ok(meta) = fs::symlink_metadata(&lock_path) {
            strict::check_file(&lock_path, &meta).map_err(|reason| self.refuse(reason))?;
        }
        let file = strict::no_follow(private_options().read(true).write(true).create(true).truncate(false))
            .open(&lock_path)
            .map_err(|e| self.other(&format!("cannot open {}", lock_path.display()), e))?;
        let meta = file.metadata().map_err(|e| self.other(&format!("cannot stat {}", lock_path.display()), e))?;
        strict::check_file(&lock_path, &meta).map_err(|reason| self.refuse(reason))?;
        let deadline = Instant::now() + self.lock_wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Other {
                        store: self.store_name(),
                        reason: format!(
                            "another agentview process has held {} for over {} s",
                            lock_path.display(),
                            self.lock_wait.as_secs_f32()
                        ),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(self.other("cannot lock", e)),
            }
        }
    }

    /// Atomically replace the credentials file with `bytes`.
    fn replace(&self, bytes: &[u8]) -> Result<(), StoreError> {
        let (mut file, tmp) =
            create_private_temp(&self.dir).map_err(|e| self.other("cannot create a temporary file", e))?;
        let written = file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| fs::rename(&tmp, &self.path));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(self.other("cannot write", e));
        }
        sync_dir(&self.dir).map_err(|e| self.other("cannot sync the directory", e))
    }
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
        self.ensure_dir()?;
        self.read_document("any server")?;
        let current = fs::metadata(&self.path).map_or(0, |m| m.len());
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
        record.into_credential(server).map(Some).map_err(|reason| self.corrupt(server, reason))
    }

    fn save(&self, credential: &Credential) -> Result<(), StoreError> {
        let server = credential.server.as_str();
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
        if fs::symlink_metadata(&self.path).is_err() {
            if self.check_dir().is_ok() {
                self.remove_stale_temps();
            }
            return Ok(false);
        }
        self.update(server, |doc| {
            let removed = doc.credentials.remove(server).is_some();
            Ok((removed, removed))
        })
    }

    fn notes(&self) -> Vec<String> {
        self.notes.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl FileStore {
    fn mismatch(&self, found: &str) -> StoreError {
        StoreError::Mismatch { store: self.store_name(), found: found.to_owned() }
    }
}

/// Options that create a file readable by its owner only, from the first byte.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// A new, empty, 0600 file next to the credentials file.
fn create_private_temp(dir: &Path) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!("{TEMP_PREFIX}{}-{n}-{nanos}.tmp", std::process::id()));
    let file = private_options().write(true).create_new(true).open(&tmp)?;
    Ok((file, tmp))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// The permission bits when group or others may read or write the file.
#[cfg(unix)]
fn loose_mode(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn loose_mode(_meta: &fs::Metadata) -> Option<u32> {
    None
}

#[cfg(all(test, unix))]
#[path = "file_tests.rs"]
mod tests;
