//! Locks between agentview processes: a lock file of the config dir (opened by
//! [`PrivateDir::lock_file`](super::private::PrivateDir::lock_file)), taken within a wait that
//! is polled on the injected clock, released when the [`Locked`] guard is dropped.

use std::fs::{self, File};
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::clock::Clock;

/// How often a lock held by another process is tried again.
const LOCK_POLL: Duration = Duration::from_millis(20);

/// An open lock file, not locked yet.
#[derive(Debug)]
pub struct LockFile {
    file: File,
    path: PathBuf,
}

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct Locked {
    _file: File,
}

/// Why a lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process held it for the whole wait.
    #[error("another agentview process has held {} for over {} s", .path.display(), .waited.as_secs_f32())]
    Busy { path: PathBuf, waited: Duration },
    #[error("cannot lock {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl LockFile {
    pub(super) fn new(file: File, path: PathBuf) -> LockFile {
        LockFile { file, path }
    }

    /// Take the lock, or `None` when another process holds it.
    fn try_take(&self) -> Result<bool, LockError> {
        match self.file.try_lock() {
            Ok(()) => Ok(true),
            Err(fs::TryLockError::WouldBlock) => Ok(false),
            Err(fs::TryLockError::Error(source)) => Err(LockError::Io { path: self.path.clone(), source }),
        }
    }

    /// Take the lock within `wait`, pausing between tries (for blocking code).
    pub fn lock_blocking(self, clock: &dyn Clock, wait: Duration) -> Result<Locked, LockError> {
        let deadline = clock.now() + wait;
        loop {
            if self.try_take()? {
                return Ok(Locked { _file: self.file });
            }
            if clock.now() >= deadline {
                return Err(LockError::Busy { path: self.path, waited: wait });
            }
            clock.pause(LOCK_POLL);
        }
    }

    /// Take the lock within `wait`, sleeping between tries (for async code).
    pub async fn lock(self, clock: &dyn Clock, wait: Duration) -> Result<Locked, LockError> {
        let deadline = clock.now() + wait;
        loop {
            if self.try_take()? {
                return Ok(Locked { _file: self.file });
            }
            if clock.now() >= deadline {
                return Err(LockError::Busy { path: self.path, waited: wait });
            }
            clock.sleep(LOCK_POLL).await;
        }
    }
}
