//! `POST /token` (codes with PKCE, rotating refresh tokens) and `POST /revoke` (RFC 7009), with
//! client authentication.

use axum::http::{HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::OAuthFault;
use super::oauth::{OAuthRequest, json_response, oauth_error};
use super::oauth_state::{CODE_TTL, Client};
use super::state::App;

pub(crate) type Answer = (Response, Option<&'static str>);

pub(crate) fn plain(r: Response) -> Answer {
    (r, None)
}

/// invalid_client: 401, with a Basic challenge when Basic was tried (RFC 6749 5.2).
fn invalid_client(req: &OAuthRequest, why: &str) -> Response {
    let mut r = oauth_error(401, "invalid_client", why);
    if req.rec.authorization.is_some() {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"agentView\""));
    }
    r
}

fn basic_credentials(req: &OAuthRequest) -> Option<(String, String)> {
    let auth = req.rec.authorization.as_deref()?;
    let (scheme, b64) = auth.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some((unescape(id)?, unescape(secret)?))
}

/// The authenticated client, per its registered method (pre-registered: either secret method).
fn authenticate(app: &App, req: &OAuthRequest) -> Result<Client, Box<Response>> {
    let cfg = app.oauth().ok_or_else(|| Box::new(oauth_error(404, "not_found", "no OAuth")))?;
    if req.param("client_assertion").is_some() || req.param("client_assertion_type").is_some() {
        return super::oauth_assertion::authenticate(app, req);
    }
    let basic = basic_credentials(req);
    if req.rec.authorization.is_some() && basic.is_none() {
        return Err(Box::new(invalid_client(req, "malformed Basic credentials")));
    }
    let (id, secret, used) = match (basic, req.param("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(Box::new(oauth_error(400, "invalid_request", "more than one client authentication")));
        }
        (Some((id, s)), None) => (id, Some(s), "client_secret_basic"),
        (None, Some(s)) => {
            (req.param("client_id").unwrap_or_default().to_string(), Some(s.to_string()), "client_secret_post")
        }
        (None, None) => (req.param("client_id").unwrap_or_default().to_string(), None, "none"),
    };
    if used == "client_secret_basic" && req.param("client_id").is_some_and(|c| c != id) {
        return Err(Box::new(invalid_client(req, "client_id differs from the Basic credentials")));
    }
    let client =
        app.lock().oauth.client(&id).cloned().ok_or_else(|| Box::new(invalid_client(req, "unknown client")))?;
    if !cfg.token_auth_methods.iter().any(|m| m == used) {
        return Err(Box::new(invalid_client(req, &format!("{used} is not supported"))));
    }
    let method_ok = match (&client.auth_method, &client.secret) {
        (Some(m), _) => m == used,
        (None, Some(_)) => used != "none",
        (None, None) => used == "none",
    };
    if !method_ok {
        return Err(Box::new(invalid_client(
            req,
            &format!("client authentication {used} does not match the registration"),
        )));
    }
    if client.secret.is_some() && client.secret != secret {
        return Err(Box::new(invalid_client(req, "wrong client secret")));
    }
    Ok(client)
}

fn form_check(req: &OAuthRequest) -> Result<(), Box<Response>> {
    let ct = req.rec.content_type.as_deref().unwrap_or_default();
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return Err(Box::new(oauth_error(
            400,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        )));
    }
    if let Some(name) = &req.repeated {
        return Err(Box::new(oauth_error(400, "invalid_request", &format!("parameter {name} repeated"))));
    }
    Ok(())
}

