//! Self-tests of the local agentView-compatible MCP server, driven with plain reqwest and hand-written JSON-RPC.
#![allow(clippy::unwrap_used)]

pub mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::server::*;

const ACCEPT: &str = "application/json, text/event-stream";

/// A hand-rolled MCP client: just enough to drive the server.
struct Rpc {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
    next_id: u64,
}

/// Parse SSE text into (id, retry, data) events; independent of the server's own parser.
fn parse_sse(text: &str) -> Vec<(Option<String>, Option<u64>, String)> {
    let text = text.replace("\r\n", "\n");
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let (mut id, mut retry, mut data, mut any) = (None, None, Vec::new(), false);
        for line in block.lines() {
            if line.starts_with(':') {
                continue;
            }
            let (f, v) = line.split_once(':').unwrap_or((line, ""));
            let v = v.strip_prefix(' ').unwrap_or(v).to_string();
            any = true;
            match f {
                "id" => id = Some(v),
                "retry" => retry = v.parse().ok(),
                "data" => data.push(v),
                _ => {}
            }
        }
        if any {
            out.push((id, retry, data.join("\n")));
        }
    }
    out
}

/// The JSON-RPC response carried by a body (JSON or SSE).
fn message_of(content_type: &str, body: &str) -> Value {
    if content_type.starts_with("text/event-stream") {
        parse_sse(body)
            .into_iter()
            .filter_map(|(_, _, d)| serde_json::from_str::<Value>(&d).ok())
            .find(|v| v.get("id").is_some())
            .unwrap_or(Value::Null)
    } else {
        serde_json::from_str(body).unwrap_or(Value::Null)
    }
}

impl Rpc {
    fn new(server: &TestServer) -> Rpc {
        Rpc { http: http_client(), url: server.mcp_url(), session: None, next_id: 0 }
    }

    fn request(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        let mut b = self.http.request(method, &self.url).header("accept", ACCEPT);
        if let Some(s) = &self.session {
            b = b.header("mcp-session-id", s).header("mcp-protocol-version", "2025-11-25");
        }
        b
    }

    async fn send(&mut self, method: &str, params: Value) -> reqwest::Response {
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        self.request(reqwest::Method::POST)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    /// Send and return (status, content-type, JSON-RPC message).
    async fn rpc(&mut self, method: &str, params: Value) -> (u16, String, Value) {
        let resp = self.send(method, params).await;
        let status = resp.status().as_u16();
        let ct = header(&resp, "content-type");
        let body = resp.text().await.unwrap();
        (status, ct.clone(), message_of(&ct, &body))
    }

    async fn initialize(&mut self) -> Value {
        let resp = self.send("initialize", init_params()).await;
        assert_eq!(resp.status().as_u16(), 200);
        let sid = resp.headers().get("mcp-session-id").map(|v| v.to_str().unwrap().to_string());
        let ct = header(&resp, "content-type");
        let msg = message_of(&ct, &resp.text().await.unwrap());
        self.session = sid;
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let r = self
            .request(reqwest::Method::POST)
            .header("content-type", "application/json")
            .body(note.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
        msg
    }

    /// tools/call; returns the `result` object.
    async fn call(&mut self, tool: &str, args: Value) -> Value {
        let (status, _, msg) = self.rpc("tools/call", json!({"name": tool, "arguments": args})).await;
        assert_eq!(status, 200, "{msg}");
        msg["result"].clone()
    }

    async fn create(&mut self) -> Value {
        let r = self.call("create_auth_session", json!({"agent_identifier": "agentview/0.1.0"})).await;
        r["structuredContent"].clone()
    }

    async fn get(&mut self, id: &str) -> Value {
        let r = self.call("get_auth_session", json!({"session_request_id": id})).await;
        r["structuredContent"].clone()
    }
}

fn init_params() -> Value {
    json!({"protocolVersion": "2025-11-25", "capabilities": {},
           "clientInfo": {"name": "agentview", "version": "0.1.0"}})
}

/// A plain reqwest client. reqwest is built without a default crypto provider (agentview
/// chooses ring in `agentview::http`), so one is installed for the process first.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

fn start(config: ServerConfig) -> (TestServer, Rpc) {
    let server = TestServer::start(config);
    let rpc = Rpc::new(&server);
    (server, rpc)
}

fn sse() -> ServerConfig {
    ServerConfig { sse: true, ..ServerConfig::default() }
}

#[path = "server_selftest/basics.rs"]
mod basics;
#[path = "server_selftest/faults.rs"]
mod faults;
#[path = "server_selftest/faults_results.rs"]
mod faults_results;
#[path = "server_selftest/flows.rs"]
mod flows;
#[path = "server_selftest/oauth.rs"]
mod oauth;
#[path = "server_selftest/oauth_faults.rs"]
mod oauth_faults;
#[path = "server_selftest/oauth_flow.rs"]
mod oauth_flow;
