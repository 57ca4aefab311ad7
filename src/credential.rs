//! The one door to a usable credential. Every reader (`token`, `exec`, `status`, and `login`
//! checking whether it is logged in already) comes through here:
//!
//! 1. the environment: `AGENTVIEW_TOKEN` overrides every store ([`from_environment`]); a client
//!    in the environment (`AGENTVIEW_CLIENT_ID` and its secret, key or assertion file) gets its
//!    token with client credentials, cached in the selected store, and gets the next one the
//!    same way when it is due (`client`);
//! 2. the stores in order (off the async thread: a keyring call may hang until its timeout); a
//!    sign-in at an identity provider is no server's credential and is not handed out;
//! 3. renewal of a credential that is due by the one rule (`rule::due_at`), by the step its
//!    grant calls for, once the stored grant is vetted (`vet`), single flight across processes:
//!    the refresh lock, a second read of the store, a renewal only if nobody else did one, and
//!    the renewed credential saved at once (`renewal`).

mod client;
mod id_jag;
mod look;
pub(crate) mod renew;
mod renewal;
pub(crate) mod rule;
pub(crate) mod sign_in;
mod state;
pub(crate) mod vet;

use std::time::Duration;

use crate::clock::SharedClock;
use crate::error::{Exit, Failure};
use crate::output::Output;
use crate::run::Run;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::store::private::{LockError, Locked, PrivateDir, PrivateError};
use crate::store::{self, Source, StoreChoice};
use look::{Looked, Lookup, look, look_in_stores, report_read_errors};
use rule::{is_due, renewable};

pub use look::Found;

/// How a renewal that did not happen reads when the token has expired.
const EXPIRED: &str = "the access token expired and could not be renewed (the stored credential is kept)";

/// The server refused the token in `AGENTVIEW_TOKEN`, which overrides every store: a login
/// changes nothing while it is set.
pub fn env_token_refused() -> Failure {
    Failure::new(Exit::NotLoggedIn, "the server refuses the token in AGENTVIEW_TOKEN")
        .with_hint("unset AGENTVIEW_TOKEN (to use the stored login) or replace it with a token the server accepts")
}

/// What to do about an expired token in `AGENTVIEW_TOKEN` (its JWT `exp` passed): nothing stored
/// is used while it is set.
pub const ENV_TOKEN_EXPIRED_HINT: &str =
    "unset AGENTVIEW_TOKEN (to use the stored login) or replace it with a fresh token";

/// The lock renewals of every agentview process take, in the config dir.
const LOCK_FILE: &str = "refresh.lock";

/// A credential the door hands out, with the stores that could not be read on the way (not
/// fatal, as [`Closed::Failed`] would be: `status` shows them).
#[derive(Debug)]
pub struct Usable {
    pub found: Found,
    pub store_errors: Vec<String>,
}

/// Why the door hands out no usable credential: a kind the caller branches on, carrying what
/// to tell the user (cargo-credential's error kinds are the model).
#[derive(Debug)]
pub enum Closed {
    /// No credential for the server: how to log in, and the stores that could not be read.
    NotLoggedIn(NotLoggedIn),
    /// The credential has expired and could not be renewed; it is shown as it is.
    Expired(Box<Usable>),
    /// Something failed on the way (a store that cannot be read, a renewal refused): its exit code
    /// and hint are in it.
    Failed(anyhow::Error),
}

/// "Not logged in", with the command that logs in.
#[derive(Debug)]
pub struct NotLoggedIn {
    pub hint: LoginHint,
    pub store_errors: Vec<String>,
}

/// The command that logs in, for a hint.
#[derive(Debug)]
pub struct LoginHint {
    pub command: String,
    /// Set when the command names another store than the user's keyring: why.
    pub why_not_keyring: Option<String>,
}

impl LoginHint {
    /// Tell the user how to log in: `lead` and `rest` around the command, then why not the
    /// keyring, if so.
    pub fn tell(&self, output: &Output, lead: &str, rest: &str) {
        output.info(&format!("{lead}`{}`{rest}", self.command));
        if let Some(why) = &self.why_not_keyring {
            output.info(&format!("  {why}"));
        }
    }
}

