//! The config dir's private files, trusted only like ssh's StrictModes would: the credential
//! file, its lock, the OAuth registration cache, the refresh lock and every temporary file.
//!
//! A config dir or file that is a symbolic link, not a directory / regular file, owned by
//! someone else, or writable by others is refused. Files are opened without following a link
//! (and without blocking on a FIFO), then checked again by what was opened. New files are 0600
//! from their first byte, the directory 0700; a write goes to a temporary file beside the
//! target, is synced and renamed over it, so readers see the old or the new file, never a part.
//! Locks are polled on the injected clock.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub use super::lock::{LockError, LockFile, Locked};

/// Why a private file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PrivateError {
    /// Something others could have planted or could change; says what and how to fix it.
    #[error("{0}")]
    Refused(String),
    /// The file is larger than its reader accepts.
    #[error("{} is larger than {max} bytes", .path.display())]
    TooLarge { path: PathBuf, max: u64 },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
}

impl PrivateError {
    fn io(what: impl Into<String>, source: io::Error) -> PrivateError {
        PrivateError::Io { what: what.into(), source }
    }
}

/// A private file as read.
#[derive(Debug)]
pub struct Contents {
    pub bytes: Vec<u8>,
    /// The permission bits when group or others may read or write it (it is ours otherwise).
    pub loose_mode: Option<u32>,
}

/// A directory of private files: the config dir.
#[derive(Debug, Clone)]
pub struct PrivateDir {
    dir: PathBuf,
}

impl PrivateDir {
    pub fn new(dir: impl Into<PathBuf>) -> PrivateDir {
        PrivateDir { dir: dir.into() }
    }

    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The path of `name` in it.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// When the directory exists: a real directory of ours that only we can write.
    pub fn check(&self) -> Result<(), PrivateError> {
        match fs::symlink_metadata(&self.dir) {
            Ok(meta) => unsafe_because(&self.dir, &meta, true).map_or(Ok(()), |why| Err(PrivateError::Refused(why))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(PrivateError::io(format!("cannot inspect {}", self.dir.display()), e)),
        }
    }

    /// Create the directory (mode 0700) when it is missing, and check it.
    pub fn ensure(&self) -> Result<(), PrivateError> {
        self.check()?;
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir).map_err(|e| PrivateError::io(format!("cannot create {}", self.dir.display()), e))?;
        self.check()
    }

    /// Read `name`, at most `max` bytes; `None` when there is no such file.
    pub fn read(&self, name: &str, max: u64) -> Result<Option<Contents>, PrivateError> {
        self.check()?;
        let path = self.file(name);
        match fs::symlink_metadata(&path) {
            Ok(meta) => check_file(&path, &meta)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(PrivateError::io("cannot inspect", e)),
        }
        let file = match no_follow(OpenOptions::new().read(true)).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(PrivateError::io("cannot open", e)),
        };
        // What was opened, not what was looked at a moment before.
        let meta = file.metadata().map_err(|e| PrivateError::io("cannot stat", e))?;
        check_file(&path, &meta)?;
        if meta.len() > max {
            return Err(PrivateError::TooLarge { path, max });
        }
        let mut bytes = Vec::new();
        file.take(max + 1).read_to_end(&mut bytes).map_err(|e| PrivateError::io("cannot read", e))?;
        if bytes.len() as u64 > max {
            return Err(PrivateError::TooLarge { path, max });
        }
        Ok(Some(Contents { bytes, loose_mode: loose_mode(&meta) }))
    }

    /// Replace `name` with `bytes` atomically: a 0600 temporary file beside it, synced and
    /// renamed over it, then the directory synced.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), PrivateError> {
        self.ensure()?;
        let (mut file, tmp) =
            self.create_temp(name).map_err(|e| PrivateError::io("cannot create a temporary file", e))?;
        let written =
            file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| fs::rename(&tmp, self.file(name)));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(PrivateError::io("cannot write", e));
        }
        sync_dir(&self.dir).map_err(|e| PrivateError::io("cannot sync the directory", e))
    }

    /// Prove that a file of `size` bytes fits beside `name` (a full disk or quota fails here).
    pub fn probe_write(&self, name: &str, size: u64) -> Result<(), PrivateError> {
        self.ensure()?;
        let (mut file, tmp) = self
            .create_temp(name)
            .map_err(|e| PrivateError::io(format!("cannot write in {}", self.dir.display()), e))?;
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
            PrivateError::io(format!("cannot write a {size}-byte credentials file in {}", self.dir.display()), e)
        })
    }

    /// A new, empty, 0600 file `.<name>.<pid>-<n>-<nanos>.tmp` beside `name`.
    pub(super) fn create_temp(&self, name: &str) -> io::Result<(File, PathBuf)> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.file(&format!("{}{}-{n}-{nanos}.tmp", temp_prefix(name), std::process::id()));
        let file = private_options().write(true).create_new(true).open(&tmp)?;
        Ok((file, tmp))
    }

    /// Remove the temporary files of writers of `name` that died before their rename: each
    /// may be a full copy of an old file.
    pub fn remove_stale_temps(&self, name: &str) {
        if self.check().is_err() {
            return;
        }
        let Ok(entries) = fs::read_dir(&self.dir) else { return };
        let prefix = temp_prefix(name);
        for entry in entries.filter_map(Result::ok) {
            let Ok(file_name) = entry.file_name().into_string() else { continue };
            let pid = file_name
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".tmp"))
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok());
            if pid.is_some_and(|pid| !process_alive(pid)) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Open (creating it 0600 when missing) the lock file `name`, never through a link.
    pub fn lock_file(&self, name: &str) -> Result<LockFile, PrivateError> {
        self.ensure()?;
        let path = self.file(name);
        if let Ok(meta) = fs::symlink_metadata(&path) {
            check_file(&path, &meta)?;
        }
        let file = no_follow(private_options().read(true).write(true).create(true).truncate(false))
            .open(&path)
            .map_err(|e| PrivateError::io(format!("cannot open {}", path.display()), e))?;
        let meta = file.metadata().map_err(|e| PrivateError::io(format!("cannot stat {}", path.display()), e))?;
        check_file(&path, &meta)?;
        Ok(LockFile::new(file, path))
    }
}

