//! A login with the device authorization grant (RFC 8628), for a person whose browser is on
//! another device (a server over SSH, a container): codes from the authorization server, shown
//! ([`show`], and drawn as a QR code with `--qr`), then the one wait with its countdown polling
//! the token endpoint, and the credential, made as the browser's is. `--no-wait` keeps the login
//! for `--resume` ([`pending`]).

mod client;
pub mod pending;
pub mod qr;
mod show;

use std::time::Duration;

use self::client::codes;
use self::pending::{PendingLogin, PendingLogins};
use super::browser::{Approved, Issued, person_credential};
use super::context::LoginContext;
use super::oauth::browser::profile::{Wanted, plan};
use super::oauth::device::pace::{DevicePoller, Outcome, Pace, wait_for_tokens};
use super::oauth::device::{self, Polled};
use super::oauth::shared::discovery::Discovered;
use super::oauth::shared::error::OAuthError;
use super::oauth::shared::identity;
use super::oauth::shared::registration::Client;
use super::oauth::shared::tokens::Tokens;
use super::oauth::shared::trust;
use super::settings::{Method, Mode};
use super::wait::{Awaiting, Limit, SESSION_WINDOW, Wait, denied};
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::secret::Secret;
use crate::server_url::Reach;
use crate::store::Credential;

/// A device login, from the codes to a credential (not yet stored). `None`: `--no-wait`
/// printed its handshake.
pub async fn login(
    ctx: &LoginContext<'_>,
    http: &Http,
    discovered: &Discovered,
    open_browser: bool,
) -> anyhow::Result<Option<Credential>> {
    let (login, settings, output, clock) = (ctx.login, &ctx.settings, &ctx.output, &ctx.clock);
    let server = &discovered.server;
    trust::check_pinned(settings.server.url(), &server.issuer, settings.auth_server.as_deref())
        .map_err(|e| e.into_failure("cannot log in"))?;
    // The resource and scope the browser's login would ask for (the provider's profile and the
    // user's settings); a device request has no further authorization parameters.
    let wanted = Wanted {
        resource: &login.resource,
        scope: login.scope.as_deref(),
        params: &[],
        login_hint: None,
        select_account: false,
    };
    let request = plan(discovered, &wanted)?;
    let (resource, scope) = (request.resource, request.scope);
    let reach = Reach::of(settings.server.url().host_str().unwrap_or_default());
    let (client, code) = codes(ctx, http, server, scope.as_deref(), resource.as_deref(), reach).await?;
    for warning in &code.warnings {
        output.warn(warning);
    }
    let window = code.expires_in.map_or(Limit::OwnWindow(SESSION_WINDOW), Limit::ServerWindow);
    let limit = Limit::sooner(login.timeout, window);
    let wait = Wait::new(ctx, limit);
    if login.mode == Mode::NoWait {
        let kept = PendingLogin::new(
            settings.server.as_str(),
            server,
            &client,
            resource.as_deref(),
            scope.as_deref(),
            &code,
            clock.unix_now().saturating_add(window.duration().as_secs()),
            settings.store.choice == crate::store::StoreChoice::File,
        );
        let handle = PendingLogins::new(&settings.store.config_dir).add(kept, clock.unix_now()).map_err(|e| {
            Failure::new(Exit::Store, format!("cannot keep the device login for --resume: {e}")).with_source(e)
        })?;
        show::handshake(ctx, &code, &handle, wait.closes_at, window.duration())?;
        return Ok(None);
    }
    show::codes(ctx, window.duration(), &code, &server.issuer);
    if open_browser && !login.no_browser {
        wait.open_browser(code.verification_uri_complete.as_ref().unwrap_or(&code.verification_uri)).await;
    }
    let polls = Polls {
        http,
        token_endpoint: &server.token_endpoint,
        client: &client,
        code: &code.device_code,
        resource: resource.as_deref(),
    };
    let tokens = poll_until_decided(ctx, &wait, polls, code.interval, window).await?;
    let openid = scope.as_deref().is_some_and(|s| s.split(' ').any(|s| s == "openid"));
    let user = identity::identify(http, server, &client.client_id, &tokens, openid).await;
    let issued = Issued {
        issuer: &server.issuer,
        token_endpoint: &server.token_endpoint,
        revocation_endpoint: server.revocation_endpoint.as_ref(),
        client: &client,
        resource,
        scope,
        approved: Approved::OnAnotherDevice,
        user,
    };
    Ok(Some(person_credential(ctx, issued, tokens)))
}

