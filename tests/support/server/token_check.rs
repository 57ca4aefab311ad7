//! Credential checks on `/mcp`: requests carrying a Bearer token the server does not accept get
//! 401, and an optional agentView-style `authenticate` tool tells who a token belongs to.
//! Requests without `Authorization` pass (the login itself sends none).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::{CallToolResult, Tool};
use serde_json::{Map, Value, json};

use super::state::App;

pub(crate) const AUTHENTICATE: &str = "authenticate";

/// Which tokens the server accepts, and how it says so.
#[derive(Clone, Debug, Default)]
pub struct TokenCheck {
    /// Tokens the server accepts; every other Bearer token is refused.
    pub accepted: Vec<String>,
    /// Offer an `authenticate` tool (argument `token`); then the HTTP layer lets every
    /// request through and the tool answers.
    pub authenticate_tool: bool,
}

impl TokenCheck {
    fn accepts(&self, token: &str) -> bool {
        self.accepted.iter().any(|t| t == token)
    }
}

/// 401 for a Bearer token the server does not accept (unless the tool does the checking).
pub(crate) async fn layer(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(check) = app.config.token_check.as_ref().filter(|c| !c.authenticate_tool) else {
        return next.run(req).await;
    };
    let presented = req.headers().get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or_default().to_string());
    match presented {
        None => next.run(req).await,
        Some(value) if value.strip_prefix("Bearer ").is_some_and(|t| check.accepts(t)) => next.run(req).await,
        Some(_) => {
            (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")], "invalid token")
                .into_response()
        }
    }
}

/// The `authenticate` tool, when configured.
pub(crate) fn tools(app: &App) -> Vec<Tool> {
    if !app.config.token_check.as_ref().is_some_and(|c| c.authenticate_tool) {
        return Vec::new();
    }
    let tool = json!({
        "name": AUTHENTICATE,
        "description": "Check an agentView credential: who it belongs to, its scope and expiry.",
        "inputSchema": {"type": "object", "properties": {"token": {"type": "string"}}, "required": ["token"]}
    });
    serde_json::from_value(tool).into_iter().collect()
}

/// Answer an `authenticate` call.
pub(crate) fn authenticate(app: &App, args: &Map<String, Value>) -> CallToolResult {
    let token = args.get("token").and_then(Value::as_str).unwrap_or_default();
    let accepted = app.config.token_check.as_ref().is_some_and(|c| c.accepts(token));
    let v = if accepted {
        let answer = json!({
            "authenticated": true,
            "user": {"name": "Ada Lovelace", "email": "ada@example.com", "id": "usr_0001"},
            "scope": "read write",
            "expiresAt": "2031-01-01T00:00:00Z"
        });
        json!({"content": [{"type": "text", "text": answer.to_string()}], "structuredContent": answer, "isError": false})
    } else {
        json!({"content": [{"type": "text", "text": "invalid or revoked token"}], "isError": true})
    };
    serde_json::from_value(v).unwrap_or_default()
}