/// What the runtime-free door found but could not finish: a credential to renew or get, and
/// when it was looked at (unix seconds).
#[derive(Debug)]
pub struct Later(Box<Looked>, u64);

/// Why a credential is renewed although it may not be due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Renew {
    /// It is due by the one rule (checked again once the lock is held).
    Due,
    /// The server refused it: renewed even if not due, unless another process already did.
    Rejected,
}

/// The door, for one run.
#[derive(Debug)]
pub struct Door<'a> {
    run: &'a Run,
    settings: &'a Settings,
    output: &'a Output,
    clock: &'a SharedClock,
}

impl<'a> Door<'a> {
    /// The door of `run`: its settings, output, clock and HTTP client.
    pub fn new(run: &'a Run) -> Door<'a> {
        Door { run, settings: &run.settings, output: &run.output, clock: &run.clock }
    }

    /// The one call every reader makes (`token`, `exec`, `status`, the bridge): the environment's
    /// credential, else the stored one, renewed first when it is due; the stores' notes and read
    /// errors said on the way; or why there is none to hand out.
    pub async fn usable(&self) -> Result<Usable, Closed> {
        let now = self.clock.unix_now();
        let looked = self.look(now).await.map_err(|e| Closed::Failed(e.into()))?;
        self.usable_after(looked, now).await
    }

    /// The door without an async runtime (`token`'s way in): the same answer as
    /// [`Door::usable`] when nothing has to be renewed or got first, read in this thread. Else
    /// what was found, for [`Door::usable_later`] to finish.
    /// What was found is judged at the one moment it was looked at: a credential that was not
    /// due then is handed out, even if the second turns before it is.
    pub fn usable_at_once(&self) -> Result<Result<Usable, Closed>, Later> {
        let now = self.clock.unix_now();
        let looked = match look(self.settings, now) {
            Ok(Looked::Settled(lookup)) => lookup,
            Ok(looked) => return Err(Later(Box::new(looked), now)),
            Err(failure) => return Ok(Err(Closed::Failed(failure.into()))),
        };
        if let Err(e) = report_read_errors(&looked, self.settings, self.output) {
            return Ok(Err(Closed::Failed(e)));
        }
        let hint = looked.found.is_none().then(|| login_hint(self.settings, probe_keyring(&self.settings.store)));
        Ok(self.handed_out(looked, hint, now))
    }

    /// [`Door::usable`], after [`Door::usable_at_once`] found the credential must be renewed or got.
    pub async fn usable_later(&self, later: Later) -> Result<Usable, Closed> {
        self.usable_after(*later.0, later.1).await
    }

    /// Finish what was looked at `now` (unix seconds): renewed or got first where it had to be,
    /// then handed out as live or expired at that same moment.
    async fn usable_after(&self, looked: Looked, now: u64) -> Result<Usable, Closed> {
        let lookup = match looked {
            Looked::Settled(lookup) => lookup,
            Looked::EnvClient(client) => self.env_client_token(&client, None).await.map_err(Closed::Failed)?,
            Looked::Due(lookup) => self.renew(lookup, Renew::Due).await.map_err(Closed::Failed)?,
        };
        self.settle(lookup, now).await
    }

    /// What `login` checks before it logs in again: the stored credential (not the
    /// environment's), renewed first when it is due, if it is live. A renewal that fails is the
    /// error; stores that cannot be read are for the login's own store check to say.
    pub async fn stored_usable(&self) -> anyhow::Result<Option<Found>> {
        let lookup = self.stored().await;
        let now = self.clock.unix_now();
        let lookup = match &lookup.found {
            Some(found) if is_due(&found.credential, now) => self.renew(lookup, Renew::Due).await?,
            _ => lookup,
        };
        Ok(lookup.found.filter(|f| f.credential.is_live(now)))
    }

    /// The server refused `rejected`: a credential other than it (another request or another
    /// agentview process got a new one meanwhile), else it renewed once although it is not due.
    /// `Ok(None)`: there is nothing to renew with (none, no grant that renews); the token in
    /// `AGENTVIEW_TOKEN` refused is an error that says to unset or replace it.
    pub async fn renewed_after_rejection(&self, rejected: Option<&Secret>) -> Result<Option<Usable>, Closed> {
        let now = self.clock.unix_now();
        let lookup = match self.look(now).await.map_err(|e| Closed::Failed(e.into()))? {
            Looked::Settled(lookup) | Looked::Due(lookup) => lookup,
            Looked::EnvClient(client) => self.env_client_token(&client, None).await.map_err(Closed::Failed)?,
        };
        let stored = lookup.found.as_ref().map(|f| (&f.credential, f.source));
        let lookup = match stored {
            Some((credential, _)) if Some(&credential.secret) != rejected => lookup,
            // Nothing agentview stores or renews can replace it while the variable is set.
            Some((_, Source::Env)) => return Err(Closed::Failed(env_token_refused().into())),
            Some((credential, _)) if credential.oauth_grant().is_some_and(renewable) => {
                self.output.verbose("the server refused the access token; renewing it");
                self.renew(lookup, Renew::Rejected).await.map_err(Closed::Failed)?
            }
            _ => return Ok(None),
        };
        match self.settle(lookup, now).await {
            Ok(usable) => Ok(Some(usable)),
            Err(Closed::Expired(usable)) => Ok(Some(*usable)),
            Err(Closed::NotLoggedIn(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The stored credential as it is, not renewed: what `status` still reports when a renewal
    /// failed.
    pub async fn stored_as_is(&self) -> Option<Found> {
        self.stored().await.found
    }

    /// Whether a store holds a credential for the server (`AGENTVIEW_TOKEN` set or not).
    pub async fn has_stored(&self) -> bool {
        self.stored().await.found.is_some()
    }

    /// [`look`], off the async thread: a keyring call may wait until its timeout, and the rest
    /// of the run (Ctrl-C, the bridge's other requests) goes on meanwhile.
    async fn look(&self, now: u64) -> Result<Looked, Failure> {
        let settings = self.settings.clone();
        tokio::task::spawn_blocking(move || look(&settings, now))
            .await
            .unwrap_or_else(|e| Err(Failure::new(Exit::Store, format!("the credential lookup failed: {e}"))))
    }

    /// The stores' notes and read errors said; the credential handed out if it is live at `now`
    /// (when it was looked at), or why not.
    async fn settle(&self, lookup: Lookup, now: u64) -> Result<Usable, Closed> {
        report_read_errors(&lookup, self.settings, self.output).map_err(Closed::Failed)?;
        let hint = match lookup.found {
            Some(_) => None,
            None => Some(self.login_hint().await),
        };
        self.handed_out(lookup, hint, now)
    }

    /// The credential if it is live at `now`; else expired, or not there at all (with `hint`).
    fn handed_out(&self, lookup: Lookup, hint: Option<LoginHint>, now: u64) -> Result<Usable, Closed> {
        let store_errors: Vec<String> = lookup.errors.iter().map(|(_, e)| e.to_string()).collect();
        let Some(found) = lookup.found else {
            let hint = hint.unwrap_or_else(|| login_hint(self.settings, None));
            return Err(Closed::NotLoggedIn(NotLoggedIn { hint, store_errors }));
        };
        let usable = Usable { found, store_errors };
        if usable.found.credential.is_live(now) { Ok(usable) } else { Err(Closed::Expired(Box::new(usable))) }
    }

    /// The stored credential as it is, looked up off the async thread.
    async fn stored(&self) -> Lookup {
        let config = self.settings.store.clone();
        let key = self.settings.key();
        tokio::task::spawn_blocking(move || look_in_stores(&config, &key)).await.unwrap_or_else(|e| Lookup {
            errors: vec![(
                "the credential store".into(),
                store::StoreError::Other {
                    store: "the credential store".into(),
                    reason: format!("the lookup failed: {e}"),
                },
            )],
            ..Lookup::default()
        })
    }

    /// How a hint tells the user to log in when there is no credential (see [`login_hint`]),
    /// the keyring probed off the async thread.
    pub async fn login_hint(&self) -> LoginHint {
        let config = self.settings.store.clone();
        let probed = tokio::task::spawn_blocking(move || probe_keyring(&config)).await.ok().flatten();
        login_hint(self.settings, probed)
    }

    /// The refresh lock, for a renewal outside the door (a sign-in at an identity provider
    /// renewed by a login), waited for as long as a renewal waits.
    pub(crate) async fn refresh_lock(&self) -> Result<Option<Locked>, Failure> {
        let dir = PrivateDir::new(&self.settings.store.config_dir);
        self.lock(&dir, self.settings.request_timeout + Duration::from_secs(10)).await
    }

    /// The refresh lock, for a login that stands in for a renewal (the bridge's, when the server
    /// asks for one): other processes wait on it as long as the login's window, then read the store.
    pub(crate) async fn login_lock(&self, wait: Duration) -> Result<Option<Locked>, Failure> {
        let dir = PrivateDir::new(&self.settings.store.config_dir);
        self.lock(&dir, wait).await
    }

    /// The cross-process refresh lock in the config dir, waited for at most `wait`. It is a
    /// private file of the config dir whatever the store: a link, a file of another user, or a
    /// dir others can write is refused (exit 8, naming the file), and nothing is renewed.
    /// Where locks cannot be taken at all (a read-only dir, a file system without locks) the
    /// renewal goes on without one.
    async fn lock(&self, dir: &PrivateDir, wait: Duration) -> Result<Option<Locked>, Failure> {
        let path = dir.file(LOCK_FILE);
        let refused = |e: &dyn std::fmt::Display| {
            Failure::new(Exit::Store, format!("cannot take the refresh lock {}: {e}", path.display())).with_hint(
                "agentview does not use a file in its config dir that someone else may have planted or can change; \
                 fix or remove what is named above",
            )
        };
        let file = match dir.lock_file(LOCK_FILE) {
            Ok(file) => file,
            Err(e @ PrivateError::Refused(_)) => return Err(refused(&e)),
            Err(e) => {
                self.output.verbose(&format!("renewing without the refresh lock: {e}"));
                return Ok(None);
            }
        };
        match file.lock(self.clock.as_ref(), wait).await {
            Ok(locked) => Ok(Some(locked)),
            // Who is slow: the server the holder is asking, or the store it is saving to.
            Err(LockError::Busy { .. }) if state::read(dir).is_some_and(|s| s.is_renewing()) => Err(Failure::new(
                Exit::Server,
                format!(
                    "the authorization server has kept another agentview process renewing the token waiting for \
                     over {} s",
                    wait.as_secs()
                ),
            )
            .with_hint(crate::http::UNREACHABLE_HINT)),
            Err(LockError::Busy { .. }) => Err(Failure::new(
                Exit::Store,
                format!("another agentview process has been renewing the token for over {} s", wait.as_secs()),
            )),
            Err(e @ LockError::Io { .. }) => {
                self.output.verbose(&format!("renewing without the refresh lock: {e}"));
                Ok(None)
            }
        }
    }
}

/// The command with the user's own flags, unless `--store keyring` names a keyring that cannot
/// keep a credential here (`probed`: why; it may answer reads and still refuse every write): then
/// the file store, and why not the keyring.
fn login_hint(settings: &Settings, probed: Option<String>) -> LoginHint {
    match probed {
        Some(why) => LoginHint { command: settings.command_in_store("file", "login"), why_not_keyring: Some(why) },
        None => LoginHint { command: settings.command("login"), why_not_keyring: None },
    }
}

/// With `--store keyring`: why the keyring cannot keep a credential here, if it cannot.
/// Blocking (the keyring call waits at most its timeout).
fn probe_keyring(config: &store::StoreConfig) -> Option<String> {
    if config.choice != StoreChoice::Keyring {
        return None;
    }
    let keyring = store::stores_for_read(config).into_iter().next()?;
    keyring.probe().err().map(|e| format!("the keyring cannot keep a credential here: {e}"))
}

#[cfg(test)]
#[path = "credential/door_tests.rs"]
mod door_tests;
