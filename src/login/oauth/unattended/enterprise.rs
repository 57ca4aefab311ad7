//! Enterprise-managed authorization (the MCP extension
//! `io.modelcontextprotocol/enterprise-managed-authorization`): the person signs in once at the
//! company's identity provider; for each MCP server, agentview exchanges that sign-in's ID token
//! for an ID-JAG at the provider (RFC 8693) and trades it at the server's authorization server
//! with the JWT-bearer grant (RFC 7523), authenticating as its own client there. No browser and
//! no consent screen per server; a renewal runs both steps again (`credential/sign_in.rs`), and
//! `login --idp` (`login/idp.rs`) runs them the first time.

use reqwest::Url;

use super::proof;
use super::target::{self as unattended, JWT_BEARER, TokenServer};
use super::token_exchange::{self, Exchange};
use crate::http::Http;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::Tokens;
use crate::secret::Secret;
use crate::settings::client::ClientProof;

/// The JWT-bearer grant (RFC 7523 section 2.1) with an ID-JAG as its assertion.
pub async fn jwt_bearer(
    http: &Http,
    token_endpoint: &Url,
    client: &Client,
    assertion: &Secret,
    resource: Option<&str>,
    scope: Option<&str>,
) -> Result<Tokens, OAuthError> {
    let mut form = vec![("grant_type", JWT_BEARER), ("assertion", assertion.expose())];
    if let Some(resource) = resource {
        form.push(("resource", resource));
    }
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    unattended::token_request(http, token_endpoint, client, form).await
}

/// Both steps: the ID token for an ID-JAG at the provider, the ID-JAG for tokens at the
/// server's authorization server (`token_endpoint`, as `client`).
pub async fn trade(
    http: &Http,
    exchange: &Exchange<'_>,
    token_endpoint: &Url,
    client: &Client,
) -> Result<Tokens, OAuthError> {
    let id_jag = token_exchange::id_jag(http, exchange).await?;
    jwt_bearer(http, token_endpoint, client, &id_jag, exchange.resource, exchange.scope).await
}

/// The login settings' client proof, for callers outside the login (the conformance client).
pub fn settle_client(
    client_id: &str,
    proof: Option<&ClientProof>,
    server: &TokenServer,
    now: u64,
) -> Result<Client, OAuthError> {
    match proof {
        Some(proof) => proof::settle(client_id, proof, server, now).map(|s| s.client),
        None => Ok(Client::public(client_id)),
    }
}
