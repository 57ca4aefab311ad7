//! Public types of the local server: configuration, faults, match filters, session info, counters, request records.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Shape of the objects the two tools return.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResultShape {
    /// camelCase field names (agentView).
    #[default]
    Camel,
    /// snake_case field names.
    Snake,
    /// structuredContent is `{"result": {...}}`; the text block holds the bare object.
    Wrapped,
    /// No structuredContent at all, only the JSON text block.
    TextOnly,
}

/// Name of the session id argument of `get_auth_session`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IdArg {
    /// `session_request_id` (agentView's manifest).
    #[default]
    SnakeCase,
    /// `sessionRequestId`.
    CamelCase,
}

impl IdArg {
    pub fn name(self) -> &'static str {
        match self {
            IdArg::SnakeCase => "session_request_id",
            IdArg::CamelCase => "sessionRequestId",
        }
    }
}

/// What an `active` get_auth_session result carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenMode {
    /// `token`, `tokenExpiresAt` (one hour ahead) and `user`.
    #[default]
    Bearer,
    /// Active without any token field (identity bound to the session request id).
    SessionOnly,
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub sse: bool,
    pub stateful: bool,
    pub structured: bool,
    pub shape: ResultShape,
    pub id_arg: IdArg,
    pub expires_in: Option<serde_json::Value>,
    pub token_mode: TokenMode,
    pub auto_approve_after_polls: Option<u32>,
    pub auto_approve_after: Option<Duration>,
    pub poll_interval_hint: Option<u64>,
    pub protocol_version: Option<String>,
    pub login_host: Option<String>,
    /// Extra: tools/list answers one tool per page (first page carries `nextCursor`).
    pub paginate_tools: bool,
    /// Extra: log one line per request to stderr (the standalone example turns this on).
    pub log_requests: bool,
    /// The server's own OAuth 2.1 authorization server; None: no OAuth (the well-known URLs answer 404).
    pub oauth: Option<super::OAuthConfig>,
    /// Extra: refuse Bearer tokens it does not accept, or offer an `authenticate` tool.
    pub token_check: Option<super::TokenCheck>,
    /// Extra: tools that talk back to the client (elicitation, sampling, roots, progress) and `echo`.
    pub client_tools: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            sse: false,
            stateful: true,
            structured: true,
            shape: ResultShape::Camel,
            id_arg: IdArg::SnakeCase,
            expires_in: None,
            token_mode: TokenMode::Bearer,
            auto_approve_after_polls: None,
            auto_approve_after: None,
            poll_interval_hint: None,
            protocol_version: None,
            login_host: None,
            paginate_tools: false,
            log_requests: false,
            oauth: None,
            token_check: None,
            client_tools: false,
        }
    }
}

