//! `x-mcp-header` (protocol revision 2026-07-28): tool parameters that a server asks to see
//! mirrored into `Mcp-Param-{Name}` headers. The bridge is the HTTP client, so it learns the
//! annotations from the `tools/list` answers it passes on, leaves out tools whose annotations
//! break the rules (as the specification requires of the HTTP client), and adds the headers to
//! each `tools/call`.

use std::collections::HashMap;

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::message::header_value;

const ANNOTATION: &str = "x-mcp-header";

/// The annotated parameters of every tool seen in a `tools/list` answer.
#[derive(Debug, Default)]
pub struct ParamHeaders {
    tools: HashMap<String, Vec<Annotated>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Annotated {
    /// Property names from the schema's root to the parameter.
    path: Vec<String>,
    header: String,
    kind: Primitive,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Primitive {
    String,
    Integer,
    Boolean,
}

impl ParamHeaders {
    /// Learn from a `tools/list` answer; the tools whose annotations are invalid are taken out
    /// of it, and returned with the reason.
    pub fn learn(&mut self, answer: &mut Value) -> Vec<(String, String)> {
        let mut refused = Vec::new();
        let Some(tools) = answer.pointer_mut("/result/tools").and_then(Value::as_array_mut) else { return refused };
        tools.retain(|tool| {
            let name = tool.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            match annotations(tool.get("inputSchema").unwrap_or(&Value::Null)) {
                Ok(found) => {
                    self.tools.insert(name, found);
                    true
                }
                Err(why) => {
                    self.tools.remove(&name);
                    refused.push((name, why));
                    false
                }
            }
        });
        refused
    }

    /// The `Mcp-Param-*` headers of a `tools/call` message.
    pub fn headers(&self, message: &Value) -> Vec<(HeaderName, HeaderValue)> {
        let Some(params) = message.get("params") else { return Vec::new() };
        let Some(found) = params.get("name").and_then(Value::as_str).and_then(|n| self.tools.get(n)) else {
            return Vec::new();
        };
        let arguments = params.get("arguments").unwrap_or(&Value::Null);
        found
            .iter()
            .filter_map(|a| {
                let value = a.path.iter().try_fold(arguments, |at, key| at.get(key))?;
                let text = match (a.kind, value) {
                    (Primitive::String, Value::String(s)) => header_value(s),
                    (Primitive::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
                    (Primitive::Boolean, Value::Bool(b)) => b.to_string(),
                    _ => return None,
                };
                let name = HeaderName::from_bytes(format!("mcp-param-{}", a.header).as_bytes()).ok()?;
                Some((name, HeaderValue::from_str(&text).ok()?))
            })
            .collect()
    }
}

/// The annotations of a tool's input schema, or why they make the tool unusable.
fn annotations(schema: &Value) -> Result<Vec<Annotated>, String> {
    let mut found = Vec::new();
    reachable(schema, &mut Vec::new(), &mut found)?;
    if count_all(schema) != found.len() {
        return Err(format!("an {ANNOTATION} is not on a property reachable through \"properties\" alone"));
    }
    let mut seen = std::collections::HashSet::new();
    for a in &found {
        if !seen.insert(a.header.to_ascii_lowercase()) {
            return Err(format!("{ANNOTATION} \"{}\" is used twice", a.header));
        }
    }
    Ok(found)
}

/// Annotations on properties reached from the root through `properties` only.
fn reachable(schema: &Value, path: &mut Vec<String>, found: &mut Vec<Annotated>) -> Result<(), String> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else { return Ok(()) };
    for (key, property) in properties {
        path.push(key.clone());
        if let Some(header) = property.get(ANNOTATION) {
            let header = header.as_str().filter(|h| !h.is_empty() && h.bytes().all(is_tchar));
            let header = header.ok_or_else(|| format!("the {ANNOTATION} of \"{key}\" is not a header name"))?;
            let kind = match property.get("type").and_then(Value::as_str) {
                Some("string") => Primitive::String,
                Some("integer") => Primitive::Integer,
                Some("boolean") => Primitive::Boolean,
                _ => return Err(format!("\"{key}\" has an {ANNOTATION} but is not a string, integer or boolean")),
            };
            found.push(Annotated { path: path.clone(), header: header.to_string(), kind });
        }
        reachable(property, path, found)?;
        path.pop();
    }
    Ok(())
}

/// Every annotation anywhere in the schema (property names themselves are not annotations).
fn count_all(schema: &Value) -> usize {
    match schema {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| match (key.as_str(), value) {
                (ANNOTATION, _) => 1,
                ("properties", Value::Object(properties)) => properties.values().map(count_all).sum(),
                _ => count_all(value),
            })
            .sum(),
        Value::Array(items) => items.iter().map(count_all).sum(),
        _ => 0,
    }
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn listed(tools: Value) -> (ParamHeaders, Vec<String>, Value) {
        let mut params = ParamHeaders::default();
        let mut answer = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": tools}});
        let refused = params.learn(&mut answer).into_iter().map(|(name, _)| name).collect();
        (params, refused, answer)
    }

    fn tool(name: &str, properties: Value) -> Value {
        json!({"name": name, "inputSchema": {"type": "object", "properties": properties}})
    }

    #[test]
    fn mirrors_annotated_parameters_encoded() {
        let (params, refused, _) = listed(json!([tool(
            "sql",
            json!({
                "region": {"type": "string", "x-mcp-header": "Region"},
                "priority": {"type": "integer", "x-mcp-header": "Priority"},
                "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
                "greeting": {"type": "string", "x-mcp-header": "Greeting"},
                "nested": {"type": "object", "properties": {"zone": {"type": "string", "x-mcp-header": "Zone"}}},
                "query": {"type": "string"}
            })
        )]));
        assert!(refused.is_empty());
        let call = json!({"method": "tools/call", "params": {"name": "sql", "arguments": {
            "region": "us-west1", "priority": 42, "verbose": null, "greeting": "Hello, 世界",
            "nested": {"zone": " a "}, "query": "SELECT 1"}}});
        let headers: Vec<(String, String)> = params
            .headers(&call)
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("mcp-param-region"), Some("us-west1"));
        assert_eq!(get("mcp-param-priority"), Some("42"));
        assert_eq!(get("mcp-param-verbose"), None, "null is left out");
        assert_eq!(get("mcp-param-greeting"), Some("=?base64?SGVsbG8sIOS4lueVjA==?="));
        assert_eq!(get("mcp-param-zone"), Some("=?base64?IGEg?="));
        assert_eq!(headers.len(), 4);
    }

