//! The agentView server as a login sees it: connect, find the tools, create once, poll.

use std::time::Duration;

use super::fields;
use super::poll::{PollError, Poller};
use super::tools::{self, Created, Polled, ToolFailure, ToolPlan};
use crate::clock::SharedClock;
use crate::error::{Exit, Failure};
use crate::mcp::{HttpTransport, McpClient, McpError, TransportConfig};
use crate::output::Output;
use crate::retry::{Decision, Policy, retry};
use crate::run::Run;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Setup requests (initialize, tools/list) on transient failures: 1, 2, 4 s between four attempts.
pub const SETUP: Policy = Policy { attempts: 4, first_wait: Duration::from_secs(1), max_wait: Duration::from_secs(30) };
/// create_auth_session, only when the request surely was not processed.
pub const CREATE: Policy =
    Policy { attempts: 3, first_wait: Duration::from_secs(1), max_wait: Duration::from_secs(30) };

/// An initialized MCP session with an agentView server.
#[derive(Debug)]
pub struct Remote {
    client: McpClient,
    /// The run's clock: retries wait on it, and a token's expiry is judged by it.
    clock: SharedClock,
    plan: ToolPlan,
    create_policy: Policy,
}

/// Why a connection to the login tools did not come about.
#[derive(Debug)]
pub enum ConnectError {
    /// An MCP server without agentView's login tools.
    NoTools(Failure),
    /// HTTP 401 / 403 on initialize, with the server's challenge.
    AuthRequired {
        failure: Failure,
        challenge: Option<String>,
    },
    Other(Failure),
}

impl From<ConnectError> for Failure {
    fn from(error: ConnectError) -> Failure {
        match error {
            ConnectError::NoTools(f) | ConnectError::AuthRequired { failure: f, .. } | ConnectError::Other(f) => f,
        }
    }
}

impl From<ConnectError> for anyhow::Error {
    fn from(error: ConnectError) -> anyhow::Error {
        Failure::from(error).into()
    }
}

/// Whether a failed setup request is worth another attempt. An unreachable host (DNS,
/// refused) gets one more try, not a long wait before a typo is reported.
pub fn setup_decision(error: &McpError, attempt: u32) -> Decision {
    match error {
        e if e.is_unreachable() && attempt < 2 => Decision::Retry { hint: None },
        e if e.is_unreachable() => Decision::Stop,
        e if e.is_transient() => Decision::Retry { hint: e.retry_after() },
        _ => Decision::Stop,
    }
}

/// create_auth_session is repeated only when the request surely did not reach the tool:
/// each call opens a new login window and counts against the proxy's rate limit.
pub fn create_decision(error: &McpError, _attempt: u32) -> Decision {
    if error.not_processed() { Decision::Retry { hint: error.retry_after() } } else { Decision::Stop }
}

/// What a retried request prints: the user hears every retry, not only the first kind.
fn retrying(output: &Output, what: &'static str) -> impl FnMut(&McpError, Duration) {
    move |e, wait| output.info(&format!("{what} failed ({e}); trying again in {} s.", wait.as_secs_f32().ceil()))
}

impl Remote {
    /// Initialize a session and read the tool schemas.
    pub async fn connect(run: &Run) -> Result<Remote, ConnectError> {
        let (settings, output, clock) = (&run.settings, &run.output, &run.clock);
        let config = TransportConfig {
            endpoint: settings.server.url().clone(),
            headers: settings.headers.clone(),
            request_timeout: settings.request_timeout,
        };
        let http = HttpTransport::on(run.http().map_err(ConnectError::Other)?.clone(), config);
        let setup = Policy { first_wait: settings.retry_wait, ..SETUP };
        let connected = retry(
            clock.as_ref(),
            &setup,
            async |_| McpClient::connect_on(clock.clone(), http.clone(), VERSION).await,
            setup_decision,
            retrying(output, "Starting the MCP session"),
        )
        .await;
        let mut client = match connected {
            Ok(client) => client,
            Err(McpError::AuthRequired { status, challenge }) => {
                let e = McpError::AuthRequired { status, challenge: challenge.clone() };
                let failure = e.into_failure(&format!("cannot start an MCP session with {}", settings.server));
                return Err(ConnectError::AuthRequired { failure, challenge });
            }
            Err(e) => {
                let doing = format!("cannot start an MCP session with {}", settings.server);
                return Err(ConnectError::Other(e.into_failure(&doing)));
            }
        };
        output.verbose(&format!("MCP session started (protocol {})", client.protocol_version()));
        let listed = retry(
            clock.as_ref(),
            &setup,
            async |_| client.list_tools().await,
            setup_decision,
            retrying(output, "Listing the server's tools"),
        )
        .await;
        let tools = match listed {
            Ok(tools) => tools,
            Err(e) => {
                client.close().await;
                return Err(ConnectError::Other(e.into_failure("cannot list the server's tools")));
            }
        };
        match ToolPlan::from_tools(&tools) {
            Some(plan) => Ok(Remote {
                client,
                clock: clock.clone(),
                plan,
                create_policy: Policy { first_wait: settings.retry_wait, ..CREATE },
            }),
            None => {
                client.close().await;
                Err(ConnectError::NoTools(Failure::new(
                    Exit::Server,
                    format!(
                        "{} is an MCP server but not an agentView server: it has no {} and {} tools",
                        settings.server,
                        tools::CREATE,
                        tools::GET
                    ),
                )))
            }
        }
    }

