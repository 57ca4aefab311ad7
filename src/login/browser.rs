//! An OAuth login in the browser: the authorization request (what the provider's profile and the
//! user's settings ask for, with the registration it needs), the browser's round trip to the
//! loopback listener (or the address pasted back), the code exchange, who signed in, and the
//! credential it makes.

use super::context::{LoginContext, interrupted};
use super::oauth::browser::loopback::{self, Listener};
use super::oauth::browser::peer::Owner;
use super::oauth::browser::profile::{Request, Wanted, advice, plan};
use super::oauth::browser::redirect::{Identity, Pending, Started, begin};
use super::oauth::browser::refusal;
use super::oauth::browser::up_front::{self, Refused};
use super::oauth::shared::discovery::Discovered;
use super::oauth::shared::error::OAuthError;
use super::oauth::shared::identity;
use super::oauth::shared::registration::{Client, ClientChoice, RegistrationCache};
use super::oauth::shared::tokens::Tokens;
use super::oauth::shared::trust;
use super::wait::{Awaiting, Limit, OAUTH_WINDOW, Wait};
use crate::clock::countdown;
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::store::{Credential, Flow, GrantAuth, OAuthGrant, StoreChoice, UserInfo};

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

/// An OAuth login, from discovery to a credential (not yet stored): the request, the browser's
/// round trip, the code exchange. `fixed`: the listener on the user's `--callback-port`, bound
/// before discovery.
pub async fn login(
    ctx: &LoginContext<'_>,
    http: &Http,
    discovered: &Discovered,
    open_browser: bool,
    fixed: Option<Listener>,
) -> anyhow::Result<Credential> {
    let (login, settings) = (ctx.login, &ctx.settings);
    trust::check_pinned(settings.server.url(), &discovered.server.issuer, settings.auth_server.as_deref())
        .map_err(|e| e.into_failure("cannot log in"))?;
    // The `resource` of every request (RFC 8707: the identifier the protected-resource metadata
    // publishes, checked to stand for this server, unless the profile or the user says
    // otherwise), the scope and the extra parameters.
    let wanted = Wanted {
        resource: &login.resource,
        scope: login.scope.as_deref(),
        params: &login.authorize_params,
        login_hint: login.login_hint.as_deref(),
        select_account: super::accounts::others(settings).await,
    };
    let request = plan(discovered, &wanted)?;
    advice::check_client(discovered.provider, &login.client)?;
    if let Some(line) = advice::describe(discovered.provider, login.provider.is_some(), &request) {
        ctx.output.info(&line);
    }
    let mut identity = Identity {
        choice: login.client.clone(),
        cache: RegistrationCache::new(&settings.store.config_dir),
        cache_secrets: settings.store.choice == StoreChoice::File,
        redirect: login.redirect_uri.clone(),
        fresh: login.fresh_client,
    };
    let mut started = start(ctx, http, discovered, &request, &identity, fixed).await?;
    // A kept registration, or a client the user registered, is asked about first; a new
    // registration is as fresh as the server's memory, and asking costs an authorization
    // request the server may count.
    let ask_first = started.notes.reused_registration || !matches!(login.client, ClientChoice::Dynamic);
    let checked = if ask_first { asked(http, &started.pending).await } else { Checked::Fine };
    match checked {
        Checked::Refused(refused) if refused.client_known || !started.notes.reused_registration => {
            return Err(refusal_failure(ctx, refused.error, &started).into());
        }
        Checked::Refused(refused) => {
            // A kept registration the server no longer knows (it was reset, or forgot its clients
            // when it restarted): register again, at once, instead of a browser showing an error.
            ctx.output.verbose(&format!("the authorization server refused the kept registration: {}", refused.error));
            ctx.output.info(
                "The authorization server no longer knows agentview's registration (it was probably reset); registering again.",
            );
            identity.fresh = true;
            let again = Some(started.listener);
            started = start(ctx, http, discovered, &request, &identity, again).await?;
            if let Checked::Refused(refused) = asked(http, &started.pending).await {
                return Err(refusal_failure(ctx, refused.error, &started).into());
            }
        }
        // The server could not be asked: only the sign-in page will tell whether it still knows
        // the kept registration.
        Checked::Unknown if started.notes.reused_registration => ctx.output.info(&format!(
            "If the sign-in page says it does not know this application, run `{}`.",
            ctx.settings.command("login --fresh-client")
        )),
        Checked::Unknown | Checked::Fine => {}
    }
    let Started { listener, pending, .. } = started;
    let code = browser_round_trip(ctx, &discovered.server.issuer, listener, &pending, open_browser).await?;
    let tokens = exchange(ctx, http, &pending, &identity, &discovered.server.issuer, &code).await?;
    let openid = request.scope.as_deref().is_some_and(|s| s.split(' ').any(|s| s == "openid"));
    let client_id = &pending.client.client_id;
    let user = identity::identify(http, &discovered.server, client_id, &tokens, openid).await;
    Ok(credential(ctx, discovered, &pending, request, tokens, user))
}

