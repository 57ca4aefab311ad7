//! `agentview login`: store check, create_auth_session once, browser, wait, store, report.
//! Also the two-step form (`--no-wait`, then `--resume`) for agents and CI.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::login_outcome::{credential_from, outcome_failure};
use crate::browser::{self, Launch};
use crate::cli::LoginArgs;
use crate::clock::{RealClock, countdown, iso8601, unix_now, utc_time_of_day};
use crate::error::{Exit, Failure};
use crate::interrupt::Interrupt;
use crate::login_url;
use crate::lookup;
use crate::output::{Output, Progress};
use crate::remote::{self, Remote};
use crate::session::{Outcome, wait_for_approval};
use crate::settings::Settings;
use crate::store::{self, Credential, CredentialKind, Selected, Source};
use crate::tools::DEFAULT_WINDOW;

/// What `login` was asked to do.
#[derive(Debug, Clone)]
pub struct LoginSettings {
    pub no_browser: bool,
    pub timeout: Option<Duration>,
    pub force: bool,
    pub print_token: bool,
    pub json: bool,
    pub agent: String,
    pub scope: Option<String>,
    pub mode: Mode,
}

/// One-step login, or one of the two steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Wait,
    NoWait,
    /// The session request id (already read from stdin when "-" was given).
    Resume(String),
    WithToken,
}

impl LoginSettings {
    pub fn resolve(
        args: LoginArgs,
        read_stdin: impl FnOnce() -> Result<String, Failure>,
    ) -> Result<LoginSettings, Failure> {
        let mode = match (args.no_wait, args.resume, args.with_token) {
            (true, _, _) => Mode::NoWait,
            (_, Some(id), _) => {
                let id = if id == "-" { read_stdin()?.trim().to_string() } else { id };
                crate::secret::check_token_shape(&id)
                    .map_err(|e| Failure::usage(format!("--resume: not a session id ({e})")))?;
                Mode::Resume(id)
            }
            (_, _, true) => Mode::WithToken,
            _ => Mode::Wait,
        };
        Ok(LoginSettings {
            no_browser: args.no_browser,
            timeout: args.timeout.map(Duration::from_secs),
            force: args.force,
            print_token: args.print_token,
            json: args.json,
            agent: args.agent.unwrap_or_else(|| format!("agentview/{}", remote::VERSION)),
            scope: args.scope,
            mode,
        })
    }
}

fn interrupted() -> anyhow::Error {
    Failure::new(Exit::Interrupted, "interrupted; nothing was stored").into()
}

pub async fn run(
    login: LoginSettings,
    settings: &Settings,
    output: &Output,
    interrupt: &Interrupt,
) -> anyhow::Result<Exit> {
    if login.mode == Mode::WithToken {
        return super::with_token::run(&login, settings, output);
    }
    // Only a fresh one-step login may stop early: a --resume names a login the user has
    // already approved (or is approving), and dropping its token would waste that approval.
    if !login.force
        && login.mode == Mode::Wait
        && let Some(found) = lookup::stored(settings).found.filter(|f| f.credential.is_live(unix_now()))
    {
        let until = found.credential.expires_at.map(|at| format!(", valid until {}", iso8601(at))).unwrap_or_default();
        output.success(&format!(
            "Already logged in to {} (credential in {}{until}). Use --force to log in again.",
            settings.server, found.location
        ));
        report(&login, &found.credential, found.source, &found.location, true)?;
        return Ok(Exit::Ok);
    }

    let selected = preflight_store(settings, output)?;
    let mut remote = tokio::select! {
        r = Remote::connect(settings, output) => r?,
        () = interrupt.wait() => return Err(interrupted()),
    };
    let flow = Flow { login: &login, settings, output, interrupt, selected };
    let result = match &login.mode {
        Mode::Resume(id) => {
            let window = login.timeout.unwrap_or(DEFAULT_WINDOW);
            output.info(&format!("Resuming the login; waiting up to {} for approval.", countdown(window)));
            // With --timeout, running out is the user's limit; without, the server's window.
            let server_window = if login.timeout.is_some() { Duration::MAX } else { window };
            flow.wait_and_store(&mut remote, id, window, server_window).await
        }
        _ => flow.start_and_wait(&mut remote).await,
    };
    remote.close().await;
    result
}

/// One login in progress: what was asked, and the store chosen for it.
struct Flow<'a> {
    login: &'a LoginSettings,
    settings: &'a Settings,
    output: &'a Output,
    interrupt: &'a Interrupt,
    selected: Selected,
}

/// Decide the store before anyone approves a login whose token could not be kept.
pub fn preflight_store(settings: &Settings, output: &Output) -> Result<Selected, Failure> {
    let selected = store::select_for_write(&settings.store).map_err(|e| {
        Failure::new(Exit::Store, format!("cannot use the credential store: {e}"))
            .with_hint("nothing was sent to the server; use --store file to keep the credential in a 0600 file instead")
    })?;
    let location = selected.store.describe();
    match &selected.fallback_reason {
        Some(reason) => {
            output.warn(&format!("no usable OS keyring: the credential goes to {location} in plain text (mode 0600)"));
            output.info("  --store file chooses this knowingly, --store keyring refuses it; -v shows why");
            output.verbose(&format!("keyring: {reason}"));
        }
        None => output.info(&format!("The credential will be stored in {location}.")),
    }
    for note in selected.store.notes() {
        output.warn(&note);
    }
    Ok(selected)
}

