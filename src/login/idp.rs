//! `login --idp`: enterprise-managed authorization. The MCP server's authorization server and
//! the company's identity provider are found and checked; the sign-in at the provider is the one
//! kept from before (fresh, or renewed by the door), an ID token from `--id-token-file`, or a new
//! one in the browser, kept at once; then the sign-in is exchanged for an ID-JAG and that for the
//! server's token.

use std::path::Path;

use super::browser::browser_round_trip;
use super::context::{LoginContext, interrupted_or};
use super::settings::IdpLogin;
use crate::credential::Door;
use crate::credential::sign_in::SignInRenewal;
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::login::oauth::browser::loopback::Listener;
use crate::login::oauth::browser::redirect::DEFAULT_CALLBACK_PATH;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::unattended::enterprise::{self, Provider};
use crate::login::oauth::unattended::idp::{self, SignIn};
use crate::login::oauth::unattended::target::{Destination, TokenServer};
use crate::secret::Secret;
use crate::store::{self, Credential, Selected};

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
    let (login, settings, output) = (ctx.login, &ctx.settings, &ctx.output);
    let failed = |e: OAuthError| e.into_failure("the login through the identity provider failed");
    let http = ctx.http()?;
    let provider = Provider {
        issuer: &idp_login.issuer,
        client_id: &idp_login.idp_client_id,
        client_secret: idp_login.idp_client_secret.as_ref(),
    };
    let (to, now) = (Destination::of(settings), ctx.clock.unix_now());
    let proof = idp_login.proof.as_ref();
    let prepared = interrupted_or(ctx, enterprise::prepare(http, to, &idp_login.client_id, proof, provider, now))
        .await?
        .map_err(failed)?;
    if let Some(note) = &prepared.note {
        output.warn(note);
    }
    let (idp_server, idp_client) = (&prepared.idp, &prepared.idp_client);
    let id_token = match &idp_login.id_token_file {
        Some(path) => from_file(ctx, idp_server, idp_client, path, selected).await?,
        None => signed_in(ctx, http, idp_server, idp_client, selected, fixed, open_browser).await?,
    };
    output.info(&format!(
        "Exchanging the sign-in for access to {} (token exchange at {}, then the JWT-bearer grant at {}).",
        settings.server,
        crate::sanitize::line(&idp_login.issuer, 200),
        crate::sanitize::line(&prepared.target.server.issuer, 200)
    ));
    let (scope, file) = (login.scope.as_deref(), id_token_file(idp_login)?);
    let exchanged = enterprise::exchange(http, &prepared, &id_token, scope, &settings.server, file, now);
    Ok(interrupted_or(ctx, exchanged).await?.map_err(failed)?)
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
    let (id_token, expires_at) =
        enterprise::read_id_token(path, server, now).map_err(|e| e.into_failure("cannot use the ID token file"))?;
    let kept = Door::new(ctx.run).kept_sign_in(&server.issuer).await;
    // A refresh token the browser sign-in got stays: the file only stands in for its ID token.
    let refresh_token = kept.and_then(|k| {
        k.credential.oauth_grant().filter(|g| g.client_id == client.client_id).and_then(|g| g.refresh_token.clone())
    });
    let sign_in = SignIn { id_token: id_token.clone(), expires_at, refresh_token, scope: None };
    let credential = idp::credential(&server.issuer, server, client, sign_in, now)
        .map_err(|e| e.into_failure("cannot keep the sign-in"))?;
    keep(ctx, selected, credential).await?;
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
    let output = &ctx.output;
    let issuer = server.issuer.as_str();
    let shown = crate::sanitize::line(issuer, 200);
    let door = Door::new(ctx.run);
    let kept = door.kept_sign_in(issuer).await.filter(|k| {
        let c = &k.credential;
        c.oauth_grant().is_some_and(|g| g.client_id == client.client_id && g.token_endpoint == server.token_endpoint)
    });
    if let Some(kept) = kept {
        if kept.is_fresh(ctx.clock.unix_now()) {
            output.info(&format!("Using the sign-in at {shown} kept from before (no browser needed)."));
            return Ok(kept.credential.secret);
        }
        if kept.credential.oauth_grant().is_some_and(|g| g.refresh_token.is_some()) {
            match interrupted_or(ctx, door.renew_sign_in(http, &kept)).await?? {
                SignInRenewal::Renewed(renewed) => {
                    output.info(&format!("Renewed the sign-in at {shown} kept from before (no browser needed)."));
                    return Ok(renewed.secret);
                }
                SignInRenewal::Refused(e) => {
                    output.info(&format!("The kept sign-in at {shown} could not be renewed ({e})."))
                }
            }
        }
    }
    let sign_in = sign_in(ctx, http, issuer, server, client, fixed, open_browser).await?;
    let id_token = sign_in.id_token.clone();
    let credential = idp::credential(issuer, server, client, sign_in, ctx.clock.unix_now())
        .map_err(|e| e.into_failure("cannot keep the sign-in"))?;
    keep(ctx, selected, credential).await?;
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

/// The person's sign-in at the identity provider in the browser (or the redirect pasted back),
/// at the redirect URI the provider knows for its client (`--redirect-uri`, else
/// `http://127.0.0.1:<port>/callback`), with the MCP login's round trip.
async fn sign_in(
    ctx: &LoginContext<'_>,
    http: &Http,
    issuer: &str,
    server: &TokenServer,
    client: &Client,
    fixed: Option<Listener>,
    open_browser: bool,
) -> anyhow::Result<SignIn> {
    let endpoint =
        idp::sign_in_endpoint(server, issuer).map_err(|e| e.into_failure("cannot sign in at the identity provider"))?;
    let (host, path) = match &ctx.login.redirect_uri {
        Some(named) => (named.host.clone(), named.path.clone()),
        None => ("127.0.0.1".to_string(), DEFAULT_CALLBACK_PATH.to_string()),
    };
    let listener = match fixed {
        Some(listener) => listener.at_path(&path),
        None => Listener::bind(0, &path).await.map_err(|e| OAuthError::Listen(e).into_failure("cannot sign in"))?,
    }
    .named(&host);
    let (pending, nonce, scope) = idp::sign_in_request(endpoint, server, client, issuer, listener.redirect_uri())?;
    ctx.output.info(&format!("Signing in at the identity provider {}.", crate::sanitize::line(issuer, 200)));
    let code = browser_round_trip(ctx, issuer, listener, &pending, open_browser).await?;
    let exchanged = interrupted_or(ctx, idp::exchange_code(http, &pending, &code)).await?;
    let (tokens, id_token) =
        exchanged.map_err(|e| e.into_failure("the identity provider did not complete the sign-in"))?;
    let expires_at = idp::check_id_token(&id_token, issuer, &client.client_id, Some(&nonce), ctx.clock.unix_now())
        .map_err(|e| e.into_failure("the identity provider's sign-in cannot be used"))?;
    Ok(SignIn { id_token, expires_at, refresh_token: tokens.refresh_token, scope: tokens.scope.or(Some(scope.into())) })
}
