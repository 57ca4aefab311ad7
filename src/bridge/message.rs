//! JSON-RPC messages as the bridge sees them: what kind each one is, the HTTP headers it
//! carries to the server (`Mcp-Method`, `Mcp-Name`, `MCP-Protocol-Version` from `_meta`), and the
//! errors the bridge answers with itself.

use base64::Engine;
use serde_json::{Value, json};

/// Key of the protocol version in a request's `_meta` (protocol revision 2026-07-28).
pub const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";

/// JSON-RPC: the line is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: not a valid request (here: a message over 1 MiB, or an empty batch).
pub const INVALID_REQUEST: i64 = -32600;
/// The server could not be reached or answered with something other than a JSON-RPC response.
pub const UPSTREAM_ERROR: i64 = -32000;
/// No credential the server accepts: the message says which `agentview login` to run.
pub const LOGIN_REQUIRED: i64 = -32001;
/// JSON-RPC: invalid params (here: a protocol version in `_meta` that cannot be a header).
pub const INVALID_PARAMS: i64 = -32602;

/// What one message is, by the JSON-RPC 2.0 rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A request: it expects a response with this id.
    Request { id: Value, method: String },
    /// A notification: no id, no response.
    Notification { method: String },
    /// A response (to a request from the other side).
    Response { id: Value },
    /// Not a JSON-RPC message at all.
    Invalid,
}

pub fn kind(message: &Value) -> Kind {
    let Some(object) = message.as_object() else { return Kind::Invalid };
    let method = object.get("method").and_then(Value::as_str).map(str::to_string);
    let id = object.get("id").filter(|id| id.is_string() || id.is_number()).cloned();
    match (method, id) {
        (Some(method), Some(id)) => Kind::Request { id, method },
        (Some(method), None) if !object.contains_key("id") => Kind::Notification { method },
        (None, Some(id)) if object.contains_key("result") || object.contains_key("error") => Kind::Response { id },
        _ => Kind::Invalid,
    }
}

/// What a message from the server is, by the stricter rules of what may reach the client:
/// `"jsonrpc": "2.0"`, a request's `params` an object or an array, a response with exactly one
/// of `result` and `error`, an error with an integer `code` and a text `message`. Anything else
/// is [`Kind::Invalid`] (and is never passed on).
pub fn from_server(message: &Value) -> Kind {
    let Some(object) = message.as_object() else { return Kind::Invalid };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Kind::Invalid;
    }
    let kind = kind(message);
    let valid = match &kind {
        Kind::Request { .. } | Kind::Notification { .. } => {
            object.get("params").is_none_or(|p| p.is_object() || p.is_array())
        }
        Kind::Response { .. } => match (object.get("result"), object.get("error")) {
            (Some(_), None) => true,
            (None, Some(error)) => {
                error.get("code").is_some_and(|c| c.is_i64() || c.is_u64())
                    && error.get("message").is_some_and(Value::is_string)
            }
            _ => false,
        },
        Kind::Invalid => false,
    };
    if valid { kind } else { Kind::Invalid }
}

/// The id of a message that is not valid JSON-RPC, when it names one a request could have.
pub fn stray_id(message: &Value) -> Option<Value> {
    message.get("id").filter(|id| id.is_string() || id.is_number()).cloned()
}

/// A JSON-RPC error response, as one line.
pub fn error(id: &Value, code: i64, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string()
}

/// The protocol version a message names in `params._meta` (2026-07-28 and later).
pub fn meta_version(message: &Value) -> Option<&str> {
    message.pointer("/params/_meta").and_then(|meta| meta.get(META_VERSION)).and_then(Value::as_str)
}

/// Whether `version` may go into `MCP-Protocol-Version` as it is: a short token of letters,
/// digits, `.`, `-` and `_` (every revision is a date), never a line break or a second header.
pub fn is_version(version: &str) -> bool {
    (1..=64).contains(&version.len())
        && version.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// `Mcp-Name`: what a request acts on (`params.name` of tools/call and prompts/get,
/// `params.uri` of resources/read), encoded for a header.
pub fn name_header(message: &Value) -> Option<String> {
    let field = match message.get("method").and_then(Value::as_str)? {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        _ => return None,
    };
    message.get("params")?.get(field)?.as_str().map(header_value)
}

/// A value as a header carries it: as it is when it is plain visible ASCII (inner spaces
/// allowed), else in the Base64 sentinel `=?base64?…?=`, as is a plain value that looks like one.
pub fn header_value(value: &str) -> String {
    let plain = value.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && value.trim_matches(' ') == value
        && !(value.starts_with("=?base64?") && value.ends_with("?="));
    if plain {
        value.to_string()
    } else {
        format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(value.as_bytes()))
    }
}

/// A message's text as one line: JSON can carry line breaks only as whitespace between
/// tokens (never inside a string), so they become spaces and nothing else changes.
pub fn one_line(text: &str) -> String {
    if text.contains(['\n', '\r']) { text.replace(['\n', '\r'], " ") } else { text.to_string() }
}