fn pkce_ok(verifier: &str, challenge: &str) -> bool {
    let shape = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    shape && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

pub(crate) fn token(app: &App, req: &OAuthRequest) -> Answer {
    if let Err(r) = form_check(req) {
        return plain(*r);
    }
    // A workload may present its token with no client at all (RFC 7523 section 3.1).
    let anonymous = req.param("client_id").is_none()
        && req.param("client_assertion").is_none()
        && req.param("client_secret").is_none()
        && req.rec.authorization.is_none();
    if anonymous && req.param("grant_type") == Some(super::oauth_grants::JWT_BEARER) {
        return super::oauth_grants::workload(app, req, None);
    }
    let client = match authenticate(app, req) {
        Ok(c) => c,
        Err(r) => return plain(*r),
    };
    match req.param("grant_type") {
        Some("authorization_code") => plain(code_grant(app, req, &client)),
        Some("refresh_token") => refresh_grant(app, req, &client),
        Some("client_credentials") => super::oauth_grants::client_credentials(app, req, &client),
        Some(super::oauth_grants::JWT_BEARER) => super::oauth_grants::jwt_bearer(app, req, &client),
        Some(other) => {
            plain(oauth_error(400, "unsupported_grant_type", &format!("grant_type {other} is not supported")))
        }
        None => plain(oauth_error(400, "invalid_request", "grant_type is required")),
    }
}

fn token_response(app: &App, g: usize, scope: &str) -> Response {
    let Some(cfg) = app.oauth() else { return oauth_error(404, "not_found", "no OAuth") };
    let (at, rt) = app.lock().oauth.issue(g, cfg.access_ttl, cfg.refresh);
    let mut body = json!({
        "access_token": at,
        "token_type": "Bearer",
        "expires_in": cfg.access_ttl.as_secs_f64().ceil() as u64,
        "scope": scope,
    });
    if let Some(rt) = rt {
        body["refresh_token"] = json!(rt);
    }
    json_response(200, body)
}

fn code_grant(app: &App, req: &OAuthRequest, client: &Client) -> Response {
    let Some(code) = req.param("code") else { return oauth_error(400, "invalid_request", "code is required") };
    let mut inner = app.lock();
    let st = &mut inner.oauth;
    let Some(c) = st.codes.get(code).cloned() else { return oauth_error(400, "invalid_grant", "unknown code") };
    if c.used {
        // A replayed code: revoke what its first exchange issued (RFC 6749 4.1.2).
        if let Some(g) = c.grant {
            st.revoke_grant(g);
        }
        return oauth_error(400, "invalid_grant", "code already used");
    }
    let check = if c.created.elapsed() > CODE_TTL {
        Err(("invalid_grant", "code expired"))
    } else if c.client_id != client.id {
        Err(("invalid_grant", "code was issued to another client"))
    } else if req.param("redirect_uri") != Some(c.redirect_uri.as_str()) {
        Err(("invalid_grant", "redirect_uri differs from the authorization request"))
    } else if req.param("code_verifier").is_none() {
        Err(("invalid_request", "code_verifier is required"))
    } else if !pkce_ok(req.param("code_verifier").unwrap_or_default(), &c.challenge) {
        Err(("invalid_grant", "code_verifier does not match the code_challenge"))
    } else if req.param("resource") != Some(c.resource.as_str()) {
        Err(("invalid_target", "resource differs from the authorization request"))
    } else {
        Ok(())
    };
    if let Err((error, why)) = check {
        return oauth_error(400, error, why);
    }
    let g = st.new_grant(&client.id, &c.resource, &c.scope);
    st.grants[g].user = Some(c.user.clone());
    *st.counts.code_grants_by_user.entry(c.user.clone()).or_default() += 1;
    if let Some(stored) = st.codes.get_mut(code) {
        stored.used = true;
        stored.grant = Some(g);
    }
    st.counts.code_grants += 1;
    drop(inner);
    token_response(app, g, &c.scope)
}

fn refresh_grant(app: &App, req: &OAuthRequest, client: &Client) -> Answer {
    let Some(rt) = req.param("refresh_token") else {
        return plain(oauth_error(400, "invalid_request", "refresh_token is required"));
    };
    let mut inner = app.lock();
    let st = &mut inner.oauth;
    if st.take_fault(|f| matches!(f, OAuthFault::RefreshInvalidGrant { .. })).is_some() {
        return (oauth_error(400, "invalid_grant", "refresh token is no longer valid"), Some("RefreshInvalidGrant"));
    }
    let Some(g) = st.refresh_grant(rt) else {
        if let Some(g) = st.rotated_grant(rt) {
            // Reuse of a rotated refresh token: the whole grant is compromised.
            st.revoke_grant(g);
            return plain(oauth_error(400, "invalid_grant", "refresh token was already used"));
        }
        return plain(oauth_error(400, "invalid_grant", "unknown or revoked refresh token"));
    };
    let grant = st.grants[g].clone();
    if grant.client_id != client.id {
        return plain(oauth_error(400, "invalid_grant", "refresh token was issued to another client"));
    }
    if req.param("resource") != Some(grant.resource.as_str()) {
        return plain(oauth_error(400, "invalid_target", "resource differs from the authorization request"));
    }
    let scope = match req.param("scope") {
        Some(s) if s.split(' ').filter(|x| !x.is_empty()).all(|x| grant.scope.split(' ').any(|y| y == x)) => {
            s.to_string()
        }
        Some(_) => return plain(oauth_error(400, "invalid_scope", "scope exceeds the original grant")),
        None => grant.scope.clone(),
    };
    st.counts.refresh_grants += 1;
    drop(inner);
    plain(token_response(app, g, &scope))
}

pub(crate) fn revoke(app: &App, req: &OAuthRequest) -> Answer {
    if let Err(r) = form_check(req) {
        return plain(*r);
    }
    let client = match authenticate(app, req) {
        Ok(c) => c,
        Err(r) => return plain(*r),
    };
    let Some(token) = req.param("token") else {
        return plain(oauth_error(400, "invalid_request", "token is required"));
    };
    let mut inner = app.lock();
    inner.oauth.revoke(&client.id, token);
    inner.oauth.counts.revocations += 1;
    plain(json_response(200, json!({})))
}
