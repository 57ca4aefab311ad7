//! `--method auto|oauth|device|session`: which way in, decided from what the server offers and
//! whether a browser that can reach this machine can open; one line says which and why.

use super::context::LoginContext;
use super::oauth::shared::discovery::{self, Discovered, parse_challenge};
use super::oauth::shared::error::OAuthError;
use super::settings::{GrantLogin, IdpLogin, Method, Mode};
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::login::session::remote::{ConnectError, Remote};
use crate::settings::client::{ClientProof, Workload};

/// The way a login goes on: a grant the user named, a device login started before and now
/// resumed, OAuth in the browser, OAuth's device grant, or the session tools.
#[derive(Debug)]
pub enum Chosen<'a> {
    /// `--client-credentials`: the client itself, no person.
    ClientCredentials {
        client_id: &'a str,
        proof: &'a ClientProof,
    },
    /// `--workload-token-file`: the workload's own token.
    Workload(&'a Workload),
    /// `--idp`: the company identity provider's sign-in (in a browser, when one can open here).
    Idp {
        idp: &'a IdpLogin,
        open_browser: bool,
    },
    /// `--resume` of a device login started with `--no-wait`: its handle.
    DeviceResume(&'a str),
    OAuth {
        http: Http,
        discovered: Box<Discovered>,
        open_browser: bool,
    },
    /// The device grant (RFC 8628); `open_browser`: a browser here may open the address.
    Device {
        http: Http,
        discovered: Box<Discovered>,
        open_browser: bool,
    },
    Session(Box<Remote>),
}

/// The rule of `--method auto`, on what is known: OAuth in a browser when both are there
/// (unless this is an SSH session and the device grant is offered); else the device grant where
/// the authorization server offers it; else the login tools; else OAuth with the redirect pasted
/// back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    OAuthBrowser,
    OAuthDevice,
    Session,
    OAuthPaste,
    Neither,
}

/// What the authorization server offers a person: its browser login, its device grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OAuthOffer {
    pub browser: bool,
    pub device: bool,
}

/// Where agentview runs: whether a browser can open here, and whether this is a shell over SSH
/// with no launcher named (a browser that opens here is not the person's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Here {
    pub browser: bool,
    pub remote_shell: bool,
}

pub fn decide(oauth: OAuthOffer, tools: bool, here: Here) -> Decision {
    let local_browser = here.browser && !(here.remote_shell && oauth.device);
    match () {
        () if oauth.browser && local_browser => Decision::OAuthBrowser,
        () if oauth.device => Decision::OAuthDevice,
        () if tools => Decision::Session,
        () if oauth.browser => Decision::OAuthPaste,
        () => Decision::Neither,
    }
}

/// What the server was found to offer.
struct Offers {
    /// Its OAuth setup, when it has one that a login here can use (its browser login, its
    /// device grant, or both).
    discovered: Option<Discovered>,
    /// Under auto: an OAuth setup that is there but cannot be used (the login tools may do).
    unusable_oauth: Option<OAuthError>,
    /// The connected login tools.
    remote: Option<Remote>,
    /// Why the login tools are not there.
    no_tools: Option<Failure>,
}

/// What an OAuth setup offers a person.
fn offer_of(discovered: Option<&Discovered>) -> OAuthOffer {
    discovered.map_or_else(OAuthOffer::default, |d| OAuthOffer {
        browser: d.server.browser_refusal().is_none(),
        device: d.server.offers_device(),
    })
}

/// The way in: the grant the user named (`--client-credentials`, `--workload-token-file`,
/// `--idp`), a device login to resume, else the `--method` rule on what the server offers.
pub async fn choose<'a>(ctx: &LoginContext<'a>) -> anyhow::Result<Chosen<'a>> {
    let login = ctx.login;
    match &login.grant {
        Some(GrantLogin::ClientCredentials { client_id, proof }) => {
            return Ok(Chosen::ClientCredentials { client_id, proof });
        }
        Some(GrantLogin::Workload(workload)) => return Ok(Chosen::Workload(workload)),
        Some(GrantLogin::Idp(idp)) => return Ok(Chosen::Idp { idp, open_browser: browser_possible(ctx) }),
        None => {}
    }
    if let Mode::Resume(handle) = &login.mode
        && (login.method == Method::Device || device_pending(ctx, handle.expose()).await)
    {
        return Ok(Chosen::DeviceResume(handle.expose()));
    }
    choose_method(ctx).await
}

