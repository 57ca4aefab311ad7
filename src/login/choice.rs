//! `--method auto|oauth|session`: which way in, decided from what the server offers and
//! whether a browser can open on this machine; one line says which and why.

use super::context::LoginContext;
use super::oauth::shared::discovery::{self, Discovered, parse_challenge};
use super::oauth::shared::error::OAuthError;
use super::settings::{GrantLogin, IdpLogin, Method, Mode};
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::login::session::remote::{ConnectError, Remote};
use crate::settings::client::{ClientProof, Workload};

/// The way a login goes on: a grant the user named, OAuth in the browser, or the session tools.
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
    OAuth {
        http: Http,
        discovered: Box<Discovered>,
        open_browser: bool,
    },
    Session(Box<Remote>),
}

/// The rule of `--method auto`, on what is known: OAuth in a browser when both are there;
/// else the login tools; else OAuth with the redirect pasted back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    OAuthBrowser,
    Session,
    OAuthPaste,
    Neither,
}

pub fn decide(oauth_offered: bool, tools: bool, browser: bool) -> Decision {
    match (oauth_offered, tools, browser) {
        (true, _, true) => Decision::OAuthBrowser,
        (_, true, _) => Decision::Session,
        (true, false, false) => Decision::OAuthPaste,
        (false, false, _) => Decision::Neither,
    }
}

/// What the server was found to offer.
struct Offers {
    /// Its OAuth setup, when it has a usable one.
    discovered: Option<Discovered>,
    /// Under auto: an OAuth setup that is there but cannot be used (the login tools may do).
    unusable_oauth: Option<OAuthError>,
    /// The connected login tools.
    remote: Option<Remote>,
    /// Why the login tools are not there.
    no_tools: Option<Failure>,
}

/// The way in: the grant the user named (`--client-credentials`, `--workload-token-file`,
/// `--idp`), else the `--method` rule on what the server offers.
pub async fn choose<'a>(ctx: &LoginContext<'a>) -> anyhow::Result<Chosen<'a>> {
    let login = ctx.login;
    match &login.grant {
        Some(GrantLogin::ClientCredentials { client_id, proof }) => Ok(Chosen::ClientCredentials { client_id, proof }),
        Some(GrantLogin::Workload(workload)) => Ok(Chosen::Workload(workload)),
        Some(GrantLogin::Idp(idp)) => Ok(Chosen::Idp { idp, open_browser: browser_possible(ctx) }),
        None => choose_method(ctx).await,
    }
}

/// Whether a browser may open here: not `--no-browser`, and a launcher or a display.
fn browser_possible(ctx: &LoginContext<'_>) -> bool {
    let browser = &ctx.settings.browser;
    !ctx.login.no_browser && (browser.launcher.is_some() || browser.has_display)
}

async fn choose_method<'a>(ctx: &LoginContext<'a>) -> anyhow::Result<Chosen<'a>> {
    let (login, output) = (ctx.login, &ctx.output);
    let browser = browser_possible(ctx);
    let http = ctx.http()?.clone();
    if login.method == Method::Session {
        return session_only(ctx, &http).await;
    }
    let (discovered, unusable_oauth) = first_discovery(ctx, &http).await?;
    let discovered = match discovered {
        // OAuth in a browser (or asked for) needs nothing from the login tools: don't even connect.
        Some(discovered) if browser || login.method == Method::OAuth => {
            output.info(match (browser, login.method) {
                (true, Method::OAuth) => "Logging in with OAuth (--method oauth).",
                (true, _) => "Logging in with OAuth: the server offers it and a browser can open here.",
                (false, _) => {
                    "Logging in with OAuth (--method oauth): no browser can open here, so paste the redirect back."
                }
            });
            return Ok(Chosen::OAuth { http, discovered: Box::new(discovered), open_browser: browser });
        }
        other => other,
    };
    let mut offers = Offers { discovered, unusable_oauth, remote: None, no_tools: None };
    connect_tools(ctx, &http, &mut offers).await?;
    let decision = match login.method {
        Method::OAuth if offers.discovered.is_some() => decide(true, false, browser),
        Method::OAuth => Decision::Neither,
        _ => decide(offers.discovered.is_some(), offers.remote.is_some(), browser),
    };
    settle(ctx, decision, offers, http, browser).await
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
            let offers = matches!(discovery::discover(http, settings.server.url(), None).await, Ok(Some(_)));
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
    match discovery::discover(http, ctx.settings.server.url(), None).await {
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
                offers.discovered = discovery::discover(http, settings.server.url(), challenge.as_ref())
                    .await
                    .map_err(|e| e.into_failure("cannot use the server's OAuth setup"))?;
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

/// Neither way in: the OAuth problem, or what is missing.
fn neither(ctx: &LoginContext<'_>, unusable_oauth: Option<OAuthError>, no_tools: Option<Failure>) -> anyhow::Error {
    let (login, settings) = (ctx.login, &ctx.settings);
    if let Some(problem) = unusable_oauth {
        return problem.into_failure("cannot use the server's OAuth setup").into();
    }
    let urls =
        discovery::resource_metadata_urls(settings.server.url()).iter().map(|u| u.to_string()).collect::<Vec<_>>();
    let no_oauth =
        format!("{} offers no OAuth: no protected-resource metadata at {}", settings.server, urls.join(" or "));
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
        // (OAuth offered, login tools present, browser possible) → method.
        let table = [
            ((true, true, true), OAuthBrowser),
            ((true, false, true), OAuthBrowser),
            ((true, true, false), Session),
            ((true, false, false), OAuthPaste),
            ((false, true, true), Session),
            ((false, true, false), Session),
            ((false, false, true), Neither),
            ((false, false, false), Neither),
        ];
        for ((oauth, tools, browser), want) in table {
            assert_eq!(decide(oauth, tools, browser), want, "oauth={oauth} tools={tools} browser={browser}");
        }
    }
}
