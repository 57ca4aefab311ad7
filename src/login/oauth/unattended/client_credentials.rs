//! OAuth client credentials (the MCP extension `io.modelcontextprotocol/oauth-client-credentials`):
//! a CI job or a service gets a token as itself, with a secret, its private key, or a token
//! someone else issued for it (workload identity). Used by `login --client-credentials`, by
//! `token` and `exec` with the client in the environment, and by the renewal, which runs the
//! grant again (there is no refresh token).

use reqwest::Url;

use super::proof;
use super::target::{self as unattended, CLIENT_CREDENTIALS, Destination, Target};
use crate::http::Http;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::Tokens;
use crate::server_url::ServerUrl;
use crate::settings::client::ClientProof;
use crate::store::{ClientJwt, Credential, Flow, OAuthGrant};

/// The grant's token request: `resource` (a login's always has one), `scope` when there is one.
pub async fn request(
    http: &Http,
    token_endpoint: &Url,
    client: &Client,
    resource: Option<&str>,
    scope: Option<&str>,
) -> Result<Tokens, OAuthError> {
    let mut form = vec![("grant_type", CLIENT_CREDENTIALS)];
    if let Some(resource) = resource {
        form.push(("resource", resource));
    }
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    unattended::token_request(http, token_endpoint, client, form).await
}

/// What a client credentials login got: the credential (not yet stored) and what to tell.
#[derive(Debug)]
pub struct Obtained {
    pub credential: Credential,
    /// How the client authenticated, for a progress line.
    pub how: String,
    /// Something the user should know (a key others can read).
    pub note: Option<String>,
}

/// Find the server's authorization server, check it offers the grant and takes the client's
/// proof (before anything secret is sent), and run the grant.
pub async fn obtain(
    http: &Http,
    server: Destination<'_>,
    client_id: &str,
    proof: &ClientProof,
    scope: Option<&str>,
    now: u64,
) -> Result<Obtained, OAuthError> {
    let target = unattended::discover(http, server).await?;
    obtain_at(http, &target, server.server, client_id, proof, scope, now).await
}

/// [`obtain`] with the server already found.
pub async fn obtain_at(
    http: &Http,
    target: &Target,
    server: &ServerUrl,
    client_id: &str,
    proof: &ClientProof,
    scope: Option<&str>,
    now: u64,
) -> Result<Obtained, OAuthError> {
    target.server.require_grant(CLIENT_CREDENTIALS, "the client credentials grant")?;
    let settled = proof::settle(client_id, proof, &target.server, now)?;
    let scope = unattended::choose_scope(scope, &target.resource);
    let tokens = request(
        http,
        &target.server.token_endpoint,
        &settled.client,
        Some(&target.resource.resource),
        scope.as_deref(),
    )
    .await?;
    let how = match settled.auth.jwt() {
        Some(ClientJwt::Key { alg, .. }) => format!("private_key_jwt ({alg})"),
        Some(ClientJwt::AssertionFile { .. }) => "private_key_jwt (an assertion file)".into(),
        None => settled.client.auth.as_str().into(),
    };
    let (client, auth) = (&settled.client, settled.auth);
    let credential = unattended::credential(server, target, client, auth, Flow::ClientCredentials, tokens, scope, now);
    Ok(Obtained { credential, how, note: settled.note })
}

/// Run the grant again for a stored credential: its kept secret, or a fresh assertion from its
/// key or assertion file (`pinned`: the user pinned its authorization server); the same resource
/// and scope.
pub async fn renew(http: &Http, grant: &mut OAuthGrant, pinned: bool, now: u64) -> Result<Tokens, OAuthError> {
    let client = proof::client_of_grant(grant, pinned, now)?;
    request(http, &grant.token_endpoint, &client, grant.resource.as_deref(), grant.scope.as_deref()).await
}