/// Which requests to `/mcp` a fault applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// Every request to `/mcp`.
    Any,
    /// POSTs whose JSON-RPC method is this (requests and notifications).
    Method(String),
    /// `tools/call` of this tool.
    Tool(String),
    /// HTTP GET on `/mcp`.
    HttpGet,
    /// HTTP DELETE on `/mcp`.
    HttpDelete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <n>`.
    Seconds(u64),
    /// `Retry-After: <RFC 7231 date n seconds from now>`.
    HttpDate(u64),
}

/// A switchable misbehaviour. Faults queue in order; a request consumes at most one `Slow`
/// plus one response-deciding fault (the first queued one whose filter matches). `PolicyDeny`
/// and `Patch` are consumed by the tool handler, so only by calls that reach a tool.
#[derive(Clone, Debug)]
pub enum Fault {
    /// The next `count` matching requests answer `status` with a small text/plain body; rmcp never sees them.
    Status { on: Match, status: u16, count: u32 },
    /// 429 with an optional `Retry-After` (seconds or an HTTP date); rmcp never sees them.
    RateLimit { on: Match, retry_after: Option<RetryAfter>, count: u32 },
    /// Status 200 and headers, part of a body, then the connection is aborted (body stream error).
    /// The request does not reach rmcp.
    Reset { on: Match, count: u32 },
    /// Delay the request by `delay` before handling it (combines with one other fault).
    Slow { on: Match, delay: Duration, count: u32 },
    /// The next request carrying any Mcp-Session-Id gets 404; that id stays dead (also closed in rmcp).
    ExpireMcpSession,
    /// tools/call answers `isError: true` with `message` as its text block (no JSON-RPC error).
    PolicyDeny { on: Match, message: String, count: u32 },
    /// SSE mode, POST requests: only the priming event (with `retry: retry_ms`) is sent and the
    /// stream ends; the rest is served to a GET carrying `Last-Event-ID: <priming id>`.
    SseCloseEarly { on: Match, retry_ms: u64, count: u32 },
    /// From now on (until `clear_faults`): SSE bodies the layer renders are sent in `size`-byte
    /// chunks, optionally with CRLF, with a `: comment` and a notification before the response.
    SseChunks { size: usize, crlf: bool },
    /// Replace the response: `status`, `content_type`, `body` with `{{id}}` -> the raw JSON-RPC id.
    Raw { on: Match, status: u16, content_type: String, body: String, count: u32 },
    /// 200 with a streamed body of exactly `len` bytes (JSON / SSE framed when the content type
    /// says so, padded with 'a'); never allocated whole.
    Huge { on: Match, content_type: String, len: usize, count: u32 },
    /// Merge `patch` over the tool's result object (structured and text; null removes a field;
    /// a non-object patch replaces the whole object).
    Patch { on: Match, patch: serde_json::Value, count: u32 },
}

/// Status of one login (auth) session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthStatus {
    Pending,
    Active,
    Denied,
    Expired,
}

impl AuthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthStatus::Pending => "pending",
            AuthStatus::Active => "active",
            AuthStatus::Denied => "denied",
            AuthStatus::Expired => "expired",
        }
    }
}

impl PartialEq<str> for AuthStatus {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for AuthStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Clone, Debug)]
pub struct AuthSessionInfo {
    pub id: String,
    pub status: AuthStatus,
    /// The bearer token once active (None in `TokenMode::SessionOnly`).
    pub token: Option<String>,
    pub agent_identifier: Option<String>,
    pub scope: Option<String>,
    pub polls: u32,
    pub created: Instant,
    pub approved_at: Option<Instant>,
}

/// Counters of requests received on `/mcp` (every attempt, faulted ones included).
#[derive(Clone, Debug, Default)]
pub struct Calls {
    pub initialize: usize,
    pub initialized_notifications: usize,
    pub tools_list: usize,
    pub create: usize,
    pub get: usize,
    pub deletes: usize,
    /// HTTP GETs on `/mcp` (SSE reconnects / standalone streams).
    pub gets_sse: usize,
    /// Arrival time of every get_auth_session call.
    pub get_times: Vec<Instant>,
}

/// One HTTP request to `/mcp`.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub http_method: String,
    pub rpc_method: Option<String>,
    /// Raw JSON-RPC id (None for notifications and GET/DELETE).
    pub rpc_id: Option<serde_json::Value>,
    pub tool: Option<String>,
    /// `params.arguments` of a tools/call.
    pub arguments: Option<serde_json::Value>,
    pub session_id: Option<String>,
    pub protocol_version: Option<String>,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub last_event_id: Option<String>,
    pub authorization: bool,
    /// Every request header, lower-case name -> value (repeated headers joined by ", ").
    pub headers: HashMap<String, String>,
    /// Response status; 0 if no response was sent (client left during a delay).
    pub status: u16,
    /// Name of the fault that shaped the response, if any.
    pub fault: Option<String>,
    pub at: Instant,
    /// The client's address: one port = one TCP connection.
    pub peer: Option<std::net::SocketAddr>,
}
