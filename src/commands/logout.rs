//! `agentview logout`: revoke an account's OAuth credential at its authorization server, then
//! forget it locally in any case, and say which of the two happened. The server's other
//! accounts stay; when the active one goes, the next one becomes active.

use crate::credential::vet;
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::revoke::{Revoked, revoke};
use crate::login::oauth::shared::trust;
use crate::login::oauth::unattended::proof::client_of_grant;
use crate::run::Run;
use crate::secret::Secret;
use crate::settings::client::ClientProof;
use crate::settings::client::EnvClient;
use crate::store::{
    self, CredentialStore, FileStore, Flow, GrantAuth, KeyringStore, StoreChoice, StoreConfig, StoreError,
};

pub async fn run(local: bool, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    if !local {
        revoke_stored(run).await;
    }
    // Off the async thread: a store waits for its lock, a keyring call for its timeout.
    let (config, key) = (settings.store.clone(), settings.key());
    let (removed, failed) = tokio::task::spawn_blocking(move || remove_everywhere(&config, &key))
        .await
        .map_err(|e| Failure::new(Exit::Store, format!("could not remove the credential: {e}")))?;
    let (server, account) = (&settings.server, settings.account_note());
    for place in &removed {
        output.success(&format!("Removed the credential for {server}{account} from {place}."));
    }
    if removed.is_empty() && failed.is_none() {
        output.info(&format!("No stored credential for {server}{account}; nothing to remove."));
    }
    let (config, key) = (settings.store.clone(), settings.key());
    let elsewhere = tokio::task::spawn_blocking(move || copy_left_elsewhere(&config, &key)).await.ok().flatten();
    match &elsewhere {
        Some(place) => output.warn(&format!(
            "a credential for {server}{account} is still in {place}: `{}` removes it too",
            settings.command_in_store("auto", "logout")
        )),
        None if failed.is_none() => forget_account(run).await,
        None => {}
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

/// Forget the account in the index of accounts; say which account is active now when it was
/// this one. The other accounts of the server stay as they are.
async fn forget_account(run: &Run) {
    let (settings, output) = (&run.settings, &run.output);
    let (config, server, account) =
        (settings.store.clone(), settings.server.as_str().to_owned(), settings.account.clone());
    let noted = tokio::task::spawn_blocking(move || store::accounts::note_logout(&config, &server, &account))
        .await
        .unwrap_or_else(|e| Err(StoreError::Other { store: "the index of accounts".into(), reason: e.to_string() }));
    match noted {
        Ok(Some(active)) => {
            output.info(&format!("The active account of {} is now {active}.", settings.server));
        }
        Ok(None) => {}
        Err(e) => output.warn(&format!("could not forget the account in the index of accounts: {e}")),
    }
}

/// Revoke every stored OAuth grant for the server (RFC 7009). A failure is a warning: the
/// local copy goes either way.
async fn revoke_stored(run: &Run) {
    let (settings, output) = (&run.settings, &run.output);
    let (config, key) = (settings.store.clone(), settings.key());
    let stored = tokio::task::spawn_blocking(move || {
        store::stores_for_read(&config).into_iter().filter_map(|store| store.load(&key).ok().flatten()).collect()
    })
    .await
    .unwrap_or_else(|_| Vec::new());
    let mut done = Vec::new();
    for credential in stored {
        let Some(grant) = credential.oauth_grant() else { continue };
        if done.contains(&credential.secret) {
            continue;
        }
        done.push(credential.secret.clone());
        let issuer = crate::sanitize::line(&grant.issuer, 200);
        // A workload's token got with no client at all: there is no client to revoke it as.
        if grant.client_id.is_empty() {
            output.info(&format!(
                "The token from {issuer} was got with no client, so it cannot be revoked; it stays valid there \
                 until it expires."
            ));
            continue;
        }
        // A sign-in at an identity provider holds its ID token, which is no access token.
        let sign_in = grant.is_sign_in();
        let access_token = (!sign_in).then_some(&credential.secret);
        let result = match run.http() {
            Ok(http) => revoke_where_due(http, grant, access_token, run).await,
            Err(failure) => Err(OAuthError::Refused(failure.message)),
        };
        if let Flow::IdJag { idp, .. } = &grant.flow {
            output.info(&format!(
                "The sign-in at the identity provider {} stays for other servers; `{}` ends it too.",
                crate::sanitize::line(idp, 200),
                settings.command_for(&crate::login::oauth::unattended::idp::key(idp), "logout")
            ));
        }
        match result {
            Ok(Revoked::Done { not_revocable, failed, .. }) if not_revocable.is_empty() && failed.is_empty() => {
                output.success(&format!("Revoked the OAuth tokens at {issuer}."))
            }
            Ok(Revoked::Done { not_revocable, failed, .. })
                if failed.is_empty() && not_revocable == ["access_token"] && grant.refresh_token.is_some() =>
            {
                output.success(&format!(
                    "Revoked the refresh token at {issuer}; it does not revoke access tokens, so the current one stays \
                     valid until it expires."
                ))
            }
            Ok(Revoked::Done { revoked, not_revocable, failed }) => {
                // Token by token: what was revoked, and what stays valid there, and why.
                let name = |kind: &str| kind.replace('_', " ");
                for kind in revoked {
                    output.success(&format!("Revoked the {} at {issuer}.", name(kind)));
                }
                for kind in not_revocable {
                    output.warn(&format!(
                        "{issuer} does not revoke the {}: it stays valid there until it expires",
                        name(kind)
                    ));
                }
                for (kind, e) in failed {
                    output.warn(&format!(
                        "could not revoke the {} at {issuer} ({e}): it stays valid there until it expires",
                        name(kind)
                    ));
                }
            }
            Ok(Revoked::NoEndpoint) => output.info(&format!(
                "The authorization server {issuer} offers no revocation; the tokens stay valid there until they expire."
            )),
            Err(e) => {
                output.warn(&format!("could not revoke the tokens at {issuer} ({e}); removing the local copy anyway"))
            }
        }
    }
}

/// Revoke `grant`'s tokens where a fresh login would send its secrets: its revocation endpoint
/// vetted like a renewal's token endpoint (the pin, the issuer's own endpoint), and a token the
/// client in the environment got revoked with that client's secret, only on the server's own
/// site or at the pinned server.
async fn revoke_where_due(
    http: &Http,
    grant: &crate::store::OAuthGrant,
    access_token: Option<&Secret>,
    run: &Run,
) -> Result<Revoked, OAuthError> {
    let settings = &run.settings;
    let Some(endpoint) = &grant.revocation_endpoint else { return Ok(Revoked::NoEndpoint) };
    let (server, pinned) = (settings.server.url(), settings.auth_server.as_deref());
    let mut grant = grant.clone();
    if grant.from_environment {
        let secret = match &settings.env_client {
            Some(EnvClient::Client { client_id, proof: ClientProof::Secret(secret) })
                if *client_id == grant.client_id =>
            {
                Some(secret)
            }
            _ => None,
        };
        if let Some(secret) = secret {
            trust::check_home(server, &grant.issuer, pinned, "AGENTVIEW_CLIENT_SECRET")?;
            grant.client_secret = Some(secret.clone());
        } else if matches!(grant.client_auth, GrantAuth::ClientSecretBasic | GrantAuth::ClientSecretPost) {
            return Err(OAuthError::Proof(
                "the token was got for the client in the environment, whose secret is not set now".into(),
            ));
        }
    }
    vet::revocation(http, &grant, endpoint, server, pinned).await.map_err(vet::Distrust::into_oauth)?;
    let client = client_of_grant(&mut grant, pinned.is_some(), run.clock.unix_now())?;
    revoke(http, &grant, &client, access_token).await
}

/// Remove the account's credential (stored under `key`) from every store it may be in: where it
/// was removed, and the last failure. A keyring that is merely unavailable under `--store auto`
/// is no failure.
fn remove_everywhere(config: &StoreConfig, key: &str) -> (Vec<String>, Option<StoreError>) {
    let mut removed = Vec::new();
    let mut failed = None;
    for store in store::stores_for_read(config) {
        match store.delete(key) {
            Ok(true) => removed.push(store.describe()),
            Ok(false) => {}
            Err(StoreError::Unavailable { .. }) if config.choice == StoreChoice::Auto => {}
            Err(e) => failed = Some(e),
        }
    }
    (removed, failed)
}

/// With `--store file` or `--store keyring`, the other store may still hold a copy that this
/// logout did not touch; where, if so. Read errors count as no copy.
fn copy_left_elsewhere(config: &StoreConfig, key: &str) -> Option<String> {
    let other: Box<dyn CredentialStore> = match config.choice {
        StoreChoice::File => Box::new(KeyringStore::new(config.backend, config.keyring_timeout)),
        StoreChoice::Keyring => Box::new(FileStore::new(&config.config_dir).with_lock_wait(config.lock_wait)),
        StoreChoice::Auto => return None,
    };
    matches!(other.load(key), Ok(Some(_))).then(|| other.describe())
}
