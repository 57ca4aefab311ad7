//! A login proves its token: before it says "Logged in", one authenticated request to the MCP
//! endpoint, as `status --check` makes. A token the server refuses is not kept: the login says
//! why (from the server's `WWW-Authenticate`) and what to set, revokes the new tokens where the
//! authorization server can, stores nothing and fails. A server that cannot be asked (after a
//! short retry: a person just approved this login) fails the login too, naming `--no-verify`
//! (for a server out of reach from where the login runs).

mod cause;

use std::time::Duration;

use super::context::{LoginContext, interrupted_or};
use crate::error::{Exit, Failure};
use crate::login::check::{self, Verdict};
use crate::login::oauth::shared::identity;
use crate::login::oauth::shared::provider::Provider;
use crate::login::oauth::shared::revoke::revoke_one;
use crate::login::oauth::unattended::proof::client_of_grant;
use crate::retry::Policy;
use crate::secret::Secret;
use crate::store::Credential;

/// Asking again when the server gave no usable answer: three times in all, the wait doubling from
/// `AGENTVIEW_RETRY_WAIT`.
const ASK: Policy = Policy { attempts: 3, first_wait: Duration::from_secs(1), max_wait: Duration::from_secs(8) };

/// Prove an OAuth `credential` at the server before it is stored; who it belongs to is filled in
/// where the login did not learn it (the access token's subject, or the server's answer).
pub async fn prove(ctx: &LoginContext<'_>, credential: &mut Credential) -> anyhow::Result<()> {
    let (login, output) = (ctx.login, &ctx.output);
    let Some(grant) = credential.oauth_grant().cloned() else {
        return Ok(());
    };
    if credential.user.is_none() {
        credential.user = identity::from_access_token(&credential.secret);
    }
    if !login.verify {
        output.info("Not asking the server whether it takes the new token (--no-verify).");
        return Ok(());
    }
    let provider = Provider::resolve(login.provider, &grant.issuer);
    match ask(ctx, credential).await? {
        Verdict::Accepted(accepted) => {
            output.verbose("the server accepts the new token");
            if credential.user.as_ref().is_none_or(|u| !u.is_named()) && accepted.user.is_some() {
                credential.user = accepted.user;
            }
            Ok(())
        }
        Verdict::Rejected { reason, challenge } => {
            let sent = cause::Sent { resource: grant.resource.as_deref(), scope: grant.scope.as_deref() };
            let diagnosis = cause::diagnose(challenge.as_ref(), provider, &credential.secret, sent);
            output.verbose(&format!("the server's answer: {reason}"));
            discard(ctx, credential).await;
            Err(Failure::new(Exit::NotLoggedIn, format!("the server refused the new token: {}", diagnosis.said))
                .with_hint(format!("{}; nothing was stored", diagnosis.fix))
                .into())
        }
        Verdict::Unreachable { reason } => {
            discard(ctx, credential).await;
            Err(Failure::new(
                Exit::Server,
                format!("could not ask the server whether it takes the new token: {reason}"),
            )
            .with_hint(
                "nothing was stored; where the server cannot be reached from where the login runs, log in with \
                     --no-verify",
            )
            .into())
        }
    }
}

/// The server's verdict on the new token; no answer is asked again, a verdict is final.
async fn ask(ctx: &LoginContext<'_>, credential: &Credential) -> anyhow::Result<Verdict> {
    let policy = Policy { first_wait: ctx.settings.retry_wait, ..ASK };
    let mut attempt = 1;
    loop {
        let verdict = interrupted_or(ctx, check::check(ctx.run, credential)).await?;
        match verdict {
            Verdict::Unreachable { ref reason } if attempt < policy.attempts => {
                let wait = policy.wait(attempt, None);
                ctx.output.verbose(&format!("no answer from the server ({reason}); asking again in {wait:?}"));
                interrupted_or(ctx, ctx.clock.sleep(wait)).await?;
                attempt += 1;
            }
            verdict => return Ok(verdict),
        }
    }
}

/// Revoke the new tokens where the authorization server can, saying for each what happened:
/// nothing of a login that failed may stay usable.
async fn discard(ctx: &LoginContext<'_>, credential: &Credential) {
    let (settings, output) = (&ctx.settings, &ctx.output);
    let Some(grant) = credential.oauth_grant() else { return };
    let issuer = crate::sanitize::line(&grant.issuer, 200);
    let tokens: Vec<(&Secret, &str, &str)> = grant
        .refresh_token
        .iter()
        .map(|t| (t, "refresh_token", "refresh token"))
        .chain([(&credential.secret, "access_token", "access token")])
        .collect();
    let until = |what: &str| match (what, credential.expires_at) {
        ("access token", Some(at)) => format!("until {}", crate::clock::iso8601(at)),
        _ => "until it expires".to_string(),
    };
    let Some(endpoint) = &grant.revocation_endpoint else {
        for (_, _, what) in &tokens {
            output.warn(&format!("{issuer} offers no revocation: the new {what} stays valid there {}", until(what)));
        }
        return;
    };
    let mut grant = grant.clone();
    let revoked = match (ctx.http(), grant.client_id.is_empty()) {
        (_, true) => Err("it was issued to no client".to_string()),
        (Ok(http), false) => match client_of_grant(&mut grant, settings.auth_server.is_some(), ctx.clock.unix_now()) {
            Ok(client) => Ok((http, client)),
            Err(e) => Err(e.to_string()),
        },
        (Err(e), false) => Err(e.to_string()),
    };
    let (http, client) = match revoked {
        Ok(ready) => ready,
        Err(why) => {
            for (_, _, what) in &tokens {
                output.warn(&format!(
                    "could not revoke the new {what} at {issuer} ({why}); it stays valid {}",
                    until(what)
                ));
            }
            return;
        }
    };
    for (token, hint, what) in tokens {
        match revoke_one(http, endpoint, &client, token, hint).await {
            Ok(true) => output.info(&format!("Revoked the new {what} at {issuer}.")),
            Ok(false) => output.info(&format!(
                "{issuer} does not revoke {what}s of this kind: the new one stays valid there {}.",
                until(what)
            )),
            Err(e) => output
                .warn(&format!("could not revoke the new {what} at {issuer} ({e}); it stays valid {}", until(what))),
        }
    }
}
