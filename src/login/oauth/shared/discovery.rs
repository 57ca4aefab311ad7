//! Finding the authorization server: the 401 challenge, protected-resource metadata (RFC 9728)
//! and authorization-server metadata (RFC 8414), with the checks that keep a token from being
//! issued for, or sent to, the wrong party.

use reqwest::Url;
use serde_json::{Map, Value};

use super::error::{ErrorCode, OAuthError, json_object};
use super::methods::AuthMethods;
use super::provider::{Provider, issuer_matches};
use crate::http::Http;
use crate::server_url::Reach;

/// `grant_type` of the device authorization grant (RFC 8628), as metadata and registrations name
/// it (the grant itself is `login::oauth::device`).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What a `WWW-Authenticate: Bearer …` challenge told us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Challenge {
    pub resource_metadata: Option<String>,
    pub scope: Option<String>,
    pub error: Option<ErrorCode>,
    /// `error_description`, made safe for a terminal.
    pub description: Option<String>,
}

/// Parse the Bearer challenge of a `WWW-Authenticate` header (RFC 6750 section 3), if any.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let start = header.to_ascii_lowercase().find("bearer")?;
    let mut rest = &header[start + "bearer".len()..];
    let mut challenge = Challenge::default();
    loop {
        rest = rest.trim_start_matches([' ', ',', '\t']);
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim().to_ascii_lowercase();
        if name.contains(' ') {
            // The next scheme begins ("Basic realm=…"): the Bearer parameters are over.
            break;
        }
        rest = &rest[eq + 1..];
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, next)) = chars.next() {
                            out.push(next);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            value = out;
            rest = &quoted[end.min(quoted.len())..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        match name.as_str() {
            "resource_metadata" => challenge.resource_metadata = Some(value),
            "scope" => challenge.scope = Some(value),
            "error" => challenge.error = Some(ErrorCode::parse(&value)),
            "error_description" => challenge.description = Some(crate::sanitize::line(&value, 300)),
            _ => {}
        }
    }
    Some(challenge)
}

/// Protected-resource metadata, checked.
#[derive(Debug, Clone)]
pub struct ProtectedResource {
    pub resource: String,
    pub authorization_servers: Vec<String>,
    pub scopes_supported: Vec<String>,
}

/// Authorization-server metadata, checked. What a login in the browser needs of it (an
/// authorization endpoint, PKCE with S256) is checked by [`AuthServer::browser_refusal`]: a
/// server with only the device grant (RFC 8628) has neither, and is usable for that.
#[derive(Debug, Clone)]
pub struct AuthServer {
    pub issuer: String,
    pub authorization_endpoint: Option<Url>,
    pub token_endpoint: Url,
    pub registration_endpoint: Option<Url>,
    pub revocation_endpoint: Option<Url>,
    /// OpenID Connect's UserInfo endpoint, where it passes the checks every endpoint does (who
    /// the person is, for display only).
    pub userinfo_endpoint: Option<Url>,
    /// RFC 8628: where a device login asks for its codes.
    pub device_authorization_endpoint: Option<Url>,
    /// `grant_types_supported`, when the server lists it.
    pub grant_types: Option<Vec<String>>,
    /// `code_challenge_methods_supported`; `None` where PKCE is assumed (the default endpoints
    /// of a server from before protected-resource metadata).
    pub pkce_methods: Option<Vec<String>>,
    pub scopes_supported: Vec<String>,
    pub token_auth_methods: AuthMethods,
    /// RFC 9207: the redirect carries `iss`.
    pub iss_supported: bool,
    pub cimd_supported: bool,
    /// An OpenID Connect provider (its metadata names ID token algorithms, as OpenID Connect
    /// Discovery requires): `offline_access` there needs `prompt=consent` (OIDC Core §11).
    pub openid: bool,
    /// `prompt_values_supported` (OpenID Connect Prompt Create; RFC 8414 registry): a login to
    /// a second account asks for `select_account` only where it is listed.
    pub prompt_values: Vec<String>,
}

