//! The company's identity provider (enterprise-managed authorization): its metadata, the
//! person's sign-in there (OpenID Connect: the authorization request with PKCE and a nonce, the
//! code exchange, the ID token's checks), the sign-in as a credential of its own under the
//! provider's issuer, and its renewal with the provider's refresh token, so the next server needs
//! no browser. The browser's round trip is the MCP login's (`login/idp.rs`); the door keeps the
//! sign-in (`credential/sign_in.rs`).

use reqwest::Url;
use serde_json::Value;

use super::jwt;
use super::target::TokenServer;
use crate::http::{Http, Reply};
use crate::login::oauth::browser::grant::Authorization;
use crate::login::oauth::browser::pkce::{Pkce, random_token};
use crate::login::oauth::browser::redirect::Pending;
use crate::login::oauth::shared::error::{ErrorCode, OAuthError, json_object};
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::{Tokens, parse_tokens};
use crate::secret::{Secret, check_token_shape};
use crate::server_url::{Reach, ServerUrl};
use crate::store::{Credential, Flow, GrantAuth, OAuthGrant};

/// The store key of the sign-in at `issuer`: the issuer in the normal form of a server URL, so
/// `agentview --server ISSUER status` and `logout` reach it too.
pub fn key(issuer: &str) -> String {
    ServerUrl::parse(issuer).map(|u| u.as_str().to_string()).unwrap_or_else(|_| issuer.to_string())
}

/// The identity provider's metadata (OpenID Connect discovery, or RFC 8414), its endpoints no
/// closer in than its issuer.
pub async fn discover(http: &Http, issuer: &str) -> Result<TokenServer, OAuthError> {
    let url = Url::parse(issuer).map_err(|_| {
        OAuthError::invalid("the identity provider", format!("\"{}\" is not a URL", crate::sanitize::line(issuer, 200)))
    })?;
    TokenServer::discover(http, issuer, Reach::of(url.host_str().unwrap_or_default())).await
}

/// agentview's client at the identity provider: its secret the way the provider prefers, or a
/// public client.
pub fn client(client_id: &str, secret: Option<Secret>, server: &TokenServer) -> Client {
    match secret {
        Some(secret) => Client::with_secret(client_id, secret, &server.auth_methods),
        None => Client {
            client_id: client_id.to_string(),
            client_secret: None,
            auth: crate::store::ClientAuth::None,
            redirect_uri: None,
        },
    }
}

/// A sign-in: the ID token, and the refresh token that renews it.
#[derive(Debug)]
pub struct SignIn {
    pub id_token: Secret,
    pub expires_at: Option<u64>,
    pub refresh_token: Option<Secret>,
    pub scope: Option<String>,
}

/// The sign-in as a credential to keep under [`key`]`(issuer)`. agentview's client at the
/// provider has a secret or none (`idp::client`): it never signs.
pub fn credential(
    issuer: &str,
    server: &TokenServer,
    client: &Client,
    sign_in: SignIn,
    now: u64,
) -> Result<Credential, OAuthError> {
    let at = ServerUrl::parse(issuer).map_err(|e| OAuthError::invalid("the identity provider", e.message))?;
    let grant = OAuthGrant {
        refresh_token: sign_in.refresh_token,
        issuer: issuer.to_string(),
        client_id: client.client_id.clone(),
        client_secret: client.client_secret.clone(),
        client_auth: GrantAuth::of_method(client.auth).unwrap_or(GrantAuth::None),
        token_endpoint: server.token_endpoint.clone(),
        revocation_endpoint: server.revocation_endpoint.clone(),
        resource: Some(issuer.to_string()),
        scope: sign_in.scope,
        flow: Flow::IdpSignIn,
        from_environment: false,
    };
    Ok(Credential::oauth(at, sign_in.id_token, sign_in.expires_at, grant, now))
}

/// Renew the sign-in `grant` with the provider's refresh token: a new ID token, as [`Tokens`]
/// whose access token is the ID token (what the sign-in's credential holds).
pub async fn refresh(http: &Http, grant: &OAuthGrant, now: u64) -> Result<Tokens, OAuthError> {
    let idp = crate::sanitize::line(&grant.issuer, 200);
    let Some(refresh_token) = &grant.refresh_token else {
        return Err(OAuthError::Proof(format!(
            "the sign-in at {idp} has expired, and there is no refresh token to renew it; sign in again"
        )));
    };
    let client = Client::of_grant(grant);
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())];
    let basic = client.authenticate(&mut form);
    const WHAT: &str = "the identity provider's token endpoint";
    let reply = http.post_form(&grant.token_endpoint, &form, basic, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    let tokens = parse_tokens(&reply).map_err(|e| match e {
        OAuthError::Rejected { error: ErrorCode::InvalidGrant, .. } => OAuthError::Proof(format!(
            "the identity provider {idp} no longer renews the sign-in (invalid_grant); sign in again"
        )),
        e => e,
    })?;
    let Some(id_token) = id_token_of(&reply) else {
        return Err(OAuthError::Proof(format!(
            "the identity provider {idp} renewed the sign-in without a new ID token; sign in again"
        )));
    };
    let exp = check_id_token(&id_token, &grant.issuer, &grant.client_id, None, now)?;
    Ok(Tokens {
        access_token: id_token,
        refresh_token: tokens.refresh_token,
        expires_in: exp.map(|exp| exp.saturating_sub(now)),
        scope: tokens.scope,
        id_token: None,
        warnings: Vec::new(),
    })
}

