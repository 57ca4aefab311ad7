//! Self-tests of the local server, for what the end-to-end tests do not drive themselves: the
//! authorization server's strictness (a wrong verifier, a replayed code or a client
//! authenticating the wrong way is refused: that is what makes the OAuth tests of the binary
//! mean something), and the switches only benches, the demo or peers use (stateless mode,
//! text-only results, approval on a timer, poll hints, metadata and registration faults,
//! step-up). MCP is spoken with agentview's own client; the authorization server with plain HTTP.
#![allow(clippy::unwrap_used)]

use crate::support;

use agentview::mcp::{HttpTransport, McpClient, McpError, TransportConfig};
use serde_json::{Value, json};
use support::server::*;

const ACCEPT: &str = "application/json, text/event-stream";

/// An MCP session with `server`.
async fn connect(server: &TestServer) -> McpClient {
    let config = TransportConfig {
        endpoint: server.mcp_url().parse().unwrap(),
        headers: Default::default(),
        request_timeout: std::time::Duration::from_secs(10),
    };
    McpClient::connect(HttpTransport::new(config, None).unwrap(), "0.1.0").await.unwrap()
}

/// The fields of a tool result: structured content, else its text as JSON.
fn fields(result: &Value) -> Value {
    match result.get("structuredContent") {
        Some(structured) => structured.clone(),
        None => serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap(),
    }
}

async fn create(client: &mut McpClient) -> Value {
    fields(&client.call_tool("create_auth_session", json!({"agent_identifier": "agentview/0.1.0"})).await.unwrap())
}

async fn get(client: &mut McpClient, id: &str) -> Value {
    fields(&client.call_tool("get_auth_session", json!({"session_request_id": id})).await.unwrap())
}

fn init_params() -> Value {
    json!({"protocolVersion": "2025-11-25", "capabilities": {},
           "clientInfo": {"name": "agentview", "version": "0.1.0"}})
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

#[tokio::test]
async fn stateless_mode_in_json_and_sse() {
    for sse in [false, true] {
        let server = TestServer::start(ServerConfig { stateful: false, sse, ..ServerConfig::default() });
        let mut client = connect(&server).await;
        assert_eq!(client.session_id(), None, "no Mcp-Session-Id without state");
        let id = create(&mut client).await["sessionRequestId"].as_str().unwrap().to_string();
        assert_eq!(get(&mut client, &id).await["status"], "pending");
        assert_eq!(server.calls().create, 1);
    }
}

mod oauth;
mod oauth_faults;
mod oauth_flow;
mod session_tools;
