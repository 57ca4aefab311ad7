//! The login the bridge runs itself: when the server asks for one and no credential can be had
//! (first use, a grant gone for good), and for more scope when a 403 `insufficient_scope` asks
//! for it. It is `agentview login`'s one story (`login::run`), on a thread of its own; run once
//! for the requests waiting (they wait on the held token) and once across bridges (the refresh
//! lock, then the store read again).

use std::time::Duration;

use super::credential::{CredentialError, Credentials, Held, failure_of};
use crate::credential::Closed;
use crate::error::{Exit, Failure};
use crate::login::LoginSettings;
use crate::login::oauth::shared::step_up::{STEP_UPS_IN_A_ROW, union};
use crate::run::Run;
use crate::secret::Secret;

/// What the store holds for the bridge.
enum Stored {
    /// A token other than the one refused.
    Token(Held),
    /// A credential that is no header (a login session id, which such servers take as a tool
    /// argument): logging in again would only store another.
    NotAHeader,
    Nothing,
}

/// How long another bridge's login may hold the refresh lock before this one gives up waiting:
/// the longest login window, and a margin.
const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(660);

impl Credentials {
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
        match self.stored(rejected).await {
            Stored::Token(fresh) => {
                *held = Some(fresh.clone());
                return Ok(Some(fresh.token));
            }
            // Another login would store the same kind again: each request would start one.
            Stored::NotAHeader => return Ok(None),
            Stored::Nothing => {}
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
            Stored::Token(fresh) => {
                *held = Some(fresh.clone());
                Ok(Some(fresh.token))
            }
            Stored::NotAHeader | Stored::Nothing => Ok(None),
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
        let fresh = match self.stored(rejected).await {
            Stored::Token(fresh) => Some(fresh),
            Stored::NotAHeader | Stored::Nothing => None,
        };
        *held = fresh.clone();
        Ok(fresh.map(|h| h.token))
    }

    /// A usable stored credential other than `rejected`, read through the door.
    async fn stored(&self, rejected: Option<&Secret>) -> Stored {
        let usable = match self.door().usable().await {
            Ok(usable) => usable,
            Err(Closed::Expired(_) | Closed::NotLoggedIn(_) | Closed::Failed(_)) => return Stored::Nothing,
        };
        self.loaded.store(true, std::sync::atomic::Ordering::Release);
        match self.keep(&usable.found) {
            Some(held) if Some(&held.token) != rejected => Stored::Token(held),
            Some(_) => Stored::Nothing,
            None => Stored::NotAHeader,
        }
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
