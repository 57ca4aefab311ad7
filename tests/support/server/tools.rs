//! The rmcp `ServerHandler`: tools/list schemas, create_auth_session / get_auth_session, result shapes, Patch / PolicyDeny.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};

use super::state::{App, approve_session, iso8601};
use super::{AuthStatus, Fault, Match, ResultShape, TokenMode};

pub(crate) const CREATE: &str = "create_auth_session";
pub(crate) const GET: &str = "get_auth_session";

#[derive(Clone, Debug)]
pub(crate) struct AuthTools {
    app: Arc<App>,
}

impl AuthTools {
    pub fn new(app: Arc<App>) -> AuthTools {
        AuthTools { app }
    }

    fn tools(&self) -> Vec<Tool> {
        let id = self.app.config.id_arg.name();
        let create = json!({
            "name": CREATE,
            "description": "Start an agentView sign-in. Returns a loginUrl for the user to open and a sessionRequestId to poll with get_auth_session.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "agent_identifier": {"type": "string", "description": "Name/version of the agent asking to sign in"},
                    "scope": {"type": "string", "description": "Optional requested scope"}
                },
                "required": ["agent_identifier"]
            }
        });
        let get = json!({
            "name": GET,
            "description": "Poll an agentView sign-in started with create_auth_session. Poll every 2-3 seconds.",
            "inputSchema": {
                "type": "object",
                "properties": { id: {"type": "string", "description": "The sessionRequestId from create_auth_session"} },
                "required": [id]
            }
        });
        let tools = [create, get].into_iter().filter_map(|t| serde_json::from_value(t).ok());
        let talking = if self.app.config.client_tools { super::client_tools::tools() } else { Vec::new() };
        tools.chain(super::token_check::tools(&self.app)).chain(talking).collect()
    }

    /// Consume a matching PolicyDeny / Patch fault for a call of `tool`.
    fn call_fault(&self, tool: &str) -> Option<Fault> {
        self.app.lock().take_fault(|f| match f {
            Fault::PolicyDeny { on, .. } | Fault::Patch { on, .. } => match on {
                Match::Any => true,
                Match::Method(m) => m == "tools/call",
                Match::Tool(t) => t == tool,
                Match::HttpGet | Match::HttpDelete => false,
            },
            _ => false,
        })
    }

    fn result(&self, object: Value, patch: Option<Value>) -> CallToolResult {
        let cfg = &self.app.config;
        let mut object = if cfg.shape == ResultShape::Snake { snake_keys(object) } else { object };
        if let Some(patch) = patch {
            object = merge(object, patch);
        }
        let text = object.to_string();
        let structured = match cfg.shape {
            _ if !cfg.structured => None,
            ResultShape::TextOnly => None,
            ResultShape::Wrapped => Some(json!({ "result": object })),
            ResultShape::Camel | ResultShape::Snake => Some(object),
        };
        let mut v = json!({ "content": [{"type": "text", "text": text}], "isError": false });
        if let Some(s) = structured {
            v["structuredContent"] = s;
        }
        serde_json::from_value(v).unwrap_or_default()
    }

    fn create(&self, args: &Map<String, Value>) -> Result<Value, ErrorData> {
        let agent = match args.get("agent_identifier") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                return Err(ErrorData::invalid_params("agent_identifier (string) is required", None));
            }
        };
        let scope = match args.get("scope") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(ErrorData::invalid_params("scope must be a string", None)),
        };
        let id = self.app.create_session(Some(agent), scope);
        let app = &self.app;
        Ok(json!({
            "sessionRequestId": id,
            "loginUrl": format!("{}/login/{id}", app.login_base),
            "pollUrl": format!("{}/login/{id}/status", app.base_url),
            "expiresIn": app.config.expires_in.clone().unwrap_or(json!(600)),
        }))
    }

    /// Ok(None) = unknown session.
    fn get(&self, args: &Map<String, Value>) -> Result<Option<Value>, ErrorData> {
        let name = self.app.config.id_arg.name();
        let Some(Value::String(id)) = args.get(name) else {
            return Err(ErrorData::invalid_params(format!("{name} (string) is required"), None));
        };
        let cfg = &self.app.config;
        let mut inner = self.app.lock();
        let Some(s) = inner.auth.iter_mut().find(|s| &s.id == id) else {
            return Ok(None);
        };
        s.polls += 1;
        let now = Instant::now();
        if let Some(n) = cfg.auto_approve_after_polls
            && s.polls >= n
            && s.status(now) == AuthStatus::Pending
        {
            approve_session(s, cfg, now);
        }
        let status = s.status(now);
        let mut v = json!({ "status": status.as_str(), "sessionRequestId": s.id });
        match status {
            AuthStatus::Pending => {
                let left = (s.created + s.window).saturating_duration_since(now).as_secs();
                v["expiresIn"] = json!(left);
            }
            AuthStatus::Active => {
                v["user"] = json!({"name": "Ada Lovelace", "email": "ada@example.com", "id": "usr_0001"});
                if cfg.token_mode == TokenMode::Bearer {
                    v["token"] = json!(s.token);
                    v["tokenExpiresAt"] = json!(iso8601(SystemTime::now() + Duration::from_secs(3600)));
                }
            }
            AuthStatus::Denied | AuthStatus::Expired => {}
        }
        if let Some(n) = cfg.poll_interval_hint {
            v["interval"] = json!(n);
        }
        Ok(Some(v))
    }
}

