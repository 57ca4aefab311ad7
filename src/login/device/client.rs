//! Who agentview is for a device login, and the codes: the user's client, a metadata document,
//! or a registration for the device grant (a kept one only if it was registered for the grant),
//! and the device endpoint asked once, or once more with a new registration when it no longer
//! knows a kept one.

use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::login::context::{LoginContext, interrupted_or};
use crate::login::oauth::device::{self, DeviceCode};
use crate::login::oauth::shared::discovery::AuthServer;
use crate::login::oauth::shared::error::{ErrorCode, OAuthError};
use crate::login::oauth::shared::registration::{self, Client, ClientChoice, RegistrationCache};
use crate::server_url::Reach;
use crate::store::StoreChoice;

/// Where the client came from: what a refusal means depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// `--client-id` or `--client-metadata-url`: the user's; only its owner can change it.
    Users,
    /// A registration kept from an earlier login.
    Kept,
    /// Registered just now.
    Registered,
}

/// The client, and the codes the device endpoint gave it.
pub(super) async fn codes(
    ctx: &LoginContext<'_>,
    http: &Http,
    server: &AuthServer,
    scope: Option<&str>,
    resource: Option<&str>,
    reach: Reach,
) -> anyhow::Result<(Client, DeviceCode)> {
    let endpoint = server.device_authorization_endpoint.as_ref().ok_or_else(|| {
        Failure::new(
            Exit::Server,
            format!(
                "the authorization server {} does not offer the device authorization grant (no \
                 device_authorization_endpoint in its metadata)",
                crate::sanitize::line(&server.issuer, 200)
            ),
        )
        .with_hint("log in in a browser instead: --method oauth (on a remote machine it takes the address pasted back)")
    })?;
    let cache = RegistrationCache::new(&ctx.settings.store.config_dir);
    let (mut client, mut source) = identify(ctx, http, server, scope, &cache, ctx.login.fresh_client).await?;
    loop {
        let asked = interrupted_or(ctx, device::request(http, endpoint, &client, scope, resource, reach)).await?;
        match asked {
            Ok(code) => return Ok((client, code)),
            // A kept registration the server forgot (it restarted), or one it no longer lets
            // use the grant: register again, once.
            Err(OAuthError::Rejected { error: ErrorCode::InvalidClient | ErrorCode::UnauthorizedClient, .. })
                if source == Source::Kept =>
            {
                ctx.output
                    .info("The authorization server no longer takes agentview's kept registration; registering again.");
                (client, source) = identify(ctx, http, server, scope, &cache, true).await?;
            }
            Err(e) => return Err(refusal(e, &client, source).into()),
        }
    }
}

/// The user's client, a metadata document where the server takes one, a kept registration for
/// the device grant, or a new one (kept for next time, as the browser login keeps its own).
async fn identify(
    ctx: &LoginContext<'_>,
    http: &Http,
    server: &AuthServer,
    scope: Option<&str>,
    cache: &RegistrationCache,
    fresh: bool,
) -> anyhow::Result<(Client, Source)> {
    match &ctx.login.client {
        ClientChoice::PreRegistered { client_id, client_secret } => {
            return Ok((Client::pre_registered(client_id, client_secret.clone(), server), Source::Users));
        }
        ClientChoice::MetadataDocument(url) if server.cimd_supported => {
            return Ok((Client::public(url), Source::Users));
        }
        ClientChoice::MetadataDocument(_) => {
            ctx.output.info("The authorization server does not accept client metadata documents; registering instead.")
        }
        ClientChoice::Dynamic => {}
    }
    if fresh {
        let _ = cache.forget(&server.issuer);
    } else if let Some(kept) = cache.load_registered(&server.issuer).filter(|r| r.allows(device::GRANT_TYPE)) {
        ctx.output.verbose(&format!("reusing the registration with {}", server.issuer));
        return Ok((kept.client, Source::Kept));
    }
    let registered = interrupted_or(ctx, registration::register(http, server, None, scope))
        .await?
        .map_err(|e| e.into_failure("cannot register agentview with the authorization server"))?;
    let keep = registered.client.client_secret.is_none() || ctx.settings.store.choice == StoreChoice::File;
    if keep && let Err(e) = cache.save(&server.issuer, &registered) {
        ctx.output.verbose(&format!("could not keep the registration: {e}"));
    }
    Ok((registered.client, Source::Registered))
}

/// The device endpoint said no: a client not allowed the grant gets one line saying what to ask
/// for, and of whom.
fn refusal(error: OAuthError, client: &Client, source: Source) -> Failure {
    let id = crate::sanitize::line(&client.client_id, 200);
    let said = match &error {
        OAuthError::Rejected { error, description: Some(description) } => format!("{error}: {description}"),
        OAuthError::Rejected { error, description: None } => error.to_string(),
        other => other.to_string(),
    };
    match (&error, source) {
        (OAuthError::Rejected { error: ErrorCode::UnauthorizedClient, .. }, Source::Users) => Failure::new(
            Exit::NotLoggedIn,
            format!(
                "the authorization server does not let the client \"{id}\" use the device authorization grant ({said})"
            ),
        )
        .with_hint(format!(
            "ask the authorization server's administrator to allow the grant type {} for the client \"{id}\", \
             or log in in a browser: --method oauth",
            device::GRANT_TYPE
        ))
        .with_source(error),
        (OAuthError::Rejected { error: ErrorCode::UnauthorizedClient, .. }, _) => Failure::new(
            Exit::Server,
            format!(
                "the authorization server refuses the device grant to the client agentview registered for it ({said})"
            ),
        )
        .with_hint("ask the authorization server's operator, or log in in a browser: --method oauth")
        .with_source(error),
        _ => error.into_failure("the authorization server did not start a device login"),
    }
}
