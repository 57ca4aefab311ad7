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
use crate::store::{self, Credential, Source, StoreChoice, StoreConfig, StoreError};
use rule::{is_due, renewable};

/// How a renewal that did not happen reads when the token has expired.
const EXPIRED: &str = "the access token expired and could not be renewed (the stored credential is kept)";

/// The lock renewals of every agentview process take, in the config dir.
const LOCK_FILE: &str = "refresh.lock";

/// A credential and where it came from.
#[derive(Debug)]
pub struct Found {
    pub credential: Credential,
    pub source: Source,
    /// "the Secret Service keyring", a file path, or "AGENTVIEW_TOKEN".
    pub location: String,
    /// Set when the client in the environment got it: the variables, for `status`.
    pub from_environment: Option<String>,
}

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

/// The result of a lookup: what was found, and stores that could not be read.
#[derive(Debug, Default)]
struct Lookup {
    found: Option<Found>,
    /// Stores that failed on read, with their real error (shown by `status` and `-v`).
    errors: Vec<(String, StoreError)>,
    /// What the store that held the credential wants the user told (a keyring that forgets at
    /// reboot), or that the server's entry is a sign-in at an identity provider.
    notes: Vec<String>,
    /// The credential was got in this run (by the client in the environment): not due again.
    obtained: bool,
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
        let lookup = self.current().await.map_err(Closed::Failed)?;
        let lookup = self.renewed_if_due(lookup).await.map_err(Closed::Failed)?;
        self.settle(lookup).await
    }

    /// What `login` checks before it logs in again: the stored credential (not the
    /// environment's), renewed first when it is due, if it is live. A renewal that fails is the
    /// error; stores that cannot be read are for the login's own store check to say.
    pub async fn stored_usable(&self) -> anyhow::Result<Option<Found>> {
        let lookup = self.stored().await;
        let lookup = match &lookup.found {
            Some(found) if is_due(&found.credential, self.clock.unix_now()) => self.renew(lookup, Renew::Due).await?,
            _ => lookup,
        };
        Ok(lookup.found.filter(|f| f.credential.is_live(self.clock.unix_now())))
    }

    /// The server refused `rejected`: a credential other than it (another request or another
    /// agentview process got a new one meanwhile), else it renewed once although it is not due.
    /// `Ok(None)`: there is nothing to renew with (none, `AGENTVIEW_TOKEN`, no grant that renews).
    pub async fn renewed_after_rejection(&self, rejected: Option<&Secret>) -> Result<Option<Usable>, Closed> {
        let lookup = self.current().await.map_err(Closed::Failed)?;
        let stored = lookup.found.as_ref().map(|f| (&f.credential, f.source));
        let lookup = match stored {
            Some((credential, _)) if Some(&credential.secret) != rejected => lookup,
            Some((credential, source)) if source != Source::Env && credential.oauth_grant().is_some_and(renewable) => {
                self.output.verbose("the server refused the access token; renewing it");
                self.renew(lookup, Renew::Rejected).await.map_err(Closed::Failed)?
            }
            _ => return Ok(None),
        };
        match self.settle(lookup).await {
            Ok(usable) => Ok(Some(usable)),
            Err(Closed::Expired(usable)) => Ok(Some(*usable)),
            Err(Closed::NotLoggedIn(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether a store holds a credential for the server (`AGENTVIEW_TOKEN` set or not).
    pub async fn has_stored(&self) -> bool {
        self.stored().await.found.is_some()
    }

    /// The credential as it is, not renewed: `AGENTVIEW_TOKEN`; else, with a client in the
    /// environment, the token kept for it (obtained now when there is none); else the stored one.
    async fn current(&self) -> anyhow::Result<Lookup> {
        if let Some(found) = from_environment(self.settings, self.clock.unix_now()) {
            return Ok(Lookup { found: Some(found), ..Lookup::default() });
        }
        if let Some(client) = &self.settings.env_client {
            return self.for_env_client(client).await;
        }
        Ok(self.stored().await)
    }

    /// `lookup`, its credential renewed first when it is due. The client in the environment got
    /// (or kept) its token by the same rule already; `AGENTVIEW_TOKEN` is never renewed.
    async fn renewed_if_due(&self, lookup: Lookup) -> anyhow::Result<Lookup> {
        let how = lookup.found.as_ref().and_then(|f| f.from_environment.clone());
        let lookup = match &lookup.found {
            _ if lookup.obtained || how.is_some() => lookup,
            Some(found) if found.source != Source::Env && is_due(&found.credential, self.clock.unix_now()) => {
                self.renew(lookup, Renew::Due).await?
            }
            _ => lookup,
        };
        Ok(marked(lookup, how))
    }

    /// The stores' notes and read errors said; the credential handed out if it is live, or
    /// why not.
    async fn settle(&self, lookup: Lookup) -> Result<Usable, Closed> {
        report_read_errors(&lookup, self.settings, self.output).map_err(Closed::Failed)?;
        let store_errors: Vec<String> = lookup.errors.iter().map(|(_, e)| e.to_string()).collect();
        let Some(found) = lookup.found else {
            return Err(Closed::NotLoggedIn(NotLoggedIn { hint: self.login_hint().await, store_errors }));
        };
        let usable = Usable { found, store_errors };
        if usable.found.credential.is_live(self.clock.unix_now()) {
            Ok(usable)
        } else {
            Err(Closed::Expired(Box::new(usable)))
        }
    }

    /// The stored credential as it is, looked up off the async thread.
    async fn stored(&self) -> Lookup {
        let config = self.settings.store.clone();
        let server = self.settings.server.as_str().to_owned();
        tokio::task::spawn_blocking(move || look_in_stores(&config, &server)).await.unwrap_or_else(|e| Lookup {
            errors: vec![(
                "the credential store".into(),
                StoreError::Other { store: "the credential store".into(), reason: format!("the lookup failed: {e}") },
            )],
            ..Lookup::default()
        })
    }

    /// How a hint tells the user to log in when there is no credential: the command with their
    /// own flags, unless `--store keyring` names a keyring that cannot keep a credential here (it
    /// may answer reads and still refuse every write); then the file store, and why not the
    /// keyring.
    pub async fn login_hint(&self) -> LoginHint {
        let settings = self.settings;
        let own = LoginHint { command: settings.command("login"), why_not_keyring: None };
        if settings.store.choice != StoreChoice::Keyring {
            return own;
        }
        let config = settings.store.clone();
        let probed = tokio::task::spawn_blocking(move || {
            let keyring = store::stores_for_read(&config).into_iter().next()?;
            keyring.probe().err().map(|e| format!("the keyring cannot keep a credential here: {e}"))
        })
        .await;
        match probed {
            Ok(Some(why)) => {
                LoginHint { command: settings.command_in_store("file", "login"), why_not_keyring: Some(why) }
            }
            _ => own,
        }
    }

    /// The refresh lock, for a renewal outside the door (a sign-in at an identity provider
    /// renewed by a login), waited for as long as a renewal waits.
    pub(crate) async fn refresh_lock(&self) -> Result<Option<Locked>, Failure> {
        let dir = PrivateDir::new(&self.settings.store.config_dir);
        self.lock(&dir, self.settings.request_timeout + Duration::from_secs(10)).await
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

/// Store read failures: shown with `-v`; fatal unless the store is merely
/// unavailable under `--store auto` (a headless machine without a keyring).
fn report_read_errors(lookup: &Lookup, settings: &Settings, output: &Output) -> anyhow::Result<()> {
    for note in &lookup.notes {
        output.warn(note);
    }
    for (store, error) in &lookup.errors {
        let skippable = settings.store.choice == crate::store::StoreChoice::Auto
            && matches!(error, crate::store::StoreError::Unavailable { .. });
        if skippable {
            output.verbose(&format!("skipped {store}: {error}"));
        } else if lookup.found.is_none() {
            // The file was read (it is the store, or `auto` reads it after the keyring): fix it;
            // a keyring that failed may not be where the credential is.
            let hint = if store.ends_with(crate::store::file::FILE_NAME) {
                "fix what is named above, or remove the credentials file and log in again"
            } else {
                "if the credential is in the file store, pass --store file (or --store auto)"
            };
            return Err(Failure::new(Exit::Store, error.to_string()).with_hint(hint).into());
        } else {
            output.warn(&format!("could not read {store}: {error}"));
        }
    }
    Ok(())
}

/// `lookup` with its credential marked as the environment's client's (`how`), if it is.
fn marked(mut lookup: Lookup, how: Option<String>) -> Lookup {
    if let Some(found) = lookup.found.as_mut()
        && how.is_some()
    {
        found.from_environment = how;
    }
    lookup
}

/// The credential the environment gives: `AGENTVIEW_TOKEN`, which overrides every store.
fn from_environment(settings: &Settings, now: u64) -> Option<Found> {
    let secret = settings.env_token.as_ref()?;
    let credential = Credential::bearer(settings.server.clone(), secret.clone(), now);
    Some(Found { credential, source: Source::Env, location: "AGENTVIEW_TOKEN".into(), from_environment: None })
}

/// Look in the stores in order; the first that holds a credential for `server` wins, and only
/// it has something to say (a keyring that forgets at reboot): a store that did not hold the
/// credential is no reader's concern. A sign-in at an identity provider, kept under the
/// provider's address, is no server's credential: it is said, not found.
fn look_in_stores(config: &StoreConfig, server: &str) -> Lookup {
    let mut lookup = Lookup::default();
    for store in store::stores_for_read(config) {
        match store.load(server) {
            Ok(Some(credential)) if credential.is_sign_in() => {
                lookup.notes.push(format!(
                    "{} holds a sign-in at an identity provider (for `login --idp`), kept in {}: it is no credential \
                     for a server, and agentview does not hand it out",
                    crate::sanitize::line(server, 200),
                    store.describe()
                ));
            }
            Ok(Some(credential)) => {
                lookup.notes = store.notes();
                lookup.found = Some(Found {
                    credential,
                    source: store.source(),
                    location: store.describe(),
                    from_environment: None,
                });
                return lookup;
            }
            Ok(None) => {}
            Err(e) => lookup.errors.push((store.describe(), e)),
        }
    }
    lookup
}