/// For unit tests: a server at `https://as.example` with the usual endpoints (authorize, token),
/// PKCE with S256, and nothing else; a test changes what it is about with `..example()`.
#[cfg(test)]
impl AuthServer {
    pub fn example() -> AuthServer {
        let url = |p: &str| Url::parse(&format!("https://as.example{p}")).expect("url");
        AuthServer {
            issuer: "https://as.example".into(),
            authorization_endpoint: Some(url("/authorize")),
            token_endpoint: url("/token"),
            registration_endpoint: None,
            revocation_endpoint: None,
            userinfo_endpoint: None,
            device_authorization_endpoint: None,
            grant_types: None,
            pkce_methods: Some(vec!["S256".into()]),
            scopes_supported: Vec::new(),
            token_auth_methods: AuthMethods::default(),
            iss_supported: false,
            cimd_supported: false,
            openid: false,
            prompt_values: Vec::new(),
        }
    }
}

impl AuthServer {
    /// Why a login in the browser cannot use this server: no PKCE with S256 (agentview does not
    /// log in without it), or no authorization endpoint. `None`: it can.
    pub fn browser_refusal(&self) -> Option<OAuthError> {
        if let Some(methods) = &self.pkce_methods
            && !methods.iter().any(|m| m == "S256")
        {
            return Some(OAuthError::Refused(format!(
                "the authorization server {} does not support PKCE with S256 (code_challenge_methods_supported: {}); \
                 agentview does not log in without it",
                crate::sanitize::line(&self.issuer, 200),
                if methods.is_empty() {
                    "missing".to_string()
                } else {
                    crate::sanitize::line(&methods.join(", "), 100)
                }
            )));
        }
        if self.authorization_endpoint.is_none() {
            return Some(OAuthError::invalid("the authorization server metadata", "it has no authorization_endpoint"));
        }
        None
    }

    /// Whether the server offers the device authorization grant (RFC 8628): it names a device
    /// endpoint, and does not leave the grant out of the grant types it lists.
    pub fn offers_device(&self) -> bool {
        self.device_authorization_endpoint.is_some() && self.lists_grant(DEVICE_CODE_GRANT)
    }

    /// Whether `grant_type` may be asked for: listed, or no list at all.
    pub fn lists_grant(&self, grant_type: &str) -> bool {
        self.grant_types.as_ref().is_none_or(|listed| listed.iter().any(|g| g == grant_type))
    }
}

/// Everything discovery found: the resource, its authorization server, the challenged scope.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub resource: ProtectedResource,
    pub server: AuthServer,
    pub challenge: Option<Challenge>,
    /// The provider whose profile the login follows: the user's setting, else the issuer's host.
    pub provider: Provider,
}

/// The canonical form of a server URL (RFC 8707 / MCP): lowercase scheme and host, no default
/// port, no fragment, no trailing slash.
pub fn canonical(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    let text = url.to_string();
    text.strip_suffix('/').map(str::to_string).unwrap_or(text)
}

/// Whether a protected-resource metadata `resource` stands for `server`: the same origin, and
/// the server's path is the resource's path or below it (metadata served for the whole origin).
pub fn covers(resource: &str, server: &Url) -> bool {
    let Ok(resource) = Url::parse(resource) else { return false };
    if resource.fragment().is_some() || resource.origin() != server.origin() {
        return false;
    }
    let base = resource.path().trim_end_matches('/');
    let path = server.path().trim_end_matches('/');
    path == base || path.strip_prefix(base).is_some_and(|rest| rest.starts_with('/'))
}

