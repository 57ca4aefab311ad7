//! What a token endpoint answers, read and checked once for every grant: the tokens, an OAuth
//! error (also with HTTP 200), Bearer only, sane lifetimes; and the refresh token grant (RFC 6749
//! section 6).

use reqwest::Url;
use serde_json::Value;

use super::error::{OAuthError, answer_object};
use super::registration::Client;
use crate::http::{Http, Reply};
use crate::secret::{Secret, check_token_shape};

/// What the token endpoint handed out.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// Seconds, when the server said and the value is sane.
    pub expires_in: Option<u64>,
    pub scope: Option<String>,
    /// An OpenID Connect ID token, where the answer carries a usable one: who signed in.
    pub id_token: Option<Secret>,
    /// Problems worth a warning (an absurd `expires_in`).
    pub warnings: Vec<String>,
}

/// Trade a refresh token for new tokens (the login's resource, if it sent one; the scope is kept).
pub async fn refresh(
    http: &Http,
    token_endpoint: &Url,
    client: &Client,
    refresh_token: &Secret,
    resource: Option<&str>,
) -> Result<Tokens, OAuthError> {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())];
    if let Some(resource) = resource {
        form.push(("resource", resource));
    }
    token_request(http, token_endpoint, client, form).await
}

pub(crate) async fn token_request<'a>(
    http: &Http,
    token_endpoint: &Url,
    client: &'a Client,
    mut form: Vec<(&'a str, &'a str)>,
) -> Result<Tokens, OAuthError> {
    let basic = client.authenticate(&mut form);
    const WHAT: &str = "the token endpoint";
    let reply = http.post_form(token_endpoint, &form, basic, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    parse_tokens(&reply)
}

/// A token endpoint response, checked: errors (also with HTTP 200), Bearer only, shapes.
pub fn parse_tokens(reply: &Reply) -> Result<Tokens, OAuthError> {
    const WHAT: &str = "the token endpoint";
    let doc = answer_object(reply, WHAT)?;
    let access = doc
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| OAuthError::invalid(WHAT, "the answer has no access_token"))?;
    check_token_shape(access).map_err(|e| OAuthError::invalid(WHAT, format!("the access_token: {e}")))?;
    match doc.get("token_type").and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        None => {}
        Some(other) => {
            return Err(OAuthError::invalid(
                WHAT,
                format!(
                    "the token_type is \"{}\", and agentview uses only Bearer tokens",
                    crate::sanitize::line(other, 30)
                ),
            ));
        }
    }
    let refresh_token = match doc.get("refresh_token") {
        Some(Value::String(r)) => {
            check_token_shape(r).map_err(|e| OAuthError::invalid(WHAT, format!("the refresh_token: {e}")))?;
            Some(Secret::new(r.as_str()))
        }
        _ => None,
    };
    let mut warnings = Vec::new();
    let expires_in = match doc.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let secs = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match secs {
                Some(s) if (1.0..=10.0 * 365.0 * 86_400.0).contains(&s) => Some(s as u64),
                _ => {
                    warnings.push("the token endpoint sent an unusable expires_in; the expiry is unknown".into());
                    None
                }
            }
        }
    };
    let scope = doc.get("scope").and_then(Value::as_str).map(|s| crate::sanitize::line(s, 1000));
    // Who signed in, for display: an ID token that could not be sent as a header is no token.
    let id_token =
        doc.get("id_token").and_then(Value::as_str).filter(|t| check_token_shape(t).is_ok()).map(Secret::new);
    Ok(Tokens { access_token: Secret::new(access), refresh_token, expires_in, scope, id_token, warnings })
}

#[cfg(test)]
#[path = "tokens_tests.rs"]
mod tests;