/// Whether `handle` names a device login started here with `--no-wait` for this server (read off
/// the async thread: the file sits behind the store's lock).
async fn device_pending(ctx: &LoginContext<'_>, handle: &str) -> bool {
    let (dir, handle, server) =
        (ctx.settings.store.config_dir.clone(), handle.to_owned(), ctx.settings.server.as_str().to_owned());
    tokio::task::spawn_blocking(move || super::device::pending::PendingLogins::new(&dir).has(&handle, &server))
        .await
        .unwrap_or(false)
}

/// Whether a browser may open here: not `--no-browser`, and a launcher or a display.
fn browser_possible(ctx: &LoginContext<'_>) -> bool {
    let browser = &ctx.settings.browser;
    !ctx.login.no_browser && (browser.launcher.is_some() || browser.has_display)
}

async fn choose_method<'a>(ctx: &LoginContext<'a>) -> anyhow::Result<Chosen<'a>> {
    let (login, settings, output) = (ctx.login, &ctx.settings, &ctx.output);
    let launcher = settings.browser.launcher.is_some();
    let browser = browser_possible(ctx);
    let here = Here { browser, remote_shell: settings.browser.ssh && !launcher };
    let http = ctx.http()?.clone();
    if login.method == Method::Session {
        return session_only(ctx, &http).await;
    }
    if login.method == Method::Device {
        return device_only(ctx, http, browser).await;
    }
    let (discovered, unusable_oauth) = first_discovery(ctx, &http).await?;
    let offer = offer_of(discovered.as_ref());
    if login.method == Method::OAuth
        && let Some(found) = &discovered
        && let Some(refusal) = found.server.browser_refusal()
    {
        let failure = refusal.into_failure("cannot use the server's OAuth setup");
        return Err(if offer.device {
            failure.with_hint("its authorization server offers the device login: --device")
        } else {
            failure
        }
        .into());
    }
    // What is decided before the login tools are asked: the first two ways in need nothing of them.
    let early = decide(offer, false, here);
    let discovered = match discovered {
        // OAuth in a browser (or asked for) needs nothing from the login tools: don't even connect.
        Some(discovered) if early == Decision::OAuthBrowser || login.method == Method::OAuth => {
            output.info(match (browser, login.method) {
                (true, Method::OAuth) => "Logging in with OAuth (--method oauth).",
                (true, _) => "Logging in with OAuth: the server offers it and a browser can open here.",
                (false, _) => {
                    "Logging in with OAuth (--method oauth): no browser can open here, so paste the redirect back."
                }
            });
            return Ok(Chosen::OAuth { http, discovered: Box::new(discovered), open_browser: browser });
        }
        // The device grant where no browser here can reach the person: nor the login tools.
        Some(discovered) if early == Decision::OAuthDevice => {
            output.info(if here.remote_shell && browser {
                "Logging in with a code on another device (the OAuth device grant): this is an SSH session, so a \
                 browser opened here would not be yours (--method oauth opens one anyway)."
            } else if !offer.browser {
                "Logging in with a code on another device (the OAuth device grant): the authorization server offers \
                 no login in the browser."
            } else {
                "Logging in with a code on another device (the OAuth device grant): no browser can open here."
            });
            return Ok(Chosen::Device { http, discovered: Box::new(discovered), open_browser: browser });
        }
        other => other,
    };
    let mut offers = Offers { discovered, unusable_oauth, remote: None, no_tools: None };
    connect_tools(ctx, &http, &mut offers).await?;
    let offer = offer_of(offers.discovered.as_ref());
    let decision = match login.method {
        Method::OAuth if offer.browser => decide(OAuthOffer { device: false, ..offer }, false, here),
        Method::OAuth => Decision::Neither,
        _ => decide(offer, offers.remote.is_some(), here),
    };
    settle(ctx, decision, offers, http, browser).await
}

