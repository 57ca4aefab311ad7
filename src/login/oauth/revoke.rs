//! Logging out at the authorization server (RFC 7009): the refresh token, then the access token.

use reqwest::Url;

use super::error::OAuthError;
use super::registration::Client;
use crate::http::Http;
use crate::secret::Secret;
use crate::store::OAuthGrant;

/// Revoke both tokens at the grant's revocation endpoint. `Ok(false)`: the server has none.
pub async fn revoke(http: &Http, grant: &OAuthGrant, access_token: &Secret) -> Result<bool, OAuthError> {
    let Some(endpoint) = &grant.revocation_endpoint else { return Ok(false) };
    let client = Client::of_grant(grant);
    // The refresh token first: revoking it ends the whole grant at most servers.
    let mut tokens = Vec::new();
    if let Some(refresh) = &grant.refresh_token {
        tokens.push((refresh, "refresh_token"));
    }
    tokens.push((access_token, "access_token"));
    for (token, hint) in tokens {
        revoke_one(http, endpoint, &client, token, hint).await?;
    }
    Ok(true)
}

async fn revoke_one(
    http: &Http,
    endpoint: &Url,
    client: &Client,
    token: &Secret,
    hint: &str,
) -> Result<(), OAuthError> {
    const WHAT: &str = "the revocation endpoint";
    let mut form = vec![("token", token.expose()), ("token_type_hint", hint)];
    let basic = client.authenticate(&mut form);
    let reply = http.post_form(endpoint, &form, basic, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    // RFC 7009: 200 for revoked and for unknown tokens alike.
    if reply.status == 200 { Ok(()) } else { Err(OAuthError::Status { what: WHAT.into(), status: reply.status }) }
}
