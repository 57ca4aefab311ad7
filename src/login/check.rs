//! Asking the server whether it accepts a credential (`status --check`, and every OAuth login
//! before it says "Logged in"), and reading what it answered.
//!
//! An agentView server that offers an `authenticate` tool is asked through it, and its answer
//! says who the credential belongs to. Any other MCP server is asked the plain way: an
//! `initialize` and a `tools/list` carrying `Authorization: Bearer <token>`; HTTP 401 or 403
//! means the credential was refused.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Map, Value, json};

use crate::clock::iso8601;
use crate::error::Exit;

use crate::login::oauth::shared::discovery::{Challenge, parse_challenge};
use crate::login::oauth::shared::step_up;
use crate::login::session::fields::{Authenticated, parse_authenticated};
use crate::login::session::remote::VERSION;
use crate::mcp::{HttpTransport, McpClient, McpError, Tool, TransportConfig};
use crate::run::Run;
use crate::store::{Credential, CredentialKind, UserInfo};

/// The tool an agentView server answers "who is this credential?" with.
pub const AUTHENTICATE: &str = "authenticate";

const TOKEN_ARGS: [&str; 5] = ["token", "access_token", "accessToken", "bearer_token", "bearerToken"];
const SESSION_ARGS: [&str; 2] = ["session_request_id", "sessionRequestId"];

/// The server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted(Accepted),
    /// The server refused the credential; the reason is sanitized for the terminal, the
    /// challenge (`WWW-Authenticate`) says why where the server said.
    Rejected {
        reason: String,
        challenge: Option<Challenge>,
    },
    /// No usable answer: unreachable, or not speaking MCP as expected.
    Unreachable {
        reason: String,
    },
}

/// What an accepting server said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Accepted {
    /// `authenticate` or `tools/list`: how the answer was obtained.
    pub via: &'static str,
    pub user: Option<UserInfo>,
    pub scope: Option<String>,
    /// Unix seconds, when the server said.
    pub expires_at: Option<u64>,
}

/// Ask the server about `credential`. Never retried: a check is a question, not a login.
pub async fn check(run: &Run, credential: &Credential) -> Verdict {
    let settings = &run.settings;
    let mut headers = settings.headers.clone();
    // Both are Bearer tokens; a session id is not a header value, the tool takes it.
    if matches!(credential.kind(), CredentialKind::Bearer | CredentialKind::OAuth) {
        match HeaderValue::from_str(&format!("Bearer {}", credential.secret.expose())) {
            Ok(mut value) => {
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
            }
            Err(_) => {
                let reason = "the stored token cannot be sent as a header".into();
                return Verdict::Rejected { reason, challenge: None };
            }
        }
    }
    let config =
        TransportConfig { endpoint: settings.server.url().clone(), headers, request_timeout: settings.request_timeout };
    let http = match run.http() {
        Ok(http) => HttpTransport::on(http.clone(), config),
        Err(failure) => return Verdict::Unreachable { reason: failure.message },
    };
    // A 403 asking for more scope names the scopes and the login that gets them.
    let login = |scope: &str| format!("{} --scope \"{scope}\"", settings.command("login"));
    let granted = credential.oauth_grant().and_then(|g| g.scope.clone());
    let refused = |e| verdict_of(e, granted.as_deref(), &login);
    let mut client = match McpClient::connect_on(run.clock.clone(), http, VERSION).await {
        Ok(client) => client,
        Err(e) => return refused(e),
    };
    let verdict = match ask(&mut client, credential, run.clock.unix_now()).await {
        Err(e) => refused(e),
        Ok(verdict) => verdict,
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), client.close()).await;
    verdict
}

async fn ask(client: &mut McpClient, credential: &Credential, now: u64) -> Result<Verdict, McpError> {
    let tools = client.list_tools().await?;
    let Some(tool) = tools.iter().find(|t| t.name == AUTHENTICATE) else {
        return Ok(Verdict::Accepted(Accepted { via: "tools/list", ..Accepted::default() }));
    };
    let result = client.call_tool(AUTHENTICATE, arguments(tool, credential)).await?;
    Ok(read_answer(&result, now))
}

/// The credential under the argument name the tool's schema declares.
fn arguments(tool: &Tool, credential: &Credential) -> Value {
    let declared = tool.arguments();
    let names: &[&str] = match credential.kind() {
        CredentialKind::Bearer | CredentialKind::OAuth => &TOKEN_ARGS,
        CredentialKind::Session => &SESSION_ARGS,
    };
    let mut args = Map::new();
    if let Some(name) = names.iter().find(|n| declared.contains(n)) {
        args.insert((*name).to_string(), json!(credential.secret.expose()));
    }
    Value::Object(args)
}

