//! The provider's `POST /token`: the code (PKCE checked, an ID token with the sign-in's nonce),
//! refresh tokens (rotated; a new ID token each time), and token exchange of an ID token of its
//! own for an ID-JAG (RFC 8693; `typ` `oauth-id-jag+jwt`, `aud` the MCP server's authorization
//! server, `client_id` the client there, `resource` the MCP server).

use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{IdpApp, IdpRecord, json_response, rand_u64};
use crate::support::server::jwt;

pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
const ID_JAG_TYPE: &str = "urn:ietf:params:oauth:token-type:id-jag";

fn error(status: u16, code: &str, why: &str) -> Response {
    json_response(status, json!({"error": code, "error_description": why}))
}

/// The client authenticated by Basic, by the form, or as the public client.
fn client_ok(app: &IdpApp, record: &IdpRecord) -> bool {
    let param = |name: &str| record.params.get(name).map(String::as_str);
    let (id, secret) = match record.authorization.as_deref().and_then(|a| a.strip_prefix("Basic ")) {
        Some(b64) => {
            let decoded = STANDARD.decode(b64.trim()).ok().and_then(|d| String::from_utf8(d).ok()).unwrap_or_default();
            let (id, secret) = decoded.split_once(':').unwrap_or_default();
            let unescape =
                |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
            (unescape(id), unescape(secret))
        }
        None => (param("client_id").map(str::to_string), param("client_secret").map(str::to_string)),
    };
    id.as_deref() == Some(app.config.client_id.as_str()) && secret == app.config.client_secret
}

pub(super) fn token(app: &IdpApp, record: &IdpRecord) -> Response {
    if !client_ok(app, record) {
        return error(401, "invalid_client", "unknown client or wrong secret");
    }
    let param = |name: &str| record.params.get(name).map(String::as_str).unwrap_or_default();
    match param("grant_type") {
        "authorization_code" => code(app, record),
        "refresh_token" => refresh(app, param("refresh_token")),
        TOKEN_EXCHANGE => exchange(app, record),
        other => error(400, "unsupported_grant_type", &format!("{other} is not supported")),
    }
}

/// The tokens of a sign-in: an ID token (with `nonce` after a login), an access token, and a
/// refresh token for `offline_access`.
fn signed_in(app: &IdpApp, nonce: Option<&str>, scope: &str) -> Response {
    let ttl = app.config.id_token_ttl.as_secs() as i64;
    let mut body = json!({
        "access_token": format!("idp_at_{}", rand_u64()),
        "token_type": "Bearer",
        "expires_in": ttl,
        "id_token": app.id_token(ttl, nonce),
        "scope": scope,
    });
    if scope.split(' ').any(|s| s == "offline_access") {
        let refresh = format!("idp_rt_{}_{}", rand_u64(), jwt::now());
        app.lock().refresh.push(refresh.clone());
        body["refresh_token"] = json!(refresh);
    }
    json_response(200, body)
}

fn code(app: &IdpApp, record: &IdpRecord) -> Response {
    let param = |name: &str| record.params.get(name).map(String::as_str).unwrap_or_default();
    let Some((redirect, challenge, nonce, scope)) = app.lock().codes.remove(param("code")) else {
        return error(400, "invalid_grant", "unknown or used code");
    };
    let verified = URL_SAFE_NO_PAD.encode(Sha256::digest(param("code_verifier").as_bytes())) == challenge;
    if param("redirect_uri") != redirect || !verified {
        return error(400, "invalid_grant", "redirect_uri or code_verifier does not match");
    }
    if record.params.contains_key("resource") {
        return error(400, "invalid_target", "the sign-in is for the provider itself: no resource");
    }
    app.lock().counts.code_grants += 1;
    signed_in(app, Some(&nonce), &scope)
}

fn refresh(app: &IdpApp, token: &str) -> Response {
    let mut state = app.lock();
    let Some(at) = state.refresh.iter().position(|t| t == token) else {
        return error(400, "invalid_grant", "unknown or rotated refresh token");
    };
    state.refresh.remove(at);
    state.counts.refresh_grants += 1;
    drop(state);
    signed_in(app, None, "openid email offline_access")
}

fn exchange(app: &IdpApp, record: &IdpRecord) -> Response {
    let param = |name: &str| record.params.get(name).map(String::as_str).unwrap_or_default();
    let refuse = {
        let mut state = app.lock();
        state.counts.exchange_requests += 1;
        state.refuse.clone()
    };
    if let Some((code, why)) = refuse {
        return error(400, &code, &why);
    }
    if param("subject_token_type") != ID_TOKEN_TYPE || param("requested_token_type") != ID_JAG_TYPE {
        return error(400, "invalid_request", "an ID token for an ID-JAG only");
    }
    if param("audience").is_empty() || param("resource").is_empty() {
        return error(400, "invalid_request", "audience and resource are required");
    }
    let Ok((_, claims)) = jwt::verify(param("subject_token"), std::slice::from_ref(&app.key.jwk)) else {
        return error(400, "invalid_grant", "the subject token is not an ID token of this provider");
    };
    let now = jwt::now();
    if claims["iss"].as_str() != Some(app.issuer.as_str())
        || claims["aud"].as_str() != Some(app.config.client_id.as_str())
        || claims["exp"].as_u64().is_none_or(|exp| exp <= now)
    {
        return error(400, "invalid_grant", "the ID token is expired or not for this client");
    }
    let mut jag = json!({
        "iss": app.issuer,
        "sub": claims["sub"],
        "aud": param("audience"),
        "client_id": app.config.mcp_client_id,
        "resource": param("resource"),
        "jti": format!("jag-{}-{}", rand_u64(), now),
        "iat": now,
        "exp": now + 300,
    });
    if !param("scope").is_empty() {
        jag["scope"] = json!(param("scope"));
    }
    app.lock().counts.id_jags += 1;
    json_response(
        200,
        json!({
            "access_token": app.key.sign("oauth-id-jag+jwt", &jag),
            "issued_token_type": ID_JAG_TYPE,
            "token_type": "N_A",
            "expires_in": 300,
        }),
    )
}
