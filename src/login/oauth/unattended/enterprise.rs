//! Enterprise-managed authorization (the MCP extension
//! `io.modelcontextprotocol/enterprise-managed-authorization`): the person signs in once at the
//! company's identity provider; for each MCP server, agentview exchanges that sign-in's ID token
//! for an ID-JAG at the provider (RFC 8693) and trades it at the server's authorization server
//! with the JWT-bearer grant (RFC 7523), authenticating as its own client there. No browser and
//! no consent screen per server; a renewal runs both steps again (`credential/sign_in.rs`), and
//! `login --idp` (`login/idp.rs`) runs them the first time.

use std::path::{Path, PathBuf};

use reqwest::Url;

use super::target::{self as unattended, Destination, JWT_BEARER, Target, TokenServer};
use super::token_exchange::{self, Exchange, TOKEN_EXCHANGE};
use super::{idp, jwt, proof};
use crate::http::Http;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::Tokens;
use crate::secret::Secret;
use crate::server_url::ServerUrl;
use crate::settings::client::ClientProof;
use crate::store::{Credential, Flow, GrantAuth};

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

/// The client at the company's identity provider: its issuer, agentview's client id there, and
/// the secret the provider gave it, if any.
#[derive(Debug, Clone, Copy)]
pub struct Provider<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: Option<&'a Secret>,
}

/// Both authorization servers of enterprise-managed authorization, found and checked before
/// anything secret is sent: the MCP server's (it offers the JWT-bearer grant, and takes the
/// client's proof) and the identity provider (it offers token exchange).
#[derive(Debug)]
pub struct Prepared {
    pub target: Target,
    /// agentview's client at the MCP server's authorization server, and how it authenticates.
    pub client: Client,
    pub auth: GrantAuth,
    /// Something the user should know about the client's proof (a key others can read).
    pub note: Option<String>,
    pub idp: TokenServer,
    pub idp_client: Client,
}

/// Find and check both servers for `to` (the pin applies to the MCP server's) and settle the
/// clients: `client_id` with `proof` (none: a public client) at the MCP server's authorization
/// server, and `provider` at the identity provider.
pub async fn prepare(
    http: &Http,
    to: Destination<'_>,
    client_id: &str,
    proof: Option<&ClientProof>,
    provider: Provider<'_>,
    now: u64,
) -> Result<Prepared, OAuthError> {
    let target = unattended::discover(http, to).await?;
    target.server.require_grant(JWT_BEARER, "the JWT-bearer grant (enterprise-managed authorization)")?;
    let (client, auth, note) = match proof {
        Some(proof) => {
            let settled = proof::settle(client_id, proof, &target.server, now)?;
            (settled.client, settled.auth, settled.note)
        }
        None => (Client::public(client_id), GrantAuth::None, None),
    };
    let idp = idp::discover(http, provider.issuer).await?;
    idp.require_grant(TOKEN_EXCHANGE, "token exchange (RFC 8693)")?;
    let idp_client = idp::client(provider.client_id, provider.client_secret.cloned(), &idp);
    Ok(Prepared { target, client, auth, note, idp, idp_client })
}

/// An ID token someone else got (an SSO agent), from `path`: one JWT, not expired at `now`,
/// issued by the provider. With its expiry.
pub fn read_id_token(path: &Path, idp: &TokenServer, now: u64) -> Result<(Secret, Option<u64>), OAuthError> {
    let id_token = proof::read_jwt_file(path, "the ID token", now)?;
    let claims = jwt::claims(id_token.expose()).map_err(OAuthError::Proof)?;
    if jwt::string(&claims, "iss") != Some(idp.issuer.as_str()) {
        return Err(OAuthError::Proof(format!(
            "the ID token in {} was not issued by {}",
            path.display(),
            crate::sanitize::line(&idp.issuer, 200)
        )));
    }
    Ok((id_token, jwt::date(&claims, "exp")))
}

/// Both steps for `server`: the sign-in's `id_token` for an ID-JAG at the provider, the ID-JAG
/// for the server's token; the credential they make (`id_token_file`: where a renewal reads the
/// ID token, instead of the kept sign-in). `scope`: the user's, else everything the resource
/// lists.
pub async fn exchange(
    http: &Http,
    prepared: &Prepared,
    id_token: &Secret,
    scope: Option<&str>,
    server: &ServerUrl,
    id_token_file: Option<PathBuf>,
    now: u64,
) -> Result<Credential, OAuthError> {
    let Prepared { target, client, auth, idp, idp_client, .. } = prepared;
    let scope = unattended::choose_scope(scope, &target.resource);
    let exchange = Exchange {
        idp: &idp.issuer,
        token_endpoint: &idp.token_endpoint,
        client: idp_client,
        id_token,
        audience: &target.server.issuer,
        resource: Some(&target.resource.resource),
        scope: scope.as_deref(),
    };
    let tokens = trade(http, &exchange, &target.server.token_endpoint, client).await?;
    let flow = Flow::IdJag { idp: idp.issuer.clone(), id_token_file };
    Ok(unattended::credential(server, target, client, auth.clone(), flow, tokens, scope, now))
}
