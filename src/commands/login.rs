//! `agentview login`: store check, create_auth_session once, browser, wait, store, report.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::browser::{self, Launch};
use crate::cli::LoginArgs;
use crate::clock::{RealClock, countdown, iso8601, unix_now, utc_time_of_day};
use crate::error::{Exit, Failure};
use crate::interrupt::Interrupt;
use crate::login_url;
use crate::lookup;
use crate::output::{Output, Progress};
use crate::remote::{self, Remote};
use crate::secret::Secret;
use crate::session::{Outcome, PollError, wait_for_approval};
use crate::settings::Settings;
use crate::store::{self, Credential, CredentialKind, Source};
use crate::tools::{Activated, ToolFailure};

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
}

impl LoginSettings {
    pub fn resolve(args: LoginArgs) -> LoginSettings {
        LoginSettings {
            no_browser: args.no_browser,
            timeout: args.timeout.map(Duration::from_secs),
            force: args.force,
            print_token: args.print_token,
            json: args.json,
            agent: args.agent.unwrap_or_else(|| format!("agentview/{}", remote::VERSION)),
            scope: args.scope,
        }
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
    if !login.force
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

    // Decide the store before anyone approves a login whose token could not be kept.
    let selected = store::select_for_write(&settings.store).map_err(|e| {
        Failure::new(Exit::Store, format!("cannot use the credential store: {e}"))
            .with_hint("nothing was sent to the server; use --store file to keep the credential in a 0600 file instead")
    })?;
    let location = selected.store.describe();
    match &selected.fallback_reason {
        Some(reason) => output.warn(&format!(
            "the OS keyring is not usable ({reason}); the credential will be stored in PLAIN TEXT in {location} \
             (mode 0600). Use --store keyring to refuse, or --store file to choose this knowingly."
        )),
        None => output.info(&format!("The credential will be stored in {location}.")),
    }
    for note in selected.store.notes() {
        output.warn(&note);
    }

    let mut remote = tokio::select! {
        r = Remote::connect(settings, output) => r?,
        () = interrupt.wait() => return Err(interrupted()),
    };
    let created = tokio::select! {
        r = remote.create(&login.agent, login.scope.as_deref()) => r,
        () = interrupt.wait() => {
            remote.close().await;
            return Err(interrupted());
        }
    };
    let created = match created {
        Ok(created) => created,
        Err(failure) => {
            remote.close().await;
            return Err(failure.into());
        }
    };
    let url = match login_url::check(&created.login_url, &settings.server_url) {
        Ok(url) => url,
        Err(refused) => {
            remote.close().await;
            return Err(Failure::new(Exit::Server, format!("refusing the login URL the server sent: {refused}"))
                .with_hint("the server (or something between you and it) sent a link that does not point to it; nothing was opened")
                .into());
        }
    };
    for warning in &created.warnings {
        output.warn(warning);
    }

    let window = login.timeout.map_or(created.window, |t| t.min(created.window));
    let deadline = Instant::now() + window;
    let closes = utc_time_of_day(unix_now() + window.as_secs());
    output.always(&format!("To approve this login, open:\n\n    {url}\n"));
    output.info(&format!(
        "The login window closes at {closes} (in {}). Approve only a login you started yourself.",
        countdown(window)
    ));
    if !login.no_browser {
        match browser::open(&url, &settings.browser) {
            Launch::Opened(how) => output.info(&format!("Opened the login page with {how}.")),
            Launch::Skipped(why) => output.info(&format!("Not opening a browser: {why}. Open the URL above.")),
            Launch::Failed(why) => output.warn(&format!("{why}; open the URL above yourself")),
        }
    }

    let mut progress = Progress::start(output, deadline, &closes);
    let outcome = {
        let mut poller = remote.poller(&created.session_request_id);
        tokio::select! {
            o = wait_for_approval(&RealClock, &mut poller, deadline, &settings.pacing, |_| progress.tick()) => Some(o),
            () = interrupt.wait() => None,
        }
    };
    progress.finish();
    let Some(outcome) = outcome else {
        remote.close().await;
        return Err(interrupted());
    };
    let activated = match outcome {
        Outcome::Active(activated) => activated,
        other => {
            remote.close().await;
            return Err(outcome_failure(other, login.timeout.is_some_and(|t| t < created.window), window).into());
        }
    };
    let credential = credential_from(activated, settings, &created.session_request_id, output);
    let saved = selected.store.save(&credential);
    remote.close().await;
    saved.map_err(|e| {
        Failure::new(Exit::Store, format!("the login was approved but the credential could not be stored: {e}"))
            .with_hint("nothing usable was stored; fix the store (or use --store file) and log in again")
    })?;
    if interrupt.happened() {
        return Err(
            Failure::new(Exit::Interrupted, "interrupted; the credential had already been stored completely").into()
        );
    }
    let who =
        credential.user.as_ref().and_then(super::status::describe_user).map(|u| format!(" as {u}")).unwrap_or_default();
    output.success(&format!("Logged in to {}{who}.", settings.server));
    let kind_note = match credential.kind {
        CredentialKind::Bearer => "Bearer token",
        CredentialKind::Session => {
            "session id (this server binds your identity to the login session; `token` prints it)"
        }
    };
    output.info(&format!("Stored the {kind_note} in {location}."));
    report(&login, &credential, selected.store.source(), &location, false)?;
    Ok(Exit::Ok)
}

fn credential_from(activated: Activated, settings: &Settings, session_request_id: &str, output: &Output) -> Credential {
    for warning in &activated.warnings {
        output.warn(warning);
    }
    let now = unix_now();
    let (kind, secret) = match activated.token {
        Some(token) => (CredentialKind::Bearer, token),
        None => (CredentialKind::Session, Secret::new(session_request_id)),
    };
    Credential {
        server: settings.server.clone(),
        kind,
        secret,
        expires_at: activated.expires_at.or(activated.expires_in.map(|s| now.saturating_add(s))),
        user: activated.user,
        created_at: now,
    }
}

/// `--json` and `--print-token` output on stdout.
fn report(
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

fn outcome_failure(outcome: Outcome, user_timeout: bool, window: Duration) -> Failure {
    match outcome {
        Outcome::Ended(status) => match status.to_ascii_lowercase().as_str() {
            "expired" => Failure::new(Exit::Expired, "the login window expired before the login was approved")
                .with_hint("run `agentview login` again and approve within the window"),
            "denied" | "rejected" => Failure::new(Exit::Denied, "the login was denied"),
            "cancelled" | "canceled" => Failure::new(Exit::Denied, "the login was cancelled"),
            "consumed" => Failure::new(
                Exit::Other,
                "this login was already collected by another client; if that was not you, someone else may have your login link",
            ),
            _ => Failure::new(Exit::Other, format!("the login ended with status \"{status}\"")),
        },
        Outcome::TimedOut if user_timeout => Failure::new(
            Exit::Expired,
            format!("--timeout reached ({} s) before the login was approved", window.as_secs()),
        ),
        Outcome::TimedOut => Failure::new(
            Exit::Expired,
            format!("the login window ({}) ran out before the login was approved", countdown(window)),
        )
        .with_hint("run `agentview login` again and approve within the window"),
        Outcome::ServerKeptFailing(error) => Failure::new(
            Exit::Server,
            format!("the server kept failing until the login window closed (last error: {error})"),
        )
        .with_hint("the login was not lost because of you: the server or the network was down; try again later"),
        Outcome::PolicyKeptDenying(message) => Failure::new(
            Exit::Policy,
            format!("polling was refused by policy until the login window closed: {message}"),
        ),
        Outcome::Fatal(PollError::Tool(ToolFailure::Failed(message))) => {
            Failure::new(Exit::Server, format!("the server reported an error while waiting for approval: {message}"))
        }
        Outcome::Fatal(PollError::Tool(other)) => {
            Failure::new(Exit::Server, format!("while waiting for approval: {other}"))
        }
        Outcome::Fatal(PollError::Mcp(error)) => remote::server_failure(error, "while waiting for approval"),
        Outcome::Active(_) => Failure::new(Exit::Other, "internal: active is not a failure"),
    }
}
