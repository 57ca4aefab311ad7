//! MCP sessions with agentview's own client, in whichever protocol revision the server speaks:
//! the core scenarios, and the authorization scenarios' requests (tools/list, tools/call).

use std::sync::Arc;
use std::time::Duration;

use agentview::Secret;
use agentview::http::Trace;
use agentview::mcp::{HttpTransport, McpClient, McpError, TransportConfig};
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::Stop;

/// The tool the authorization scenarios' servers offer.
pub const TEST_TOOL: &str = "test-tool";

/// A core scenario: the tool it calls must be there.
pub async fn run(scenario: &str, endpoint: &Url) -> Result<(), String> {
    let call = match scenario {
        // The version negotiation (2026-07-28: the server refuses the first request and names
        // the version it takes) and the request metadata are judged on every request.
        "initialize" | "request-metadata" => Call::None,
        "tools_call" => Call::One("add_numbers", json!({"a": 5, "b": 3})),
        "sse-retry" => Call::One("test_reconnection", json!({})),
        // The standard headers are judged on each tool call.
        "http-standard-headers" => Call::Every,
        other => return Err(format!("unknown scenario {other:?}")),
    };
    match exercise(endpoint, None, call, true).await {
        Ok(()) => Ok(()),
        Err(Stop::Failed(why)) => Err(why),
        Err(Stop::Auth { status, .. }) => Err(format!("the server wants credentials (HTTP {status})")),
    }
}

/// The requests of an authorization scenario, with the Bearer token if there is one.
pub async fn authorized(endpoint: &Url, token: Option<&Secret>) -> Result<(), Stop> {
    exercise(endpoint, token, Call::One(TEST_TOOL, json!({})), false).await
}

/// Which tools a pass calls.
enum Call {
    None,
    One(&'static str, Value),
    /// Every tool the server lists, with no arguments.
    Every,
}

/// Connect, list the tools, call `call` (when `required`, or when the server lists it), close.
async fn exercise(endpoint: &Url, token: Option<&Secret>, call: Call, required: bool) -> Result<(), Stop> {
    let mut headers = HeaderMap::new();
    if let Some(token) = token {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| "an unusable token".to_string())?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    let config = TransportConfig { endpoint: endpoint.clone(), headers, request_timeout: Duration::from_secs(20) };
    let user_agent = format!("agentview-conformance/{}", env!("CARGO_PKG_VERSION"));
    let trace: Trace = Arc::new(|line: &str| eprintln!("{line}"));
    let http = HttpTransport::with_user_agent(config, &user_agent, Some(trace)).map_err(stop)?;
    let mut client = McpClient::connect(http, env!("CARGO_PKG_VERSION")).await.map_err(stop)?;
    eprintln!("connected: protocol {}, session {:?}", client.protocol_version(), client.session_id());
    let outcome = tools(&mut client, call, required).await;
    client.close().await;
    outcome
}

async fn tools(client: &mut McpClient, call: Call, required: bool) -> Result<(), Stop> {
    let tools = client.list_tools().await.map_err(stop)?;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    eprintln!("tools: {names:?}");
    let calls: Vec<(&str, Value)> = match call {
        Call::None => return Ok(()),
        Call::Every => names.iter().map(|name| (*name, json!({}))).collect(),
        Call::One(tool, _) if !names.contains(&tool) => {
            if required {
                return Err(Stop::Failed(format!("the server does not offer the tool {tool}")));
            }
            return Ok(());
        }
        Call::One(tool, arguments) => vec![(tool, arguments)],
    };
    for (tool, arguments) in calls {
        let result = client.call_tool(tool, arguments).await.map_err(stop)?;
        check_result(tool, &result).map_err(Stop::Failed)?;
    }
    Ok(())
}

/// A CallToolResult: its first text goes to stderr; `isError` fails the scenario.
pub fn check_result(tool: &str, result: &Value) -> Result<(), String> {
    let text = result
        .get("content")
        .and_then(Value::as_array)
        .and_then(|blocks| blocks.iter().find_map(|b| b.get("text").and_then(Value::as_str)))
        .unwrap_or("(no text)");
    eprintln!("{tool}: {text}");
    if result.get("isError").and_then(Value::as_bool) == Some(true) {
        return Err(format!("{tool} failed: {text}"));
    }
    Ok(())
}

fn stop(error: McpError) -> Stop {
    match error {
        McpError::AuthRequired { status, challenge } => Stop::Auth { status, challenge },
        other => Stop::Failed(other.to_string()),
    }
}