/// `login --resume HANDLE` of a device login: poll until decided, with what `--no-wait` kept.
pub async fn resume(ctx: &LoginContext<'_>, handle: &str) -> anyhow::Result<Credential> {
    let (login, settings, output, clock) = (ctx.login, &ctx.settings, &ctx.output, &ctx.clock);
    let logins = PendingLogins::new(&settings.store.config_dir);
    let kept = logins.get(handle, settings.server.as_str()).ok_or_else(|| {
        Failure::usage(format!(
            "no device login {} is waiting here for {} (it was finished, it expired, or it was started with another \
             --server or --config-dir)",
            crate::sanitize::line(handle, 60),
            settings.server
        ))
        .with_hint(format!("start a new one: {}", settings.command("login --device")))
    })?;
    let now = clock.unix_now();
    if kept.expires_at <= now {
        let _ = logins.remove(handle);
        return Err(Limit::ServerWindow(Duration::ZERO).ran_out(Awaiting::Approval, &login_command(ctx)).into());
    }
    let pinned = settings.auth_server.as_deref();
    trust::check_pinned(settings.server.url(), &kept.issuer, pinned).map_err(|e| e.into_failure("cannot log in"))?;
    let parts = kept.parts().map_err(|why| {
        let _ = logins.remove(handle);
        Failure::new(
            Exit::Other,
            format!("the kept device login {} is unusable: {why}", crate::sanitize::line(handle, 60)),
        )
    })?;
    let client = parts.client(&login.client)?;
    let window = Limit::ServerWindow(Duration::from_secs(kept.expires_at - now));
    let limit = Limit::sooner(login.timeout, window);
    output.info(&format!(
        "Resuming the device login; waiting up to {} for approval (the code is {}).",
        crate::clock::countdown(limit.duration()),
        crate::sanitize::line(&kept.user_code, 64)
    ));
    let http = ctx.http()?;
    let wait = Wait::new(ctx, limit);
    let polls = Polls {
        http,
        token_endpoint: &parts.token_endpoint,
        client: &client,
        code: &parts.device_code,
        resource: kept.resource.as_deref(),
    };
    let result = poll_until_decided(ctx, &wait, polls, Duration::from_secs(kept.interval), window).await;
    // A login that ended is gone; one stopped by Ctrl-C or --timeout may be resumed again.
    let stopped = result.as_ref().err().and_then(|e| e.downcast_ref::<Failure>()).is_some_and(|f| {
        f.exit == Exit::Interrupted || (f.exit == Exit::Expired && matches!(limit, Limit::UserTimeout(_)))
    });
    if !stopped {
        let _ = logins.remove(handle);
    }
    let tokens = result?;
    let issued = Issued {
        issuer: &kept.issuer,
        token_endpoint: &parts.token_endpoint,
        revocation_endpoint: parts.revocation_endpoint.as_ref(),
        client: &client,
        resource: kept.resource.clone(),
        scope: kept.scope.clone(),
        approved: Approved::OnAnotherDevice,
        user: None,
    };
    Ok(person_credential(ctx, issued, tokens))
}

/// The login to run again: `login --device` when the user asked for the device login (or
/// resumes one), else `login`, whose auto chose it.
fn login_command(ctx: &LoginContext<'_>) -> String {
    let asked = ctx.login.method == Method::Device || matches!(ctx.login.mode, Mode::Resume(_));
    ctx.settings.command(if asked { "login --device" } else { "login" })
}

/// What a poll sends.
struct Polls<'a> {
    http: &'a Http,
    token_endpoint: &'a reqwest::Url,
    client: &'a Client,
    code: &'a Secret,
    resource: Option<&'a str>,
}

impl DevicePoller for Polls<'_> {
    async fn poll(&mut self) -> Polled {
        device::poll(self.http, self.token_endpoint, self.client, self.code, self.resource).await
    }
}

/// The one wait, polling at the server's `interval`, until the person decides or `window` (the
/// code's lifetime) or the user's `--timeout` ends it; the tokens, or the failure.
async fn poll_until_decided(
    ctx: &LoginContext<'_>,
    wait: &Wait<'_>,
    mut polls: Polls<'_>,
    interval: Duration,
    window: Limit,
) -> anyhow::Result<Tokens> {
    let pacing = &ctx.settings.pacing;
    let pace = Pace { interval, slow_down_step: pacing.slow_down_step, max_backoff: pacing.max_backoff };
    let clock = &ctx.clock;
    let outcome = wait.watch(wait_for_tokens(clock.as_ref(), &mut polls, wait.deadline, pace)).await?;
    let command = login_command(ctx);
    match outcome {
        Outcome::Approved(tokens) => {
            for warning in &tokens.warnings {
                ctx.output.warn(warning);
            }
            Ok(tokens)
        }
        Outcome::Denied => Err(denied(&command).into()),
        // The code's own end: the server's window ran out, whatever else was set.
        Outcome::Expired => Err(Limit::ServerWindow(window.duration()).ran_out(Awaiting::Approval, &command).into()),
        Outcome::TimedOut => Err(wait.limit.ran_out(Awaiting::Approval, &command).into()),
        Outcome::ServerKeptFailing(error) => Err(Failure::new(
            Exit::Server,
            format!("the authorization server kept failing until the login window closed (last error: {error})"),
        )
        .with_hint("the login was not lost because of you: the server or the network was down; try again later")
        .into()),
        Outcome::Failed(error) => Err(failed(error).into()),
    }
}

/// A poll the server refused for good.
fn failed(error: OAuthError) -> Failure {
    error.into_failure("the authorization server ended the device login")
}
