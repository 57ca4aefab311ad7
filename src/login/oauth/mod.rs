//! MCP authorization: OAuth 2.1 with PKCE in the browser, a redirect to a loopback listener
//! (or pasted back), tokens that renew themselves, revocation on logout.

pub mod discovery;
pub mod error;
pub mod grant;
pub mod loopback;
pub mod pkce;
mod redirect;
pub mod refresh;
pub mod registration;
pub mod revoke;
pub mod scope;

use std::time::{Duration, Instant};

pub use discovery::{Challenge, Discovered};
pub use error::OAuthError;
pub use registration::{Client, ClientChoice};
pub use scope::choose_scope;

use self::grant::Authorization;
use self::loopback::Listener;
use self::registration::RegistrationCache;
use super::context::{LoginContext, interrupted};
use crate::browser::{self, Launch};
use crate::clock::{countdown, unix_now, utc_time_of_day};
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::output::Progress;
use crate::store::{Credential, CredentialKind, OAuthGrant};

/// How long an OAuth login waits for the browser unless `--timeout` says otherwise.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

/// Listen on the user's `--callback-port` before anything is sent anywhere: a port that is
/// taken ends the login at once. `None` without a fixed port.
pub async fn bind_fixed_port(port: u16) -> Result<Option<Listener>, Failure> {
    if port == 0 {
        return Ok(None);
    }
    Listener::bind(port, "/").await.map(Some).map_err(|e| {
        Failure::new(Exit::Other, format!("cannot listen on 127.0.0.1:{port} for the browser's redirect: {e}"))
            .with_hint("another program uses that port; pick another --callback-port (nothing was sent to the server)")
            .with_source(e)
    })
}

/// An OAuth login, from discovery to a credential (not yet stored). `fixed`: the listener on
/// the user's `--callback-port`, bound before discovery.
pub async fn login(
    ctx: &LoginContext<'_>,
    http: &Http,
    discovered: &Discovered,
    open_browser: bool,
    fixed: Option<Listener>,
) -> anyhow::Result<Credential> {
    let LoginContext { login, settings, output, interrupt } = *ctx;
    let server = &discovered.server;
    let scope = choose_scope(discovered, login.scope.as_deref());
    // The `resource` of every request: the canonical server URL (RFC 8707).
    let resource = discovery::canonical(settings.server.url());
    let (listener, client) = redirect::listen_and_register(ctx, http, server, scope.as_deref(), fixed).await?;
    let authorization = Authorization::new(server, &client, &listener.redirect_uri(), &resource, scope.as_deref())
        .map_err(|e| e.into_failure("cannot start the login"))?;

    let window = login.timeout.unwrap_or(DEFAULT_WINDOW);
    let closes_at = unix_now().saturating_add(window.as_secs());
    output.always(&format!("To log in, open:\n\n    {}\n", authorization.url));
    output.info(&format!(
        "The authorization server is {}. This login waits until {} (for {}).",
        crate::sanitize::line(&server.issuer, 200),
        utc_time_of_day(closes_at),
        countdown(window)
    ));
    let mut paste = login.no_browser || !open_browser || settings.ui.stdin_tty;
    if open_browser && !login.no_browser {
        match browser::open(&authorization.url, &settings.browser) {
            Launch::Opened(how) => output.info(&format!("Opened the login page with {how}.")),
            Launch::Skipped(why) => {
                output.info(&format!("Not opening a browser: {why}. Open the URL above."));
                paste = true;
            }
            Launch::Failed(why) => {
                output.warn(&format!("{why}; open the URL above yourself"));
                paste = true;
            }
        }
    }
    if paste {
        output.always(&format!(
            "If the browser is on another machine, paste the address it ends up at ({}…) here and press Enter.",
            listener.redirect_uri()
        ));
    }

    let deadline = Instant::now() + window;
    let mut progress = Progress::start(output, deadline, &utc_time_of_day(closes_at));
    let redirect_uri = listener.redirect_uri();
    let waited = {
        let callback = listener.wait(|params| authorization.check_callback(params));
        tokio::pin!(callback);
        let mut lines = paste.then(loopback::stdin_lines);
        let mut ticker = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                result = &mut callback => break Some(result),
                line = next_line(&mut lines) => match line {
                    Some(line) if line.is_empty() => {}
                    Some(line) => match loopback::pasted_params(&line, &redirect_uri) {
                        Ok(params) => break Some(authorization.check_callback(&params)),
                        Err(why) => output.warn(&why),
                    },
                    None => lines = None,
                },
                _ = ticker.tick() => {
                    if Instant::now() >= deadline {
                        break None;
                    }
                    progress.tick();
                }
                () = interrupt.wait() => {
                    progress.finish();
                    return Err(interrupted());
                }
            }
        }
    };
    progress.finish();
    let code = match waited {
        Some(Ok(code)) => code,
        Some(Err(e)) => return Err(e.into_failure("the login failed").into()),
        None if login.timeout.is_some() => {
            return Err(Failure::new(
                Exit::Expired,
                format!("--timeout reached: your limit of {} s ran out before the browser came back", window.as_secs()),
            )
            .into());
        }
        None => {
            return Err(Failure::new(
                Exit::Expired,
                format!("no answer from the browser within {}; the login was abandoned", countdown(window)),
            )
            .with_hint(format!("run `{}` again, or give more time with --timeout", settings.command("login")))
            .into());
        }
    };
    let tokens = tokio::select! {
        r = grant::exchange(http, &server.token_endpoint, &client, &authorization, &code) => r,
        () = interrupt.wait() => return Err(interrupted()),
    };
    let tokens = tokens.map_err(|e| {
        if matches!(&e, OAuthError::Rejected { error, .. } if error == "invalid_client") {
            let _ = RegistrationCache::new(&settings.store.config_dir).forget(&server.issuer);
        }
        e.into_failure("the authorization server did not hand out a token")
    })?;
    for warning in &tokens.warnings {
        output.warn(warning);
    }
    let now = unix_now();
    Ok(Credential {
        server: settings.server.to_string(),
        kind: CredentialKind::OAuth,
        secret: tokens.access_token,
        expires_at: tokens.expires_in.map(|s| now.saturating_add(s)),
        user: None,
        created_at: now,
        oauth: Some(OAuthGrant {
            refresh_token: tokens.refresh_token,
            issuer: server.issuer.clone(),
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            client_auth: client.auth,
            token_endpoint: server.token_endpoint.to_string(),
            revocation_endpoint: server.revocation_endpoint.as_ref().map(ToString::to_string),
            resource,
            scope: tokens.scope.or(scope),
        }),
    })
}

async fn next_line(lines: &mut Option<tokio::sync::mpsc::Receiver<String>>) -> Option<String> {
    match lines {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