    #[test]
    fn tools_with_broken_annotations_are_left_out() {
        let (_, refused, answer) = listed(json!([
            tool("valid_tool", json!({"region": {"type": "string", "x-mcp-header": "Region"}})),
            tool("empty", json!({"v": {"type": "string", "x-mcp-header": ""}})),
            tool("object", json!({"v": {"type": "object", "x-mcp-header": "Data"}})),
            tool("number", json!({"v": {"type": "number", "x-mcp-header": "Score"}})),
            tool(
                "twice",
                json!({"a": {"type": "string", "x-mcp-header": "My"}, "b": {"type": "string", "x-mcp-header": "my"}})
            ),
            tool("space", json!({"v": {"type": "string", "x-mcp-header": "My Region"}})),
            tool("accent", json!({"v": {"type": "string", "x-mcp-header": "Région"}})),
            tool("in_items", json!({"v": {"type": "array", "items": {"type": "string", "x-mcp-header": "Item"}}})),
            tool("named_like_it", json!({"x-mcp-header": {"type": "string"}})),
        ]));
        assert_eq!(refused, ["empty", "object", "number", "twice", "space", "accent", "in_items"]);
        let kept: Vec<&str> =
            answer["result"]["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(kept, ["valid_tool", "named_like_it"]);
    }
}