    /// Call create_auth_session. Repeated only when the request surely did not
    /// reach the tool: each call opens a new login window and counts against
    /// the proxy's rate limit.
    pub async fn create(&mut self, agent: &str, scope: Option<&str>) -> Result<Created, Failure> {
        let args = self.plan.create_arguments(agent, scope);
        let client = &mut self.client;
        let called = retry(
            self.clock.as_ref(),
            &self.create_policy,
            async |_| client.call_tool(tools::CREATE, args.clone()).await,
            create_decision,
            |_, _| {},
        )
        .await;
        let result = match called {
            Ok(result) => result,
            Err(e) if e.is_rate_limited() => {
                return Err(Failure::new(Exit::Policy, format!("the server is rate-limiting logins: {e}"))
                    .with_hint("wait a minute and try again"));
            }
            Err(e) => return Err(e.into_failure("cannot start a login")),
        };
        fields::parse_created(&result).map_err(|failure| match failure {
            ToolFailure::Policy(message) => Failure::new(Exit::Policy, format!("the login was refused by policy: {message}"))
                .with_hint("a proxy (PolicyLayer) in front of the server refused create_auth_session; check your grant's policy or wait a minute"),
            other => Failure::new(Exit::Server, format!("cannot start a login: {other}")),
        })
    }

    /// A poller for the wait loop.
    pub fn poller<'a>(&'a mut self, session_request_id: &'a str) -> RemotePoller<'a> {
        RemotePoller { remote: self, session_request_id }
    }

    /// End the MCP session (best effort, bounded).
    pub async fn close(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(3), self.client.close()).await;
    }
}

/// Polls get_auth_session for one login.
#[derive(Debug)]
pub struct RemotePoller<'a> {
    remote: &'a mut Remote,
    session_request_id: &'a str,
}

impl Poller for RemotePoller<'_> {
    async fn poll(&mut self) -> Result<Polled, PollError> {
        let args = self.remote.plan.get_arguments(self.session_request_id);
        let result = self.remote.client.call_tool(tools::GET, args).await.map_err(PollError::Mcp)?;
        fields::parse_polled_at(&result, self.session_request_id, self.remote.clock.unix_now()).map_err(PollError::Tool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{NetworkError, NetworkKind};

    fn network(kind: NetworkKind, what: &str) -> McpError {
        McpError::Network(NetworkError::new(kind, what, None))
    }

    fn status(code: u16, retry_after: Option<u64>) -> McpError {
        McpError::Status { status: code, retry_after: retry_after.map(Duration::from_secs) }
    }

    #[test]
    fn setup_retries_transient_failures_and_a_typo_only_once() {
        let unreachable = network(NetworkKind::Connect, "refused");
        assert_eq!(setup_decision(&unreachable, 1), Decision::Retry { hint: None });
        assert_eq!(setup_decision(&unreachable, 2), Decision::Stop);
        assert_eq!(setup_decision(&status(503, None), 3), Decision::Retry { hint: None });
        assert_eq!(setup_decision(&status(429, Some(7)), 1), Decision::Retry { hint: Some(Duration::from_secs(7)) });
        assert_eq!(setup_decision(&McpError::AuthRequired { status: 401, challenge: None }, 1), Decision::Stop);
        assert_eq!(setup_decision(&McpError::Protocol("x".into()), 1), Decision::Stop);
    }

    #[test]
    fn create_is_repeated_only_when_it_surely_did_not_run() {
        assert_eq!(create_decision(&status(503, None), 1), Decision::Retry { hint: None });
        assert_eq!(create_decision(&status(429, Some(3)), 1), Decision::Retry { hint: Some(Duration::from_secs(3)) });
        assert_eq!(create_decision(&status(500, None), 1), Decision::Stop, "a 500 may have run the tool");
        assert_eq!(create_decision(&network(NetworkKind::Broken, "reset"), 1), Decision::Stop);
        assert_eq!(create_decision(&network(NetworkKind::Connect, "refused"), 1), Decision::Retry { hint: None });
    }
}
