//! Who signed in, for `login` and `status` to show (display only, never a decision): the ID
//! token's claims, else the authorization server's UserInfo endpoint, else the access token's own
//! claims when it is a JWT. The ID token is read, not verified: it came straight from the token
//! endpoint over TLS (OpenID Connect Core 3.1.3.7), and nothing is decided by it.

use serde_json::{Map, Value};

use super::discovery::AuthServer;
use super::tokens::Tokens;
use crate::http::Http;
use crate::login::oauth::unattended::jwt;
use crate::secret::Secret;
use crate::store::UserInfo;

/// The longest name, address or subject kept.
const MAX_FIELD: usize = 200;

/// The person the tokens were issued to, as far as they or the UserInfo endpoint say. `openid`:
/// the login asked for `openid` (UserInfo answers only then).
pub async fn identify(
    http: &Http,
    server: &AuthServer,
    client_id: &str,
    tokens: &Tokens,
    openid: bool,
) -> Option<UserInfo> {
    let mut user = tokens.id_token.as_ref().and_then(|t| from_id_token(t, client_id)).unwrap_or_default();
    if !user.is_named()
        && openid
        && let Some(endpoint) = server.userinfo_endpoint.as_ref().filter(|e| userinfo_allowed(e, server))
    {
        user.fill(userinfo(http, endpoint, &tokens.access_token).await.unwrap_or_default());
    }
    if !user.is_named() {
        user.fill(from_access_token(&tokens.access_token).unwrap_or_default());
    }
    (user != UserInfo::default()).then_some(user)
}

/// The access token goes only to the authorization server that issued it: a UserInfo endpoint on
/// its issuer's or its token endpoint's host (Entra's is Microsoft Graph's, another host, which
/// a token for the MCP server's API must not reach).
fn userinfo_allowed(endpoint: &reqwest::Url, server: &AuthServer) -> bool {
    let host = endpoint.host_str();
    let issuer = reqwest::Url::parse(&server.issuer).ok();
    host.is_some() && (host == issuer.as_ref().and_then(|u| u.host_str()) || host == server.token_endpoint.host_str())
}

/// The claims of an ID token issued to `client_id`.
pub fn from_id_token(token: &Secret, client_id: &str) -> Option<UserInfo> {
    let claims = jwt::claims(token.expose()).ok()?;
    jwt::has_audience(&claims, client_id).then(|| from_claims(&claims)).flatten()
}

/// What a JWT access token says of its subject (an opaque token says nothing).
pub fn from_access_token(token: &Secret) -> Option<UserInfo> {
    from_claims(&jwt::claims(token.expose()).ok()?)
}

/// `name`, `email` (else an address-like `preferred_username` or `upn`, as Microsoft and Okta
/// name people) and `sub`.
pub fn from_claims(claims: &Map<String, Value>) -> Option<UserInfo> {
    let text = |name: &str| {
        jwt::string(claims, name).map(|v| crate::sanitize::line(v.trim(), MAX_FIELD)).filter(|v| !v.is_empty())
    };
    let email =
        text("email").or_else(|| text("preferred_username").filter(|v| v.contains('@'))).or_else(|| text("upn"));
    let user = UserInfo { name: text("name"), email, id: text("sub") };
    (user != UserInfo::default()).then_some(user)
}

/// Ask the UserInfo endpoint (OpenID Connect Core 5.3) with the access token; any failure is no
/// answer.
async fn userinfo(http: &Http, endpoint: &reqwest::Url, access_token: &Secret) -> Option<UserInfo> {
    let bearer = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", access_token.expose())).ok()?;
    let reply = http.get_authorized(endpoint, bearer, "the UserInfo endpoint").await.ok()?;
    if reply.status != 200 {
        return None;
    }
    match serde_json::from_slice::<Value>(&reply.body).ok()? {
        Value::Object(claims) => from_claims(&claims),
        _ => None,
    }
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
