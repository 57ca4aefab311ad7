//! The client in the environment (CI): `AGENTVIEW_CLIENT_ID` and its secret, key or assertion
//! file, or a workload's `AGENTVIEW_WORKLOAD_TOKEN_FILE`. Its token comes from the client
//! credentials grant (or the workload's JWT-bearer grant) and is cached in the selected store,
//! without the client's secret. When it is due (by the one renewal rule) the grant runs again
//! exactly as the first time: discovery from the MCP server, the pin, the client secret's home
//! and the audience rules, so nothing in a stored record decides where the environment's secret,
//! key or token goes. A token for another client, proof or pinned server is replaced. One process
//! gets it while the others wait for the refresh lock and then read what it stored; a store that
//! cannot be read stops all of this before anything is sent.

use std::time::Duration;

use super::look::{Found, Lookup, is_for, marked, refuse_unreadable};
use super::rule::is_due;
use super::state::{self, Phase, State};
use super::{Door, EXPIRED};
use crate::error::{Exit, Failure};
use crate::login::oauth::unattended::client_credentials;
use crate::login::oauth::unattended::target::Destination;
use crate::login::oauth::unattended::workload;
use crate::secret::Secret;
use crate::settings::client::ClientProof;
use crate::settings::client::EnvClient;
use crate::store::private::PrivateDir;
use crate::store::{self, Credential, StoreChoice, StoreError};

impl Door<'_> {
    /// Under the refresh lock: the kept token when another process got one meanwhile (or it is
    /// not due after all), else a new one from the grant. `rejected`: the server refused this
    /// token; a new one is got although it is not due.
    pub(super) async fn env_client_token(
        &self,
        client: &EnvClient,
        rejected: Option<&Secret>,
    ) -> anyhow::Result<Lookup> {
        let how = client.describe();
        let dir = PrivateDir::new(&self.settings.store.config_dir);
        let since = self.clock.unix_millis();
        let _lock = self.lock(&dir, self.settings.request_timeout + Duration::from_secs(10)).await?;
        // Another process may have got one while this one waited for the lock.
        let again = self.stored().await;
        refuse_unreadable(self.settings, &again)?;
        let now = self.clock.unix_now();
        let kept = again.found.as_ref().filter(|f| is_for(self.settings, &f.credential, client));
        if let Some(kept) = kept {
            let refused = rejected.is_some_and(|r| *r == kept.credential.secret);
            if !refused && !is_due(&kept.credential, now) {
                return Ok(marked(again, Some(how)));
            }
        }
        let credential = match self.obtain(client, &dir, kept, since).await? {
            Some(credential) => credential,
            // Not renewed, and the kept token is still live: it is the answer until it expires.
            None => return Ok(marked(again, Some(how))),
        };
        if kept.is_none() && again.found.is_some() {
            self.output.warn(&format!(
                "the stored credential for {} was not the environment's: replacing it with a token from {how}",
                self.settings.server,
            ));
        }
        let (source, location) = self.cache(&credential).await?;
        let found = Found { credential, source, location, from_environment: Some(how) };
        Ok(Lookup { found: Some(found), errors: again.errors, notes: again.notes })
    }

    /// A new token from the grant, where a fresh login would get it. A failure with a `kept`
    /// token still live is a warning (`None`: use it); without one it is the error. A reader
    /// queued since `since` behind a grant that failed meanwhile fails the same way at once.
    async fn obtain(
        &self,
        client: &EnvClient,
        dir: &PrivateDir,
        kept: Option<&Found>,
        since: u64,
    ) -> anyhow::Result<Option<Credential>> {
        let Door { settings, output, .. } = *self;
        let key = settings.key();
        let server = key.as_str();
        let print = kept.map(|k| state::fingerprint(&k.credential.secret)).unwrap_or_default();
        if let Some(reason) = state::read(dir).as_ref().and_then(|s| s.failure_since(server, &print, since)) {
            let why = format!("another agentview process could not get one just now: {reason}");
            let failure = Failure::new(Exit::Server, format!("cannot get a token with {}: {why}", client.describe()));
            return self.not_got(kept, &why, failure);
        }
        let http = self.run.http()?;
        output.verbose(&format!("getting a token with {}", client.describe()));
        let to = Destination { secret_from: secret_variable(client), ..Destination::of(settings) };
        let record = |phase| State {
            server: server.to_owned(),
            at_ms: self.clock.unix_millis(),
            credential: print.clone(),
            phase,
        };
        if kept.is_some() {
            let _ = state::write(dir, &record(Phase::Renewing));
        }
        let now = self.clock.unix_now();
        let obtained = match client {
            EnvClient::Client { client_id, proof } => {
                client_credentials::obtain(http, to, client_id, proof, None, now).await
            }
            EnvClient::Workload(workload) => workload::obtain(http, to, workload, None, now).await,
        };
        let obtained = match obtained {
            Ok(obtained) => {
                if kept.is_some() {
                    state::clear(dir);
                }
                obtained
            }
            Err(e) => {
                if kept.is_some() {
                    let _ = state::write(dir, &record(Phase::Failed { reason: e.to_string() }));
                }
                let why = e.to_string();
                return self.not_got(
                    kept,
                    &why,
                    e.into_failure(&format!("cannot get a token with {}", client.describe())),
                );
            }
        };
        if let Some(note) = &obtained.note {
            output.warn(note);
        }
        output.verbose(&format!("authenticated with {}", obtained.how));
        Ok(Some(cached_form(obtained.credential.for_account(settings.account.clone()))))
    }

    /// No new token (`why`): the kept one while it lives (a warning), else `failure`.
    fn not_got(&self, kept: Option<&Found>, why: &str, failure: Failure) -> anyhow::Result<Option<Credential>> {
        match kept {
            Some(kept) if kept.credential.is_live(self.clock.unix_now()) => {
                self.output
                    .warn(&format!("could not renew the access token ({why}); using the current one until it expires"));
                Ok(None)
            }
            Some(_) => Err(Failure { message: format!("{EXPIRED}: {why}"), ..failure }.into()),
            None => Err(failure.into()),
        }
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
            let hint = if settings.store.choice == StoreChoice::File {
                "fix what is named above: the token is kept in the credentials file until it is due"
            } else {
                "use --store file (or AGENTVIEW_STORE=file) where no keyring is usable"
            };
            Failure::new(Exit::Store, format!("got a token, but it could not be stored: {e}"))
                .with_hint(hint)
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

/// The variable whose client secret goes with the grant, if one does: it goes only to an
/// authorization server on the server's own site, or the pinned one.
fn secret_variable(client: &EnvClient) -> Option<&'static str> {
    let proof = match client {
        EnvClient::Client { proof, .. } => Some(proof),
        EnvClient::Workload(workload) => workload.proof.as_ref(),
    };
    matches!(proof, Some(ClientProof::Secret(_))).then_some("AGENTVIEW_CLIENT_SECRET")
}

/// The credential as the cache keeps it: marked as the environment's, without the client's
/// secret (the environment holds it; a file or keyring entry need not).
fn cached_form(mut credential: Credential) -> Credential {
    if let Some(grant) = credential.oauth_grant_mut() {
        grant.client_secret = None;
        grant.from_environment = !grant.is_person_login();
    }
    credential
}
