//! The bridge's one seam to the credential: the token to send now, renewed before it expires,
//! and renewed once more when the server refuses it. Built on the same door every command uses
//! (`AGENTVIEW_TOKEN`, then the stores; renewal under the cross-process refresh lock). When the
//! server asks for a login and no credential can be had, it runs the one login story, once for
//! every request waiting and once across bridges (the refresh lock, then the store read again).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::credential::rule::{due_at, renewable};
use crate::credential::{Closed, Door, Found};
use crate::error::{Exit, Failure};
use crate::login::LoginSettings;
use crate::run::Run;
use crate::secret::Secret;
use crate::store::{Credential, CredentialKind, Source};

use crate::login::oauth::shared::step_up::{STEP_UPS_IN_A_ROW, union};

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
struct Held {
    token: Secret,
    /// The scopes granted, when the server said.
    scope: Option<String>,
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

/// How long another bridge's login may hold the refresh lock before this one gives up waiting:
/// the longest login window, and a margin.
const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(660);

/// A failed login as the requests after it are told: the kind, the message, the hint.
type LoginFailed = (Exit, String, Option<String>);

/// What the bridge asks for before each request. Cheap when nothing is due: the token is kept
/// in memory, the store is read again only when it is due or was refused.
#[derive(Debug, Clone)]
pub struct Credentials {
    run: Arc<Run>,
    held: Arc<Mutex<Option<Held>>>,
    /// The store has been read at least once.
    loaded: Arc<std::sync::atomic::AtomicBool>,
    /// The login to run when the server asks for one (None: `--no-login`, or a credential from
    /// the environment).
    login: Option<Arc<LoginSettings>>,
    /// Why the last login failed: the requests that waited for it get this, and no login
    /// starts again (a login in a terminal is picked up from the store).
    failed: Arc<std::sync::Mutex<Option<LoginFailed>>>,
    /// Logins for more scope since a request was last answered.
    step_ups: Arc<std::sync::atomic::AtomicU32>,
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

    /// Whether a login may start when no credential can be had.
    pub fn may_log_in(&self) -> bool {
        self.login.is_some()
    }

    /// The server refused `rejected` (None: no credential) and nothing renews it: log in. The
    /// requests of this bridge wait on the held token meanwhile; other bridges of the same config
    /// dir wait on the refresh lock and then find what this one stored. `None` with `--no-login`.
    pub async fn log_in(&self, rejected: Option<&Secret>) -> Result<Option<Secret>, CredentialError> {
        let Some(login) = &self.login else { return Ok(None) };
        let mut held = self.held.lock().await;
        // Another request of this bridge logged in while this one waited.
        if let Some(h) = held.as_ref()
            && Some(&h.token) != rejected
        {
            return Ok(Some(h.token.clone()));
        }
        let door = self.door();
        let _lock = door.login_lock(LOGIN_LOCK_WAIT).await.map_err(CredentialError::Unusable)?;
        // Another bridge (or `agentview login` in a terminal) logged in meanwhile.
        if let Some(fresh) = self.stored(rejected).await {
            *held = Some(fresh.clone());
            return Ok(Some(fresh.token));
        }
        if let Some((exit, message, hint)) = self.failed.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            let failure = Failure::new(exit, message);
            return Err(CredentialError::Unusable(match hint {
                Some(hint) => failure.with_hint(hint),
                None => failure,
            }));
        }
        let output = &self.run.output;
        output.info(&format!(
            "{} asks for a login; logging in as `{}` would (the client's requests wait).",
            self.run.settings.server,
            self.run.settings.command("login")
        ));
        if let Err(e) = run_login(&self.run, login).await {
            let failure = failure_of(e);
            let kept = (failure.exit, failure.message.clone(), failure.hint.clone());
            *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
            return Err(CredentialError::Unusable(failure));
        }
        match self.stored(rejected).await {
            Some(fresh) => {
                *held = Some(fresh.clone());
                Ok(Some(fresh.token))
            }
            None => Ok(None),
        }
    }