fn error_result(message: &str) -> CallToolResult {
    serde_json::from_value(json!({"content": [{"type": "text", "text": message}], "isError": true})).unwrap_or_default()
}

/// camelCase -> snake_case for top-level keys.
fn snake_keys(v: Value) -> Value {
    let Value::Object(map) = v else { return v };
    let conv = |k: &str| {
        let mut s = String::new();
        for c in k.chars() {
            if c.is_ascii_uppercase() {
                s.push('_');
                s.push(c.to_ascii_lowercase());
            } else {
                s.push(c);
            }
        }
        s
    };
    Value::Object(map.into_iter().map(|(k, v)| (conv(&k), v)).collect())
}

/// Merge `patch` over `base` (null removes); a non-object patch replaces the whole result.
fn merge(base: Value, patch: Value) -> Value {
    match (base, patch) {
        (Value::Object(mut b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(&k);
                } else {
                    b.insert(k, v);
                }
            }
            Value::Object(b)
        }
        (_, p) => p,
    }
}

impl ServerHandler for AuthTools {
    fn get_info(&self) -> rmcp::model::ServerConfig {
        rmcp::model::ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("agentview-local", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Local agentView-compatible test server: sign in with create_auth_session, then poll get_auth_session.",
            )
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools().into_iter().find(|t| t.name == name)
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self.tools();
        if !self.app.config.paginate_tools {
            return Ok(ListToolsResult::with_all_items(tools));
        }
        let page: usize = match request.and_then(|r| r.cursor) {
            None => 0,
            Some(c) => c
                .strip_prefix("page-")
                .and_then(|n| n.parse().ok())
                .filter(|n| *n < tools.len())
                .ok_or_else(|| ErrorData::invalid_params("invalid cursor", None))?,
        };
        let next = (page + 1 < tools.len()).then(|| format!("page-{}", page + 1));
        let v = json!({ "tools": [&tools[page]], "nextCursor": next });
        serde_json::from_value(v).map_err(|e| ErrorData::internal_error(e.to_string(), None))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        if self.app.config.client_tools && super::client_tools::tools().iter().any(|t| t.name == name) {
            let args = request.arguments.unwrap_or_default();
            return super::client_tools::call(&name, &args, &context).await.map(Into::into);
        }
        if name == super::token_check::AUTHENTICATE && !super::token_check::tools(&self.app).is_empty() {
            return Ok(super::token_check::authenticate(&self.app, &request.arguments.unwrap_or_default()).into());
        }
        if name != CREATE && name != GET {
            return Err(ErrorData::invalid_params(format!("unknown tool: {name}"), None));
        }
        let args = request.arguments.unwrap_or_default();
        let patch = match self.call_fault(&name) {
            Some(Fault::PolicyDeny { message, .. }) => return Ok(error_result(&message).into()),
            Some(Fault::Patch { patch, .. }) => Some(patch),
            _ => None,
        };
        let object = if name == CREATE {
            self.create(&args)?
        } else {
            match self.get(&args)? {
                Some(v) => v,
                None => return Ok(error_result("unknown session").into()),
            }
        };
        Ok(self.result(object, patch).into())
    }
}
