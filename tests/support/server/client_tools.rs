//! Tools that talk back to the client (only with `ServerConfig::client_tools`): they ask it for
//! elicitation, sampling or its roots, send progress notifications, or echo their arguments.
//! Their answers stream through as rmcp writes them (see `respond::post_process`), so a request
//! to the client reaches it while the tool waits.

use rmcp::model::{CallToolResult, ClientResult, ServerNotification, ServerRequest, Tool};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde_json::{Map, Value, json};

pub(crate) const ASK_USER: &str = "ask_user";
pub(crate) const ASK_MODEL: &str = "ask_model";
pub(crate) const LIST_ROOTS: &str = "list_roots";
pub(crate) const COUNT: &str = "count";
pub(crate) const ECHO: &str = "echo";

/// The tools whose answers are not reshaped by the layer.
pub(crate) fn streams(tool: &str) -> bool {
    [ASK_USER, ASK_MODEL, LIST_ROOTS, COUNT].contains(&tool)
}

pub(crate) fn tools() -> Vec<Tool> {
    let object = |properties: Value| json!({"type": "object", "properties": properties});
    [
        json!({"name": ASK_USER, "description": "Asks the user for their name (elicitation).", "inputSchema": object(json!({}))}),
        json!({"name": ASK_MODEL, "description": "Asks the client's model a question (sampling).", "inputSchema": object(json!({"question": {"type": "string"}}))}),
        json!({"name": LIST_ROOTS, "description": "Lists the client's roots.", "inputSchema": object(json!({}))}),
        json!({"name": COUNT, "description": "Counts to n, with a progress notification for each step.", "inputSchema": object(json!({"n": {"type": "integer"}}))}),
        json!({"name": ECHO, "description": "Answers with its arguments.", "inputSchema": object(json!({"text": {"type": "string"}}))}),
    ]
    .into_iter()
    .filter_map(|t| serde_json::from_value(t).ok())
    .collect()
}

fn text(text: String) -> CallToolResult {
    serde_json::from_value(json!({"content": [{"type": "text", "text": text}], "isError": false})).unwrap_or_default()
}

fn internal(e: impl std::fmt::Display) -> ErrorData {
    ErrorData::internal_error(e.to_string(), None)
}

/// A request to the client; its result as JSON.
async fn ask(context: &RequestContext<RoleServer>, method: &str, params: Value) -> Result<Value, ErrorData> {
    let request: ServerRequest =
        serde_json::from_value(json!({"method": method, "params": params})).map_err(internal)?;
    let result: ClientResult = context.peer.send_request(request).await.map_err(internal)?;
    serde_json::to_value(result).map_err(internal)
}

pub(crate) async fn call(
    name: &str,
    args: &Map<String, Value>,
    context: &RequestContext<RoleServer>,
) -> Result<CallToolResult, ErrorData> {
    match name {
        ASK_USER => {
            let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]});
            let answer = ask(
                context,
                "elicitation/create",
                json!({"mode": "form", "message": "What is your name?", "requestedSchema": schema}),
            )
            .await?;
            let action = answer.get("action").and_then(Value::as_str).unwrap_or("?");
            let who = answer.pointer("/content/name").and_then(Value::as_str).unwrap_or("nobody");
            Ok(text(format!("{action}: hello {who}")))
        }
        ASK_MODEL => {
            let question = args.get("question").and_then(Value::as_str).unwrap_or("?");
            let params =
                json!({"messages": [{"role": "user", "content": {"type": "text", "text": question}}], "maxTokens": 50});
            let answer = ask(context, "sampling/createMessage", params).await?;
            let said = answer.pointer("/content/text").and_then(Value::as_str).unwrap_or("(nothing)");
            Ok(text(format!("the model said: {said}")))
        }
        LIST_ROOTS => {
            let answer = ask(context, "roots/list", json!({})).await?;
            let uris: Vec<&str> = answer
                .get("roots")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(|r| r.get("uri").and_then(Value::as_str)).collect())
                .unwrap_or_default();
            Ok(text(format!("roots: {}", uris.join(" "))))
        }
        COUNT => {
            let n = args.get("n").and_then(Value::as_u64).unwrap_or(3).min(1000);
            if let Some(token) = context.meta.get_progress_token() {
                for step in 1..=n {
                    let note = json!({"method": "notifications/progress",
                        "params": {"progressToken": token, "progress": step, "total": n, "message": format!("step {step}")}});
                    let note: ServerNotification = serde_json::from_value(note).map_err(internal)?;
                    context.peer.send_notification(note).await.map_err(internal)?;
                }
            }
            Ok(text(format!("counted to {n}")))
        }
        ECHO => Ok(text(Value::Object(args.clone()).to_string())),
        _ => Err(ErrorData::invalid_params(format!("unknown tool: {name}"), None)),
    }
}