/// `--method device` (`--device`): the authorization server's device grant, or why not.
async fn device_only<'a>(ctx: &LoginContext<'a>, http: Http, browser: bool) -> anyhow::Result<Chosen<'a>> {
    let (settings, output) = (&ctx.settings, &ctx.output);
    let found = discovery::discover_any(&http, settings.server.url(), None, ctx.login.provider)
        .await
        .map_err(|e| e.into_failure("cannot use the server's OAuth setup"))?;
    let Some(discovered) = found else {
        return Err(Failure::new(Exit::Server, no_oauth_text(ctx))
            .with_hint(
                "a device login needs an OAuth authorization server; --method session uses the server's login tools",
            )
            .into());
    };
    if !discovered.server.offers_device() {
        return Err(Failure::new(
            Exit::Server,
            format!(
                "the authorization server {} does not offer the device authorization grant (RFC 8628: no \
                 device_authorization_endpoint in its metadata, or the grant left out of its grant_types_supported)",
                crate::sanitize::line(&discovered.server.issuer, 200)
            ),
        )
        .with_hint("log in in a browser instead: --method oauth (on a remote machine it takes the address pasted back)")
        .into());
    }
    output.info(match ctx.login.mode {
        Mode::NoWait => "Logging in with a code on another device (--device --no-wait: finished by --resume).",
        _ => "Logging in with a code on another device (the OAuth device grant).",
    });
    Ok(Chosen::Device { http, discovered: Box::new(discovered), open_browser: browser })
}

