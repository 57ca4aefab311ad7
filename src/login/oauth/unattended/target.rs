//! What the grants without a person share (client credentials, the JWT-bearer grant of
//! enterprise-managed authorization): the server's metadata read for them, the scope, the
//! token request, and the credential they make. Such a grant has no refresh token: it renews by
//! running again.

use reqwest::Url;
use serde_json::{Map, Value};

use super::audience::Audience;
use crate::http::Http;
use crate::login::oauth::shared::discovery::{self, ProtectedResource, endpoint_url, string, strings};
use crate::login::oauth::shared::error::{ErrorCode, OAuthError};
use crate::login::oauth::shared::methods::AuthMethods;
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::{Tokens, parse_tokens};
use crate::login::oauth::shared::trust;
use crate::server_url::Reach;
use crate::server_url::ServerUrl;
use crate::store::{Credential, Flow, GrantAuth, OAuthGrant};

/// `grant_type` of OAuth client credentials.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";
/// `grant_type` of the JWT-bearer grant (RFC 7523 section 2.1).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An authorization server (or an identity provider) as a grant without a person needs it. Its
/// metadata need not describe a browser login: no PKCE or authorization endpoint is required.
#[derive(Debug, Clone)]
pub struct TokenServer {
    pub issuer: String,
    pub token_endpoint: Url,
    pub revocation_endpoint: Option<Url>,
    /// `grant_types_supported`, when the server lists it.
    pub grant_types: Option<Vec<String>>,
    pub auth_methods: AuthMethods,
    /// `token_endpoint_auth_signing_alg_values_supported`.
    pub signing_algs: Vec<String>,
    pub scopes_supported: Vec<String>,
    /// For a sign-in in the browser (an identity provider's).
    pub authorization_endpoint: Option<Url>,
    /// RFC 9207: the redirect carries `iss`.
    pub iss_supported: bool,
    /// `S256` is among `code_challenge_methods_supported`.
    pub s256: bool,
    /// The user pinned this server (`AGENTVIEW_AUTH_SERVER`): it may be sent an assertion or a
    /// workload token whose audience does not name it.
    pub pinned: bool,
}

impl TokenServer {
    /// The metadata of `issuer` (RFC 8414, or OpenID Connect discovery), its endpoints no closer
    /// in than `reach`.
    pub async fn discover(http: &Http, issuer: &str, reach: Reach) -> Result<TokenServer, OAuthError> {
        let doc = discovery::auth_server_document(http, issuer, reach).await?;
        TokenServer::parse(&doc, issuer, reach)
    }

    pub fn parse(doc: &Map<String, Value>, issuer: &str, reach: Reach) -> Result<TokenServer, OAuthError> {
        const WHAT: &str = "the authorization server metadata";
        let optional = |name: &str| -> Result<Option<Url>, OAuthError> {
            string(doc, name).map(|raw| endpoint_url(&raw, name, reach)).transpose()
        };
        let token_endpoint =
            optional("token_endpoint")?.ok_or_else(|| OAuthError::invalid(WHAT, "it has no token_endpoint"))?;
        Ok(TokenServer {
            issuer: issuer.to_string(),
            token_endpoint,
            revocation_endpoint: optional("revocation_endpoint")?,
            grant_types: doc.get("grant_types_supported").map(|_| strings(doc, "grant_types_supported")),
            auth_methods: AuthMethods::parse(&strings(doc, "token_endpoint_auth_methods_supported")),
            signing_algs: strings(doc, "token_endpoint_auth_signing_alg_values_supported"),
            scopes_supported: strings(doc, "scopes_supported"),
            authorization_endpoint: optional("authorization_endpoint")?,
            iss_supported: doc.get("authorization_response_iss_parameter_supported").and_then(Value::as_bool)
                == Some(true),
            s256: strings(doc, "code_challenge_methods_supported").iter().any(|m| m == "S256"),
            pinned: false,
        })
    }

