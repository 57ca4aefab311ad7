//! Starting a session login: create_auth_session once, the login-URL guard, then either the
//! URL for a person (and the browser) or, with `--no-wait`, the handshake that finishes later.

use super::handshake;
use super::login_url;
use super::remote::Remote;
use crate::error::{Exit, Failure};
use crate::login::context::{LoginContext, interrupted};
use crate::login::settings::Mode;
use crate::login::wait::{Limit, Wait, limit_note};
use crate::secret::Secret;

/// Create the login and show it. `Some((id, limit))`: wait for approval of `id`; `None`:
/// `--no-wait` printed its handshake.
pub async fn start(ctx: &LoginContext<'_>, remote: &mut Remote) -> anyhow::Result<Option<(Secret, Limit)>> {
    let (login, settings, output, interrupt, clock) =
        (ctx.login, &ctx.settings, &ctx.output, ctx.interrupt, &ctx.clock);
    let created = tokio::select! {
        r = remote.create(&login.agent, login.scope.as_deref()) => r?,
        () = interrupt.wait() => return Err(interrupted()),
    };
    let url = login_url::check(&created.login_url, settings.server.url()).map_err(|refused| {
        Failure::new(Exit::Server, format!("refusing the login URL the server sent: {refused}")).with_hint(
            "the server (or something between you and it) sent a link that does not point to it; nothing was opened",
        )
    })?;
    for warning in &created.warnings {
        output.warn(warning);
    }
    let limit = Limit::sooner(login.timeout, Limit::ServerWindow(created.window));
    let wait = Wait::new(ctx, limit);
    let id = created.session_request_id;
    if login.mode == Mode::NoWait {
        handshake::print(login, settings, output, &id, url.as_str(), wait.closes_at, limit.duration())?;
        return Ok(None);
    }
    wait.show_url("To approve this login, open:", &url);
    let note = limit_note(login.timeout, created.window, clock.unix_now());
    output.info(&format!("Approve only a login you started yourself; {note}."));
    if !login.no_browser {
        wait.open_browser(&url).await;
    }
    Ok(Some((Secret::new(id), limit)))
}
