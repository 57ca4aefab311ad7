//! Logging out at the authorization server (RFC 7009): the refresh token, then the access token.

use reqwest::Url;
use serde_json::Value;

use super::error::{ErrorCode, OAuthError, json_object};
use super::registration::Client;
use crate::http::Http;
use crate::secret::Secret;
use crate::store::OAuthGrant;

/// What revocation achieved.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    /// The authorization server has no revocation endpoint.
    NoEndpoint,
    /// Every token was revoked, but for the kinds named here, which the server does not revoke
    /// (`unsupported_token_type`: a self-contained JWT access token, say); those expire on
    /// their own.
    Done { not_revocable: Vec<&'static str> },
}

/// Revoke both tokens at the grant's revocation endpoint, as `client` (the grant's, or, for a
/// client that signs its requests, one with a fresh assertion: a grant without a person has only
/// its access token to revoke). Without `access_token` only the refresh token (a sign-in at an
/// identity provider holds an ID token, which is no access token).
pub async fn revoke(
    http: &Http,
    grant: &OAuthGrant,
    client: &Client,
    access_token: Option<&Secret>,
) -> Result<Revoked, OAuthError> {
    let Some(endpoint) = &grant.revocation_endpoint else { return Ok(Revoked::NoEndpoint) };
    // The refresh token first: revoking it ends the whole grant at most servers.
    let mut tokens = Vec::new();
    if let Some(refresh) = &grant.refresh_token {
        tokens.push((refresh, "refresh_token"));
    }
    if let Some(access_token) = access_token {
        tokens.push((access_token, "access_token"));
    }
    let mut not_revocable = Vec::new();
    for (token, hint) in tokens {
        if !revoke_one(http, endpoint, client, token, hint).await? {
            not_revocable.push(hint);
        }
    }
    Ok(Revoked::Done { not_revocable })
}

/// Revoke one token; `Ok(false)`: the server does not revoke tokens of this type.
pub async fn revoke_one(
    http: &Http,
    endpoint: &Url,
    client: &Client,
    token: &Secret,
    hint: &str,
) -> Result<bool, OAuthError> {
    const WHAT: &str = "the revocation endpoint";
    let mut form = vec![("token", token.expose()), ("token_type_hint", hint)];
    let basic = client.authenticate(&mut form);
    let reply = http.post_form(endpoint, &form, basic, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    // RFC 7009: 200 for revoked and for unknown tokens alike.
    if reply.status == 200 {
        return Ok(true);
    }
    let doc = json_object(&reply, WHAT).ok();
    let error = doc.as_ref().and_then(|d| d.get("error")).and_then(Value::as_str).map(ErrorCode::parse);
    match error {
        Some(ErrorCode::UnsupportedTokenType) => Ok(false),
        // RFC 7009 answers 200 for a token that is no longer valid; Google answers 400
        // invalid_token (an access token whose grant its refresh token's revocation just ended).
        Some(ErrorCode::InvalidToken) => Ok(true),
        Some(error) => Err(OAuthError::Rejected {
            error,
            description: doc
                .as_ref()
                .and_then(|d| d.get("error_description"))
                .and_then(Value::as_str)
                .map(|d| crate::sanitize::line(d, 300)),
        }),
        None => Err(OAuthError::Status { what: WHAT.into(), status: reply.status }),
    }
}
