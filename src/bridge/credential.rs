//! The bridge's one seam to the credential: the token to send now, renewed before it expires,
//! and renewed once more when the server refuses it. Built on the same door every command uses
//! (`AGENTVIEW_TOKEN`, then the stores; renewal under the cross-process refresh lock). When the
//! server asks for a login and no credential can be had, `login.rs` runs one.

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::credential::rule::{due_at, renewable};
use crate::credential::{Closed, Door, Found};
use crate::error::{Exit, Failure};
use crate::login::LoginSettings;
use crate::run::Run;
use crate::secret::Secret;
use crate::store::{Credential, CredentialKind, Source};

/// Why no token can be had. `Dead` ends the bridge (exit 4); `Unusable` fails one request.
#[derive(Debug)]
pub enum CredentialError {
    /// The grant is gone (`invalid_grant`): nothing this process can do will get a token again.
    Dead(Failure),
    /// This attempt failed (store unreadable, authorization server unreachable); a later one may not.
    Unusable(Failure),
}

/// The token in hand and what decides when it is renewed.
#[derive(Debug, Clone)]
pub(super) struct Held {
    pub(super) token: Secret,
    /// The scopes granted, when the server said.
    pub(super) scope: Option<String>,
    expires_at: Option<u64>,
    created_at: u64,
    renewable: bool,
}

impl Held {
    fn of(credential: &Credential, source: Source) -> Option<Held> {
        // A session id is not a header value: those servers take it as a tool argument.
        if credential.kind() == CredentialKind::Session {
            return None;
        }
        Some(Held {
            token: credential.secret.clone(),
            scope: credential.oauth_grant().and_then(|g| g.scope.clone()),
            expires_at: credential.expires_at,
            created_at: credential.created_at,
            renewable: source != Source::Env && credential.oauth_grant().is_some_and(renewable),
        })
    }

    /// Due for renewal at `now`, by the rule every reader follows ([`due_at`]).
    fn due(&self, now: u64) -> bool {
        self.expires_at.filter(|_| self.renewable).is_some_and(|at| due_at(at, self.created_at, now))
    }
}

/// A failed login as the requests after it are told: the kind, the message, the hint.
pub(super) type LoginFailed = (Exit, String, Option<String>);

/// What the bridge asks for before each request. Cheap when nothing is due: the token is kept
/// in memory, the store is read again only when it is due or was refused.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub(super) run: Arc<Run>,
    pub(super) held: Arc<Mutex<Option<Held>>>,
    /// The store has been read at least once.
    pub(super) loaded: Arc<std::sync::atomic::AtomicBool>,
    /// The login to run when the server asks for one (None: `--no-login`, or a credential from
    /// the environment).
    pub(super) login: Option<Arc<LoginSettings>>,
    /// Why the last login failed: the requests that waited for it get this, and no login
    /// starts again (a login in a terminal is picked up from the store).
    pub(super) failed: Arc<std::sync::Mutex<Option<LoginFailed>>>,
    /// Logins for more scope since a request was last answered.
    pub(super) step_ups: Arc<std::sync::atomic::AtomicU32>,
}

impl Credentials {
    pub fn new(run: Arc<Run>, login: Option<LoginSettings>) -> Credentials {
        Credentials {
            run,
            held: Arc::default(),
            loaded: Arc::default(),
            login: login.map(Arc::new),
            failed: Arc::default(),
            step_ups: Arc::default(),
        }
    }

    /// The token to send now, renewed first when due; `None` when there is no credential.
    pub async fn current(&self) -> Result<Option<Secret>, CredentialError> {
        let mut held = self.held.lock().await;
        let now = self.run.clock.unix_now();
        let loaded = self.loaded.load(std::sync::atomic::Ordering::Acquire);
        match held.as_ref() {
            Some(h) if !h.due(now) => return Ok(Some(h.token.clone())),
            None if loaded => return Ok(None),
            _ => {}
        }
        let usable = match self.door().usable().await {
            Ok(usable) => Some(usable),
            // An expired token is sent all the same: the server's refusal renews it once.
            Err(Closed::Expired(usable)) => Some(*usable),
            Err(Closed::NotLoggedIn(_)) => None,
            Err(Closed::Failed(e)) => match classify(e) {
                // A dead grant is a login to run, when one may start: the server's 401 starts it.
                CredentialError::Dead(_) if self.may_log_in() => None,
                error => return Err(error),
            },
        };
        self.loaded.store(true, std::sync::atomic::Ordering::Release);
        *held = usable.and_then(|u| self.keep(&u.found));
        Ok(held.as_ref().map(|h| h.token.clone()))
    }

    /// The server refused `rejected` (None: the request carried no token). Renew once, even if
    /// not due, unless another request or another agentview process already has; `None` when
    /// no other token can be had (no credential, `AGENTVIEW_TOKEN`, nothing to renew with).
    pub async fn renew_after_rejection(&self, rejected: Option<&Secret>) -> Result<Option<Secret>, CredentialError> {
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_ref()
            && Some(&h.token) != rejected
        {
            return Ok(Some(h.token.clone()));
        }
        let renewed = match self.door().renewed_after_rejection(rejected).await {
            Ok(renewed) => renewed,
            Err(Closed::Failed(e)) => match classify(e) {
                CredentialError::Dead(_) if self.may_log_in() => None,
                error => return Err(error),
            },
            Err(Closed::Expired(usable)) => Some(*usable),
            Err(Closed::NotLoggedIn(_)) => None,
        };
        self.loaded.store(true, std::sync::atomic::Ordering::Release);
        *held = renewed.and_then(|u| self.keep(&u.found));
        Ok(held.as_ref().map(|h| h.token.clone()).filter(|t| Some(t) != rejected))
    }

    pub(super) fn door(&self) -> Door<'_> {
        Door::new(&self.run)
    }

    pub(super) fn keep(&self, found: &Found) -> Option<Held> {
        let held = Held::of(&found.credential, found.source);
        if held.is_none() {
            self.run.output.verbose("the stored credential is a login session id, which is not sent as a header");
        }
        held
    }
}

fn classify(error: anyhow::Error) -> CredentialError {
    let failure = failure_of(error);
    if failure.exit == Exit::NotLoggedIn { CredentialError::Dead(failure) } else { CredentialError::Unusable(failure) }
}

pub(super) fn failure_of(error: anyhow::Error) -> Failure {
    let exit = crate::error::exit_of(&error);
    let hint = crate::error::hint_of(&error).map(str::to_string);
    let failure = Failure::new(exit, error.to_string());
    match hint {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(expires_at: Option<u64>, created_at: u64, renewable: bool) -> Held {
        Held { token: Secret::new("t"), scope: None, expires_at, created_at, renewable }
    }

    #[test]
    fn long_tokens_are_due_a_minute_before_expiry() {
        let h = held(Some(10_000), 6_400, true);
        assert!(!h.due(9_939));
        assert!(h.due(9_940));
        assert!(h.due(20_000));
    }

    #[test]
    fn short_tokens_are_due_after_half_their_life() {
        let h = held(Some(1_002), 1_000, true);
        assert!(!h.due(1_000));
        assert!(h.due(1_001));
        let h = held(Some(1_062), 1_000, true);
        assert!(!h.due(1_030));
        assert!(h.due(1_031));
    }

    #[test]
    fn nothing_to_renew_with_is_never_due() {
        assert!(!held(Some(1_000), 0, false).due(5_000));
        assert!(!held(None, 0, true).due(u64::MAX));
        assert!(held(Some(u64::MAX), 0, true).due(u64::MAX), "no overflow");
    }
}
