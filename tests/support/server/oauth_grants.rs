//! The grants without a person at `POST /token`: client credentials (confidential clients
//! only), and the JWT-bearer grant for ID-JAGs from the trusted identity provider or for tokens
//! of trusted workloads. All issue an access token for exactly `<base>/mcp` and no refresh token.

use axum::response::Response;
use serde_json::json;

use super::jwt;
use super::oauth::{OAuthRequest, json_response, oauth_error};
use super::oauth_assertion::audience_is;
use super::oauth_state::Client;
use super::oauth_token::{Answer, plain};
use super::state::App;

pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The scope asked for (`requested`), which must be among the resource's scopes; all of them
/// when nothing is asked.
fn scope(app: &App, requested: Option<&str>) -> Result<String, Box<Response>> {
    let allowed: Vec<String> = app
        .oauth()
        .map(|c| c.scopes_supported.iter().filter(|s| *s != "offline_access").cloned().collect())
        .unwrap_or_default();
    match requested {
        None => Ok(allowed.join(" ")),
        Some(asked) if asked.split(' ').filter(|s| !s.is_empty()).all(|s| allowed.iter().any(|a| a == s)) => {
            Ok(asked.to_string())
        }
        Some(_) => Err(Box::new(oauth_error(400, "invalid_scope", "scope not allowed for this client"))),
    }
}

/// An access token (no refresh token) for a new grant of the client `client_id`.
fn issue(app: &App, client_id: &str, scope: &str) -> Response {
    let Some(cfg) = app.oauth() else { return oauth_error(404, "not_found", "no OAuth") };
    let mut inner = app.lock();
    let g = inner.oauth.new_grant(client_id, &app.resource(), scope);
    let (access, _) = inner.oauth.issue(g, cfg.access_ttl, false);
    drop(inner);
    json_response(
        200,
        json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": cfg.access_ttl.as_secs_f64().ceil() as u64,
            "scope": scope,
        }),
    )
}

/// `grant_type=client_credentials`.
pub(crate) fn client_credentials(app: &App, req: &OAuthRequest, client: &Client) -> Answer {
    if !app.oauth().is_some_and(|c| c.client_credentials) {
        return plain(oauth_error(400, "unsupported_grant_type", "client_credentials is not supported"));
    }
    if client.secret.is_none() && client.auth_method.as_deref() != Some("private_key_jwt") {
        return plain(oauth_error(400, "unauthorized_client", "a public client may not use client credentials"));
    }
    if req.param("resource") != Some(app.resource().as_str()) {
        return plain(oauth_error(400, "invalid_target", "resource must be the MCP endpoint"));
    }
    let scope = match scope(app, req.param("scope")) {
        Ok(scope) => scope,
        Err(r) => return plain(*r),
    };
    app.lock().oauth.counts.client_credentials_grants += 1;
    plain(issue(app, &client.id, &scope))
}

/// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an ID-JAG, or with a trusted
/// workload's token.
pub(crate) fn jwt_bearer(app: &App, req: &OAuthRequest, client: &Client) -> Answer {
    let workload_issuer = app.oauth().and_then(|c| c.trusted_workload.clone()).map(|t| t.issuer);
    let issuer = req.param("assertion").and_then(jwt::decode).and_then(|(_, c)| c["iss"].as_str().map(String::from));
    if workload_issuer.is_some() && issuer == workload_issuer {
        return workload(app, req, Some(client));
    }
    let Some(trusted) = app.oauth().and_then(|c| c.trusted_idp.clone()) else {
        return plain(oauth_error(400, "unsupported_grant_type", "the JWT-bearer grant is not supported"));
    };
    let Some(assertion) = req.param("assertion") else {
        return plain(oauth_error(400, "invalid_request", "assertion is required"));
    };
    let refused = |why: &str| plain(oauth_error(400, "invalid_grant", why));
    let (header, claims) = match jwt::verify(assertion, &trusted.keys) {
        Ok(verified) => verified,
        Err(why) => return refused(&format!("the ID-JAG: {why}")),
    };
    let resource = app.resource();
    let problem = if header["typ"].as_str() != Some("oauth-id-jag+jwt") {
        Some("the ID-JAG's typ must be oauth-id-jag+jwt")
    } else if claims["iss"].as_str() != Some(trusted.issuer.as_str()) {
        Some("the ID-JAG was not issued by the trusted identity provider")
    } else if !audience_is(&claims, &app.issuer()) {
        Some("the ID-JAG's aud is not this authorization server")
    } else if claims["exp"].as_u64().is_none_or(|exp| exp <= jwt::now()) {
        Some("the ID-JAG has expired")
    } else if claims["client_id"].as_str() != Some(client.id.as_str()) {
        Some("the ID-JAG was issued for another client")
    } else if claims["resource"].as_str() != Some(resource.as_str()) {
        Some("the ID-JAG is for another resource")
    } else if req.param("resource").is_some_and(|r| r != resource) {
        Some("resource differs from the ID-JAG's")
    } else {
        None
    };
    if let Some(why) = problem {
        return refused(why);
    }
    let jti = claims["jti"].as_str().unwrap_or_default();
    if jti.is_empty() || !app.lock().oauth.seen_jti.insert(format!("jag:{jti}")) {
        return refused("the ID-JAG has no jti, or was used before");
    }
    let scope = match scope(app, req.param("scope").or(claims["scope"].as_str())) {
        Ok(scope) => scope,
        Err(r) => return plain(*r),
    };
    app.lock().oauth.counts.jwt_bearer_grants += 1;
    plain(issue(app, &client.id, &scope))
}

/// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with a workload's token (workload
/// identity federation), from `client` or from no client at all.
pub(crate) fn workload(app: &App, req: &OAuthRequest, client: Option<&Client>) -> Answer {
    let Some(trusted) = app.oauth().and_then(|c| c.trusted_workload.clone()) else {
        return plain(oauth_error(400, "unsupported_grant_type", "workload tokens are not taken here"));
    };
    let Some(assertion) = req.param("assertion") else {
        return plain(oauth_error(400, "invalid_request", "assertion is required"));
    };
    let refused = |why: &str| plain(oauth_error(400, "invalid_grant", why));
    let claims = match jwt::verify(assertion, &trusted.keys) {
        Ok((_, claims)) => claims,
        Err(why) => return refused(&format!("the workload token: {why}")),
    };
    let subject = claims["sub"].as_str().unwrap_or_default().to_string();
    let problem = if claims["iss"].as_str() != Some(trusted.issuer.as_str()) {
        Some("the workload token was not issued by a trusted issuer")
    } else if !audience_is(&claims, &app.issuer()) {
        Some("the workload token's aud is not this authorization server")
    } else if claims["exp"].as_u64().is_none_or(|exp| exp <= jwt::now()) {
        Some("the workload token has expired")
    } else if subject.is_empty() {
        Some("the workload token names no sub")
    } else {
        None
    };
    if let Some(why) = problem {
        return refused(why);
    }
    if req.param("resource") != Some(app.resource().as_str()) {
        return plain(oauth_error(400, "invalid_target", "resource must be the MCP endpoint"));
    }
    let scope = match scope(app, req.param("scope")) {
        Ok(scope) => scope,
        Err(r) => return plain(*r),
    };
    app.lock().oauth.counts.workload_grants += 1;
    let client_id = client.map_or_else(|| format!("workload:{subject}"), |c| c.id.clone());
    plain(issue(app, &client_id, &scope))
}