/// What a failed exchange says about the credential; `login(scope)` is the command that gets
/// the scopes a 403 `insufficient_scope` asks for (with those `granted`).
fn verdict_of(error: McpError, granted: Option<&str>, login: &dyn Fn(&str) -> String) -> Verdict {
    match error {
        McpError::AuthRequired { status, challenge } => Verdict::Rejected {
            reason: match step_up::challenged_in(status, challenge.as_deref()) {
                Some(wanted) => format!(
                    "the server needs the scope \"{wanted}\", which the credential lacks (HTTP 403): log in with `{}`",
                    login(&step_up::union(granted, &wanted))
                ),
                None => format!("the server refused the credential (HTTP {status})"),
            },
            challenge: challenge.as_deref().and_then(parse_challenge),
        },
        other => Verdict::Unreachable { reason: other.to_string() },
    }
}

/// Read an `authenticate` result (the session tools' reader reads it): a refusal, or what the
/// server said about the credential.
pub fn read_answer(result: &Value, now: u64) -> Verdict {
    match parse_authenticated(result, now) {
        Authenticated::Refused(reason) => Verdict::Rejected { reason, challenge: None },
        Authenticated::Accepted { user, scope, expires_at } => {
            Verdict::Accepted(Accepted { via: AUTHENTICATE, user, scope, expires_at })
        }
    }
}

/// The exit code of a check: accepted → 0, refused → 4 (not logged in), no answer → 7 (server).
pub fn exit_of(verdict: &Verdict) -> Exit {
    match verdict {
        Verdict::Accepted(_) => Exit::Ok,
        Verdict::Rejected { .. } => Exit::NotLoggedIn,
        Verdict::Unreachable { .. } => Exit::Server,
    }
}

pub fn to_json(verdict: &Verdict) -> Value {
    match verdict {
        Verdict::Accepted(a) => json!({
            "result": "accepted",
            "via": a.via,
            "user": a.user.as_ref().map(UserInfo::to_json).unwrap_or(Value::Null),
            "scope": a.scope,
            "expires_at": a.expires_at.map(iso8601),
            "expires_at_unix": a.expires_at,
        }),
        Verdict::Rejected { reason, .. } => json!({"result": "rejected", "reason": reason}),
        Verdict::Unreachable { reason } => json!({"result": "unreachable", "reason": reason}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_result_is_a_refusal() {
        let result = json!({"content": [{"type": "text", "text": "invalid token"}], "isError": true});
        assert_eq!(read_answer(&result, 0), Verdict::Rejected { reason: "invalid token".into(), challenge: None });
        let result = json!({"content": [], "structuredContent": {"valid": false}});
        assert!(matches!(read_answer(&result, 0), Verdict::Rejected { .. }));
    }

    #[test]
    fn a_403_for_more_scope_names_the_scopes_and_the_login() {
        let login = |scope: &str| format!("agentview login --scope \"{scope}\"");
        let challenge = Some(r#"Bearer error="insufficient_scope", scope="mcp:write""#.to_string());
        let verdict = verdict_of(McpError::AuthRequired { status: 403, challenge }, Some("mcp:read"), &login);
        let Verdict::Rejected { reason, .. } = verdict else { panic!("{verdict:?}") };
        assert!(reason.contains("\"mcp:write\""), "{reason}");
        assert!(reason.ends_with("`agentview login --scope \"mcp:read mcp:write\"`"), "{reason}");
        let plain = verdict_of(McpError::AuthRequired { status: 403, challenge: None }, None, &login);
        let Verdict::Rejected { reason, challenge: None } = plain else { panic!("{plain:?}") };
        assert_eq!(reason, "the server refused the credential (HTTP 403)");
    }

    #[test]
    fn user_scope_and_expiry_come_from_the_answer() {
        let answer = json!({"user": {"name": "Ada", "email": "ada@example.com"}, "scope": ["read", "write"],
            "expiresAt": "2030-01-01T00:00:00Z"});
        let result = json!({"content": [{"type": "text", "text": answer.to_string()}]});
        let Verdict::Accepted(accepted) = read_answer(&result, 0) else { panic!("accepted") };
        assert_eq!(accepted.user.and_then(|u| u.email).as_deref(), Some("ada@example.com"));
        assert_eq!(accepted.scope.as_deref(), Some("read write"));
        assert_eq!(accepted.expires_at, Some(1_893_456_000));
        let wrapped = json!({"content": [], "structuredContent": {"result": {"email": "b@example.com"}}});
        let Verdict::Accepted(accepted) = read_answer(&wrapped, 0) else { panic!("accepted") };
        assert_eq!(accepted.user.and_then(|u| u.email).as_deref(), Some("b@example.com"));
    }
}
