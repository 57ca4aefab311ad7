//! Which servers have a stored credential (`status --all`, and `status` without one for
//! this server). Reads names, kinds and times only: a token never leaves the store here.
//!
//! The credential file can be listed. The OS keyrings agentview uses cannot be enumerated
//! through one portable interface, so a keyring is only asked about the current server.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;

use crate::settings::Settings;
use crate::store::file::{FILE_NAME, MAX_FILE_SIZE};
use crate::store::{StoreChoice, UserInfo};

/// One stored credential, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Entry {
    #[serde(skip)]
    pub server: String,
    pub kind: crate::store::CredentialKind,
    #[serde(default)]
    pub expires_at: Option<u64>,
    #[serde(default)]
    pub user: Option<UserInfo>,
    pub created_at: u64,
}

impl Entry {
    pub fn is_live(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

/// What listing found, and what it could not look at.
#[derive(Debug, Default)]
pub struct Listing {
    /// The credential file's path.
    pub file: String,
    pub entries: Vec<Entry>,
    /// Entries that could not be read (named by server), or why the file could not be.
    pub problems: Vec<String>,
    /// Set when the keyring is in use and could not be listed.
    pub keyring_note: Option<String>,
}

/// The file's document, fields other than the servers' entries ignored.
#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    credentials: BTreeMap<String, serde_json::Value>,
}

/// List the credential file (unless `--store keyring`), and say what the keyring cannot show.
pub fn list(settings: &Settings) -> Listing {
    let path = settings.store.config_dir.join(FILE_NAME);
    let mut listing = Listing { file: path.display().to_string(), ..Listing::default() };
    if settings.store.choice != StoreChoice::File {
        listing.keyring_note =
            Some("credentials in the OS keyring cannot be listed; only the credential file is shown".to_string());
    }
    if settings.store.choice == StoreChoice::Keyring {
        return listing;
    }
    let bytes = match std::fs::File::open(&path) {
        Ok(file) => {
            let mut bytes = Vec::new();
            if let Err(e) = file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes) {
                listing.problems.push(format!("cannot read {}: {e}", listing.file));
                return listing;
            }
            bytes
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return listing,
        Err(e) => {
            listing.problems.push(format!("cannot open {}: {e}", listing.file));
            return listing;
        }
    };
    let doc: Document = match serde_json::from_slice(&bytes) {
        Ok(doc) if bytes.len() as u64 <= MAX_FILE_SIZE => doc,
        _ => {
            listing.problems.push(format!("{} is not a credential file agentview can read", listing.file));
            return listing;
        }
    };
    for (server, value) in doc.credentials {
        match serde_json::from_value::<Entry>(value) {
            Ok(mut entry) => {
                entry.server = server;
                listing.entries.push(entry);
            }
            Err(_) => {
                listing.problems.push(format!("the entry for {} is unreadable", crate::sanitize::line(&server, 200)))
            }
        }
    }
    listing
}