/// Settle who agentview is and build the request, saying what happened on the way.
async fn start(
    ctx: &LoginContext<'_>,
    http: &Http,
    discovered: &Discovered,
    request: &Request,
    identity: &Identity,
    fixed: Option<Listener>,
) -> anyhow::Result<Started> {
    let output = ctx.output;
    let server = &discovered.server;
    let started = begin(http, server, request, identity, fixed).await.map_err(|e| match e {
        OAuthError::Listen(_) => Failure::new(Exit::Other, e.to_string()).with_source(e),
        OAuthError::Invalid { ref what, .. } if what == "the system" => e.into_failure("cannot start the login"),
        OAuthError::NoRegistration(_) if advice::registration_hint(discovered.provider).is_some() => {
            let hint = advice::registration_hint(discovered.provider).unwrap_or_default();
            e.into_failure("cannot register agentview with the authorization server").with_hint(hint)
        }
        e => e.into_failure("cannot register agentview with the authorization server"),
    })?;
    let notes = &started.notes;
    if notes.reused_registration {
        output.verbose(&format!("reusing the registration with {}", server.issuer));
    }
    if notes.registered_instead_of_metadata_document {
        output.info("The authorization server does not accept client metadata documents; registering instead.");
    }
    if let Some(e) = &notes.not_kept {
        output.verbose(&format!("could not keep the registration: {e}"));
    }
    Ok(started)
}

/// What asking the authorization request before a browser is sent there told.
enum Checked {
    /// An answer that may be a sign-in page.
    Fine,
    /// The server refuses the request itself ([`up_front::refusal`] reads every shape it takes).
    Refused(Refused),
    /// The request could not be asked (no answer): the browser will tell.
    Unknown,
}

/// Whether the authorization server refuses this request outright, asked before a browser is
/// sent there: a server that does not know the client (or its redirect URI) answers the
/// request itself with an error instead of a sign-in page.
async fn asked(http: &Http, pending: &Pending) -> Checked {
    match http.get(pending.url(), "the authorization endpoint").await {
        Ok(reply) => match up_front::refusal(&reply, pending.url(), &pending.authorization.redirect_uri) {
            Some(refused) => Checked::Refused(refused),
            None => Checked::Fine,
        },
        Err(_) => Checked::Unknown,
    }
}