fn temp_prefix(name: &str) -> String {
    format!(".{name}.")
}

/// Read a file the user names outside the config dir (a client's private key, an assertion
/// or ID token file), at most `max` bytes: opened like any file (a link is followed: secrets
/// mounted into containers are links), without blocking on a FIFO, then held to the rules of a
/// private file by what was opened: a regular file of the user's (or root's) that nobody else
/// can write. Others reading it shows in [`Contents::loose_mode`].
pub fn read_user_file(path: &Path, max: u64) -> Result<Contents, PrivateError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, rustix::fs::OFlags::NONBLOCK.bits() as i32);
    let file = options.open(path).map_err(|e| PrivateError::io(format!("cannot open {}", path.display()), e))?;
    let meta = file.metadata().map_err(|e| PrivateError::io(format!("cannot stat {}", path.display()), e))?;
    check_file(path, &meta)?;
    if meta.len() > max {
        return Err(PrivateError::TooLarge { path: path.to_path_buf(), max });
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| PrivateError::io(format!("cannot read {}", path.display()), e))?;
    if bytes.len() as u64 > max {
        return Err(PrivateError::TooLarge { path: path.to_path_buf(), max });
    }
    Ok(Contents { bytes, loose_mode: loose_mode(&meta) })
}

/// Why `path` must not be used, in words that name it; `None` when it may be.
#[cfg(unix)]
fn unsafe_because(path: &Path, meta: &Metadata, want_dir: bool) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let what = if want_dir { "directory" } else { "regular file" };
    let mut fix = "fix or remove it".to_owned();
    let problem = if meta.file_type().is_symlink() {
        "it is a symbolic link".to_owned()
    } else if (want_dir && !meta.is_dir()) || (!want_dir && !meta.is_file()) {
        format!("it is not a {what}")
    } else if meta.uid() != rustix::process::getuid().as_raw() && meta.uid() != 0 {
        format!("it is owned by uid {}, not by you (uid {})", meta.uid(), rustix::process::getuid().as_raw())
    } else if meta.mode() & 0o022 != 0 {
        // Only its mode is wrong: say the command that fixes it.
        fix = format!("`chmod {} {}` fixes it, if it is yours", if want_dir { 700 } else { 600 }, path.display());
        format!("it is writable by other users (mode {:o})", meta.mode() & 0o7777)
    } else {
        return None;
    };
    Some(format!(
        "refusing {}: {problem}; a {what} others can change or plant is not trusted with credentials ({fix})",
        path.display()
    ))
}

#[cfg(not(unix))]
fn unsafe_because(_path: &Path, _meta: &Metadata, _want_dir: bool) -> Option<String> {
    None
}

/// A file found at `path` (by `lstat`, or `fstat` of what was opened): a regular file of
/// ours that only we can write.
fn check_file(path: &Path, meta: &Metadata) -> Result<(), PrivateError> {
    unsafe_because(path, meta, false).map_or(Ok(()), |why| Err(PrivateError::Refused(why)))
}

/// Open without following a symbolic link in the last component, and without blocking on a
/// FIFO: the caller checks what it got before reading.
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        std::os::unix::fs::OpenOptionsExt::custom_flags(options, (OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    options
}

/// Options that create a file readable by its owner only, from the first byte.
#[cfg(unix)]
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Elsewhere the file takes the access list of its directory (the user's profile on Windows).
#[cfg(not(unix))]
fn private_options() -> OpenOptions {
    OpenOptions::new()
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
fn loose_mode(meta: &Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn loose_mode(_meta: &Metadata) -> Option<u32> {
    None
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
    // EPERM: it exists but belongs to someone else.
    !matches!(rustix::process::test_kill_process(pid), Err(rustix::io::Errno::SRCH))
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    // Without a cheap liveness check here, every writer counts as alive.
    true
}

#[cfg(all(test, unix))]
#[path = "private_tests.rs"]
mod tests;
