//! A client for the MCP conformance suite (`@modelcontextprotocol/conformance`), built only on
//! agentview's own MCP client (`agentview::mcp`).
//!
//! The suite runs `conformance_client <server-url>` and names the scenario in
//! `MCP_CONFORMANCE_SCENARIO`. Supported scenarios:
//! - `initialize`: connect (initialize + notifications/initialized), list tools, close.
//! - `tools_call`: connect, list tools, call `add_numbers` with `{"a": 5, "b": 3}`, close.
//! - `sse-retry`: connect, list tools, call `test_reconnection`; the server closes the call's
//!   event stream after a priming event, and the client resumes it with GET + Last-Event-ID
//!   after the `retry:` wait.
//!
//! `.ci/conformance` builds this and runs the suite against it.

#![allow(clippy::print_stderr, reason = "a command-line test client reports on stderr")]

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use agentview::mcp::transport::Trace;
use agentview::mcp::{HttpTransport, McpClient, McpError, TransportConfig};
use reqwest::Url;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: conformance_client <server-url>  (scenario in MCP_CONFORMANCE_SCENARIO)");
        return ExitCode::from(2);
    };
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    match run(&scenario, &url).await {
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
    let config = TransportConfig {
        endpoint,
        headers: HeaderMap::new(),
        request_timeout: Duration::from_secs(20),
        user_agent: format!("agentview-conformance/{}", env!("CARGO_PKG_VERSION")),
    };
    let trace: Trace = Arc::new(|line: &str| eprintln!("{line}"));
    let http = HttpTransport::new(config, Some(trace)).map_err(text)?;
    let mut client = McpClient::connect(http, env!("CARGO_PKG_VERSION")).await.map_err(text)?;
    eprintln!("connected: protocol {}, session {:?}", client.protocol_version(), client.session_id());
    let outcome = exercise(&mut client, scenario).await;
    client.close().await;
    outcome
}

async fn exercise(client: &mut McpClient, scenario: &str) -> Result<(), String> {
    let tools = client.list_tools().await.map_err(text)?;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    eprintln!("tools: {names:?}");
    let (tool, arguments) = match scenario {
        "initialize" => return Ok(()),
        "tools_call" => ("add_numbers", json!({"a": 5, "b": 3})),
        "sse-retry" => ("test_reconnection", json!({})),
        other => return Err(format!("unknown scenario {other:?}")),
    };
    if !names.contains(&tool) {
        return Err(format!("the server does not offer the tool {tool}"));
    }
    let result = client.call_tool(tool, arguments).await.map_err(text)?;
    eprintln!("{tool}: {}", first_text(&result));
    if result.get("isError").and_then(Value::as_bool) == Some(true) {
        return Err(format!("{tool} failed: {}", first_text(&result)));
    }
    Ok(())
}

/// The first text block of a CallToolResult.
fn first_text(result: &Value) -> &str {
    result
        .get("content")
        .and_then(Value::as_array)
        .and_then(|blocks| blocks.iter().find_map(|b| b.get("text").and_then(Value::as_str)))
        .unwrap_or("(no text)")
}

fn text(error: McpError) -> String {
    error.to_string()
}
