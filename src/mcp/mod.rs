//! MCP client over Streamable HTTP: JSON-RPC requests, JSON and SSE responses, sessions.

use std::time::Duration;

mod body;
pub mod client;
pub mod jsonrpc;
pub(crate) mod response;
pub mod sse;
pub mod transport;

pub use client::{McpClient, Tool};
pub use transport::{HttpTransport, TransportConfig};

/// Protocol versions agentview speaks, newest first.
pub const SUPPORTED_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// Largest response body agentview reads (1 MiB); anything larger is refused.
pub const MAX_BODY: usize = 1024 * 1024;

/// Why an MCP exchange failed. The login flow branches on these kinds.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The server could not be reached at all (DNS, refused, TLS).
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    /// The server's TLS certificate is not trusted here: no retry can fix it.
    #[error("the server's TLS certificate is not trusted: {reason}{}", issued_by(.issuer.as_deref()))]
    Untrusted { reason: String, issuer: Option<String> },
    /// The connection broke before a complete response arrived.
    #[error("the connection broke: {0}")]
    Broken(String),
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
    #[error("the server speaks MCP protocol version \"{0}\", which agentview does not support (it speaks {versions})", versions = SUPPORTED_VERSIONS.join(", "))]
    UnsupportedVersion(String),
    /// A JSON-RPC error object.
    #[error("the server answered JSON-RPC error {code}: {message}")]
    Rpc { code: i64, message: String },
    #[error("the server's response is larger than 1 MiB; stopped reading")]
    TooLarge,
    /// Anything else the server sent that is not what MCP promises.
    #[error("unexpected response from the server: {0}")]
    Protocol(String),
}

fn issued_by(issuer: Option<&str>) -> String {
    issuer.map(|i| format!(" (issuer: {i})")).unwrap_or_default()
}

fn retry_note(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry after {} s)", d.as_secs()),
        None => String::new(),
    }
}

impl McpError {
    /// Worth trying again later: the server may answer next time.
    pub fn is_transient(&self) -> bool {
        match self {
            McpError::Unreachable(_) | McpError::Broken(_) | McpError::Timeout(_) => true,
            McpError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
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
            McpError::Unreachable(_) => true,
            McpError::Status { status, .. } => matches!(status, 429 | 502 | 503),
            _ => false,
        }
    }
}
