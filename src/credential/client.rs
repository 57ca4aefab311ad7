//! The client in the environment (CI): `AGENTVIEW_CLIENT_ID` and its secret, key or assertion
//! file. Its token comes from the client credentials grant, is cached in the selected store like
//! any credential (and renewed there when due, by running the grant again), and is got again
//! when the stored one belongs to another client or proof. One process gets it while the others
//! wait for the refresh lock and then read what it stored.

use std::time::Duration;

use super::{Door, Found, Lookup};
use crate::error::{Exit, Failure};
use crate::http::{Http, user_agent};
use crate::login::oauth::ClientProof;
use crate::login::oauth::client_credentials;
use crate::settings::client::EnvClient;
use crate::store::private::PrivateDir;
use crate::store::{self, ClientJwt, Credential, StoreError, Unattended, UnattendedGrant};

impl Door<'_> {
    /// The token kept for the client in the environment, or a new one, got and cached now.
    pub(super) async fn for_env_client(&self, client: &EnvClient) -> anyhow::Result<Lookup> {
        let how = format!("client credentials in the environment ({})", client.variables());
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
                "the stored credential for {} is not the environment's client's: replacing it with a token for {}",
                self.settings.server,
                crate::sanitize::line(&client.client_id, 200)
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
        output.verbose(&format!(
            "getting a token with client credentials for {}",
            crate::sanitize::line(&client.client_id, 200)
        ));
        let obtained = client_credentials::obtain(
            &http,
            settings.server.url(),
            settings.server.as_str(),
            &client.client_id,
            &client.proof,
            None,
            self.clock.unix_now(),
        )
        .await
        .map_err(|e| e.into_failure(&format!("cannot get a token with the {}", client.variables())))?;
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

/// Whether `credential` is the client credentials token of `client`, got with the same proof
/// (a new secret, key or assertion file in the environment means a new token).
fn is_for(credential: &Credential, client: &EnvClient) -> bool {
    let Some(grant) = &credential.oauth else { return false };
    let Some(Unattended { grant: UnattendedGrant::ClientCredentials, client_jwt }) = &grant.unattended else {
        return false;
    };
    let same_path =
        |given: &std::path::Path, kept: &std::path::Path| std::path::absolute(given).is_ok_and(|g| g == kept);
    grant.client_id == client.client_id
        && match (&client.proof, client_jwt) {
            (ClientProof::Secret(secret), None) => grant.client_secret.as_ref() == Some(secret),
            (ClientProof::Key { path, key_id }, Some(ClientJwt::Key { path: kept, key_id: kept_id, .. })) => {
                same_path(path, kept) && key_id == kept_id
            }
            (ClientProof::AssertionFile(path), Some(ClientJwt::AssertionFile { path: kept })) => same_path(path, kept),
            _ => false,
        }
}
