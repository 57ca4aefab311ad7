//! Enterprise-managed authorization (the MCP extension
//! `io.modelcontextprotocol/enterprise-managed-authorization`): the person signs in once at the
//! company's identity provider; for each MCP server, agentview exchanges that sign-in's ID token
//! for an ID-JAG at the provider (RFC 8693) and trades it at the server's authorization server
//! with the JWT-bearer grant (RFC 7523), authenticating as its own client there. No browser and
//! no consent screen per server; a renewal runs both steps again.

use std::path::Path;

use reqwest::Url;

use super::idp::{self, SignIn};
use super::proof::{self, ClientProof};
use super::target::{self as unattended, JWT_BEARER, TokenServer};
use super::token_exchange::{self, Exchange, TOKEN_EXCHANGE};
use crate::credential::Door;
use crate::credential::renew;
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::login::context::interrupted_or;
use crate::login::oauth::browser::grant::Tokens;
use crate::login::oauth::browser::loopback::Listener;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::Client;
use crate::login::{IdpLogin, LoginContext};
use crate::secret::Secret;
use crate::store::{self, Credential, OAuthGrant, Selected, StoreConfig, Unattended, UnattendedGrant};

/// The JWT-bearer grant (RFC 7523 section 2.1) with an ID-JAG as its assertion.
pub async fn jwt_bearer(
    http: &Http,
    token_endpoint: &Url,
    client: &Client,
    assertion: &Secret,
    resource: &str,
    scope: Option<&str>,
) -> Result<Tokens, OAuthError> {
    let mut form = vec![("grant_type", JWT_BEARER), ("assertion", assertion.expose()), ("resource", resource)];
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

/// `login --idp`: the server's authorization server and the provider found and checked, the
/// sign-in (kept, renewed, read from `--id-token-file`, or made in the browser and kept at once
/// in `selected`), then both steps. The credential, not yet stored.
pub async fn login(
    ctx: &LoginContext<'_>,
    idp_login: &IdpLogin,
    selected: &Selected,
    fixed: Option<Listener>,
    open_browser: bool,
) -> anyhow::Result<Credential> {
    let LoginContext { login, settings, output, .. } = *ctx;
    let failed = |e: OAuthError| e.into_failure("the login through the identity provider failed");
    let http = Http::new(&crate::http::user_agent(), settings.request_timeout, output.trace())
        .map_err(|e| e.into_failure("cannot set up HTTP"))?;
    let target =
        interrupted_or(ctx, unattended::discover(&http, settings.server.url(), settings.auth_server.as_deref()))
            .await?
            .map_err(failed)?;
    target
        .server
        .require_grant(JWT_BEARER, "the JWT-bearer grant (enterprise-managed authorization)")
        .map_err(failed)?;
    let now = ctx.clock.unix_now();
    let settled = match &idp_login.proof {
        Some(proof) => {
            let settled = proof::settle(&idp_login.client_id, proof, &target.server, now).map_err(failed)?;
            if let Some(note) = &settled.note {
                output.warn(note);
            }
            (settled.client, settled.jwt)
        }
        None => (Client::public(&idp_login.client_id), None),
    };
    let issuer = idp_login.issuer.as_str();
    let idp_server = interrupted_or(ctx, idp::discover(&http, issuer)).await?.map_err(failed)?;
    idp_server.require_grant(TOKEN_EXCHANGE, "token exchange (RFC 8693)").map_err(failed)?;
    let idp_client = idp::client(&idp_login.idp_client_id, idp_login.idp_client_secret.clone(), &idp_server);
    let id_token = match &idp_login.id_token_file {
        Some(path) => from_file(ctx, &idp_server, &idp_client, path, selected).await?,
        None => signed_in(ctx, &http, &idp_server, &idp_client, selected, fixed, open_browser).await?,
    };
    output.info(&format!(
        "Exchanging the sign-in for access to {} (token exchange at {}, then the JWT-bearer grant at {}).",
        settings.server,
        crate::sanitize::line(issuer, 200),
        crate::sanitize::line(&target.server.issuer, 200)
    ));
    let scope = unattended::choose_scope(login.scope.as_deref(), &target.resource);
    let exchange = Exchange {
        idp: issuer,
        token_endpoint: &idp_server.token_endpoint,
        client: &idp_client,
        id_token: &id_token,
        audience: &target.server.issuer,
        resource: &target.resource.resource,
        scope: scope.as_deref(),
    };
    let (client, client_jwt) = settled;
    let tokens =
        interrupted_or(ctx, trade(&http, &exchange, &target.server.token_endpoint, &client)).await?.map_err(failed)?;
    let grant = UnattendedGrant::IdJag { idp: issuer.to_string(), id_token_file: id_token_file(idp_login)? };
    let unattended = Unattended::new(grant, client_jwt);
    Ok(unattended::credential(settings.server.as_str(), &target, &client, unattended, tokens, scope, now))
}

/// The absolute path of `--id-token-file`, read again at every renewal.
fn id_token_file(idp_login: &IdpLogin) -> Result<Option<std::path::PathBuf>, Failure> {
    idp_login
        .id_token_file
        .as_deref()
        .map(std::path::absolute)
        .transpose()
        .map_err(|e| Failure::usage(format!("--id-token-file: {e}")))
}

/// `--id-token-file`: the ID token someone else got (an SSO agent), checked for its issuer and
/// expiry. The provider's client and endpoints are kept as the sign-in, for renewals.
async fn from_file(
    ctx: &LoginContext<'_>,
    server: &TokenServer,
    client: &Client,
    path: &Path,
    selected: &Selected,
) -> anyhow::Result<Secret> {
    let now = ctx.clock.unix_now();
    let failed = |e: OAuthError| e.into_failure("cannot use the ID token file");
    let id_token = proof::read_jwt_file(path, "the ID token", now).map_err(failed)?;
    let claims = super::jwt::claims(id_token.expose()).map_err(|why| Failure::new(Exit::NotLoggedIn, why))?;
    if super::jwt::string(&claims, "iss") != Some(server.issuer.as_str()) {
        return Err(failed(OAuthError::Proof(format!(
            "the ID token in {} was not issued by {}",
            path.display(),
            crate::sanitize::line(&server.issuer, 200)
        )))
        .into());
    }
    let kept = idp::load(&ctx.settings.store, &server.issuer).await;
    // A refresh token the browser sign-in got stays: the file only stands in for its ID token.
    let refresh_token =
        kept.and_then(|(c, _)| c.oauth).filter(|g| g.client_id == client.client_id).and_then(|g| g.refresh_token);
    let sign_in =
        SignIn { id_token: id_token.clone(), expires_at: super::jwt::date(&claims, "exp"), refresh_token, scope: None };
    keep(ctx, selected, idp::credential(&server.issuer, server, client, sign_in, now)).await?;
    Ok(id_token)
}

/// The kept sign-in's ID token: as it is while fresh, renewed with its refresh token (under the
/// refresh lock every renewal takes), or, failing both, a new sign-in in the browser.
async fn signed_in(
    ctx: &LoginContext<'_>,
    http: &Http,
    server: &TokenServer,
    client: &Client,
    selected: &Selected,
    fixed: Option<Listener>,
    open_browser: bool,
) -> anyhow::Result<Secret> {
    let LoginContext { settings, output, .. } = *ctx;
    let issuer = server.issuer.as_str();
    let shown = crate::sanitize::line(issuer, 200);
    let kept = idp::load(&settings.store, issuer).await.filter(|(c, _)| {
        c.oauth.as_ref().is_some_and(|g| g.client_id == client.client_id && g.token_endpoint == server.token_endpoint)
    });
    if let Some((credential, source)) = kept {
        let now = ctx.clock.unix_now();
        if idp::is_fresh(&credential, now) {
            output.info(&format!("Using the sign-in at {shown} kept from before (no browser needed)."));
            return Ok(credential.secret);
        }
        if let Some(grant) = credential.oauth.as_ref().filter(|g| g.refresh_token.is_some()) {
            let _lock = Door::new(settings, output).refresh_lock().await?;
            match interrupted_or(ctx, idp::refresh(http, grant, now)).await? {
                Ok(tokens) => {
                    let renewed = renew::renewed(&credential, tokens, now);
                    if let Err(e) = idp::save_to(&settings.store, source, &renewed).await {
                        output.warn(&e.to_string());
                    }
                    output.info(&format!("Renewed the sign-in at {shown} kept from before (no browser needed)."));
                    return Ok(renewed.secret);
                }
                Err(e) => output.info(&format!("The kept sign-in at {shown} could not be renewed ({e}).")),
            }
        }
    }
    let sign_in = idp::sign_in(ctx, http, issuer, server, client, fixed, open_browser).await?;
    let id_token = sign_in.id_token.clone();
    keep(ctx, selected, idp::credential(issuer, server, client, sign_in, ctx.clock.unix_now())).await?;
    Ok(id_token)
}

/// Keep the sign-in in the selected store at once: the person approved it, and the next server
/// uses it whatever happens to this one.
async fn keep(ctx: &LoginContext<'_>, selected: &Selected, credential: Credential) -> Result<(), Failure> {
    let (config, chosen) = (ctx.settings.store.clone(), selected.clone());
    let saved = tokio::task::spawn_blocking(move || store::save_selected(&config, &chosen, &credential)).await;
    match saved {
        Ok(Ok(saved)) => {
            ctx.output.verbose(&format!("kept the sign-in in {}", saved.store.describe()));
            Ok(())
        }
        Ok(Err(e)) => Err(Failure::new(Exit::Store, format!("the sign-in could not be stored: {e}")).with_source(e)),
        Err(e) => Err(Failure::new(Exit::Store, format!("the sign-in could not be stored: {e}"))),
    }
}

/// Renew a stored grant of enterprise-managed authorization: the sign-in's ID token (from the
/// kept sign-in, vetted like any stored grant and renewed when due, or from its file), then both
/// steps again (`pinned`: the user pinned the grant's authorization server). Runs under the
/// refresh lock the door holds.
pub async fn renew(
    http: &Http,
    grant: &mut OAuthGrant,
    stores: &StoreConfig,
    pinned: bool,
    now: u64,
) -> Result<Tokens, OAuthError> {
    let Some(UnattendedGrant::IdJag { idp: issuer, id_token_file }) =
        grant.unattended.as_ref().map(|u| u.grant.clone())
    else {
        return Err(OAuthError::Proof("the stored grant is not one of enterprise-managed authorization".into()));
    };
    let shown = crate::sanitize::line(&issuer, 200);
    let (kept, source) = idp::load(stores, &issuer).await.ok_or_else(|| {
        OAuthError::Proof(format!("the sign-in at {shown} is no longer stored; log in again with --idp {shown}"))
    })?;
    let idp_grant = kept.oauth.as_ref().ok_or_else(|| OAuthError::Proof("the kept sign-in is unusable".into()))?;
    // The ID token, its refresh token and agentview's secret at the provider go only to the
    // provider's own token endpoint.
    if idp_grant.issuer != issuer {
        return Err(OAuthError::Refused(format!(
            "the sign-in kept for {shown} names another identity provider ({}); nothing was sent",
            crate::sanitize::line(&idp_grant.issuer, 200)
        )));
    }
    let at_idp = reqwest::Url::parse(&idp::key(&issuer))
        .map_err(|_| OAuthError::Refused(format!("the identity provider {shown} is not a URL; nothing was sent")))?;
    crate::credential::vet::grant(http, idp_grant, &at_idp, None).await.map_err(|e| e.into_oauth())?;
    let id_token = match &id_token_file {
        Some(path) => proof::read_jwt_file(path, "the ID token", now)?,
        None if idp::is_fresh(&kept, now) => kept.secret.clone(),
        None => {
            let tokens = idp::refresh(http, idp_grant, now).await?;
            let renewed = renew::renewed(&kept, tokens, now);
            idp::save_to(stores, source, &renewed).await?;
            renewed.secret
        }
    };
    let idp_client = Client::of_grant(idp_grant);
    let client = proof::client_of_grant(grant, pinned, now)?;
    let exchange = Exchange {
        idp: &issuer,
        token_endpoint: &idp_grant.token_endpoint,
        client: &idp_client,
        id_token: &id_token,
        audience: &grant.issuer,
        resource: &grant.resource,
        scope: grant.scope.as_deref(),
    };
    trade(http, &exchange, &grant.token_endpoint, &client).await
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
