//! `--method auto|oauth|session`: which way in, decided from what the server offers and
//! whether a browser can open on this machine; one line says which and why.

use super::context::LoginContext;
use super::oauth::discovery::{self, Discovered, parse_challenge};
use super::settings::Method;
use crate::error::{Exit, Failure};
use crate::http::{Http, user_agent};
use crate::login::session::remote::{ConnectError, Remote};

/// The method a login goes on with.
#[derive(Debug)]
pub enum Chosen {
    OAuth { http: Http, discovered: Box<Discovered>, open_browser: bool },
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

pub async fn choose_method(ctx: &LoginContext<'_>) -> anyhow::Result<Chosen> {
    let LoginContext { login, settings, output, .. } = *ctx;
    let browser = !login.no_browser && (settings.browser.launcher.is_some() || settings.browser.has_display);
    let http = Http::new(&user_agent(), settings.request_timeout, output.trace())
        .map_err(|e| e.into_failure("cannot set up HTTP"))?;
    let server = settings.server.url();
    if login.method == Method::Session {
        return match Remote::connect(settings, output, ctx.clock).await {
            Ok(remote) => {
                output.info("Logging in with the server's login tools (--method session).");
                Ok(Chosen::Session(Box::new(remote)))
            }
            Err(ConnectError::NoTools(failure)) => {
                let offers = matches!(discovery::discover(&http, server, None).await, Ok(Some(_)));
                let failure =
                    if offers { failure.with_hint("the server offers OAuth: use --method oauth") } else { failure };
                Err(failure.into())
            }
            Err(e) => Err(e.into()),
        };
    }
    let discover = |challenge: Option<discovery::Challenge>| {
        let http = http.clone();
        async move {
            discovery::discover(&http, server, challenge.as_ref())
                .await
                .map_err(|e| e.into_failure("cannot use the server's OAuth setup"))
        }
    };
    // Under auto, an OAuth setup that cannot be used leaves the login tools; an unreachable
    // server is reported (after its retry) by the connection below.
    let mut unusable_oauth = None;
    let mut discovered = match discovery::discover(&http, server, None).await {
        Err(e) if login.method == Method::Auto && e.is_unreachable() => None,
        // An untrusted certificate is the whole server's: say so now, with no second attempt.
        Err(e) if login.method == Method::Auto && !e.is_untrusted() => {
            unusable_oauth = Some(e);
            None
        }
        other => other.map_err(|e| e.into_failure("cannot use the server's OAuth setup"))?,
    };
    // OAuth in a browser (or asked for) needs nothing from the login tools: don't even connect.
    if discovered.is_some() && (browser || login.method == Method::OAuth) {
        output.info(match (browser, login.method) {
            (true, Method::OAuth) => "Logging in with OAuth (--method oauth).",
            (true, _) => "Logging in with OAuth: the server offers it and a browser can open here.",
            (false, _) => {
                "Logging in with OAuth (--method oauth): no browser can open here, so paste the redirect back."
            }
        });
        let discovered = discovered.take().ok_or_else(|| Failure::new(Exit::Other, "internal: no discovery"))?;
        return Ok(Chosen::OAuth { http, discovered: Box::new(discovered), open_browser: browser });
    }
    let mut no_tools = None;
    let remote = match Remote::connect(settings, output, ctx.clock).await {
        Ok(remote) => Some(remote),
        Err(ConnectError::NoTools(failure)) => {
            no_tools = Some(failure);
            None
        }
        Err(ConnectError::AuthRequired { failure, challenge }) => {
            if discovered.is_none() {
                discovered = discover(challenge.as_deref().and_then(parse_challenge)).await?;
            }
            no_tools = Some(failure);
            None
        }
        Err(ConnectError::Other(failure)) => return Err(failure.into()),
    };
    let offered = discovered.is_some();
    let decision = match login.method {
        Method::OAuth if offered => decide(true, false, browser),
        Method::OAuth => Decision::Neither,
        _ => decide(offered, remote.is_some(), browser),
    };
    match (decision, remote, discovered) {
        (Decision::Session, Some(remote), _) if unusable_oauth.is_some() => {
            let problem = unusable_oauth.map(|e| e.to_string()).unwrap_or_default();
            output.warn(&format!("the server's OAuth setup cannot be used ({problem})"));
            output.info("Logging in with the server's login tools instead.");
            Ok(Chosen::Session(Box::new(remote)))
        }
        (Decision::Session, Some(remote), _) => {
            output.info(if offered {
                "Logging in with the server's login tools: no browser can open here (--method oauth would paste the redirect back)."
            } else {
                "Logging in with the server's login tools: it offers no OAuth."
            });
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
            if let Some(problem) = unusable_oauth {
                return Err(problem.into_failure("cannot use the server's OAuth setup").into());
            }
            let urls = discovery::resource_metadata_urls(server).iter().map(|u| u.to_string()).collect::<Vec<_>>();
            let no_oauth =
                format!("{} offers no OAuth: no protected-resource metadata at {}", settings.server, urls.join(" or "));
            Err(match (no_tools, login.method) {
                (Some(failure), Method::Auto) => failure.with_hint(format!("and {no_oauth}")),
                (_, _) => {
                    Failure::new(Exit::Server, no_oauth).with_hint("--method session uses the server's login tools")
                }
            }
            .into())
        }
    }
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
