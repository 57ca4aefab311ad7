//! The agentView server as a login sees it: connect, find the tools, create once, poll.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Exit, Failure};
use crate::mcp::transport::Trace;
use crate::mcp::{HttpTransport, McpClient, McpError, TransportConfig};
use crate::output::Output;
use crate::session::{PollError, Poller};
use crate::settings::Settings;
use crate::tools::{self, Created, Polled, ToolFailure, ToolPlan};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Attempts for setup requests (initialize, tools/list) on transient failures.
const SETUP_ATTEMPTS: u32 = 4;
/// Attempts for create_auth_session, only when the request surely was not processed.
const CREATE_ATTEMPTS: u32 = 3;
/// Longest wait agentview accepts between two setup attempts.
const MAX_SETUP_WAIT: Duration = Duration::from_secs(30);

/// An initialized MCP session with an agentView server.
#[derive(Debug)]
pub struct Remote {
    client: McpClient,
    plan: ToolPlan,
}

/// Hint for 401 / 403 on initialize.
pub const GRANT_HINT: &str = "if a proxy such as PolicyLayer sits in front of the server, pass its grant without \
putting it in argv: --header 'Authorization: Bearer {env:POLICYLAYER_GRANT}'";

/// Turn an MCP failure into a user-facing failure (exit 7 unless said otherwise).
pub fn server_failure(error: McpError, doing: &str) -> Failure {
    let failure = Failure::new(Exit::Server, format!("{doing}: {error}"));
    match error {
        McpError::AuthRequired(_) => failure.with_hint(GRANT_HINT),
        McpError::Unreachable(_) => failure.with_hint("check --server and your network connection"),
        McpError::Untrusted { .. } => failure.with_hint(
            "if a company proxy or an internal CA signs this certificate, add that CA: install it in the system's \
             trust store, or point SSL_CERT_FILE (a PEM file) or SSL_CERT_DIR (a directory) at it",
        ),
        McpError::NotStreamableHttp(_) => {
            failure.with_hint("--server must be the server's MCP endpoint URL, e.g. https://agentview.de/mcp")
        }
        _ => failure,
    }
}

/// The wait before setup attempt `attempt + 1`: the server's Retry-After, else 1, 2, 4 s.
fn backoff(attempt: u32, error: &McpError) -> Duration {
    error.retry_after().unwrap_or(Duration::from_secs(1 << (attempt - 1).min(4))).min(MAX_SETUP_WAIT)
}

/// Whether a failed setup request is worth another attempt. An unreachable
/// host (DNS, refused) gets one more try, not a long wait before a typo is reported.
fn retry_setup(error: &McpError, attempt: u32) -> bool {
    match error {
        McpError::Unreachable(_) => attempt < 2,
        e => e.is_transient() && attempt < SETUP_ATTEMPTS,
    }
}

impl Remote {
    /// Initialize a session and read the tool schemas.
    pub async fn connect(settings: &Settings, output: &Output) -> Result<Remote, Failure> {
        let trace: Option<Trace> = output.is_verbose().then(|| {
            let output = *output;
            Arc::new(move |line: &str| output.verbose(line)) as Trace
        });
        let config = TransportConfig {
            endpoint: settings.server_url.clone(),
            headers: settings.headers.clone(),
            request_timeout: settings.request_timeout,
            user_agent: format!("agentview/{VERSION}"),
        };
        let http = HttpTransport::new(config, trace).map_err(|e| server_failure(e, "cannot connect"))?;
        let mut attempt = 0;
        let mut client = loop {
            attempt += 1;
            match McpClient::connect(http.clone(), VERSION).await {
                Ok(client) => break client,
                Err(e) if retry_setup(&e, attempt) => {
                    let wait = backoff(attempt, &e);
                    output.info(&format!("The server did not answer ({e}); trying again in {} s.", wait.as_secs()));
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    return Err(server_failure(e, &format!("cannot start an MCP session with {}", settings.server)));
                }
            }
        };
        output.verbose(&format!("MCP session started (protocol {})", client.protocol_version()));
        let mut attempt = 0;
        let tools = loop {
            attempt += 1;
            match client.list_tools().await {
                Ok(tools) => break tools,
                Err(e) if retry_setup(&e, attempt) => tokio::time::sleep(backoff(attempt, &e)).await,
                Err(e) => {
                    client.close().await;
                    return Err(server_failure(e, "cannot list the server's tools"));
                }
            }
        };
        match ToolPlan::from_tools(&tools) {
            Some(plan) => Ok(Remote { client, plan }),
            None => {
                client.close().await;
                Err(Failure::new(
                    Exit::Server,
                    format!(
                        "{} is an MCP server but not an agentView server: it has no {} and {} tools",
                        settings.server,
                        tools::CREATE,
                        tools::GET
                    ),
                ))
            }
        }
    }

    pub fn plan(&self) -> &ToolPlan {
        &self.plan
    }

    /// Call create_auth_session. Repeated only when the request surely did not
    /// reach the tool: each call opens a new login window and counts against
    /// the proxy's rate limit.
    pub async fn create(&mut self, agent: &str, scope: Option<&str>) -> Result<Created, Failure> {
        let args = self.plan.create_arguments(agent, scope);
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            match self.client.call_tool(tools::CREATE, args.clone()).await {
                Ok(result) => break result,
                Err(e) if e.not_processed() && attempt < CREATE_ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt, &e)).await
                }
                Err(e) if e.is_rate_limited() => {
                    return Err(Failure::new(Exit::Policy, format!("the server is rate-limiting logins: {e}"))
                        .with_hint("wait a minute and try again"));
                }
                Err(e) => return Err(server_failure(e, "cannot start a login")),
            }
        };
        tools::parse_created(&result).map_err(|failure| match failure {
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
        tools::parse_polled(&result, self.session_request_id).map_err(PollError::Tool)
    }
}
