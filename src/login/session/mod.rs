//! agentView's session tools: create_auth_session once, show the login URL, poll
//! get_auth_session until approved. Also the two-step form (`--no-wait`, then `--resume`).

pub mod fields;
mod handshake;
pub mod login_url;
mod outcome;
pub mod poll;
pub mod remote;
pub mod tools;

use std::time::Instant;

use self::outcome::{Limit, credential_from, outcome_failure};
use self::poll::{Outcome, wait_for_approval};
use self::remote::Remote;
use self::tools::DEFAULT_WINDOW;
use super::context::{LoginContext, interrupted};
use super::settings::Mode;
use crate::browser::{self, Launch};
use crate::clock::{RealClock, countdown, unix_now, utc_time_of_day};
use crate::error::{Exit, Failure};
use crate::output::Progress;
use crate::store::Credential;

/// Run the session method on a connected server. `None`: `--no-wait` printed its handshake.
pub async fn login(ctx: &LoginContext<'_>, remote: &mut Remote) -> anyhow::Result<Option<Credential>> {
    let LoginContext { login, output, .. } = *ctx;
    match &login.mode {
        Mode::Resume(id) => {
            let window = login.timeout.unwrap_or(DEFAULT_WINDOW);
            output.info(&format!("Resuming the login; waiting up to {} for approval.", countdown(window)));
            // With --timeout, running out is the user's limit; without, the server's window.
            let limit = match login.timeout {
                Some(t) => Limit::UserTimeout(t),
                None => Limit::ServerWindow(window),
            };
            wait(ctx, remote, id, limit).await.map(Some)
        }
        _ => start_and_wait(ctx, remote).await,
    }
}

async fn start_and_wait(ctx: &LoginContext<'_>, remote: &mut Remote) -> anyhow::Result<Option<Credential>> {
    let LoginContext { login, settings, output, interrupt } = *ctx;
    let created = tokio::select! {
        r = remote.create(&login.agent, login.scope.as_deref()) => r?,
        () = interrupt.wait() => return Err(interrupted()),
    };
    let url = login_url::check(&created.login_url, settings.server.url()).map_err(|refused| {
        Failure::new(Exit::Server, format!("refusing the login URL the server sent: {refused}")).with_hint(
            "the server (or something between you and it) sent a link that does not point to it; nothing was opened",
        )
    })?;
    for warning in &created.warnings {
        output.warn(warning);
    }
    let limit = match login.timeout {
        Some(t) if t < created.window => Limit::UserTimeout(t),
        _ => Limit::ServerWindow(created.window),
    };
    let window = limit.duration();
    let closes_at = unix_now().saturating_add(window.as_secs());
    if login.mode == Mode::NoWait {
        let id = &created.session_request_id;
        handshake::print(login, settings, output, id, url.as_str(), closes_at, window)?;
        return Ok(None);
    }
    output.always(&format!("To approve this login, open:\n\n    {url}\n"));
    let limit_note = crate::duration::wait_limit(login.timeout, created.window, unix_now());
    output.info(&format!("Approve only a login you started yourself; {limit_note}."));
    if !login.no_browser {
        match browser::open(&url, &settings.browser) {
            Launch::Opened(how) => output.info(&format!("Opened the login page with {how}.")),
            Launch::Skipped(why) => output.info(&format!("Not opening a browser: {why}. Open the URL above.")),
            Launch::Failed(why) => output.warn(&format!("{why}; open the URL above yourself")),
        }
    }
    wait(ctx, remote, &created.session_request_id, limit).await.map(Some)
}

/// Poll until decided; the approved login's credential.
async fn wait(ctx: &LoginContext<'_>, remote: &mut Remote, id: &str, limit: Limit) -> anyhow::Result<Credential> {
    let LoginContext { settings, output, interrupt, .. } = *ctx;
    let window = limit.duration();
    let deadline = Instant::now() + window;
    let mut progress = Progress::start(output, deadline, &utc_time_of_day(unix_now().saturating_add(window.as_secs())));
    let outcome = {
        let mut poller = remote.poller(id);
        tokio::select! {
            o = wait_for_approval(&RealClock, &mut poller, deadline, &settings.pacing, || progress.tick()) => Some(o),
            () = interrupt.wait() => None,
        }
    };
    progress.finish();
    match outcome {
        None => Err(interrupted()),
        Some(Outcome::Active(activated)) => Ok(credential_from(activated, settings, id, output)),
        Some(other) => Err(outcome_failure(other, limit, &settings.command("login")).into()),
    }
}