/// The login ends before any browser opens: the server refused the authorization request.
fn refusal_failure(ctx: &LoginContext<'_>, refusal: OAuthError, started: &Started) -> Failure {
    // An answer the server sent to the client's redirect URI ends the login as the callback
    // would have (5); a request it will not even take is the server's refusal (7).
    let exit = if matches!(refusal, OAuthError::Denied { .. }) { Exit::Denied } else { Exit::Server };
    let refusal = match refusal::failure(exit, refusal, &started.pending.authorization) {
        Ok(named) => return named,
        Err(refusal) => refusal,
    };
    let redirect = started.listener.redirect_uri();
    let hint = match &ctx.login.client {
        _ if exit == Exit::Denied => format!(
            "the authorization server answered the request itself, before any sign-in, at the redirect URI {redirect}; \
             nothing was stored"
        ),
        ClientChoice::Dynamic => format!(
            "agentview registered itself just now; if the server keeps refusing, ask its operator (the redirect URI was {redirect})"
        ),
        _ => format!(
            "check that the client id is registered with the authorization server for the redirect URI {redirect} \
             (--redirect-uri names another)"
        ),
    };
    let message = format!("the authorization server refused the login request before the browser opened: {refusal}");
    Failure::new(exit, message).with_hint(hint).with_source(refusal)
}

/// Show the URL, open the browser (or take the redirect pasted back) and wait for the callback;
/// its code.
pub(crate) async fn browser_round_trip(
    ctx: &LoginContext<'_>,
    issuer: &str,
    mut listener: Listener,
    pending: &Pending,
    open_browser: bool,
) -> anyhow::Result<String> {
    let (login, settings, output) = (ctx.login, &ctx.settings, &ctx.output);
    let wait = Wait::new(ctx, Limit::own_unless(login.timeout, OAUTH_WINDOW));
    wait.show_url("To log in, open:", pending.url());
    output.info(&format!(
        "The authorization server is {}. This login waits until {} (for {}).",
        crate::sanitize::line(issuer, 200),
        wait.closes_at_text(),
        countdown(wait.limit.duration())
    ));
    let mut paste = login.no_browser || !open_browser || settings.ui.stdin_tty;
    if open_browser && !login.no_browser {
        let handoff = listener
            .start_url(pending.url())
            .map_err(|e| Failure::new(Exit::Other, format!("no randomness for the browser's address: {e}")))?;
        if !wait.open_browser(&handoff).await {
            paste = true;
        }
    }
    paste &= !login.stdin_taken;
    let redirect_uri = listener.redirect_uri();
    if paste {
        output.always(&format!(
            "If the browser is on another machine, paste the address it ends up at ({redirect_uri}…) here and press Enter."
        ));
    }
    let waited = wait
        .watch(async {
            let refused =
                |owner: &Owner| output.warn(&crate::sanitize::line(&loopback::refusal_line(owner, paste), 400));
            let callback = listener.wait(|params| pending.check_callback(params), refused);
            tokio::pin!(callback);
            let mut lines = paste.then(loopback::stdin_lines);
            loop {
                tokio::select! {
                    result = &mut callback => break Some(result),
                    line = next_line(&mut lines) => match line {
                        Some(line) if line.is_empty() => {}
                        Some(line) => match loopback::pasted_params(&line, &redirect_uri) {
                            Ok(params) => break Some(pending.check_callback(&params)),
                            Err(why) => output.warn(&why),
                        },
                        None => lines = None,
                    },
                    () = wait.expired() => break None,
                }
            }
        })
        .await?;
    match waited {
        Some(Ok(code)) => Ok(code),
        Some(Err(e @ OAuthError::Denied { .. })) => match refusal::failure(Exit::Denied, e, &pending.authorization) {
            Ok(named) => Err(named.into()),
            Err(e) => Err(e
                .into_failure("the login failed")
                .with_hint(format!(
                    "nothing was stored; to sign in after all, run `{}` and approve",
                    settings.command("login")
                ))
                .into()),
        },
        Some(Err(e)) => Err(e.into_failure("the login failed").into()),
        None => Err(wait.limit.ran_out(Awaiting::Browser, &settings.command("login")).into()),
    }
}