/// `--method session`: the login tools or nothing (with a hint when the server offers OAuth).
async fn session_only<'a>(ctx: &LoginContext<'a>, http: &Http) -> anyhow::Result<Chosen<'a>> {
    let (settings, output) = (&ctx.settings, &ctx.output);
    match Remote::connect(ctx.run).await {
        Ok(remote) => {
            output.info(match ctx.login.mode {
                Mode::NoWait => {
                    "Logging in with the server's login tools (--no-wait: the login is finished by --resume)."
                }
                Mode::Resume(_) => "Finishing the login with the server's login tools (--resume).",
                Mode::Wait => "Logging in with the server's login tools (--method session).",
            });
            Ok(Chosen::Session(Box::new(remote)))
        }
        Err(ConnectError::NoTools(failure)) => {
            let discovered = discovery::discover(http, settings.server.url(), None, ctx.login.provider).await;
            let offers = matches!(discovered, Ok(Some(_)));
            let failure =
                if offers { failure.with_hint("the server offers OAuth: use --method oauth") } else { failure };
            Err(failure.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The server's OAuth setup before anything else. Under auto, one that cannot be used leaves
/// the login tools (and is kept to explain); an unreachable server is reported (after its
/// retry) by the connection to the tools; an untrusted certificate is the whole server's, so
/// it is the error at once.
async fn first_discovery(
    ctx: &LoginContext<'_>,
    http: &Http,
) -> anyhow::Result<(Option<Discovered>, Option<OAuthError>)> {
    let auto = ctx.login.method == Method::Auto;
    match discovery::discover_any(http, ctx.settings.server.url(), None, ctx.login.provider).await {
        // An authorization server no login here can use: under auto, the login tools may do.
        Ok(Some(found)) if auto && !found.server.offers_device() && found.server.browser_refusal().is_some() => {
            Ok((None, found.server.browser_refusal()))
        }
        Ok(discovered) => Ok((discovered, None)),
        Err(e) if auto && e.is_unreachable() => Ok((None, None)),
        Err(e) if auto && !e.is_untrusted() => Ok((None, Some(e))),
        Err(e) => Err(e.into_failure("cannot use the server's OAuth setup").into()),
    }
}

/// Connect to the login tools. A 401 / 403 that points at an OAuth setup is discovered now.
async fn connect_tools(ctx: &LoginContext<'_>, http: &Http, offers: &mut Offers) -> anyhow::Result<()> {
    let settings = &ctx.settings;
    match Remote::connect(ctx.run).await {
        Ok(remote) => offers.remote = Some(remote),
        Err(ConnectError::NoTools(failure)) => offers.no_tools = Some(failure),
        Err(ConnectError::AuthRequired { failure, challenge }) => {
            if offers.discovered.is_none() {
                let challenge = challenge.as_deref().and_then(parse_challenge);
                let found =
                    discovery::discover_any(http, settings.server.url(), challenge.as_ref(), ctx.login.provider)
                        .await
                        .map_err(|e| e.into_failure("cannot use the server's OAuth setup"))?;
                let refusal =
                    found.as_ref().filter(|d| !d.server.offers_device()).and_then(|d| d.server.browser_refusal());
                if let Some(refusal) = refusal {
                    return Err(refusal.into_failure("cannot use the server's OAuth setup").into());
                }
                offers.discovered = found;
            }
            offers.no_tools = Some(failure);
        }
        Err(ConnectError::Other(failure)) => return Err(failure.into()),
    }
    Ok(())
}

/// Go on with what `decision` says, and say which way and why.
async fn settle<'a>(
    ctx: &LoginContext<'a>,
    decision: Decision,
    offers: Offers,
    http: Http,
    browser: bool,
) -> anyhow::Result<Chosen<'a>> {
    let (login, output) = (ctx.login, &ctx.output);
    let Offers { discovered, unusable_oauth, remote, no_tools } = offers;
    let offered = discovered.is_some();
    match (decision, remote, discovered) {
        (Decision::OAuthDevice, remote, Some(discovered)) => {
            if let Some(mut remote) = remote {
                remote.close().await;
            }
            output
                .info("Logging in with a code on another device (the OAuth device grant): the server asks for OAuth.");
            Ok(Chosen::Device { http, discovered: Box::new(discovered), open_browser: browser })
        }
        (Decision::Session, Some(remote), _) => {
            if let Some(problem) = unusable_oauth {
                output.warn(&format!("the server's OAuth setup cannot be used ({problem})"));
                output.info("Logging in with the server's login tools instead.");
            } else if offered {
                output.info("Logging in with the server's login tools: no browser can open here (--method oauth would paste the redirect back).");
            } else {
                output.info("Logging in with the server's login tools: it offers no OAuth.");
            }
            Ok(Chosen::Session(Box::new(remote)))
        }
        (Decision::OAuthBrowser | Decision::OAuthPaste, remote, Some(discovered)) => {
            if let Some(mut remote) = remote {
                remote.close().await;
            }
            output.info(match (decision, login.method) {
                (Decision::OAuthBrowser, _) => "Logging in with OAuth: the server asks for it.",
                (_, Method::OAuth) => "Logging in with OAuth (--method oauth): no browser can open here, so paste the redirect back.",
                _ => "Logging in with OAuth: the server has no login tools and no browser can open here, so paste the redirect back.",
            });
            Ok(Chosen::OAuth { http, discovered: Box::new(discovered), open_browser: browser })
        }
        (_, remote, _) => {
            if let Some(mut remote) = remote {
                remote.close().await;
            }
            Err(neither(ctx, unusable_oauth, no_tools))
        }
    }
}

/// "<server> offers no OAuth: no protected-resource metadata at …".
fn no_oauth_text(ctx: &LoginContext<'_>) -> String {
    let server = &ctx.settings.server;
    let urls = discovery::resource_metadata_urls(server.url()).iter().map(|u| u.to_string()).collect::<Vec<_>>();
    format!("{server} offers no OAuth: no protected-resource metadata at {}", urls.join(" or "))
}

/// Neither way in: the OAuth problem, or what is missing.
fn neither(ctx: &LoginContext<'_>, unusable_oauth: Option<OAuthError>, no_tools: Option<Failure>) -> anyhow::Error {
    let login = ctx.login;
    if let Some(problem) = unusable_oauth {
        return problem.into_failure("cannot use the server's OAuth setup").into();
    }
    let no_oauth = no_oauth_text(ctx);
    match (no_tools, login.method) {
        (Some(failure), Method::Auto) => failure.with_hint(format!("and {no_oauth}")),
        (_, _) => Failure::new(Exit::Server, no_oauth).with_hint("--method session uses the server's login tools"),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auto_rule() {
        use Decision::*;
        let offer = |browser, device| OAuthOffer { browser, device };
        let here = |browser, remote_shell| Here { browser, remote_shell };
        // (what the authorization server offers, login tools present, where agentview runs) → method.
        let table = [
            ((offer(true, false), true, here(true, false)), OAuthBrowser),
            ((offer(true, false), false, here(true, false)), OAuthBrowser),
            ((offer(true, false), true, here(false, false)), Session),
            ((offer(true, false), false, here(false, false)), OAuthPaste),
            ((offer(false, false), true, here(true, false)), Session),
            ((offer(false, false), true, here(false, false)), Session),
            ((offer(false, false), false, here(true, false)), Neither),
            ((offer(false, false), false, here(false, false)), Neither),
            // The device grant: before the login tools and the paste-back where no browser can
            // open here, or over SSH; the browser where one can.
            ((offer(true, true), true, here(true, false)), OAuthBrowser),
            ((offer(true, true), true, here(false, false)), OAuthDevice),
            ((offer(true, true), false, here(false, false)), OAuthDevice),
            ((offer(true, true), true, here(true, true)), OAuthDevice),
            ((offer(true, false), false, here(true, true)), OAuthBrowser),
            ((offer(false, true), true, here(true, false)), OAuthDevice),
            ((offer(false, true), false, here(false, false)), OAuthDevice),
        ];
        for ((oauth, tools, here), want) in table {
            assert_eq!(decide(oauth, tools, here), want, "{oauth:?} tools={tools} {here:?}");
        }
    }
}
