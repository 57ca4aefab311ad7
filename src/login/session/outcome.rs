//! How a finished wait becomes a credential, or a failure with the right exit code.

use super::poll::{Outcome, PollError};
use super::tools::{Activated, Terminal, ToolFailure};
use crate::error::{Exit, Failure};
use crate::login::wait::{Awaiting, Limit};
use crate::output::Output;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::store::Credential;

/// The credential of an approved login: the token, or the session id the server bound.
pub fn credential_from(
    activated: Activated,
    settings: &Settings,
    session_request_id: &Secret,
    output: &Output,
    now: u64,
) -> Credential {
    for warning in &activated.warnings {
        output.warn(warning);
    }
    let expires_at = activated.expires_at.or(activated.expires_in.map(|s| now.saturating_add(s)));
    Credential::session_login(
        settings.server.clone(),
        activated.token,
        session_request_id,
        expires_at,
        activated.user,
        now,
    )
}

/// A wait that did not end in approval.
pub fn outcome_failure(outcome: Outcome, limit: Limit, login_command: &str) -> Failure {
    match outcome {
        Outcome::Ended(terminal) => match terminal {
            Terminal::Expired => Failure::new(Exit::Expired, "the login window expired before the login was approved")
                .with_hint(format!("run `{login_command}` again and approve within the window")),
            Terminal::Denied => crate::login::wait::denied(login_command),
            Terminal::Cancelled => Failure::new(Exit::Denied, "the login was cancelled")
                .with_hint(format!("nothing was stored; to log in after all, run `{login_command}` again")),
            Terminal::Consumed => Failure::new(
                Exit::Other,
                "this login was already collected by another client; if that was not you, someone else may have your login link",
            ),
            Terminal::Other(status) => Failure::new(Exit::Other, format!("the login ended with status \"{status}\"")),
        },
        Outcome::TimedOut => limit.ran_out(Awaiting::Approval, login_command),
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
        Outcome::Fatal(PollError::Mcp(error)) => error.into_failure("while waiting for approval"),
        Outcome::Active(_) => Failure::new(Exit::Other, "internal: active is not a failure"),
    }
}
