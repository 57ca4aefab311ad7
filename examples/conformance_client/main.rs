//! A client for the MCP conformance suite (`@modelcontextprotocol/conformance`), built only on
//! agentview's own MCP client (`agentview::mcp`) and OAuth module (`agentview::login::oauth`).
//!
//! The suite runs `conformance_client <server-url>` (the URL is the last argument), names the
//! scenario in `MCP_CONFORMANCE_SCENARIO`, the protocol version in
//! `MCP_CONFORMANCE_PROTOCOL_VERSION`, and pre-registered credentials, when a scenario has them,
//! in `MCP_CONFORMANCE_CONTEXT` (`{"client_id": …, "client_secret": …}`, and for the extension
//! scenarios a private key or an identity provider's ID token).
//!
//! Core scenarios (`session.rs`):
//! - `initialize`: connect (initialize + notifications/initialized), list tools, close.
//! - `tools_call`: connect, list tools, call `add_numbers` with `{"a": 5, "b": 3}`, close.
//! - `sse-retry`: connect, list tools, call `test_reconnection`; the server closes the call's
//!   event stream after a priming event, and the client resumes it with GET + Last-Event-ID
//!   after the `retry:` wait.
//! - `request-metadata` (2026-07-28): connect and list tools; the server refuses the first
//!   request and names the version it supports, and judges `_meta` and the version header on
//!   every request.
//! - `http-standard-headers` (2026-07-28): connect, list tools and call each one; the server
//!   judges the `Mcp-Method` and `Mcp-Name` headers.
//!
//! Authorization scenarios (`auth/…`, `oauth.rs`): connect, list tools and call `test-tool`
//! when the server lists it; a 401 or a 403 `insufficient_scope` challenge starts an OAuth 2.1
//! authorization code flow with PKCE (discovery, registration, the loopback redirect through a
//! "browser" that follows redirects, the code exchange), and the requests are repeated with the
//! Bearer token. agentview's MCP client speaks whichever protocol the server does: the handshake
//! revisions, or the stateless 2026-07-28 one (the version in a header and in every request's
//! `_meta`), which it switches to when the server asks.
//!
//! Extension scenarios of logins without a person (`unattended.rs`): client credentials with a
//! secret (`auth/client-credentials-basic`) or a private key (`auth/client-credentials-jwt`),
//! enterprise-managed authorization (`auth/enterprise-managed-authorization`: token exchange for
//! an ID-JAG at the identity provider, then the JWT-bearer grant), and workload identity
//! (`auth/wif-jwt-bearer`). The token comes first, from the grant code `agentview login` runs,
//! with the context's client id, secret, key or ID token; then the requests as above.
//!
//! Everything above is agentview's library: its MCP client (`agentview::mcp`) and its OAuth
//! (`agentview::oauth`); this client only chooses the steps. Progress goes to stderr; tokens and
//! secrets are never printed. `.ci/conformance` builds this and runs the suite against it.

#![allow(clippy::print_stderr, reason = "a command-line test client reports on stderr")]

mod oauth;
mod session;
mod unattended;

use std::process::ExitCode;

use reqwest::Url;

/// Why one pass over the server's requests stopped.
#[derive(Debug)]
pub enum Stop {
    /// HTTP 401 or 403, with the `WWW-Authenticate` header if there was one.
    Auth {
        status: u16,
        challenge: Option<String>,
    },
    Failed(String),
}

impl From<String> for Stop {
    fn from(why: String) -> Stop {
        Stop::Failed(why)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.last() else {
        eprintln!("usage: conformance_client <server-url>  (scenario in MCP_CONFORMANCE_SCENARIO)");
        return ExitCode::from(2);
    };
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    match run(&scenario, url).await {
        Ok(()) => {
            eprintln!("scenario {scenario}: done");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("scenario {scenario}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(scenario: &str, url: &str) -> Result<(), String> {
    let endpoint = Url::parse(url).map_err(|e| format!("bad server URL {url:?}: {e}"))?;
    if unattended::SCENARIOS.contains(&scenario) {
        unattended::run(scenario, &endpoint).await
    } else if scenario.starts_with("auth/") {
        oauth::run(&endpoint).await
    } else {
        session::run(scenario, &endpoint).await
    }
}
