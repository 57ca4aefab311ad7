//! Finding the credential for a server: `AGENTVIEW_TOKEN`, then the stores in order.

use crate::settings::Settings;
use crate::store::{self, Credential, CredentialKind, Source, StoreError};

/// A credential and where it came from.
#[derive(Debug)]
pub struct Found {
    pub credential: Credential,
    pub source: Source,
    /// "the Secret Service keyring", a file path, or "AGENTVIEW_TOKEN".
    pub location: String,
}

/// The result of a lookup: what was found, and stores that could not be read.
#[derive(Debug, Default)]
pub struct Lookup {
    pub found: Option<Found>,
    /// Stores that failed on read, with their real error (shown by `status` and `-v`).
    pub errors: Vec<(String, StoreError)>,
    /// What the stores read want the user told (a credentials file others can read).
    pub notes: Vec<String>,
}

/// Look in the stores only (what `login` and `logout` care about).
pub fn stored(settings: &Settings) -> Lookup {
    let mut lookup = Lookup::default();
    for store in store::stores_for_read(&settings.store) {
        let loaded = store.load(settings.server.as_str());
        lookup.notes.extend(store.notes());
        match loaded {
            Ok(Some(credential)) => {
                lookup.found = Some(Found { credential, source: store.source(), location: store.describe() });
                return lookup;
            }
            Ok(None) => {}
            Err(e) => lookup.errors.push((store.describe(), e)),
        }
    }
    lookup
}

/// `AGENTVIEW_TOKEN` first, then the stores (what `token` and `status` use).
pub fn effective(settings: &Settings, now: u64) -> Lookup {
    if let Some(secret) = &settings.env_token {
        let credential = Credential {
            server: settings.server.to_string(),
            kind: CredentialKind::Bearer,
            secret: secret.clone(),
            expires_at: None,
            user: None,
            created_at: now,
            oauth: None,
        };
        return Lookup {
            found: Some(Found { credential, source: Source::Env, location: "AGENTVIEW_TOKEN".into() }),
            errors: Vec::new(),
            notes: Vec::new(),
        };
    }
    stored(settings)
}
