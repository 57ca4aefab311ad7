//! One authorization code grant: the request (PKCE, state, resource, scope), the callback checks
//! (state, RFC 9207 `iss`, errors), and the code exchange.

use reqwest::Url;

use super::loopback::Params;
use super::pkce::{Pkce, random_token};
use super::profile::Request;
use crate::http::Http;
use crate::login::oauth::shared::discovery::AuthServer;
use crate::login::oauth::shared::error::{ErrorCode, OAuthError};
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::{Tokens, token_request};

/// The longest authorization code accepted (codes are opaque, but none needs more).
const MAX_CODE: usize = 4096;

/// An authorization request in flight: what must come back, and what proves it is ours.
#[derive(Debug)]
pub struct Authorization {
    pub url: Url,
    pub state: String,
    pub pkce: Pkce,
    pub redirect_uri: String,
    pub issuer: String,
    pub iss_supported: bool,
    /// The `resource` the code exchange repeats (RFC 8707), or none.
    pub resource: Option<String>,
    pub scope: Option<String>,
    /// The extra parameters it carried (a refusal may name one of them).
    pub params: Vec<(String, String)>,
}

impl Authorization {
    /// The request `request` describes (its resource, scope and extra parameters), with PKCE
    /// and a fresh state.
    pub fn new(
        server: &AuthServer,
        client: &Client,
        redirect_uri: &str,
        request: &Request,
    ) -> Result<Authorization, OAuthError> {
        let random = |e: getrandom::Error| OAuthError::invalid("the system", format!("no randomness: {e}"));
        let pkce = Pkce::new().map_err(random)?;
        let state = random_token(24).map_err(random)?;
        let mut url = server.authorization_endpoint.clone().ok_or_else(|| {
            OAuthError::invalid("the authorization server metadata", "it has no authorization_endpoint")
        })?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &client.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("state", &state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(resource) = &request.resource {
                query.append_pair("resource", resource);
            }
            if let Some(scope) = &request.scope {
                query.append_pair("scope", scope);
            }
            for (key, value) in &request.params {
                query.append_pair(key, value);
            }
        }
        Ok(Authorization {
            url,
            state,
            pkce,
            redirect_uri: redirect_uri.to_string(),
            issuer: server.issuer.clone(),
            iss_supported: server.iss_supported,
            resource: request.resource.clone(),
            scope: request.scope.clone(),
            params: request.params.clone(),
        })
    }

    /// Check a callback: errors first, then `state`, then `iss` (RFC 9207). Returns the code.
    pub fn check_callback(&self, params: &Params) -> Result<String, OAuthError> {
        let state_ok = params.get("state").is_some_and(|s| constant_time_eq(s, &self.state));
        if let Some(error) = params.get("error") {
            if !state_ok {
                return Err(OAuthError::Callback(
                    "the authorization server's answer does not carry this login's state; ignoring it".into(),
                ));
            }
            return Err(OAuthError::Denied {
                error: ErrorCode::parse(error),
                description: params.get("error_description").map(|d| crate::sanitize::line(d, 300)),
            });
        }
        if !state_ok {
            return Err(OAuthError::Callback(
                "the callback's state does not match this login (a stale tab, or a forged request); nothing was exchanged"
                    .into(),
            ));
        }
        match (self.iss_supported, params.get("iss")) {
            (_, Some(iss)) if iss != &self.issuer => {
                return Err(OAuthError::Callback(format!(
                    "the callback comes from issuer \"{}\", not \"{}\" (RFC 9207); nothing was exchanged",
                    crate::sanitize::line(iss, 200),
                    crate::sanitize::line(&self.issuer, 200)
                )));
            }
            (true, None) => {
                return Err(OAuthError::Callback(
                    "the callback has no iss though the authorization server promises one (RFC 9207); nothing was exchanged"
                        .into(),
                ));
            }
            _ => {}
        }
        match params.get("code") {
            Some(code) if code.len() > MAX_CODE => Err(OAuthError::Callback(format!(
                "the callback is too long: its code has {} characters, and agentview takes at most {MAX_CODE}; nothing was exchanged",
                code.len()
            ))),
            Some(code) if !code.is_empty() => Ok(code.clone()),
            _ => Err(OAuthError::Callback("the callback carries neither a code nor an error".into())),
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Exchange the authorization code (with the verifier and the same resource, if any).
pub async fn exchange(
    http: &Http,
    token_endpoint: &Url,
    client: &Client,
    authorization: &Authorization,
    code: &str,
) -> Result<Tokens, OAuthError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", authorization.redirect_uri.as_str()),
        ("code_verifier", authorization.pkce.verifier.expose()),
    ];
    if let Some(resource) = &authorization.resource {
        form.push(("resource", resource.as_str()));
    }
    token_request(http, token_endpoint, client, form).await
}

#[cfg(test)]
#[path = "grant_tests.rs"]
mod tests;
