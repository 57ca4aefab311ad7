//! MCP 2026-07-28 requests: stateless JSON-RPC over HTTP POST, no `initialize`. Every request
//! carries the `MCP-Protocol-Version` header and the same version, the client's capabilities
//! and its identity in `params._meta`; the answer is JSON or an event stream.

use std::time::Duration;

use agentview::mcp::jsonrpc::{self, Incoming};
use agentview::mcp::sse::Decoder;
use agentview::mcp::transport::VERSION_HEADER;
use agentview::secret::Secret;
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, WWW_AUTHENTICATE};
use serde_json::{Value, json};

use crate::Stop;
use crate::session::{TEST_TOOL, check_result};

/// The protocol version these requests speak.
pub const VERSION: &str = "2026-07-28";

/// Largest answer read.
const MAX_BODY: usize = 1024 * 1024;

/// server/discover, tools/list, and tools/call of `test-tool` when the server lists it.
pub async fn authorized(endpoint: &Url, token: Option<&Secret>) -> Result<(), Stop> {
    let http = reqwest::Client::builder()
        .user_agent(format!("agentview-conformance/{}", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))?;
    let mut rpc = Rpc { http, endpoint, token, next_id: 0 };
    match rpc.request("server/discover", json!({})).await {
        Ok(result) => eprintln!("server/discover: supported versions {}", result["supportedVersions"]),
        Err(Stop::Failed(why)) => eprintln!("server/discover: {why}; going on without it"),
        Err(auth) => return Err(auth),
    }
    let tools = rpc.request("tools/list", json!({})).await?;
    let names: Vec<&str> = tools["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    eprintln!("tools: {names:?}");
    if names.contains(&TEST_TOOL) {
        let result = rpc.request("tools/call", json!({"name": TEST_TOOL, "arguments": {}})).await?;
        check_result(TEST_TOOL, &result)?;
    }
    Ok(())
}

struct Rpc<'a> {
    http: reqwest::Client,
    endpoint: &'a Url,
    token: Option<&'a Secret>,
    next_id: i64,
}

impl Rpc<'_> {
    /// One request; its `result`.
    async fn request(&mut self, method: &str, mut params: Value) -> Result<Value, Stop> {
        let label = match params.get("name").and_then(Value::as_str) {
            Some(name) => format!("{method} {name}"),
            None => method.to_string(),
        };
        self.next_id += 1;
        let id = self.next_id;
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": VERSION,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "agentview-conformance", "version": env!("CARGO_PKG_VERSION")},
        });
        let message = jsonrpc::request(id, method, params);
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream")
            .header(VERSION_HEADER, VERSION)
            .body(message.to_string());
        if let Some(token) = self.token {
            request = request.bearer_auth(token.expose());
        }
        eprintln!("→ POST {} {label}", self.endpoint);
        let mut response = request.send().await.map_err(|e| format!("{method}: {e}"))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        eprintln!("← {status} {content_type}");
        if status == 401 || status == 403 {
            let challenge = response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).map(str::to_string);
            return Err(Stop::Auth { status, challenge });
        }
        let mut body = Vec::new();
        let mut decoder = Decoder::new(MAX_BODY);
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("{method}: {e}"))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(Stop::Failed(format!("{method}: an answer larger than 1 MiB")));
            }
            body.extend_from_slice(&chunk);
            if content_type == "text/event-stream" {
                let events = decoder.feed(&chunk).map_err(|e| format!("{method}: {e}"))?;
                for event in events.iter().filter(|e| !e.data.trim().is_empty()) {
                    let message: Value = serde_json::from_str(&event.data)
                        .map_err(|e| format!("{method}: an event is not JSON ({e})"))?;
                    if let Some(result) = ours(message, id, method)? {
                        return Ok(result);
                    }
                }
            }
        }
        if !(200..300).contains(&status) {
            let text = String::from_utf8_lossy(&body);
            return Err(Stop::Failed(format!(
                "{method}: HTTP {status}: {}",
                text.chars().take(300).collect::<String>()
            )));
        }
        if content_type == "application/json" {
            let message: Value = serde_json::from_slice(&body).map_err(|e| format!("{method}: not JSON ({e})"))?;
            let messages = match message {
                Value::Array(batch) => batch,
                single => vec![single],
            };
            for message in messages {
                if let Some(result) = ours(message, id, method)? {
                    return Ok(result);
                }
            }
        }
        Err(Stop::Failed(format!("{method}: no answer to request {id} ({content_type})")))
    }
}

/// The result of response `id`, if `message` is that response.
fn ours(message: Value, id: i64, method: &str) -> Result<Option<Value>, String> {
    match jsonrpc::classify(message, id) {
        Ok(Incoming::Result(result)) => Ok(Some(result)),
        Ok(Incoming::Other) => Ok(None),
        Err(e) => Err(format!("{method}: {e}")),
    }
}
