//! An MCP client session: initialize, requests with session recovery, tools, close.

use std::time::Duration;

use serde_json::{Value, json};

use super::jsonrpc;
use super::transport::{HttpTransport, Reply, Scope};
use super::{McpError, SUPPORTED_VERSIONS};
use crate::clock::{RealClock, SharedClock};

/// How often a closed SSE stream is resumed before giving up on one request.
const MAX_RESUMES: usize = 5;
/// Upper bound for a server's `retry:` hint.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// Upper bound for tools/list pages.
const MAX_PAGES: usize = 50;

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
    next_id: i64,
    client_version: String,
    /// What the wait before resuming a closed event stream runs on.
    clock: SharedClock,
}

impl McpClient {
    /// Connect: `initialize` then `notifications/initialized`.
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
            next_id: 0,
            client_version: client_version.to_string(),
        };
        client.initialize().await?;
        Ok(client)
    }

    pub fn protocol_version(&self) -> &str {
        &self.protocol_version
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

    /// Initialize; a session that expires before `notifications/initialized`
    /// lands is started over once.
    async fn initialize(&mut self) -> Result<(), McpError> {
        match self.initialize_once().await {
            Err(McpError::SessionExpired) => self.initialize_once().await,
            other => other,
        }
    }

    async fn initialize_once(&mut self) -> Result<(), McpError> {
        self.session_id = None;
        let id = self.take_id();
        let params = json!({
            "protocolVersion": SUPPORTED_VERSIONS[0],
            "capabilities": {},
            "clientInfo": {"name": "agentview", "version": self.client_version},
        });
        let message = jsonrpc::request(id, "initialize", params);
        let (reply, session) = self.http.post(&message, Some(id), Scope::default()).await?;
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
        if !SUPPORTED_VERSIONS.contains(&version.as_str()) {
            return Err(McpError::UnsupportedVersion(crate::sanitize::line(&version, 40)));
        }
        self.protocol_version = version;
        let note = jsonrpc::notification("notifications/initialized");
        self.http.post(&note, None, self.scope()).await?;
        Ok(())
    }

    /// Send a request and return its `result`. A 404 on the session
    /// re-initializes once and repeats the request.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, McpError> {
        match self.send(method, params.clone()).await {
            Err(McpError::SessionExpired) => {
                self.initialize().await?;
                self.send(method, params).await
            }
            other => other,
        }
    }

    async fn send(&mut self, method: &str, params: Value) -> Result<Value, McpError> {
        let id = self.take_id();
        let message = jsonrpc::request(id, method, params);
        let (reply, _) = self.http.post(&message, Some(id), self.scope()).await?;
        match reply {
            Reply::Result(result) => Ok(result),
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
