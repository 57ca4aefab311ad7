//! agentView's session tools: create_auth_session once, show the login URL, poll
//! get_auth_session until approved. Also the two-step form (`--no-wait`, then `--resume`).

pub mod fields;
pub mod handshake;
pub mod login_url;
mod outcome;
pub mod poll;
pub mod remote;
mod start;
pub mod tools;

use self::outcome::{credential_from, outcome_failure};
use self::poll::{Outcome, wait_for_approval};
use self::remote::Remote;
use super::context::LoginContext;
use super::settings::Mode;
use super::wait::{Limit, SESSION_WINDOW, Wait};
use crate::clock::countdown;
use crate::secret::Secret;
use crate::store::Credential;

/// Run the session method on a connected server. `None`: `--no-wait` printed its handshake.
pub async fn login(ctx: &LoginContext<'_>, remote: &mut Remote) -> anyhow::Result<Option<Credential>> {
    let (login, output) = (ctx.login, &ctx.output);
    let (id, limit) = match &login.mode {
        Mode::Resume(id) => {
            let limit = resume_limit(login.timeout);
            output.info(&format!("Resuming the login; waiting up to {} for approval.", countdown(limit.duration())));
            (id.clone(), limit)
        }
        _ => match start::start(ctx, remote).await? {
            Some(started) => started,
            None => return Ok(None),
        },
    };
    wait(ctx, remote, &id, limit).await.map(Some)
}

/// A resumed login's window is the server's, and agentview does not know it: without
/// `--timeout` it waits its own default, and says so when that runs out.
fn resume_limit(timeout: Option<std::time::Duration>) -> Limit {
    Limit::own_unless(timeout, SESSION_WINDOW)
}

/// Poll until decided; the approved login's credential.
async fn wait(ctx: &LoginContext<'_>, remote: &mut Remote, id: &Secret, limit: Limit) -> anyhow::Result<Credential> {
    let (settings, output, clock) = (&ctx.settings, &ctx.output, &ctx.clock);
    let wait = Wait::new(ctx, limit);
    let outcome = {
        let mut poller = remote.poller(id.expose());
        wait.watch(wait_for_approval(clock.as_ref(), &mut poller, wait.deadline, &settings.pacing)).await?
    };
    match outcome {
        Outcome::Active(activated) => Ok(credential_from(activated, settings, id, output, clock.unix_now())),
        other => Err(outcome_failure(other, limit, &settings.command("login")).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::wait::Awaiting;
    use std::time::Duration;

    #[test]
    fn a_resumed_login_does_not_claim_to_know_the_servers_window() {
        let limit = resume_limit(None);
        assert_eq!(limit, Limit::OwnWindow(SESSION_WINDOW));
        let failure = outcome_failure(Outcome::TimedOut, limit, "agentview login");
        assert!(!failure.message.contains("the server's login window"), "{}", failure.message);
        assert_eq!(failure.message, limit.ran_out(Awaiting::Approval, "agentview login").message);
        for given in [Duration::from_secs(30), Duration::from_secs(3600)] {
            assert_eq!(resume_limit(Some(given)), Limit::UserTimeout(given));
        }
    }
}
