//! An MCP client session: the protocol negotiated with the server (the handshake-based
//! revisions with `initialize` and a session, or the stateless 2026-07-28 one where every
//! request carries its version in `_meta`), requests with session recovery, tools, close.
//!
//! agentview opens the way every server before 2026-07-28 expects, with `initialize`, but that
//! request already carries the version header and `_meta`: a stateless server that refuses it
//! names the versions it supports (`UnsupportedProtocolVersionError`), or answers
//! `server/discover`, and from then on every request is stateless. Servers of both kinds work,
//! and one that speaks only the handshake costs nothing extra.

use std::time::Duration;

use serde_json::{Value, json};

use super::jsonrpc;
use super::transport::{HttpTransport, Reply, Scope};
use super::{MODERN_VERSION, McpError, SUPPORTED_VERSIONS};
use crate::clock::{RealClock, SharedClock};

/// How often a closed SSE stream is resumed before giving up on one request.
const MAX_RESUMES: usize = 5;
/// Upper bound for a server's `retry:` hint.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// Upper bound for tools/list pages.
const MAX_PAGES: usize = 50;

/// A result that asks the client for input first (`resultType: "input_required"`, 2026-07-28):
/// agentview asks a person nothing in the middle of a request, so that is an error.
fn input_required(method: &str, result: Value) -> Result<Value, McpError> {
    match result.get("resultType").and_then(Value::as_str) {
        Some("input_required") => Err(McpError::Protocol(format!(
            "the server wants more input to answer {method}, which agentview cannot give"
        ))),
        _ => Ok(result),
    }
}

/// A tool as `tools/list` describes it.
#[derive(Debug, Clone)]
pub struct Tool {
    pub name: String,
    pub input_schema: Value,
}

impl Tool {
    /// Property names the input schema declares.
    pub fn arguments(&self) -> Vec<&str> {
        self.input_schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| props.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

/// One MCP session over one HTTP connection pool.
#[derive(Debug)]
pub struct McpClient {
    http: HttpTransport,
    session_id: Option<String>,
    protocol_version: String,
    /// The stateless protocol: no session, `_meta` on every request.
    stateless: bool,
    next_id: i64,
    client_version: String,
    /// What the wait before resuming a closed event stream runs on.
    clock: SharedClock,
}

impl McpClient {
    /// Connect: negotiate the protocol (see the module's documentation).
    pub async fn connect(http: HttpTransport, client_version: &str) -> Result<McpClient, McpError> {
        Self::connect_on(std::sync::Arc::new(RealClock), http, client_version).await
    }

    /// [`McpClient::connect`] with every wait on `clock`.
    pub async fn connect_on(
        clock: SharedClock,
        http: HttpTransport,
        client_version: &str,
    ) -> Result<McpClient, McpError> {
        let mut client = McpClient {
            clock,
            http,
            session_id: None,
            protocol_version: SUPPORTED_VERSIONS[0].to_string(),
            stateless: false,
            next_id: 0,
            client_version: client_version.to_string(),
        };
        client.negotiate().await?;
        Ok(client)
    }

    pub fn protocol_version(&self) -> &str {
        &self.protocol_version
    }

    /// Whether the server speaks the stateless protocol (2026-07-28).
    pub fn is_stateless(&self) -> bool {
        self.stateless
    }

    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    fn scope(&self) -> Scope<'_> {
        Scope { session_id: self.session_id.as_deref(), protocol_version: Some(&self.protocol_version) }
    }

    fn take_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// What every request declares about agentview under `version` (`_meta`, 2026-07-28).
    fn meta(&self, version: &str) -> Value {
        json!({
            "io.modelcontextprotocol/protocolVersion": version,
            "io.modelcontextprotocol/clientInfo": {"name": "agentview", "version": self.client_version},
            "io.modelcontextprotocol/clientCapabilities": {},
        })
    }

    /// `initialize` first; the stateless protocol when the server asks for it.
    async fn negotiate(&mut self) -> Result<(), McpError> {
        let mut offer = SUPPORTED_VERSIONS[0];
        // At most one more offer: a version the server named after refusing ours.
        for _ in 0..2 {
            match self.initialize(offer).await {
                Ok(()) => return Ok(()),
                Err(McpError::VersionRejected { supported }) => {
                    if supported.iter().any(|v| v == MODERN_VERSION) {
                        return self.discover().await;
                    }
                    match SUPPORTED_VERSIONS.iter().find(|v| supported.iter().any(|s| s == *v)) {
                        Some(version) if *version != offer => offer = version,
                        _ => return Err(McpError::VersionRejected { supported }),
                    }
                }
                // A server that refuses the handshake itself (a bad request, an unknown method)
                // may speak only the stateless protocol: ask it.
                Err(refused @ (McpError::BadRequest | McpError::Rpc { code: -32602..=-32600, .. })) => {
                    return match self.discover().await {
                        Ok(()) => Ok(()),
                        Err(_) => {
                            self.stateless = false;
                            Err(refused)
                        }
                    };
                }
                Err(other) => return Err(other),
            }
        }
        Err(McpError::Protocol("the server refused every protocol version agentview offered".into()))
    }

    /// The handshake, offering `version`; a session that expires before
    /// `notifications/initialized` lands is started over once.
    async fn initialize(&mut self, version: &str) -> Result<(), McpError> {
        match self.initialize_once(version).await {
            Err(McpError::SessionExpired) => self.initialize_once(version).await,
            other => other,
        }
    }

    async fn initialize_once(&mut self, offer: &str) -> Result<(), McpError> {
        self.session_id = None;
        self.stateless = false;
        let id = self.take_id();
        let params = json!({
            "protocolVersion": offer,
            "capabilities": {},
            "clientInfo": {"name": "agentview", "version": self.client_version},
            "_meta": self.meta(offer),
        });
        let message = jsonrpc::request(id, "initialize", params);
        let scope = Scope { session_id: None, protocol_version: Some(offer) };
        let (reply, session) = self.http.post(&message, Some(id), scope).await?;
        self.session_id = session.filter(|s| !s.is_empty() && s.len() <= 1024);
        let result = match reply {
            Reply::Result(result) => result,
            Reply::StreamEnded { last_event_id, retry } => self.resume(id, last_event_id, retry).await?,
            Reply::Accepted => return Err(McpError::Protocol("initialize got no response".into())),
        };
        let version = match result.get("protocolVersion") {
            Some(Value::String(v)) => v.clone(),
            Some(_) => {
                return Err(McpError::Protocol("protocolVersion in the initialize result is not a string".into()));
            }
            None => return Err(McpError::Protocol("the initialize result has no protocolVersion".into())),
        };
        if version == MODERN_VERSION {
            // A server answering the handshake with the stateless revision: speak that.
            self.session_id = None;
            self.stateless = true;
            self.protocol_version = version;
            return Ok(());
        }
        if !SUPPORTED_VERSIONS.contains(&version.as_str()) {
            return Err(McpError::UnsupportedVersion(crate::sanitize::line(&version, 40)));
        }
        self.protocol_version = version;
        let note = jsonrpc::notification("notifications/initialized");
        self.http.post(&note, None, self.scope()).await?;
        Ok(())
    }

    /// `server/discover` (2026-07-28): the stateless protocol, if the server speaks it.
    async fn discover(&mut self) -> Result<(), McpError> {
        self.session_id = None;
        self.stateless = true;
        self.protocol_version = MODERN_VERSION.to_string();
        let result = match self.send("server/discover", json!({})).await {
            Ok(result) => result,
            Err(e) => {
                self.stateless = false;
                return Err(e);
            }
        };
        let speaks = result
            .get("supportedVersions")
            .and_then(Value::as_array)
            .is_some_and(|versions| versions.iter().any(|v| v.as_str() == Some(MODERN_VERSION)));
        if !speaks {
            self.stateless = false;
            return Err(McpError::Protocol("server/discover does not list a protocol version agentview speaks".into()));
        }
        Ok(())
    }

    /// Send a request and return its `result`. A 404 on the session
    /// re-initializes once and repeats the request.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, McpError> {
        match self.send(method, params.clone()).await {
            Err(McpError::SessionExpired) if !self.stateless => {
                let version = self.protocol_version.clone();
                self.initialize(&version).await?;
                self.send(method, params).await
            }
            other => other,
        }
    }