/// The `id_token` of a token endpoint's answer, when it has a usable one.
fn id_token_of(reply: &Reply) -> Option<Secret> {
    let doc = json_object(reply, "the identity provider's token endpoint").ok()?;
    let token = doc.get("id_token").and_then(Value::as_str)?;
    check_token_shape(token).ok()?;
    Some(Secret::new(token))
}

/// Check an ID token the provider handed out over TLS, straight from its token endpoint (so its
/// signature need not be, OpenID Connect Core 3.1.3.7): `iss`, `aud`, `exp` and, after a
/// sign-in, the `nonce`. Its expiry.
pub fn check_id_token(
    token: &Secret,
    issuer: &str,
    client_id: &str,
    nonce: Option<&str>,
    now: u64,
) -> Result<Option<u64>, OAuthError> {
    const WHAT: &str = "the identity provider's ID token";
    let claims = jwt::claims(token.expose()).map_err(|why| OAuthError::invalid(WHAT, why))?;
    if jwt::string(&claims, "iss") != Some(issuer) {
        return Err(OAuthError::invalid(WHAT, "its iss is not the identity provider's issuer"));
    }
    if !jwt::has_audience(&claims, client_id) {
        return Err(OAuthError::invalid(WHAT, "its aud does not name agentview's client"));
    }
    if nonce.is_some() && jwt::string(&claims, "nonce") != nonce {
        return Err(OAuthError::invalid(WHAT, "its nonce is not this sign-in's (a replayed token?)"));
    }
    let exp = jwt::date(&claims, "exp");
    if exp.is_some_and(|exp| exp <= now) {
        return Err(OAuthError::invalid(WHAT, "it has already expired (is this machine's clock right?)"));
    }
    Ok(exp)
}

/// Where the person signs in at the provider: its authorization endpoint, when it has one and
/// supports PKCE with S256 (agentview does not sign in without it).
pub fn sign_in_endpoint(server: &TokenServer, issuer: &str) -> Result<Url, OAuthError> {
    let endpoint = server.authorization_endpoint.clone().ok_or_else(|| {
        OAuthError::Refused(format!(
            "the identity provider {} has no authorization_endpoint",
            crate::sanitize::line(issuer, 200)
        ))
    })?;
    if !server.s256 {
        return Err(OAuthError::Refused(format!(
            "the identity provider {} does not support PKCE with S256; agentview does not sign in without it",
            crate::sanitize::line(issuer, 200)
        )));
    }
    Ok(endpoint)
}

/// The sign-in's authorization request at `endpoint`, back to `redirect_uri`: `openid` (and
/// `offline_access` where the provider lists it, for a refresh token, with `prompt=consent`),
/// PKCE, state and a nonce. The request, the nonce the ID token must carry, and the scope asked
/// for.
pub fn sign_in_request(
    endpoint: Url,
    server: &TokenServer,
    client: &Client,
    issuer: &str,
    redirect_uri: String,
) -> Result<(Pending, String, &'static str), OAuthError> {
    let offline = server.scopes_supported.iter().any(|s| s == "offline_access");
    let scope = if offline { "openid offline_access" } else { "openid" };
    let random = |e: getrandom::Error| OAuthError::invalid("the system", format!("no randomness: {e}"));
    let pkce = Pkce::new().map_err(random)?;
    let state = random_token(24).map_err(random)?;
    let nonce = random_token(24).map_err(random)?;
    let mut url = endpoint;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", scope)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        if offline {
            // A refresh token for offline_access needs the person's consent (OIDC Core §11).
            query.append_pair("prompt", "consent");
        }
    }
    let authorization = Authorization {
        url,
        state,
        pkce,
        redirect_uri,
        issuer: issuer.to_string(),
        iss_supported: server.iss_supported,
        resource: None,
        scope: Some(scope.to_string()),
        params: Vec::new(),
    };
    Ok((Pending::new(client.clone(), authorization, server.token_endpoint.clone()), nonce, scope))
}

/// The code for tokens at the provider (no `resource`: the sign-in is for the provider itself).
pub async fn exchange_code(http: &Http, pending: &Pending, code: &str) -> Result<(Tokens, Secret), OAuthError> {
    const WHAT: &str = "the identity provider's token endpoint";
    let authorization = &pending.authorization;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", authorization.redirect_uri.as_str()),
        ("code_verifier", authorization.pkce.verifier.expose()),
    ];
    let basic = pending.client.authenticate(&mut form);
    let reply = http.post_form(pending.token_endpoint(), &form, basic, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    let tokens = parse_tokens(&reply)?;
    let id_token = id_token_of(&reply).ok_or_else(|| OAuthError::invalid(WHAT, "the answer has no id_token"))?;
    Ok((tokens, id_token))
}