    /// The scopes the credential in hand was granted, when the server said.
    pub async fn granted_scope(&self) -> Option<String> {
        self.held.lock().await.as_ref().and_then(|h| h.scope.clone())
    }

    /// A request was answered: the count of logins for more scope in a row starts again.
    pub fn answered(&self) {
        self.step_ups.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// The server refused `rejected` for lack of the scopes `challenged`: log in again for the
    /// union of the granted and the challenged scopes (the login stores the new grant in place
    /// of the old), at most [`STEP_UPS_IN_A_ROW`] times in a row. `None`: no login may start.
    pub async fn step_up(
        &self,
        rejected: Option<&Secret>,
        challenged: &str,
    ) -> Result<Option<Secret>, CredentialError> {
        let Some(login) = &self.login else { return Ok(None) };
        let mut held = self.held.lock().await;
        // Another request of this bridge got more scope while this one waited.
        if let Some(h) = held.as_ref()
            && Some(&h.token) != rejected
        {
            return Ok(Some(h.token.clone()));
        }
        if self.step_ups.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= STEP_UPS_IN_A_ROW {
            return Ok(None);
        }
        let scope = union(held.as_ref().and_then(|h| h.scope.as_deref()), challenged);
        let _lock = self.door().login_lock(LOGIN_LOCK_WAIT).await.map_err(CredentialError::Unusable)?;
        self.run.output.info(&format!(
            "{} needs the scope \"{}\" for this request; logging in again for \"{scope}\".",
            self.run.settings.server,
            crate::sanitize::line(challenged, 200)
        ));
        let mut wider = (**login).clone();
        wider.scope = Some(scope);
        if let Err(e) = run_login(&self.run, &wider).await {
            return Err(CredentialError::Unusable(failure_of(e)));
        }
        let fresh = self.stored(rejected).await;
        *held = fresh.clone();
        Ok(fresh.map(|h| h.token))
    }

    /// A usable stored credential other than `rejected`, read through the door.
    async fn stored(&self, rejected: Option<&Secret>) -> Option<Held> {
        let usable = match self.door().usable().await {
            Ok(usable) => usable,
            Err(Closed::Expired(_) | Closed::NotLoggedIn(_) | Closed::Failed(_)) => return None,
        };
        self.loaded.store(true, std::sync::atomic::Ordering::Release);
        self.keep(&usable.found).filter(|h| Some(&h.token) != rejected)
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

    fn door(&self) -> Door<'_> {
        Door::new(&self.run)
    }

    fn keep(&self, found: &Found) -> Option<Held> {
        let held = Held::of(&found.credential, found.source);
        if held.is_none() {
            self.run.output.verbose("the stored credential is a login session id, which is not sent as a header");
        }
        held
    }
}

/// `agentview login`'s story, on a thread of its own with its own runtime and connections: the
/// bridge's tasks go on meanwhile (answering pings, passing notifications on), and a login
/// needs none of what they hold.
async fn run_login(run: &Run, login: &LoginSettings) -> anyhow::Result<Exit> {
    let run = Run::with_clock(run.settings.clone(), run.output, run.clock.clone());
    let login = login.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let result = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime.block_on(async {
                let interrupt = crate::interrupt::Interrupt::install();
                crate::login::run(login, &run, &interrupt).await
            }),
            Err(e) => Err(Failure::new(Exit::Other, format!("cannot start the login: {e}")).into()),
        };
        let _ = tx.send(result);
    });
    rx.await.unwrap_or_else(|_| Err(Failure::new(Exit::Other, "the login ended unexpectedly").into()))
}

fn classify(error: anyhow::Error) -> CredentialError {
    let failure = failure_of(error);
    if failure.exit == Exit::NotLoggedIn { CredentialError::Dead(failure) } else { CredentialError::Unusable(failure) }
}

fn failure_of(error: anyhow::Error) -> Failure {
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