/// "tools/call get_weather (id 3)" for `-v`: the method, a tool name, the id; never arguments.
pub fn describe(message: &Value) -> String {
    match kind(message) {
        Kind::Request { id, method } => match method.as_str() {
            "tools/call" | "prompts/get" => {
                let name = message.pointer("/params/name").and_then(Value::as_str).unwrap_or("?");
                format!("{method} {} (id {id})", crate::sanitize::line(name, 60))
            }
            _ => format!("{method} (id {id})"),
        },
        Kind::Notification { method } => method,
        Kind::Response { id } => format!("response (id {id})"),
        Kind::Invalid => "a message that is not JSON-RPC".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(
            kind(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})),
            Kind::Request { id: json!(1), method: "ping".into() }
        );
        assert_eq!(
            kind(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"})),
            Kind::Notification { method: "notifications/initialized".into() }
        );
        assert_eq!(kind(&json!({"jsonrpc": "2.0", "id": "a", "result": {}})), Kind::Response { id: json!("a") });
        assert_eq!(kind(&json!({"jsonrpc": "2.0", "id": 2, "error": {"code": 1}})), Kind::Response { id: json!(2) });
        assert_eq!(kind(&json!({"jsonrpc": "2.0", "id": null, "method": "x"})), Kind::Invalid);
        assert_eq!(kind(&json!({"jsonrpc": "2.0", "id": {}, "result": 1})), Kind::Invalid);
        assert_eq!(kind(&json!([1])), Kind::Invalid);
        assert_eq!(kind(&json!("x")), Kind::Invalid);
    }

    #[test]
    fn what_the_server_may_send_on() {
        assert_eq!(from_server(&json!({"jsonrpc": "2.0", "id": 1, "result": null})), Kind::Response { id: json!(1) });
        let error = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -1, "message": "no"}});
        assert_eq!(from_server(&error), Kind::Response { id: json!(1) });
        let note = json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {}});
        assert_eq!(from_server(&note), Kind::Notification { method: "notifications/message".into() });
        for bad in [
            json!(42),
            json!(null),
            json!([1, 2]),
            json!("str"),
            json!({"a": 1}),
            json!({"id": 1, "result": {}}),
            json!({"jsonrpc": "1.0", "method": "x"}),
            json!({"jsonrpc": "2.0", "id": 1, "result": {}, "error": {"code": 1, "message": "x"}}),
            json!({"jsonrpc": "2.0", "id": 1, "error": {"code": "1", "message": "x"}}),
            json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 1}}),
            json!({"jsonrpc": "2.0", "method": "x", "params": 3}),
        ] {
            assert_eq!(from_server(&bad), Kind::Invalid, "{bad}");
        }
        assert_eq!(stray_id(&json!({"id": 4, "result": 1, "error": 2})), Some(json!(4)));
        assert_eq!(stray_id(&json!([1])), None);
    }

    #[test]
    fn versions_that_can_be_headers() {
        assert!(is_version("2025-11-25"));
        assert!(!is_version("2026-07-28\r\nX-Injected: 1"));
        assert!(!is_version(""));
        assert!(!is_version("a b"));
        assert!(!is_version(&"1".repeat(65)));
    }

    #[test]
    fn standard_headers() {
        let call = json!({"method": "tools/call", "params": {"name": "get_weather"}});
        assert_eq!(name_header(&call).as_deref(), Some("get_weather"));
        let read = json!({"method": "resources/read", "params": {"uri": "file:///a%20b.txt"}});
        assert_eq!(name_header(&read).as_deref(), Some("file:///a%20b.txt"));
        assert_eq!(name_header(&json!({"method": "tools/list"})), None);
        assert_eq!(name_header(&json!({"method": "tools/call", "params": {"name": 3}})), None);
    }

    #[test]
    fn header_values_follow_the_sentinel_rules() {
        assert_eq!(header_value("us-west1"), "us-west1");
        assert_eq!(header_value("us west 1"), "us west 1");
        assert_eq!(header_value("Hello, 世界"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
        assert_eq!(header_value(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(header_value("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(header_value("\tindented"), "=?base64?CWluZGVudGVk?=");
        assert_eq!(header_value("=?base64?literal?="), "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=");
        assert_eq!(header_value(""), "");
    }

    #[test]
    fn meta_version_and_lines() {
        let m = json!({"method": "tools/list", "params": {"_meta": {META_VERSION: "2026-07-28"}}});
        assert_eq!(meta_version(&m), Some("2026-07-28"));
        assert_eq!(meta_version(&json!({"method": "tools/list"})), None);
        assert_eq!(one_line("{\"a\":\r\n1}"), "{\"a\":  1}");
        let e: Value = serde_json::from_str(&error(&json!(7), LOGIN_REQUIRED, "log in")).expect("json");
        assert_eq!(e["id"], 7);
        assert_eq!(e["error"]["code"], LOGIN_REQUIRED);
    }
}