    /// Where a token someone else issued would go: this server, as a fresh login vets it.
    pub fn audience(&self) -> Audience<'_> {
        Audience { issuer: &self.issuer, token_endpoint: &self.token_endpoint, pinned: self.pinned }
    }

    /// Refuse a grant the server says it does not offer, before anything secret is sent. A server
    /// that lists no grant types may still offer it.
    pub fn require_grant(&self, grant_type: &str, name: &str) -> Result<(), OAuthError> {
        match &self.grant_types {
            Some(listed) if !listed.iter().any(|g| g == grant_type) => Err(OAuthError::Refused(format!(
                "the authorization server {} does not offer {name} (its grant_types_supported: {}); nothing was sent",
                crate::sanitize::line(&self.issuer, 200),
                if listed.is_empty() { "none".to_string() } else { crate::sanitize::line(&listed.join(", "), 200) }
            ))),
            _ => Ok(()),
        }
    }
}

/// The MCP server a grant without a person is for.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The server, and the key its credential is kept under.
    pub server: &'a ServerUrl,
    /// The authorization server (issuer) the user pinned (`AGENTVIEW_AUTH_SERVER`).
    pub pinned: Option<&'a str>,
    /// A client secret from the environment goes along (the variable that holds it): then only
    /// to an authorization server on the server's own site, unless one is pinned.
    pub secret_from: Option<&'static str>,
}

