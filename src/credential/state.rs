//! What the process holding the refresh lock is doing, for the processes queued behind it:
//! `refresh-state.json` beside the lock, a private file of the config dir. It holds no secret:
//! the server, a phase, a time, a fingerprint of the access token being renewed and, after a
//! failure, the failure's words.
//!
//! A reader queued behind a renewal that failed fails the same way at once, instead of asking
//! a server that just did not answer (each would wait a full request timeout). A reader whose
//! wait for the lock runs out while the holder is still asking the server says the server is the
//! slow part (exit 7), not the store.
//!
//! The holder writes `Renewing` before it asks, and after the answer either clears the record
//! (before saving what it got) or writes `Failed`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::secret::Secret;
use crate::store::private::PrivateDir;

const FILE_NAME: &str = "refresh-state.json";
/// Far larger than any state; a bigger file is not ours.
const MAX_SIZE: u64 = 16 * 1024;

/// What the holder of the lock is doing, or last did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Asking the authorization server for new tokens.
    Renewing,
    /// The renewal failed; `reason` says how (exit 7).
    Failed { reason: String },
}

/// The record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub server: String,
    /// Unix milliseconds when the phase began.
    pub at_ms: u64,
    /// Which access token was being renewed: a renewal that succeeded elsewhere meanwhile makes
    /// a record about the old one moot.
    pub credential: String,
    #[serde(flatten)]
    pub phase: Phase,
}

/// A short, one-way fingerprint of a token (never the token).
pub fn fingerprint(token: &Secret) -> String {
    Sha256::digest(token.expose().as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The record in `dir`, if there is a readable one.
pub fn read(dir: &PrivateDir) -> Option<State> {
    let contents = dir.read(FILE_NAME, MAX_SIZE).ok()??;
    serde_json::from_slice(&contents.bytes).ok()
}

/// Replace the record. Failing to write it only costs the queued readers their shortcut.
pub fn write(dir: &PrivateDir, state: &State) -> Result<(), String> {
    let bytes = serde_json::to_vec(state).map_err(|e| e.to_string())?;
    dir.remove_stale_temps(FILE_NAME);
    dir.write(FILE_NAME, &bytes).map_err(|e| e.to_string())
}

/// Remove the record (the renewal succeeded, or its failure is no one's business any more).
pub fn clear(dir: &PrivateDir) {
    if dir.check().is_ok() {
        let _ = std::fs::remove_file(dir.file(FILE_NAME));
    }
}

impl State {
    /// A failure of the renewal of `credential` for `server` that happened after `since_ms`
    /// (unix milliseconds): its words, for a reader that began waiting then. A reader that
    /// comes later asks the server itself.
    pub fn failure_since(&self, server: &str, credential: &str, since_ms: u64) -> Option<&str> {
        match &self.phase {
            Phase::Failed { reason }
                if self.server == server && self.credential == credential && self.at_ms > since_ms =>
            {
                Some(reason)
            }
            _ => None,
        }
    }

    /// Whether the holder is asking the server (it clears the record before it saves: a
    /// holder still busy after that is busy with the store).
    pub fn is_renewing(&self) -> bool {
        self.phase == Phase::Renewing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_counts_for_the_same_credential_and_later_waiters_only() {
        let failed = State {
            server: "https://a.example/mcp".into(),
            at_ms: 100_000,
            credential: fingerprint(&Secret::new("at-1")),
            phase: Phase::Failed { reason: "timed out".into() },
        };
        let at1 = fingerprint(&Secret::new("at-1"));
        assert_eq!(failed.failure_since("https://a.example/mcp", &at1, 90_000), Some("timed out"));
        assert_eq!(failed.failure_since("https://a.example/mcp", &at1, 100_000), None, "a failure before the wait");
        assert_eq!(failed.failure_since("https://b.example/mcp", &at1, 90_000), None, "another server");
        let at2 = fingerprint(&Secret::new("at-2"));
        assert_eq!(failed.failure_since("https://a.example/mcp", &at2, 90_000), None, "renewed meanwhile");
        assert!(!failed.is_renewing());
        assert_ne!(at1, at2);
        assert!(!at1.contains("at-1"));
    }

    #[test]
    fn the_record_round_trips_through_its_file() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = PrivateDir::new(tmp.path().join("config"));
        assert_eq!(read(&dir), None);
        let state = State { server: "s".into(), at_ms: 7, credential: "c".into(), phase: Phase::Renewing };
        write(&dir, &state).expect("write");
        assert_eq!(read(&dir), Some(state));
        clear(&dir);
        assert_eq!(read(&dir), None);
    }
}