/// The code for tokens; a client the server no longer knows is forgotten.
async fn exchange(
    ctx: &LoginContext<'_>,
    http: &Http,
    pending: &Pending,
    identity: &Identity,
    issuer: &str,
    code: &str,
) -> anyhow::Result<Tokens> {
    let tokens = tokio::select! {
        r = pending.exchange(http, code) => r,
        () = ctx.interrupt.wait() => return Err(interrupted()),
    };
    let tokens = tokens.map_err(|e| {
        if e.is_invalid_client() {
            let _ = identity.cache.forget(issuer);
        }
        match refusal::failure(Exit::Server, e, &pending.authorization) {
            Ok(named) => named,
            Err(e) => e.into_failure("the authorization server did not hand out a token"),
        }
    })?;
    for warning in &tokens.warnings {
        ctx.output.warn(warning);
    }
    Ok(tokens)
}

/// The credential the tokens make, with what it takes to renew and revoke them (the request's
/// `resource` too, which renewals repeat), and who signed in.
fn credential(
    ctx: &LoginContext<'_>,
    discovered: &Discovered,
    pending: &Pending,
    request: Request,
    tokens: Tokens,
    user: Option<UserInfo>,
) -> Credential {
    let server = &discovered.server;
    let issued = Issued {
        issuer: &server.issuer,
        token_endpoint: &server.token_endpoint,
        revocation_endpoint: server.revocation_endpoint.as_ref(),
        client: &pending.client,
        resource: request.resource,
        scope: request.scope,
        approved: Approved::InBrowser,
        user,
    };
    person_credential(ctx, issued, tokens)
}

/// Where a person approved a login: in the browser (the authorization code grant), or on another
/// device with a code (the device authorization grant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Approved {
    InBrowser,
    OnAnotherDevice,
}

impl Approved {
    fn flow(self) -> Flow {
        match self {
            Approved::InBrowser => Flow::AuthorizationCode,
            Approved::OnAnotherDevice => Flow::Device,
        }
    }
}

/// Where a person's tokens came from and for what: what renewing and revoking them takes.
#[derive(Debug)]
pub(crate) struct Issued<'a> {
    pub issuer: &'a str,
    pub token_endpoint: &'a reqwest::Url,
    pub revocation_endpoint: Option<&'a reqwest::Url>,
    pub client: &'a Client,
    /// The `resource` the requests carried (renewals repeat it), or none.
    pub resource: Option<String>,
    /// The scope asked for (the tokens' own, when they name one, wins).
    pub scope: Option<String>,
    /// Where the person approved it.
    pub approved: Approved,
    /// Who signed in, where known.
    pub user: Option<UserInfo>,
}

/// The credential of a person's login (in the browser, or with the device grant): the one place
/// a person's OAuth credential is made.
pub(crate) fn person_credential(ctx: &LoginContext<'_>, issued: Issued<'_>, tokens: Tokens) -> Credential {
    let Issued { issuer, token_endpoint, revocation_endpoint, client, resource, scope, approved, user } = issued;
    let now = ctx.clock.unix_now();
    let grant = OAuthGrant {
        refresh_token: tokens.refresh_token,
        issuer: issuer.to_string(),
        client_id: client.client_id.clone(),
        client_secret: client.client_secret.clone(),
        // A person's client authenticates with its secret, or not at all.
        client_auth: GrantAuth::of_method(client.auth).unwrap_or(GrantAuth::None),
        token_endpoint: token_endpoint.clone(),
        revocation_endpoint: revocation_endpoint.cloned(),
        resource,
        scope: tokens.scope.or(scope),
        flow: approved.flow(),
        from_environment: false,
    };
    let expires_at = tokens.expires_in.map(|s| now.saturating_add(s));
    let mut credential = Credential::oauth(ctx.settings.server.clone(), tokens.access_token, expires_at, grant, now);
    credential.user = user;
    credential
}

async fn next_line(lines: &mut Option<tokio::sync::mpsc::Receiver<String>>) -> Option<String> {
    match lines {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
