//! JSON-RPC 2.0 messages as MCP uses them.

use serde_json::{Value, json};

use super::McpError;

pub fn request(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

pub fn notification(method: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": method})
}

/// What one incoming message is, relative to the request we wait for.
#[derive(Debug)]
pub enum Incoming {
    /// The response to our request: its result.
    Result(Value),
    /// Anything else (notifications, server requests, other ids): skip it.
    Other,
}

/// Classify one decoded JSON message against the id we wait for.
pub fn classify(message: Value, id: i64) -> Result<Incoming, McpError> {
    let Value::Object(mut object) = message else {
        return Err(McpError::Protocol(format!("expected a JSON-RPC object, got {}", kind_of(&message))));
    };
    let is_ours = object.get("id").and_then(Value::as_i64) == Some(id);
    let has_method = object.contains_key("method");
    if !is_ours || has_method {
        return Ok(Incoming::Other);
    }
    if let Some(error) = object.remove("error") {
        return Err(error_of(&error));
    }
    match object.remove("result") {
        Some(result) => Ok(Incoming::Result(result)),
        None => Err(McpError::Protocol("the response has neither \"result\" nor \"error\"".into())),
    }
}

/// `UnsupportedProtocolVersionError` (MCP 2026-07-28): the request's version is not served.
pub const UNSUPPORTED_VERSION: i64 = -32022;

/// The error a JSON-RPC `error` member stands for.
pub fn error_of(error: &Value) -> McpError {
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    if code == UNSUPPORTED_VERSION {
        let supported = error
            .pointer("/data/supported")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).take(16).map(|v| crate::sanitize::line(v, 40)).collect())
            .unwrap_or_default();
        return McpError::VersionRejected { supported };
    }
    let message = error.get("message").and_then(Value::as_str).unwrap_or("(no message)");
    McpError::Rpc { code, message: crate::sanitize::message(message) }
}

/// A short name of a JSON value's type, for error messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_results_errors_and_others() {
        let ok = classify(json!({"jsonrpc":"2.0","id":3,"result":{"a":1}}), 3).expect("ours");
        assert!(matches!(ok, Incoming::Result(v) if v["a"] == 1));
        let other = classify(json!({"jsonrpc":"2.0","id":4,"result":{}}), 3).expect("other");
        assert!(matches!(other, Incoming::Other));
        let note = classify(json!({"jsonrpc":"2.0","method":"notifications/progress"}), 3).expect("note");
        assert!(matches!(note, Incoming::Other));
        let err = classify(json!({"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Unknown tool"}}), 3);
        assert!(matches!(err, Err(McpError::Rpc { code: -32602, .. })));
        let rejected = classify(
            json!({"jsonrpc":"2.0","id":3,"error":{"code":-32022,"message":"Unsupported","data":{"supported":["2026-07-28", 7]}}}),
            3,
        );
        assert!(matches!(rejected, Err(McpError::VersionRejected { supported }) if supported == ["2026-07-28"]));
        assert!(matches!(classify(json!([1, 2]), 3), Err(McpError::Protocol(_))));
        assert!(matches!(classify(json!({"id": 3}), 3), Err(McpError::Protocol(_))));
    }
}
