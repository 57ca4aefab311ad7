//! Workload identity federation (the MCP extension `io.modelcontextprotocol/auth/wif`): a
//! workload (a CI job, a Kubernetes pod, a cloud function) presents the JWT its platform issued
//! it as the authorization grant itself (RFC 7523 section 2.1), and the authorization server,
//! which trusts that platform, answers with a token. No secret to keep, and no client id unless
//! the server wants one. The token file is read again for every request: platforms rotate it.
//! Used by `login --workload-token-file`, by `token` and `exec` with
//! `AGENTVIEW_WORKLOAD_TOKEN_FILE`, and by the renewal, which runs the grant again.

use std::path::Path;

use reqwest::Url;

use super::audience::{Audience, check_audience};
use super::client_credentials::Obtained;
use super::enterprise::jwt_bearer;
use super::proof;
use super::target::{self as unattended, Destination, JWT_BEARER, Target};
use crate::http::Http;
use crate::login::oauth::shared::error::{ErrorCode, OAuthError};
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::Tokens;
use crate::secret::Secret;
use crate::server_url::ServerUrl;
pub use crate::settings::client::Workload;
use crate::store::{ClientAuth, Flow, GrantAuth, OAuthGrant};

/// The workload's token from `path`: one JWT, not expired at `now` (checked before it is sent).
fn read_token(path: &Path, now: u64) -> Result<Secret, OAuthError> {
    proof::read_jwt_file(path, "the workload token", now)
}

/// The grant's token request: the workload's token as the assertion, `resource` (a login's always
/// has one), `scope`
/// when there is one, no retry and no other grant after a refusal. A refusal of the token is said
/// with its file, never its contents.
pub async fn request(
    http: &Http,
    token_endpoint: &Url,
    client: &Client,
    token_file: &Path,
    token: &Secret,
    resource: Option<&str>,
    scope: Option<&str>,
) -> Result<Tokens, OAuthError> {
    jwt_bearer(http, token_endpoint, client, token, resource, scope).await.map_err(|e| match e {
        OAuthError::ClientRefused { client_id, error, description }
            if client_id.is_empty() || matches!(error, ErrorCode::InvalidGrant | ErrorCode::UnauthorizedClient) =>
        {
            OAuthError::Proof(format!(
                "the authorization server refused the workload token in {}: {error}{}",
                token_file.display(),
                description.map(|d| format!(" ({})", crate::sanitize::line(&d, 300))).unwrap_or_default()
            ))
        }
        e => e,
    })
}

/// Check the token is usable (a file that cannot be read, or a token that expired, fails before
/// any request), find the server's authorization server, check it offers the JWT-bearer grant,
/// and run the grant.
pub async fn obtain(
    http: &Http,
    server: Destination<'_>,
    workload: &Workload,
    scope: Option<&str>,
    now: u64,
) -> Result<Obtained, OAuthError> {
    read_token(&workload.token_file, now)?;
    let target = unattended::discover(http, server).await?;
    obtain_at(http, &target, server.server, workload, scope, now).await
}

/// [`obtain`] with the server already found.
pub async fn obtain_at(
    http: &Http,
    target: &Target,
    server: &ServerUrl,
    workload: &Workload,
    scope: Option<&str>,
    now: u64,
) -> Result<Obtained, OAuthError> {
    target.server.require_grant(JWT_BEARER, "the JWT-bearer grant (workload identity federation)")?;
    // Read (again) now: the platform may have replaced it meanwhile.
    let token_file = std::path::absolute(&workload.token_file)
        .map_err(|e| OAuthError::Proof(format!("cannot use the path {}: {e}", workload.token_file.display())))?;
    let token = read_token(&token_file, now)?;
    // Only to an authorization server the token is for (or the one the user pinned).
    check_audience(&token, "the workload token", &token_file, target.server.audience())?;
    let (client, auth, note) = match (&workload.client_id, &workload.proof) {
        (Some(client_id), Some(proof)) => {
            let settled = proof::settle(client_id, proof, &target.server, now)?;
            (settled.client, settled.auth, settled.note)
        }
        (client_id, _) => (Client::public(client_id.as_deref().unwrap_or_default()), GrantAuth::None, None),
    };
    let scope = unattended::choose_scope(scope, &target.resource);
    let (endpoint, resource) = (&target.server.token_endpoint, Some(target.resource.resource.as_str()));
    let tokens = request(http, endpoint, &client, &token_file, &token, resource, scope.as_deref()).await?;
    let how = match (client.client_id.is_empty(), client.auth) {
        (true, _) => "the workload token alone".to_string(),
        (false, ClientAuth::None) => format!("the workload token, as the client \"{}\"", client.client_id),
        (false, auth) => format!("the workload token, as the client \"{}\" ({})", client.client_id, auth.as_str()),
    };
    let flow = Flow::Workload { token_file };
    let credential = unattended::credential(server, target, &client, auth, flow, tokens, scope, now);
    Ok(Obtained { credential, how: crate::sanitize::line(&how, 300), note })
}

/// Run the grant again for a stored credential, with what the token file holds now, and only
/// where a fresh login would send it: to the grant's authorization server when the token names
/// it as its audience, or when the user pinned it (`pinned`).
pub async fn renew(http: &Http, grant: &mut OAuthGrant, pinned: bool, now: u64) -> Result<Tokens, OAuthError> {
    let Flow::Workload { token_file } = grant.flow.clone() else {
        return Err(OAuthError::Proof("the stored grant is not a workload's".into()));
    };
    let token = read_token(&token_file, now)?;
    let to = Audience { issuer: &grant.issuer, token_endpoint: &grant.token_endpoint, pinned };
    check_audience(&token, "the workload token", &token_file, to)?;
    let client = proof::client_of_grant(grant, pinned, now)?;
    let resource = grant.resource.as_deref();
    request(http, &grant.token_endpoint, &client, &token_file, &token, resource, grant.scope.as_deref()).await
}