impl Flow<'_> {
    async fn start_and_wait(&self, remote: &mut Remote) -> anyhow::Result<Exit> {
        let Flow { login, settings, output, interrupt, .. } = *self;
        let created = tokio::select! {
            r = remote.create(&login.agent, login.scope.as_deref()) => r?,
            () = interrupt.wait() => return Err(interrupted()),
        };
        let url = login_url::check(&created.login_url, &settings.server_url).map_err(|refused| {
            Failure::new(Exit::Server, format!("refusing the login URL the server sent: {refused}")).with_hint(
            "the server (or something between you and it) sent a link that does not point to it; nothing was opened",
        )
        })?;
        for warning in &created.warnings {
            output.warn(warning);
        }
        let window = login.timeout.map_or(created.window, |t| t.min(created.window));
        let closes_at = unix_now() + window.as_secs();
        if login.mode == Mode::NoWait {
            let id = &created.session_request_id;
            return super::login_handshake::print(login, settings, output, id, url.as_str(), closes_at, window);
        }
        output.always(&format!("To approve this login, open:\n\n    {url}\n"));
        output.info(&format!(
            "The login window closes at {} (in {}). Approve only a login you started yourself.",
            utc_time_of_day(closes_at),
            countdown(window)
        ));
        if !login.no_browser {
            match browser::open(&url, &settings.browser) {
                Launch::Opened(how) => output.info(&format!("Opened the login page with {how}.")),
                Launch::Skipped(why) => output.info(&format!("Not opening a browser: {why}. Open the URL above.")),
                Launch::Failed(why) => output.warn(&format!("{why}; open the URL above yourself")),
            }
        }
        self.wait_and_store(remote, &created.session_request_id, window, created.window).await
    }

    /// Poll until decided, then store and report. `window` is how long to wait;
    /// `server_window` is the server's own window (longer when --timeout cut it).
    async fn wait_and_store(
        &self,
        remote: &mut Remote,
        id: &str,
        window: Duration,
        server_window: Duration,
    ) -> anyhow::Result<Exit> {
        let Flow { login, settings, output, interrupt, ref selected } = *self;
        let deadline = Instant::now() + window;
        let mut progress = Progress::start(output, deadline, &utc_time_of_day(unix_now() + window.as_secs()));
        let outcome = {
            let mut poller = remote.poller(id);
            tokio::select! {
                o = wait_for_approval(&RealClock, &mut poller, deadline, &settings.pacing, |_| progress.tick()) => Some(o),
                () = interrupt.wait() => None,
            }
        };
        progress.finish();
        let activated = match outcome {
            None => return Err(interrupted()),
            Some(Outcome::Active(activated)) => activated,
            Some(other) => return Err(outcome_failure(other, window < server_window, window).into()),
        };
        let credential = credential_from(activated, settings, id, output);
        let location = selected.store.describe();
        // Save off the async thread: a store waiting for its lock must not keep Ctrl-C from being seen.
        let (store, to_save) = (selected.store.clone(), credential.clone());
        let saved = tokio::task::spawn_blocking(move || store.save(&to_save)).await.unwrap_or_else(|e| {
            Err(crate::store::StoreError::Other { store: location.clone(), reason: e.to_string() })
        });
        saved.map_err(|e| {
            Failure::new(Exit::Store, format!("the login was approved but the credential could not be stored: {e}"))
                .with_hint("nothing usable was stored; fix the store (or use --store file) and log in again")
        })?;
        if interrupt.happened() {
            return Err(Failure::new(
                Exit::Interrupted,
                "interrupted; the credential had already been stored completely",
            )
            .into());
        }
        let who = credential
            .user
            .as_ref()
            .and_then(super::status::describe_user)
            .map(|u| format!(" as {u}"))
            .unwrap_or_default();
        output.success(&format!("Logged in to {}{who}.", settings.server));
        let kind_note = match credential.kind {
            CredentialKind::Bearer => "Bearer token",
            CredentialKind::Session => {
                "session id (this server binds your identity to the login session; `token` prints it)"
            }
        };
        output.info(&format!("Stored the {kind_note} in {location}."));
        if settings.env_token.is_some() {
            output.warn("AGENTVIEW_TOKEN is set in this environment and overrides the stored credential for `token`, `status` and `exec`");
        }
        report(login, &credential, selected.store.source(), &location, false)?;
        Ok(Exit::Ok)
    }
}

/// `--json` and `--print-token` output on stdout.
pub fn report(
    login: &LoginSettings,
    credential: &Credential,
    source: Source,
    location: &str,
    already: bool,
) -> anyhow::Result<()> {
    if login.json {
        let mut doc = json!({
            "server": credential.server,
            "kind": credential.kind.as_str(),
            "store": source.as_str(),
            "location": location,
            "expires_at": credential.expires_at.map(iso8601),
            "user": credential.user.as_ref().map_or(Value::Null, |u| json!({"name": u.name, "email": u.email, "id": u.id})),
            "already_logged_in": already,
        });
        if login.print_token {
            doc["token"] = json!(credential.secret.expose());
        }
        super::write_stdout(&format!("{doc}\n"))?;
    } else if login.print_token {
        super::write_stdout(&format!("{}\n", credential.secret.expose()))?;
    }
    Ok(())
}
