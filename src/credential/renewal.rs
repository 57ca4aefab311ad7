//! Renewing a stored credential under the refresh lock: single flight across processes (a
//! second read of the store once the lock is held, a renewal only if nobody else did one), the
//! stored grant vetted first ([`super::vet`]), the step its grant calls for, and what a renewal
//! that did not happen means for the token in hand.

use std::time::Duration;

use super::renew;
use super::rule::{is_due, renewed};
use super::state::{self, Phase, State};
use super::{Door, EXPIRED, Found, Lookup, Renew, vet};
use crate::error::{Exit, Failure};
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::tokens::Tokens;
use crate::store::private::PrivateDir;
use crate::store::{self, Credential, Grant, OAuthGrant};

impl Door<'_> {
    /// Renew the credential in `seen` under the refresh lock, if it is (still) due once the lock
    /// is held (`Renew::Due`), or although it is not, because the server refused it
    /// (`Renew::Rejected`). Another process that renewed it meanwhile wins either way: its token
    /// is the answer.
    pub(super) async fn renew(&self, seen: Lookup, why: Renew) -> anyhow::Result<Lookup> {
        let force = why == Renew::Rejected;
        let Door { settings, output, .. } = *self;
        let Some(found) = seen.found.as_ref() else { return Ok(seen) };
        // The client in the environment runs its grant again where a fresh login would.
        if let (Some(client), Some(_)) = (&settings.env_client, &found.from_environment) {
            let rejected = force.then(|| found.credential.secret.clone());
            return self.env_client_token(client, rejected.as_ref()).await;
        }
        let since = self.clock.unix_millis();
        let dir = PrivateDir::new(&settings.store.config_dir);
        let _lock = self.lock(&dir, settings.request_timeout + Duration::from_secs(10)).await?;
        // Another process may have renewed it while we waited for the lock.
        let again = self.stored().await;
        let now = self.clock.unix_now();
        let current = match again.found.as_ref() {
            Some(now_found) if now_found.credential.secret != found.credential.secret => {
                output.verbose("another agentview process renewed the token meanwhile");
                return Ok(again);
            }
            Some(now_found) if force || is_due(&now_found.credential, now) => now_found,
            _ => return Ok(again),
        };
        let Some((tokens, grant)) = self.ask(&dir, current, since).await? else { return Ok(again) };
        for warning in &tokens.warnings {
            output.warn(warning);
        }
        let mut base = current.credential.clone();
        base.grant = Grant::OAuth(Box::new(grant));
        let renewed = renewed(&base, tokens, now);
        self.save(current, &renewed).await?;
        let found = Found {
            credential: renewed,
            source: current.source,
            location: current.location.clone(),
            from_environment: None,
        };
        Ok(Lookup { found: Some(found), errors: again.errors, notes: again.notes })
    }

    /// New tokens for `current` from its authorization server, telling the processes queued for
    /// the lock (`dir`) what happens, and its grant as renewed (what it keeps of an assertion it
    /// presented). `None`: keep using `current` (nothing to renew with, or a failed renewal of a
    /// token still live). A reader queued since `since` behind a renewal that failed meanwhile
    /// fails the same way, without asking a server that just did not answer. Nothing goes to the
    /// authorization server before the stored grant is vetted ([`vet`]).
    async fn ask(&self, dir: &PrivateDir, current: &Found, since: u64) -> anyhow::Result<Option<(Tokens, OAuthGrant)>> {
        let Door { settings, output, .. } = *self;
        let Some(grant) = current.credential.oauth_grant() else { return Ok(None) };
        let key = settings.key();
        let server = key.as_str();
        let print = state::fingerprint(&current.credential.secret);
        if let Some(reason) = state::read(dir).as_ref().and_then(|s| s.failure_since(server, &print, since)) {
            let why = format!("another agentview process could not renew it just now: {reason}");
            let failure = Failure::new(Exit::Server, format!("{EXPIRED}: {why}"))
                .with_hint("the authorization server did not answer; try again later");
            self.not_renewed(&current.credential, &why, failure)?;
            return Ok(None);
        }
        if grant.from_environment {
            let why = "it was got for a client in the environment (AGENTVIEW_CLIENT_ID with its secret, key or \
                       assertion file, or AGENTVIEW_WORKLOAD_TOKEN_FILE), which is not set now";
            let failure = Failure::new(Exit::NotLoggedIn, format!("{EXPIRED}: {why}"))
                .with_hint(format!("set the client's variables again, or log in: {}", settings.command("login")));
            self.not_renewed(&current.credential, why, failure)?;
            return Ok(None);
        }
        let http = self.run.http()?;
        let pinned = settings.auth_server.as_deref();
        if let Err(distrust) = vet::grant(http, grant, settings.server.url(), pinned).await {
            return self.distrusted(&current.credential, distrust).map(|()| None);
        }
        output.verbose(&format!("renewing the access token at {}", grant.issuer));
        let record = |phase| State {
            server: server.to_owned(),
            at_ms: self.clock.unix_millis(),
            credential: print.clone(),
            phase,
        };
        if let Err(e) = state::write(dir, &record(Phase::Renewing)) {
            output.verbose(&format!("could not tell other agentview processes about the renewal: {e}"));
        }
        let mut renewing = grant.clone();
        let result = renew::renew(http, &mut renewing, &settings.store, pinned.is_some(), self.clock.unix_now()).await;
        match &result {
            // Not the server's passing trouble: the processes queued ask it themselves.
            Err(e) if !e.is_invalid_grant() && !e.is_client_refused() => {
                let _ = state::write(dir, &record(Phase::Failed { reason: e.to_string() }));
            }
            _ => state::clear(dir),
        }
        match result {
            Ok(tokens) => Ok(tokens.map(|t| (t, renewing))),
            Err(e) if e.is_invalid_grant() => {
                let server = server.to_owned();
                self.in_store_of(current, move |store| {
                    let _ = store.delete(&server);
                })
                .await;
                Err(Failure::new(
                    Exit::NotLoggedIn,
                    format!(
                        "the authorization server no longer accepts the stored refresh token ({e}); the credential was removed"
                    ),
                )
                .with_hint(format!("log in again: {}", settings.command("login")))
                .into())
            }
            Err(e) if e.is_client_refused() => {
                let why = format!("the authorization server no longer takes the client agentview logged in with ({e})");
                let failure = Failure::new(Exit::NotLoggedIn, format!("{EXPIRED}: {why}")).with_hint(format!(
                    "log in again (agentview registers itself anew where the server allows it): {}",
                    settings.command("login")
                ));
                self.not_renewed(&current.credential, &why, failure)?;
                Ok(None)
            }
            Err(e) => {
                // An assertion that went out is spent, answered or not: keep that it was.
                if renewing != *grant && !never_sent(&e) {
                    let mut spent = current.credential.clone();
                    spent.grant = Grant::OAuth(Box::new(renewing));
                    if let Err(failure) = self.save(current, &spent).await {
                        output.verbose(&format!("could not keep that the assertion was presented: {failure}"));
                    }
                }
                let why = e.to_string();
                self.not_renewed(&current.credential, &why, e.into_failure(EXPIRED))?;
                Ok(None)
            }
        }
    }

    /// A stored grant that failed its vetting: one that is not what agentview stored is an error
    /// whatever its expiry; one the pin excludes, or whose issuer could not confirm an endpoint,
    /// is not renewed (a live token is used until it expires).
    fn distrusted(&self, current: &Credential, distrust: vet::Distrust) -> anyhow::Result<()> {
        let settings = self.settings;
        match distrust {
            vet::Distrust::Record(why) => Err(Failure::new(Exit::Store, why)
            .with_hint(format!(
                "agentview did not store it like this (it was copied in, or planted); remove it with `{}` and log in again",
                settings.command("logout --local")
            ))
            .into()),
            vet::Distrust::Pinned(why) => {
                let failure = Failure::new(Exit::NotLoggedIn, format!("{EXPIRED}: {why}"))
                    .with_hint(format!("log in at the pinned authorization server: {}", settings.command("login --force")));
                Ok(self.not_renewed(current, &why, failure)?)
            }
            vet::Distrust::Unconfirmed(e) => {
                let why = format!("its issuer's metadata, which would vouch for its token endpoint, could not be read: {e}");
                Ok(self.not_renewed(current, &why, e.into_failure(EXPIRED))?)
            }
        }
    }

    /// A renewal that did not happen (`why`): a token still live is used until it expires,
    /// with a warning (`Ok`); an expired one is `failure`. The stored credential is kept.
    fn not_renewed(&self, current: &Credential, why: &str, failure: Failure) -> Result<(), Failure> {
        if current.is_live(self.clock.unix_now()) {
            self.output
                .warn(&format!("could not renew the access token ({why}); using the current one until it expires"));
            return Ok(());
        }
        Err(failure)
    }

    /// Run `work` on the store `found` came from, off the async thread. `None`: that store is
    /// not configured (any more).
    async fn in_store_of<T: Send + 'static>(
        &self,
        found: &Found,
        work: impl FnOnce(Box<dyn store::CredentialStore>) -> T + Send + 'static,
    ) -> Option<Result<T, tokio::task::JoinError>> {
        let store = store::stores_for_read(&self.settings.store).into_iter().find(|s| s.source() == found.source)?;
        Some(tokio::task::spawn_blocking(move || work(store)).await)
    }

    async fn save(&self, found: &Found, credential: &Credential) -> Result<(), Failure> {
        let to_save = credential.clone();
        let saved = self.in_store_of(found, move |store| store.save(&to_save)).await;
        let saved = match saved {
            None => return Err(Failure::new(Exit::Store, "the store the credential came from is not configured")),
            Some(Err(e)) => return Err(Failure::new(Exit::Store, format!("saving the renewed token failed: {e}"))),
            Some(Ok(saved)) => saved,
        };
        saved.map_err(|e| {
            Failure::new(Exit::Store, format!("the token was renewed but could not be stored: {e}"))
                .with_source(e)
                .with_hint("the old refresh token may no longer work; log in again: agentview login")
        })
    }
}

/// A request that failed before anything reached the server: no connection, or a certificate
/// not trusted here (the TLS handshake ends before a request is written).
fn never_sent(error: &OAuthError) -> bool {
    use crate::http::NetworkKind;
    matches!(error, OAuthError::Network { source, .. } if matches!(source.kind, NetworkKind::Connect | NetworkKind::Untrusted { .. }))
}
