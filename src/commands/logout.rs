//! `agentview logout`: revoke an OAuth credential at its authorization server, then forget it
//! locally in any case, and say which of the two happened.

use crate::error::{Exit, Failure};
use crate::http::{Http, user_agent};
use crate::login::oauth::revoke::revoke;
use crate::output::Output;
use crate::settings::Settings;
use crate::store::{self, CredentialStore, FileStore, KeyringStore, StoreChoice, StoreError};

pub async fn run(local: bool, settings: &Settings, output: &Output) -> anyhow::Result<Exit> {
    if !local {
        revoke_stored(settings, output).await;
    }
    let mut removed = Vec::new();
    let mut failed = None;
    for store in store::stores_for_read(&settings.store) {
        match store.delete(settings.server.as_str()) {
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
        Some(e) => {
            Err(Failure::new(Exit::Store, format!("could not remove the credential: {e}")).with_source(e).into())
        }
        None => Ok(Exit::Ok),
    }
}

/// Revoke every stored OAuth grant for the server (RFC 7009). A failure is a warning: the
/// local copy goes either way.
async fn revoke_stored(settings: &Settings, output: &Output) {
    let mut done = Vec::new();
    for store in store::stores_for_read(&settings.store) {
        let Ok(Some(credential)) = store.load(settings.server.as_str()) else { continue };
        let Some(grant) = &credential.oauth else { continue };
        if done.contains(&credential.secret) {
            continue;
        }
        done.push(credential.secret.clone());
        let issuer = crate::sanitize::line(&grant.issuer, 200);
        let result = match Http::new(&user_agent(), settings.request_timeout, output.trace()) {
            Ok(http) => revoke(&http, grant, &credential.secret).await,
            Err(source) => Err(crate::login::oauth::OAuthError::Network { what: "HTTP".into(), source }),
        };
        match result {
            Ok(true) => output.success(&format!("Revoked the OAuth tokens at {issuer}.")),
            Ok(false) => output.info(&format!(
                "The authorization server {issuer} offers no revocation; the tokens stay valid there until they expire."
            )),
            Err(e) => {
                output.warn(&format!("could not revoke the tokens at {issuer} ({e}); removing the local copy anyway"))
            }
        }
    }
}

/// With `--store file` or `--store keyring`, the other store may still hold a copy that this
/// logout did not touch; where, if so. Read errors count as no copy.
fn copy_left_elsewhere(settings: &Settings) -> Option<String> {
    let config = &settings.store;
    let other: Box<dyn CredentialStore> = match config.choice {
        StoreChoice::File => Box::new(KeyringStore::new(config.backend, config.keyring_timeout)),
        StoreChoice::Keyring => Box::new(FileStore::new(&config.config_dir).with_lock_wait(config.lock_wait)),
        StoreChoice::Auto => return None,
    };
    matches!(other.load(settings.server.as_str()), Ok(Some(_))).then(|| other.describe())
}
