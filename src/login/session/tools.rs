//! agentView's two tools: their names, which argument names to send (the plan read from their
//! schemas), and what their results mean once read ([`super::fields`] reads them).

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::mcp::Tool;
use crate::sanitize;

pub const CREATE: &str = "create_auth_session";
pub const GET: &str = "get_auth_session";

/// Longest login window agentview believes (a day); longer is nonsense.
pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Longest token lifetime agentview believes (ten years); a longer `expiresIn` is a mistake
/// (epoch milliseconds, an absolute time) and leaves the expiry unknown.
pub const MAX_LIFETIME_SECS: u64 = 10 * 365 * 86_400;

const ID_NAMES: [&str; 2] = ["session_request_id", "sessionRequestId"];

/// Why a tool result cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolFailure {
    /// PolicyLayer (or a similar proxy) refused the call or rate-limited it.
    #[error("refused by policy: {0}")]
    Policy(String),
    /// The tool itself reported an error (`isError: true`).
    #[error("the server reported an error: {0}")]
    Failed(String),
    /// The result is not what the tool promises; names the field.
    #[error("unexpected response from the server: {0}")]
    Malformed(String),
}

/// The argument names the server's schemas declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolPlan {
    pub id_argument: String,
    pub sends_agent_identifier: bool,
    pub accepts_scope: bool,
}

impl ToolPlan {
    /// Read the schemas; `None` when either tool is missing (not an agentView server).
    pub fn from_tools(tools: &[Tool]) -> Option<ToolPlan> {
        let create = tools.iter().find(|t| t.name == CREATE)?;
        let get = tools.iter().find(|t| t.name == GET)?;
        let get_args = get.arguments();
        let id_argument = ID_NAMES
            .iter()
            .find(|n| get_args.contains(n))
            .map(|n| n.to_string())
            .or_else(|| get_args.iter().find(|a| a.to_ascii_lowercase().contains("session")).map(|a| a.to_string()))
            .unwrap_or_else(|| ID_NAMES[0].to_string());
        let create_args = create.arguments();
        Some(ToolPlan {
            id_argument,
            sends_agent_identifier: create_args.contains(&"agent_identifier"),
            accepts_scope: create_args.contains(&"scope"),
        })
    }

    pub fn create_arguments(&self, agent: &str, scope: Option<&str>) -> Value {
        let mut args = Map::new();
        if self.sends_agent_identifier {
            args.insert("agent_identifier".into(), json!(agent));
        }
        if let Some(scope) = scope {
            args.insert("scope".into(), json!(scope));
        }
        Value::Object(args)
    }

    pub fn get_arguments(&self, session_request_id: &str) -> Value {
        let mut args = Map::new();
        args.insert(self.id_argument.clone(), json!(session_request_id));
        Value::Object(args)
    }
}

/// What create_auth_session returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub session_request_id: String,
    /// Unchecked: `login_url::check` decides whether it may be shown or opened.
    pub login_url: String,
    pub window: Duration,
    pub warnings: Vec<String>,
}

/// One get_auth_session answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled {
    Pending {
        interval: Option<Duration>,
    },
    Active(Activated),
    /// Any other status.
    Ended(Terminal),
}

/// How a login ended without approval, parsed once from the server's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Terminal {
    Expired,
    /// `denied` or `rejected`.
    Denied,
    /// `cancelled` or `canceled`.
    Cancelled,
    /// Someone else already collected the login.
    Consumed,
    /// Any other status, as the server wrote it (sanitized for the terminal).
    Other(String),
}

impl Terminal {
    /// Case-insensitive; unknown statuses keep their text.
    pub fn parse(status: &str) -> Terminal {
        match status.trim().to_ascii_lowercase().as_str() {
            "expired" => Terminal::Expired,
            "denied" | "rejected" => Terminal::Denied,
            "cancelled" | "canceled" => Terminal::Cancelled,
            "consumed" => Terminal::Consumed,
            _ => Terminal::Other(sanitize::line(status.trim(), 80)),
        }
    }
}

/// The credential of an `active` session.
#[derive(Debug, Clone, PartialEq)]
pub struct Activated {
    /// `None`: the server binds identity to the session request id instead.
    pub token: Option<crate::secret::Secret>,
    /// Unix seconds.
    pub expires_at: Option<u64>,
    /// Seconds from now, when the server gave a relative expiry.
    pub expires_in: Option<u64>,
    pub user: Option<crate::store::UserInfo>,
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, props: &[&str]) -> Tool {
        let props: Map<String, Value> = props.iter().map(|p| (p.to_string(), json!({"type": "string"}))).collect();
        Tool { name: name.into(), input_schema: json!({"type": "object", "properties": props}) }
    }

    #[test]
    fn plan_follows_the_schema() {
        let plan = ToolPlan::from_tools(&[tool(CREATE, &["agent_identifier"]), tool(GET, &["sessionRequestId"])])
            .expect("both tools");
        assert_eq!(plan.id_argument, "sessionRequestId");
        assert!(plan.sends_agent_identifier);
        assert_eq!(plan.get_arguments("abc"), json!({"sessionRequestId": "abc"}));
        assert_eq!(plan.create_arguments("agentview/1", None), json!({"agent_identifier": "agentview/1"}));
        let plan = ToolPlan::from_tools(&[tool(CREATE, &[]), tool(GET, &["session_request_id"])]).expect("both");
        assert_eq!(plan.id_argument, "session_request_id");
        assert_eq!(plan.create_arguments("x", None), json!({}));
        assert!(ToolPlan::from_tools(&[tool(CREATE, &[])]).is_none());
    }
}
