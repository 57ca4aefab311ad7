//! Client authentication with a signed JWT at `POST /token` and `POST /revoke` (RFC 7523
//! section 2.2, `private_key_jwt`), held to every rule: the assertion type, `iss` = `sub` = the
//! client (and `client_id`, when sent, the same), `aud` the issuer, `exp` ahead and at most
//! five minutes away, a `jti` never seen before, and a signature by one of the client's keys.

use axum::response::Response;
use serde_json::Value;

use super::jwt;
use super::oauth::{OAuthRequest, oauth_error};
use super::oauth_state::Client;
use super::state::App;

pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The longest an assertion may live.
const MAX_LIFETIME: u64 = 300;

fn refuse(why: &str) -> Box<Response> {
    Box::new(oauth_error(401, "invalid_client", why))
}

/// The client a request's `client_assertion` proves, or why not.
pub(crate) fn authenticate(app: &App, req: &OAuthRequest) -> Result<Client, Box<Response>> {
    let cfg = app.oauth().ok_or_else(|| refuse("no OAuth"))?;
    if req.rec.authorization.is_some() || req.param("client_secret").is_some() {
        return Err(Box::new(oauth_error(400, "invalid_request", "more than one client authentication")));
    }
    if !cfg.token_auth_methods.iter().any(|m| m == "private_key_jwt") {
        return Err(refuse("private_key_jwt is not supported"));
    }
    if req.param("client_assertion_type") != Some(ASSERTION_TYPE) {
        return Err(refuse("client_assertion_type must be the JWT-bearer assertion type"));
    }
    let assertion = req.param("client_assertion").unwrap_or_default();
    let (_, claims) = jwt::decode(assertion).ok_or_else(|| refuse("the client assertion is not a JWT"))?;
    let client_id = claims["sub"].as_str().unwrap_or_default().to_string();
    let keys = cfg
        .key_clients
        .iter()
        .find(|(id, _)| *id == client_id)
        .map(|(_, keys)| keys.clone())
        .ok_or_else(|| refuse("unknown client"))?;
    jwt::verify(assertion, &keys).map_err(|why| refuse(&format!("the client assertion's signature: {why}")))?;
    let issuer = app.issuer();
    let now = jwt::now();
    let exp = claims["exp"].as_u64().unwrap_or(0);
    let problem = if claims["iss"].as_str() != Some(client_id.as_str()) {
        Some("iss must be the client id")
    } else if req.param("client_id").is_some_and(|id| id != client_id) {
        Some("client_id differs from the assertion's subject")
    } else if !audience_is(&claims, &issuer) {
        Some("aud must be the issuer")
    } else if exp <= now {
        Some("the client assertion has expired")
    } else if exp > now + MAX_LIFETIME {
        Some("the client assertion lives too long")
    } else if claims["iat"].as_u64().is_none() {
        Some("the client assertion has no iat")
    } else {
        None
    };
    if let Some(why) = problem {
        return Err(refuse(why));
    }
    let jti = claims["jti"].as_str().filter(|j| !j.is_empty()).ok_or_else(|| refuse("the assertion has no jti"))?;
    if !app.lock().oauth.seen_jti.insert(format!("client:{jti}")) {
        return Err(refuse("the client assertion's jti was used before (a replay)"));
    }
    Ok(Client {
        id: client_id,
        secret: None,
        auth_method: Some("private_key_jwt".into()),
        redirect_uris: Vec::new(),
        any_loopback: true,
        name: None,
    })
}

/// Whether `aud` (a string or a list) is `audience`.
pub(crate) fn audience_is(claims: &Value, audience: &str) -> bool {
    match &claims["aud"] {
        Value::String(aud) => aud == audience,
        Value::Array(list) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    }
}
