//! MCP client over Streamable HTTP: JSON-RPC requests, JSON and SSE responses, sessions.

use std::time::Duration;

mod body;
mod client;
pub(crate) mod jsonrpc;
pub(crate) mod sse;
pub(crate) mod transport;

pub use client::{McpClient, Tool};
pub use transport::{HttpTransport, TransportConfig};

/// The handshake-based ("legacy") protocol versions agentview speaks, newest first.
pub const SUPPORTED_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// The stateless ("modern") protocol version agentview speaks: no handshake, no session; every
/// request carries its version and the client's capabilities in `_meta`.
pub const MODERN_VERSION: &str = "2026-07-28";

use crate::error::{Exit, Failure};
use crate::http::{NetworkError, NetworkKind};

/// Hint for 401 / 403 on initialize.
pub const GRANT_HINT: &str = "if a proxy such as PolicyLayer sits in front of the server, pass its grant without \
putting it in argv: --header 'Authorization: Bearer {env:POLICYLAYER_GRANT}'";

/// Why an MCP exchange failed. The login flow branches on these kinds.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// Below HTTP: unreachable, the connection broke, or an untrusted certificate (which no
    /// retry can fix).
    #[error("{}", network(.0))]
    Network(#[source] NetworkError),
    #[error("no answer within {} s", .0.as_secs_f32())]
    Timeout(Duration),
    /// HTTP 5xx or 429.
    #[error("the server answered HTTP {status}{}", retry_note(*.retry_after))]
    Status { status: u16, retry_after: Option<Duration> },
    /// HTTP 401 / 403: the server or a proxy in front of it wants credentials.
    #[error("the server refused the request with HTTP {status} (it or a proxy in front of it wants credentials)")]
    AuthRequired {
        status: u16,
        /// The `WWW-Authenticate` header, which may point at the server's OAuth setup.
        challenge: Option<String>,
    },
    /// HTTP 404 on a request that carried a session id.
    #[error("the MCP session expired")]
    SessionExpired,
    /// The server does not speak MCP Streamable HTTP at this address.
    #[error("{0}")]
    NotStreamableHttp(String),
    #[error("the server speaks MCP protocol version \"{0}\", which agentview does not support (it speaks {MODERN_VERSION}, {versions})", versions = SUPPORTED_VERSIONS.join(", "))]
    UnsupportedVersion(String),
    /// The server refused the protocol version of a request (`UnsupportedProtocolVersionError`)
    /// and named the ones it supports.
    #[error("the server does not accept the protocol version agentview asked for; it supports {}", list(.supported))]
    VersionRejected { supported: Vec<String> },
    /// A JSON-RPC error object.
    #[error("the server answered JSON-RPC error {code}: {message}")]
    Rpc { code: i64, message: String },
    /// HTTP 400 without a JSON-RPC error in its body.
    #[error("the server refused the request as malformed (HTTP 400)")]
    BadRequest,
    #[error("the server's response is larger than 1 MiB; stopped reading")]
    TooLarge,
    /// Anything else the server sent that is not what MCP promises.
    #[error("unexpected response from the server: {0}")]
    Protocol(String),
}

fn network(error: &NetworkError) -> String {
    match error.kind {
        NetworkKind::Broken | NetworkKind::Timeout => format!("the connection broke: {error}"),
        NetworkKind::Untrusted { .. } => format!("the server's TLS certificate is not trusted: {}", error.reason()),
        NetworkKind::Connect | NetworkKind::Setup => format!("cannot reach the server: {error}"),
        NetworkKind::PlainHttp { .. } => error.to_string(),
    }
}

fn list(versions: &[String]) -> String {
    if versions.is_empty() { "none it named".to_string() } else { versions.join(", ") }
}

fn retry_note(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry after {} s)", d.as_secs()),
        None => String::new(),
    }
}

impl McpError {
    /// The failure for a user (exit 7), with what to check: `doing` says what failed.
    pub fn into_failure(self, doing: &str) -> Failure {
        let failure = Failure::new(Exit::Server, format!("{doing}: {self}"));
        let failure = match self {
            McpError::AuthRequired { .. } => failure.with_hint(GRANT_HINT),
            McpError::Network(ref e) => match e.hint() {
                Some(hint) => failure.with_hint(hint),
                None => failure,
            },
            McpError::NotStreamableHttp(_) => {
                failure.with_hint("--server must be the server's MCP endpoint URL, e.g. https://agentview.de/mcp")
            }
            _ => failure,
        };
        failure.with_source(self)
    }

    /// Worth trying again later: the server may answer next time.
    pub fn is_transient(&self) -> bool {
        match self {
            McpError::Network(e) => matches!(e.kind, NetworkKind::Connect | NetworkKind::Broken | NetworkKind::Timeout),
            McpError::Timeout(_) => true,
            McpError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// Nothing reached the server (DNS, refused): a typo in `--server`, or no network.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, McpError::Network(e) if e.kind == NetworkKind::Connect)
    }

    pub fn is_rate_limited(&self) -> bool {
        matches!(self, McpError::Status { status: 429, .. })
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            McpError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The request surely did not reach the tool (so repeating it cannot
    /// create a second login window).
    pub fn not_processed(&self) -> bool {
        match self {
            McpError::Network(e) => e.kind == NetworkKind::Connect,
            McpError::Status { status, .. } => matches!(status, 429 | 502 | 503),
            _ => false,
        }
    }
}
