//! The MCP session the bridge keeps with the server on the client's behalf: the server's
//! `Mcp-Session-Id`, the negotiated protocol version, and the client's own `initialize` and
//! `notifications/initialized`, kept to replay when the server forgets the session (HTTP 404).

use serde_json::Value;

/// What every later request to the server carries.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The server's `Mcp-Session-Id`, when it issued one.
    pub id: Option<String>,
    /// `protocolVersion` of the initialize result (sent as `MCP-Protocol-Version`).
    pub version: Option<String>,
    /// The client's initialize request, as it sent it.
    pub initialize: Option<Value>,
    /// The client's `notifications/initialized`, once sent.
    pub initialized: Option<Value>,
    /// How often the session was set up again after the server forgot it.
    pub renewals: u32,
}

impl Session {
    /// Learn from the answer to an initialize request.
    pub fn established(&mut self, session_id: Option<String>, result: &Value) {
        self.id = session_id;
        self.version = result
            .pointer("/result/protocolVersion")
            .and_then(Value::as_str)
            .filter(|v| super::message::is_version(v))
            .map(str::to_string);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_negotiated_version_when_it_can_be_a_header() {
        let mut s = Session::default();
        s.established(Some("abc".into()), &json!({"id": 1, "result": {"protocolVersion": "2025-11-25"}}));
        assert_eq!(s.id.as_deref(), Some("abc"));
        assert_eq!(s.version.as_deref(), Some("2025-11-25"));
        s.established(None, &json!({"id": 1, "result": {"protocolVersion": "bad\nvalue"}}));
        assert_eq!(s.version, None);
        assert_eq!(s.id, None);
    }
}