/// `<origin>/.well-known/oauth-protected-resource<path>`, then the origin's root document.
pub fn resource_metadata_urls(server: &Url) -> Vec<Url> {
    let path = server.path().trim_end_matches('/');
    let mut urls = Vec::new();
    for suffix in [path, ""] {
        let mut url = server.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.set_path(&format!("/.well-known/oauth-protected-resource{suffix}"));
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

/// The metadata URLs to try for an issuer, in the order the MCP specification gives.
pub fn auth_server_metadata_urls(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    let with = |p: String| {
        let mut url = issuer.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.set_path(&p);
        url
    };
    if path.is_empty() {
        vec![with("/.well-known/oauth-authorization-server".into()), with("/.well-known/openid-configuration".into())]
    } else {
        vec![
            with(format!("/.well-known/oauth-authorization-server{path}")),
            with(format!("/.well-known/openid-configuration{path}")),
            with(format!("{path}/.well-known/openid-configuration")),
        ]
    }
}

/// Find the server's OAuth setup for a login in the browser. `Ok(None)`: the server offers no
/// OAuth (no metadata found). An authorization server the browser's login cannot use (no PKCE
/// with S256, no authorization endpoint) is refused: [`AuthServer::browser_refusal`]. `provider`:
/// the user's setting, which wins over what the issuer's host says.
pub async fn discover(
    http: &Http,
    server: &Url,
    challenge: Option<&Challenge>,
    provider: Option<Provider>,
) -> Result<Option<Discovered>, OAuthError> {
    let discovered = discover_any(http, server, challenge, provider).await?;
    if let Some(refusal) = discovered.as_ref().and_then(|d| d.server.browser_refusal()) {
        return Err(refusal);
    }
    Ok(discovered)
}

/// Find the server's OAuth setup, whatever its authorization server offers (the browser's
/// grant, the device grant, or both): the caller checks what its login needs. A server that
/// asked for credentials (`challenge`) but publishes no protected-resource metadata gets the
/// 2025-03-26 discovery: see [`before_resource_metadata`]. `provider`: the user's setting.
pub async fn discover_any(
    http: &Http,
    server: &Url,
    challenge: Option<&Challenge>,
    provider: Option<Provider>,
) -> Result<Option<Discovered>, OAuthError> {
    let Some(resource) = protected_resource(http, server, challenge).await? else {
        return match challenge {
            Some(challenge) => before_resource_metadata(http, server, challenge, provider).await,
            None => Ok(None),
        };
    };
    let issuer =
        resource.authorization_servers.first().cloned().ok_or_else(|| {
            OAuthError::invalid("the protected-resource metadata", "it names no authorization_servers")
        })?;
    let provider = Provider::resolve(provider, &issuer);
    let server_meta = auth_server(http, &issuer, Reach::of(server.host_str().unwrap_or_default()), provider).await?;
    Ok(Some(Discovered { resource, server: server_meta, challenge: challenge.cloned(), provider }))
}

/// The 2025-03-26 authorization discovery, for servers from before protected-resource
/// metadata: the authorization server is the MCP server's origin, described by metadata there
/// (RFC 8414), or, without any, at the default `/authorize`, `/token` and `/register` when
/// there is something at `/authorize` (a proxy that wants a credential of its own, such as
/// PolicyLayer's, has no authorization endpoint: that is no OAuth).
async fn before_resource_metadata(
    http: &Http,
    server: &Url,
    challenge: &Challenge,
    provider: Option<Provider>,
) -> Result<Option<Discovered>, OAuthError> {
    let issuer = server.origin().ascii_serialization();
    let provider = Provider::resolve(provider, &issuer);
    let reach = Reach::of(server.host_str().unwrap_or_default());
    let resource = ProtectedResource {
        resource: canonical(server),
        authorization_servers: vec![issuer.clone()],
        scopes_supported: Vec::new(),
    };
    let auth = match auth_server(http, &issuer, reach, provider).await {
        Ok(auth) => auth,
        Err(OAuthError::NotOffered(_)) => {
            let at = |path: &str| endpoint_url(&format!("{issuer}{path}"), path.trim_start_matches('/'), reach);
            let authorize = at("/authorize")?;
            let answer = http.get(&authorize, "the default authorization endpoint").await;
            if answer.is_ok_and(|r| matches!(r.status, 401 | 403 | 404 | 405)) {
                return Ok(None);
            }
            AuthServer {
                issuer: issuer.clone(),
                authorization_endpoint: Some(authorize),
                token_endpoint: at("/token")?,
                registration_endpoint: Some(at("/register")?),
                revocation_endpoint: None,
                userinfo_endpoint: None,
                device_authorization_endpoint: None,
                grant_types: None,
                pkce_methods: None,
                scopes_supported: Vec::new(),
                token_auth_methods: AuthMethods::default(),
                iss_supported: false,
                cimd_supported: false,
                openid: false,
                prompt_values: Vec::new(),
            }
        }
        Err(e) => return Err(e),
    };
    Ok(Some(Discovered { resource, server: auth, challenge: Some(challenge.clone()), provider }))
}

/// The protected-resource metadata, from the challenge's URL or the well-known ones.
pub async fn protected_resource(
    http: &Http,
    server: &Url,
    challenge: Option<&Challenge>,
) -> Result<Option<ProtectedResource>, OAuthError> {
    const WHAT: &str = "the protected-resource metadata";
    let from_challenge = challenge.and_then(|c| c.resource_metadata.as_deref());
    let candidates = match from_challenge {
        Some(raw) => vec![endpoint_url(raw, "resource_metadata", Reach::of(server.host_str().unwrap_or_default()))?],
        None => resource_metadata_urls(server),
    };
    for url in candidates {
        let reply = http.get(&url, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
        if reply.status != 200 {
            if from_challenge.is_some() {
                return Err(OAuthError::Status { what: WHAT.into(), status: reply.status });
            }
            continue;
        }
        let doc = match json_object(&reply, WHAT) {
            Ok(doc) => doc,
            // A site that answers every path with a page has no metadata here.
            Err(_) if from_challenge.is_none() => continue,
            Err(e) => return Err(e),
        };
        let resource = string(&doc, "resource").ok_or_else(|| OAuthError::invalid(WHAT, "it has no resource"))?;
        let expected = canonical(server);
        if !covers(&resource, server) {
            return Err(OAuthError::Refused(format!(
                "the protected-resource metadata is for {}, not for {expected}; no token is requested for another server",
                crate::sanitize::line(&resource, 200)
            )));
        }
        let authorization_servers = strings(&doc, "authorization_servers");
        if authorization_servers.is_empty() {
            return Err(OAuthError::invalid(WHAT, "it names no authorization_servers"));
        }
        // Sent on exactly as published (RFC 9728 section 7.3, MCP 2026-07-28): the server
        // compares it byte for byte with what it expects as the token's audience.
        return Ok(Some(ProtectedResource {
            resource,
            authorization_servers,
            scopes_supported: strings(&doc, "scopes_supported"),
        }));
    }
    Ok(None)
}

/// The authorization server's metadata, whose `issuer` must be the one we asked for. `reach`:
/// where the MCP server is, which bounds where its endpoints may be; `provider`: whose profile
/// the login follows.
pub async fn auth_server(
    http: &Http,
    issuer: &str,
    reach: Reach,
    provider: Provider,
) -> Result<AuthServer, OAuthError> {
    let doc = auth_server_document_of(http, issuer, reach, provider).await?;
    read_auth_server(&doc, issuer, reach, provider)
}

/// The authorization server's metadata document, from the first well-known URL that has one;
/// its `issuer` is the one asked for (at the provider the issuer's host names).
pub async fn auth_server_document(http: &Http, issuer: &str, reach: Reach) -> Result<Map<String, Value>, OAuthError> {
    auth_server_document_of(http, issuer, reach, Provider::detect(issuer)).await
}

/// [`auth_server_document`] at `provider`, whose rule for comparing issuers applies.
async fn auth_server_document_of(
    http: &Http,
    issuer: &str,
    reach: Reach,
    provider: Provider,
) -> Result<Map<String, Value>, OAuthError> {
    const WHAT: &str = "the authorization server metadata";
    let issuer_url = endpoint_url(issuer, "issuer", reach)?;
    let mut last_problem = None;
    for url in auth_server_metadata_urls(&issuer_url) {
        let reply = http.get(&url, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
        if reply.status != 200 {
            last_problem = Some(format!("{url} answered HTTP {}", reply.status));
            continue;
        }
        let doc = match json_object(&reply, WHAT) {
            Ok(doc) => doc,
            Err(e) => {
                last_problem = Some(e.to_string());
                continue;
            }
        };
        let found = string(&doc, "issuer").unwrap_or_default();
        if !issuer_matches(&found, issuer, provider) {
            return Err(OAuthError::Refused(format!(
                "the authorization server metadata at {url} names the issuer \"{}\" instead of \"{}\"; it is not used (RFC 8414 section 3.3)",
                crate::sanitize::line(&found, 200),
                crate::sanitize::line(issuer, 200)
            )));
        }
        return Ok(doc);
    }
    Err(OAuthError::NotOffered(format!(
        "no authorization server metadata for {} ({})",
        crate::sanitize::line(issuer, 200),
        last_problem.unwrap_or_default()
    )))
}

/// The metadata as the browser's login needs it: refused without PKCE S256 or an authorization
/// endpoint.
#[cfg(test)]
fn parse_auth_server(
    doc: &Map<String, Value>,
    issuer: &str,
    reach: Reach,
    provider: Provider,
) -> Result<AuthServer, OAuthError> {
    let server = read_auth_server(doc, issuer, reach, provider)?;
    match server.browser_refusal() {
        Some(refusal) => Err(refusal),
        None => Ok(server),
    }
}

/// The metadata, its endpoints checked; what a login needs of it is the login's to check. A
/// provider whose documents never list PKCE methods although it takes S256 (Entra ID) leaves
/// them unknown rather than empty.
fn read_auth_server(
    doc: &Map<String, Value>,
    issuer: &str,
    reach: Reach,
    provider: Provider,
) -> Result<AuthServer, OAuthError> {
    const WHAT: &str = "the authorization server metadata";
    let optional = |name: &str| -> Result<Option<Url>, OAuthError> {
        string(doc, name).map(|raw| endpoint_url(&raw, name, reach)).transpose()
    };
    let token_endpoint =
        optional("token_endpoint")?.ok_or_else(|| OAuthError::invalid(WHAT, "it has no token_endpoint"))?;
    let unlisted = !doc.contains_key("code_challenge_methods_supported") && provider.s256_unlisted();
    let pkce_methods = (!unlisted).then(|| strings(doc, "code_challenge_methods_supported"));
    Ok(AuthServer {
        issuer: issuer.to_string(),
        authorization_endpoint: optional("authorization_endpoint")?,
        token_endpoint,
        registration_endpoint: optional("registration_endpoint")?,
        revocation_endpoint: optional("revocation_endpoint")?,
        // For display only: one that fails the checks is left unused rather than failing the login.
        userinfo_endpoint: optional("userinfo_endpoint").ok().flatten(),
        device_authorization_endpoint: optional("device_authorization_endpoint")?,
        grant_types: doc.get("grant_types_supported").map(|_| strings(doc, "grant_types_supported")),
        pkce_methods,
        scopes_supported: strings(doc, "scopes_supported"),
        token_auth_methods: AuthMethods::parse(&strings(doc, "token_endpoint_auth_methods_supported")),
        iss_supported: doc.get("authorization_response_iss_parameter_supported").and_then(Value::as_bool) == Some(true),
        cimd_supported: doc.get("client_id_metadata_document_supported").and_then(Value::as_bool) == Some(true),
        openid: doc.get("id_token_signing_alg_values_supported").is_some_and(Value::is_array),
        prompt_values: strings(doc, "prompt_values_supported"),
    })
}

/// An endpoint from metadata, checked before anything is sent to it: no user info, no
/// fragment; https, unless the MCP server itself is on this machine, when http to this machine
/// is allowed too; and never closer in than the MCP server (`reach`): a server on the internet
/// cannot send agentview to this machine or a private network, one on a private network cannot
/// send it to this machine. Host names are judged by name: one that resolves to an address
/// closer in can only be reached over https, whose certificate check fails before a request
/// body is sent (a service on this machine holds no certificate for a remote server's name).
pub fn endpoint_url(raw: &str, name: &str, reach: Reach) -> Result<Url, OAuthError> {
    let shown = || crate::sanitize::line(raw, 200);
    let url = Url::parse(raw)
        .map_err(|_| OAuthError::invalid("the OAuth metadata", format!("its {name} \"{}\" is not a URL", shown())))?;
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(OAuthError::invalid(
            "the OAuth metadata",
            format!("its {name} {} has user info or a fragment", shown()),
        ));
    }
    let host = Reach::of(url.host_str().unwrap_or_default());
    let refused = |why: &str| {
        OAuthError::Refused(format!(
            "the server's OAuth metadata names {name} {}: {why}; nothing was sent there",
            shown()
        ))
    };
    match url.scheme() {
        "https" => {}
        "http" if reach == Reach::Loopback && host == Reach::Loopback => {}
        "http" if reach == Reach::Loopback => return Err(refused("plain http is allowed only to this machine")),
        "http" => return Err(refused("it is not https (plain http is allowed only for a server on this machine)")),
        _ => return Err(refused("it is not an https URL")),
    }
    if host > reach {
        return Err(refused(match host {
            Reach::Loopback => "a remote server may not send agentview to this machine",
            _ => "a server on the internet may not send agentview into a private network",
        }));
    }
    Ok(url)
}

pub(crate) fn string(doc: &Map<String, Value>, name: &str) -> Option<String> {
    doc.get(name).and_then(Value::as_str).map(str::to_string)
}

pub(crate) fn strings(doc: &Map<String, Value>, name: &str) -> Vec<String> {
    doc.get(name)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
