//! The logins without a browser or a person: `login --client-credentials` and
//! `login --workload-token-file`. Each runs its grant once (discovery, the pin, the client's
//! proof), until it ends or Ctrl-C; the credential then goes the way every login's does.

use super::context::{LoginContext, interrupted_or};
use crate::http::Http;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::unattended::client_credentials::{self, Obtained};
use crate::login::oauth::unattended::target::Destination;
use crate::login::oauth::unattended::workload;
use crate::settings::client::{ClientProof, Workload};
use crate::store::Credential;

/// `login --client-credentials`: the credential, not yet stored.
pub async fn client_credentials(
    ctx: &LoginContext<'_>,
    client_id: &str,
    proof: &ClientProof,
) -> anyhow::Result<Credential> {
    ctx.output.info(&format!(
        "Logging in as the client \"{}\" with client credentials (no browser, no person).",
        crate::sanitize::line(client_id, 200)
    ));
    let (server, scope) = (Destination::of(&ctx.settings), ctx.login.scope.as_deref());
    login_with(ctx, "the client credentials login failed", |http, now| async move {
        client_credentials::obtain(&http, server, client_id, proof, scope, now).await
    })
    .await
}

/// `login --workload-token-file`: the credential, not yet stored.
pub async fn workload(ctx: &LoginContext<'_>, workload: &Workload) -> anyhow::Result<Credential> {
    ctx.output.info(&format!(
        "Logging in as a workload with the token in {} (no browser, no person).",
        workload.token_file.display()
    ));
    let (server, scope) = (Destination::of(&ctx.settings), ctx.login.scope.as_deref());
    login_with(ctx, "the workload login failed", |http, now| async move {
        workload::obtain(&http, server, workload, scope, now).await
    })
    .await
}

/// What a login without a browser does around its grant: HTTP set up, the grant run (`grant`,
/// with the clock's time) until it ends or Ctrl-C, its failure said as `failed`, its note warned
/// of. The credential, not yet stored.
pub async fn login_with<F, Fut>(ctx: &LoginContext<'_>, failed: &str, grant: F) -> anyhow::Result<Credential>
where
    F: FnOnce(Http, u64) -> Fut,
    Fut: std::future::Future<Output = Result<Obtained, OAuthError>>,
{
    let output = &ctx.output;
    let http = ctx.http()?.clone();
    let obtained = interrupted_or(ctx, grant(http, ctx.clock.unix_now())).await?.map_err(|e| e.into_failure(failed))?;
    if let Some(note) = &obtained.note {
        output.warn(note);
    }
    output.verbose(&format!("authenticated with {}", obtained.how));
    Ok(obtained.credential)
}
