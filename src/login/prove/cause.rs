//! Why a server refused a new token, read from its `WWW-Authenticate` challenge (RFC 6750
//! section 3.1) and the token itself, and the setting that fixes it at the provider in question.

use crate::login::oauth::shared::discovery::Challenge;
use crate::login::oauth::shared::error::ErrorCode;
use crate::login::oauth::shared::provider::Provider;
use crate::login::oauth::unattended::jwt;
use crate::secret::Secret;

/// The likely cause, as the server or the token shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The token was issued for another audience than this server's API.
    WrongAudience,
    /// The token lacks a scope the server wants (`insufficient_scope`), named where the server did.
    MissingScope(Option<String>),
    /// The server says the token is not valid, and no more.
    InvalidToken,
    /// The server refused without saying why.
    Refused,
}

/// What the login says: the cause in words, and what to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub cause: Cause,
    /// One line: the cause, with the server's own words.
    pub said: String,
    /// The setting that fixes it.
    pub fix: String,
}

/// What the login asked for: the `resource` sent (or none), the scope granted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent<'a> {
    pub resource: Option<&'a str>,
    pub scope: Option<&'a str>,
}

/// Read the refusal of `token` (what the login got from `provider`, as `sent` says).
pub fn diagnose(challenge: Option<&Challenge>, provider: Provider, token: &Secret, sent: Sent<'_>) -> Diagnosis {
    let description = challenge.and_then(|c| c.description.clone());
    let claims = jwt::claims(token.expose()).ok();
    let audiences: Vec<String> = match claims.as_ref().and_then(|c| c.get("aud")) {
        Some(serde_json::Value::String(aud)) => vec![aud.clone()],
        Some(serde_json::Value::Array(list)) => list.iter().filter_map(|a| a.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let error = challenge.and_then(|c| c.error.clone());
    let about_audience = description.as_deref().is_some_and(|d| d.to_ascii_lowercase().contains("audience"));
    let cause = match error {
        Some(ErrorCode::InsufficientScope) => Cause::MissingScope(challenge.and_then(|c| c.scope.clone())),
        _ if about_audience => Cause::WrongAudience,
        // A token that is no JWT where the provider issues JWTs for an API only when asked
        // (Auth0's opaque token for /userinfo) is for another audience too.
        Some(ErrorCode::InvalidToken) if claims.is_none() && provider == Provider::Auth0 => Cause::WrongAudience,
        Some(ErrorCode::InvalidToken) => Cause::InvalidToken,
        _ => Cause::Refused,
    };
    let server_says = description.map(|d| format!(" (the server says: {d})")).unwrap_or_default();
    let token_for = match audiences.as_slice() {
        [] if claims.is_none() => "; the token is opaque, not a JWT for an API".to_string(),
        [] => String::new(),
        list => format!("; the token is for {}", crate::sanitize::line(&list.join(" "), 200)),
    };
    let said = match &cause {
        Cause::WrongAudience => format!("wrong audience{server_says}{token_for}"),
        Cause::MissingScope(Some(scope)) => {
            format!("missing scope \"{}\"{server_says}", crate::sanitize::line(scope, 200))
        }
        Cause::MissingScope(None) => format!("missing scope{server_says}"),
        Cause::InvalidToken => format!("invalid token{server_says}{token_for}"),
        Cause::Refused => format!("the server gave no reason{token_for}"),
    };
    Diagnosis { fix: fix(&cause, provider, sent), cause, said }
}

/// The setting that fixes `cause` at `provider`.
fn fix(cause: &Cause, provider: Provider, sent: Sent<'_>) -> String {
    let resource =
        sent.resource.map(|r| crate::sanitize::line(r, 200)).unwrap_or_else(|| "the API's identifier".into());
    let audience = format!(
        "name the API as the audience: --authorize-param audience=IDENTIFIER (authorize_params = {{ audience = \"…\" }} \
         in config.toml; the API's identifier as the provider shows it, often {resource})"
    );
    match (cause, provider) {
        (Cause::MissingScope(wanted), _) => {
            // What was granted and what the server wants (MCP authorization, step-up).
            let mut union: Vec<&str> = sent.scope.unwrap_or_default().split_whitespace().collect();
            for scope in wanted.as_deref().unwrap_or("…").split_whitespace() {
                if !union.contains(&scope) {
                    union.push(scope);
                }
            }
            let scope = crate::sanitize::line(&union.join(" "), 300);
            format!("ask for it: --scope \"{scope}\" (scope = \"…\" in config.toml)")
        }
        (_, Provider::Auth0) => audience,
        (Cause::WrongAudience | Cause::InvalidToken, Provider::Entra) => {
            "ask for the API's own scope: --scope api://<application id of the API>/.default (scope = \"…\" in \
             config.toml); a token for OpenID scopes alone is Microsoft Graph's"
                .into()
        }
        (Cause::WrongAudience, Provider::Okta) => {
            "the Okta authorization server's audience must be the API's: log in at the authorization server the \
             API trusts (its admin sets the audience)"
                .into()
        }
        (Cause::WrongAudience | Cause::InvalidToken, Provider::Google) => {
            "the API takes tokens of its own OAuth client: log in with --client-id of that client (client_id = \"…\" \
             in config.toml)"
                .into()
        }
        (Cause::WrongAudience, Provider::Generic) => format!(
            "name the resource the server expects: --resource URI (resource = \"…\" in config.toml), or, where the \
             authorization server wants an audience (Auth0), {audience}"
        ),
        _ => format!(
            "where the authorization server issues a token for an API only when asked (Auth0), {audience}; where it \
             wants another resource, --resource URI"
        ),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn challenge(error: &str, description: Option<&str>, scope: Option<&str>) -> Challenge {
        Challenge {
            error: Some(ErrorCode::parse(error)),
            description: description.map(str::to_string),
            scope: scope.map(str::to_string),
            ..Challenge::default()
        }
    }

    fn sent(resource: Option<&str>) -> Sent<'_> {
        Sent { resource, scope: None }
    }

    fn jwt_for(aud: &str) -> Secret {
        let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        Secret::new(format!(
            "{}.{}.c2ln",
            part(serde_json::json!({"alg": "RS256"})),
            part(serde_json::json!({"aud": aud}))
        ))
    }

    #[test]
    fn an_opaque_token_at_auth0_wants_an_audience() {
        let refused = challenge("invalid_token", Some("the access token is not valid here: ERR_JWS_INVALID"), None);
        let opaque = Secret::new("opaque-token");
        let d = diagnose(Some(&refused), Provider::Auth0, &opaque, sent(Some("https://mcp.example/mcp")));
        assert_eq!(d.cause, Cause::WrongAudience);
        assert!(d.fix.contains("--authorize-param audience=") && d.fix.contains("https://mcp.example/mcp"), "{d:?}");
        assert!(d.said.contains("opaque"), "{d:?}");
        // Without the profile the same refusal still points at the audience, among the causes.
        let d = diagnose(Some(&refused), Provider::Generic, &opaque, sent(Some("https://mcp.example/mcp")));
        assert_eq!(d.cause, Cause::InvalidToken);
        assert!(d.fix.contains("audience"), "{d:?}");
    }

    #[test]
    fn the_servers_words_decide_the_cause() {
        let audience = challenge("invalid_token", Some("the access token is for another audience (api://x)"), None);
        let d =
            diagnose(Some(&audience), Provider::Entra, &jwt_for("00000003-0000-0000-c000-000000000000"), sent(None));
        assert_eq!(d.cause, Cause::WrongAudience);
        assert!(d.fix.contains("/.default"), "{d:?}");
        assert!(d.said.contains("00000003-0000-0000-c000-000000000000"), "the token's audience: {d:?}");
        let scope = challenge("insufficient_scope", None, Some("mcp:tools"));
        let granted = Sent { scope: Some("openid mcp:read"), ..Sent::default() };
        let d = diagnose(Some(&scope), Provider::Okta, &jwt_for("api://default"), granted);
        assert_eq!(d.cause, Cause::MissingScope(Some("mcp:tools".into())));
        assert!(d.fix.contains("--scope \"openid mcp:read mcp:tools\""), "granted and wanted: {d:?}");
        let d = diagnose(None, Provider::Generic, &jwt_for("x"), sent(None));
        assert_eq!(d.cause, Cause::Refused);
        let wrong = challenge("invalid_token", Some("audience mismatch"), None);
        let d = diagnose(
            Some(&wrong),
            Provider::Generic,
            &jwt_for("https://other.example"),
            sent(Some("https://mcp.example")),
        );
        assert!(d.fix.contains("--resource URI"), "{d:?}");
    }
}
