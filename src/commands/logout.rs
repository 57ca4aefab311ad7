//! `agentview logout`: forget the stored credential for the server.

use crate::error::{Exit, Failure};
use crate::output::Output;
use crate::settings::Settings;
use crate::store::{self, CredentialStore, FileStore, KeyringStore, StoreChoice, StoreError};

pub fn run(settings: &Settings, output: &Output) -> anyhow::Result<Exit> {
    let mut removed = Vec::new();
    let mut failed = None;
    for store in store::stores_for_read(&settings.store) {
        match store.delete(&settings.server) {
            Ok(true) => removed.push(store.describe()),
            Ok(false) => {}
            Err(StoreError::Unavailable { .. }) if settings.store.choice == StoreChoice::Auto => {}
            Err(e) => failed = Some(e),
        }
    }
    for place in &removed {
        output.success(&format!("Removed the credential for {} from {place}.", settings.server));
    }
    if removed.is_empty() && failed.is_none() {
        output.info(&format!("No stored credential for {}; nothing to remove.", settings.server));
    }
    if let Some(place) = copy_left_elsewhere(settings) {
        output.warn(&format!(
            "a credential for {} is still in {place}: `agentview logout --store auto` removes it too",
            settings.server
        ));
    }
    if settings.env_token.is_some() {
        output.warn(
            "AGENTVIEW_TOKEN is still set in this environment: `token` and `status` keep using it until you unset it",
        );
    }
    match failed {
        Some(e) => Err(Failure::new(Exit::Store, format!("could not remove the credential: {e}")).into()),
        None => Ok(Exit::Ok),
    }
}

/// With `--store file` or `--store keyring`, the other store may still hold a copy that this
/// logout did not touch; where, if so. Read errors count as no copy.
fn copy_left_elsewhere(settings: &Settings) -> Option<String> {
    let config = &settings.store;
    let other: Box<dyn CredentialStore> = match config.choice {
        StoreChoice::File => Box::new(KeyringStore::new(config.backend, config.keyring_timeout)),
        StoreChoice::Keyring => Box::new(FileStore::new(&config.config_dir)),
        StoreChoice::Auto => return None,
    };
    matches!(other.load(&settings.server), Ok(Some(_))).then(|| other.describe())
}
