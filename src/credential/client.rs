//! The client in the environment (CI): `AGENTVIEW_CLIENT_ID` and its secret, key or assertion
//! file, or a workload's `AGENTVIEW_WORKLOAD_TOKEN_FILE`. Its token comes from the client
//! credentials grant (or the workload's JWT-bearer grant), is cached in the selected store like
//! any credential (and renewed there when due, by running the grant again), and is got again
//! when the stored one belongs to another client or proof. One process gets it while the others
//! wait for the refresh lock and then read what it stored.

use std::time::Duration;

use super::{Door, Found, Lookup};
use crate::error::{Exit, Failure};
use crate::http::{Http, user_agent};
use crate::login::oauth::ClientProof;
use crate::login::oauth::client_credentials;
use crate::login::oauth::unattended::Destination;
use crate::login::oauth::workload::{self, Workload};
use crate::settings::client::EnvClient;
use crate::store::private::PrivateDir;
use crate::store::{self, ClientJwt, Credential, StoreError, Unattended, UnattendedGrant};

impl Door<'_> {
    /// The token kept for the client in the environment, or a new one, got and cached now.
    pub(super) async fn for_env_client(&self, client: &EnvClient) -> anyhow::Result<Lookup> {
        let how = client.describe();
        let lookup = self.stored().await;
        if lookup.found.as_ref().is_some_and(|f| is_for(&f.credential, client)) {
            return Ok(marked(lookup, Some(how)));
        }
        let dir = PrivateDir::new(&self.settings.store.config_dir);
        let _lock = self.lock(&dir, self.settings.request_timeout + Duration::from_secs(10)).await?;
        // Another process may have got one while this one waited for the lock.
        let again = self.stored().await;
        if again.found.as_ref().is_some_and(|f| is_for(&f.credential, client)) {
            return Ok(marked(again, Some(how)));
        }
        if again.found.is_some() {
            self.output.warn(&format!(
                "the stored credential for {} is not the environment's: replacing it with a token from {how}",
                self.settings.server,
            ));
        }
        let credential = self.obtain(client).await?;
        let (source, location) = self.cache(&credential).await?;
        let found = Found { credential, source, location, from_environment: Some(how) };
        Ok(Lookup { found: Some(found), errors: again.errors, notes: again.notes })
    }

    async fn obtain(&self, client: &EnvClient) -> Result<Credential, Failure> {
        let Door { settings, output, .. } = *self;
        let http = Http::new(&user_agent(), settings.request_timeout, output.trace())
            .map_err(|e| e.into_failure("cannot get a token"))?;
        output.verbose(&format!("getting a token with {}", client.describe()));
        let (server, now) = (Destination::of(settings), self.clock.unix_now());
        let obtained = match client {
            EnvClient::Client { client_id, proof } => {
                client_credentials::obtain(&http, server, client_id, proof, None, now).await
            }
            EnvClient::Workload(workload) => workload::obtain(&http, server, workload, None, now).await,
        }
        .map_err(|e| e.into_failure(&format!("cannot get a token with {}", client.describe())))?;
        if let Some(note) = &obtained.note {
            output.warn(note);
        }
        output.verbose(&format!("authenticated with {}", obtained.how));
        Ok(obtained.credential)
    }

    /// Keep the new token in the selected store (a keyring that refuses hands over to the file
    /// under `--store auto`, as for a login); where it went.
    async fn cache(&self, credential: &Credential) -> Result<(store::Source, String), Failure> {
        let Door { settings, output, .. } = *self;
        let (config, to_save) = (settings.store.clone(), credential.clone());
        let saved = tokio::task::spawn_blocking(move || {
            let selected = store::select_for_write(&config)?;
            let fallback = selected.fallback_reason.clone();
            store::save_selected(&config, &selected, &to_save).map(|saved| (saved, fallback))
        })
        .await
        .unwrap_or_else(|e| Err(StoreError::Other { store: "the credential store".into(), reason: e.to_string() }));
        let (saved, fallback) = saved.map_err(|e| {
            Failure::new(Exit::Store, format!("got a token, but it could not be stored: {e}"))
                .with_hint("use --store file (or AGENTVIEW_STORE=file) where no keyring is usable")
                .with_source(e)
        })?;
        let location = saved.store.describe();
        if fallback.is_some() || saved.keyring_refused.is_some() {
            output.warn(&format!("no usable OS keyring: the token is cached in {location} in plain text (mode 0600)"));
        }
        output.verbose(&format!("cached the token in {location}"));
        Ok((saved.store.source(), location))
    }
}

/// `lookup` with its credential marked as the environment's client's (`how`), if it is.
pub(super) fn marked(mut lookup: Lookup, how: Option<String>) -> Lookup {
    if let Some(found) = lookup.found.as_mut()
        && how.is_some()
    {
        found.from_environment = how;
    }
    lookup
}

/// Whether `credential` is the token of `client`, got with the same grant and proof (a new
/// secret, key, assertion or token file in the environment means a new token).
fn is_for(credential: &Credential, client: &EnvClient) -> bool {
    let Some(grant) = &credential.oauth else { return false };
    let Some(Unattended { grant: kept_grant, client_jwt }) = &grant.unattended else { return false };
    let (client_id, proof) = match (client, kept_grant) {
        (EnvClient::Client { client_id, proof }, UnattendedGrant::ClientCredentials) => {
            (client_id.as_str(), Some(proof))
        }
        (
            EnvClient::Workload(Workload { token_file, client_id, proof }),
            UnattendedGrant::Workload { token_file: kept },
        ) if same_path(token_file, kept) => (client_id.as_deref().unwrap_or_default(), proof.as_ref()),
        _ => return false,
    };
    grant.client_id == client_id
        && match (proof, client_jwt) {
            (None, None) => grant.client_secret.is_none(),
            (Some(ClientProof::Secret(secret)), None) => grant.client_secret.as_ref() == Some(secret),
            (Some(ClientProof::Key { path, key_id }), Some(ClientJwt::Key { path: kept, key_id: kept_id, .. })) => {
                same_path(path, kept) && key_id == kept_id
            }
            (Some(ClientProof::AssertionFile(path)), Some(ClientJwt::AssertionFile { path: kept })) => {
                same_path(path, kept)
            }
            _ => false,
        }
}

/// Whether the path given in the environment is the one kept (absolute) with the credential.
fn same_path(given: &std::path::Path, kept: &std::path::Path) -> bool {
    std::path::absolute(given).is_ok_and(|g| g == kept)
}