    async fn send(&mut self, method: &str, mut params: Value) -> Result<Value, McpError> {
        let id = self.take_id();
        if self.stateless {
            let meta = self.meta(&self.protocol_version);
            if let Value::Object(params) = &mut params {
                let entry = params.entry("_meta").or_insert_with(|| json!({}));
                if let (Value::Object(entry), Value::Object(meta)) = (entry, meta) {
                    entry.extend(meta);
                }
            }
        }
        let message = jsonrpc::request(id, method, params);
        let (reply, _) = self.http.post(&message, Some(id), self.scope()).await?;
        match reply {
            Reply::Result(result) => input_required(method, result),
            // The stateless protocol has no resumable streams.
            Reply::StreamEnded { .. } if self.stateless => {
                Err(McpError::Protocol("the event stream closed before the response arrived".into()))
            }
            Reply::StreamEnded { last_event_id, retry } => self.resume(id, last_event_id, retry).await,
            Reply::Accepted => Err(McpError::Protocol(format!("{method} got no response"))),
        }
    }

    /// The response to `id` arrives on a resumed stream (SEP-1699).
    async fn resume(
        &mut self,
        id: i64,
        mut last: Option<String>,
        mut retry: Option<Duration>,
    ) -> Result<Value, McpError> {
        for _ in 0..MAX_RESUMES {
            if last.is_none() {
                break;
            }
            self.clock.sleep(retry.unwrap_or(Duration::from_millis(500)).min(MAX_RETRY_WAIT)).await;
            match self.http.resume(last.as_deref(), id, self.scope()).await? {
                Reply::Result(result) => return Ok(result),
                Reply::StreamEnded { last_event_id, retry: r } => {
                    last = last_event_id.or(last);
                    retry = r.or(retry);
                }
                Reply::Accepted => break,
            }
        }
        Err(McpError::Protocol("the event stream closed before the response arrived".into()))
    }

    /// All tools, following `nextCursor`.
    pub async fn list_tools(&mut self) -> Result<Vec<Tool>, McpError> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let page = self.request("tools/list", params).await?;
            let Some(list) = page.get("tools").and_then(Value::as_array) else {
                return Err(McpError::Protocol("tools/list result has no \"tools\" array".into()));
            };
            for tool in list {
                if let Some(name) = tool.get("name").and_then(Value::as_str) {
                    let input_schema = tool.get("inputSchema").cloned().unwrap_or(Value::Null);
                    tools.push(Tool { name: name.to_string(), input_schema });
                }
            }
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => cursor = Some(next.to_string()),
                _ => return Ok(tools),
            }
        }
        Err(McpError::Protocol(format!("tools/list kept paging past {MAX_PAGES} pages")))
    }

    /// `tools/call`; returns the raw CallToolResult (isError is the caller's to read).
    pub async fn call_tool(&mut self, name: &str, arguments: Value) -> Result<Value, McpError> {
        self.request("tools/call", json!({"name": name, "arguments": arguments})).await
    }

    /// End the session on the server (best effort).
    pub async fn close(&mut self) {
        if self.session_id.is_some() {
            let _ = self.http.delete(self.scope()).await;
            self.session_id = None;
        }
    }
}