impl<'a> Destination<'a> {
    /// The server of `settings`, with the pin they carry.
    pub fn of(settings: &'a crate::settings::Settings) -> Destination<'a> {
        Destination { server: &settings.server, pinned: settings.auth_server.as_deref(), secret_from: None }
    }

    /// `server`, with nothing pinned.
    pub fn unpinned(server: &'a ServerUrl) -> Destination<'a> {
        Destination { server, pinned: None, secret_from: None }
    }
}

/// The MCP server's resource and its authorization server, for a grant without a person.
#[derive(Debug, Clone)]
pub struct Target {
    pub resource: ProtectedResource,
    pub server: TokenServer,
}

/// Find the server's protected-resource metadata and its authorization server, as the browser
/// login does (the same checks, the same `resource`). With an authorization server pinned,
/// another one the server names is refused here, before anything secret is sent.
/// A server that names an authorization server the pin excludes, or one off its own site while a
/// client secret from the environment would go there, is refused before that server is asked
/// anything.
pub async fn discover(http: &Http, to: Destination<'_>) -> Result<Target, OAuthError> {
    let server = to.server.url();
    let resource = discovery::protected_resource(http, server, None).await?.ok_or_else(|| {
        let urls = discovery::resource_metadata_urls(server).iter().map(|u| u.to_string()).collect::<Vec<_>>();
        OAuthError::NotOffered(format!(
            "{} offers no OAuth: no protected-resource metadata at {}",
            crate::sanitize::line(server.as_str(), 200),
            urls.join(" or ")
        ))
    })?;
    let issuer =
        resource.authorization_servers.first().cloned().ok_or_else(|| {
            OAuthError::invalid("the protected-resource metadata", "it names no authorization_servers")
        })?;
    trust::check_pinned(server, &issuer, to.pinned)?;
    if let Some(variable) = to.secret_from {
        trust::check_home(server, &issuer, to.pinned, variable)?;
    }
    let mut found = TokenServer::discover(http, &issuer, Reach::of(server.host_str().unwrap_or_default())).await?;
    found.pinned = to.pinned.is_some();
    Ok(Target { resource, server: found })
}

/// The scope to ask for, as the browser login chooses it (the user's, else everything the
/// resource lists), without `offline_access`: these grants renew by running again.
pub fn choose_scope(requested: Option<&str>, resource: &ProtectedResource) -> Option<String> {
    let base = requested.map(str::to_string).or_else(|| {
        let all = &resource.scopes_supported;
        (!all.is_empty()).then(|| all.join(" "))
    })?;
    let mut scopes: Vec<&str> = base.split_whitespace().filter(|s| *s != "offline_access").collect();
    scopes.dedup();
    (!scopes.is_empty()).then(|| scopes.join(" "))
}

/// One token request of a grant without a person (`form` holds the grant's own parameters),
/// with the client's authentication. A refusal of the client is said with its id, never its
/// secret; a refresh token, which these grants do not use, is dropped.
pub async fn token_request(
    http: &Http,
    token_endpoint: &Url,
    client: &Client,
    mut form: Vec<(&str, &str)>,
) -> Result<Tokens, OAuthError> {
    const WHAT: &str = "the token endpoint";
    let basic = client.authenticate(&mut form);
    let reply = http.post_form(token_endpoint, &form, basic, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    match parse_tokens(&reply) {
        Ok(tokens) => Ok(Tokens { refresh_token: None, ..tokens }),
        Err(OAuthError::Rejected { error, description })
            if matches!(error, ErrorCode::InvalidClient | ErrorCode::UnauthorizedClient | ErrorCode::InvalidGrant) =>
        {
            Err(OAuthError::ClientRefused {
                client_id: crate::sanitize::line(&client.client_id, 200),
                error,
                description,
            })
        }
        Err(e) => Err(e),
    }
}

/// The credential a grant without a person (`flow`) made for `server`, its client authenticating
/// as `auth`. A client's secret is kept with it; an assertion made for the one request is not.
#[allow(clippy::too_many_arguments, reason = "the parts of one credential, each named")]
pub fn credential(
    server: &ServerUrl,
    target: &Target,
    client: &Client,
    auth: GrantAuth,
    flow: Flow,
    tokens: Tokens,
    scope: Option<String>,
    now: u64,
) -> Credential {
    let grant = OAuthGrant {
        refresh_token: None,
        issuer: target.server.issuer.clone(),
        client_id: client.client_id.clone(),
        client_secret: client.client_secret.clone().filter(|_| auth.jwt().is_none()),
        client_auth: auth,
        token_endpoint: target.server.token_endpoint.clone(),
        revocation_endpoint: target.server.revocation_endpoint.clone(),
        resource: Some(target.resource.resource.clone()),
        scope: tokens.scope.or(scope),
        flow,
        from_environment: false,
    };
    let expires_at = tokens.expires_in.map(|s| now.saturating_add(s));
    Credential::oauth(server.clone(), tokens.access_token, expires_at, grant, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(doc: Value) -> Result<TokenServer, OAuthError> {
        let Value::Object(map) = doc else { panic!("an object") };
        TokenServer::parse(&map, "https://as.example", Reach::Public)
    }

    #[test]
    fn metadata_without_a_browser_login_is_enough() {
        let server = parsed(json!({
            "issuer": "https://as.example",
            "token_endpoint": "https://as.example/token",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        }))
        .expect("usable");
        assert!(server.authorization_endpoint.is_none() && !server.s256);
        assert_eq!(server.signing_algs, ["ES256"]);
        server.require_grant(CLIENT_CREDENTIALS, "client credentials").expect("offered");
        let refused = server.require_grant(JWT_BEARER, "the JWT-bearer grant").expect_err("not offered");
        assert!(refused.to_string().contains("client_credentials"), "{refused}");
        assert!(parsed(json!({"issuer": "https://as.example"})).is_err(), "no token endpoint");
        let unlisted = parsed(json!({"token_endpoint": "https://as.example/token"})).expect("usable");
        unlisted.require_grant(CLIENT_CREDENTIALS, "client credentials").expect("not listed: may be offered");
        let elsewhere = parsed(json!({"token_endpoint": "http://127.0.0.1/token"}));
        assert!(elsewhere.is_err(), "endpoints are held to the same rules as the browser login's");
    }

    #[test]
    fn scopes_leave_out_offline_access() {
        let resource = |scopes: &[&str]| ProtectedResource {
            resource: "https://a.example/mcp".into(),
            authorization_servers: vec![],
            scopes_supported: scopes.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(choose_scope(None, &resource(&["mcp:read", "offline_access"])).as_deref(), Some("mcp:read"));
        assert_eq!(choose_scope(Some("mine"), &resource(&["mcp:read"])).as_deref(), Some("mine"));
        assert_eq!(choose_scope(None, &resource(&[])), None);
        assert_eq!(choose_scope(Some("offline_access"), &resource(&[])), None);
    }
}
