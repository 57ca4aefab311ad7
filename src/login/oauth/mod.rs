//! MCP authorization: OAuth 2.1 with PKCE in the browser, a redirect to a loopback listener
//! (or pasted back), tokens that renew themselves, revocation on logout.

pub mod discovery;
pub mod error;
pub mod grant;
pub mod http;
pub mod loopback;
pub mod pkce;
pub mod refresh;
pub mod registration;
pub mod revoke;

use std::time::{Duration, Instant};

pub use discovery::{Challenge, Discovered};
pub use error::OAuthError;
pub use registration::{Client, ClientChoice};

use self::grant::Authorization;
use self::http::Http;
use self::loopback::Listener;
use self::registration::RegistrationCache;
use super::context::{LoginContext, interrupted};
use crate::browser::{self, Launch};
use crate::clock::{countdown, unix_now, utc_time_of_day};
use crate::error::{Exit, Failure};
use crate::output::Progress;
use crate::store::{Credential, CredentialKind, OAuthGrant, StoreChoice};

/// How long an OAuth login waits for the browser unless `--timeout` says otherwise.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

/// The scope to ask for (MCP authorization, "scope selection"): the user's, else the
/// challenge's, else everything the resource lists, else none. `offline_access` is added
/// only when the authorization server lists it, and dropped when it does not.
pub fn choose_scope(discovered: &Discovered, requested: Option<&str>) -> Option<String> {
    let base = requested
        .map(str::to_string)
        .or_else(|| discovered.challenge.as_ref().and_then(|c| c.scope.clone()))
        .or_else(|| {
            let all = &discovered.resource.scopes_supported;
            (!all.is_empty()).then(|| all.join(" "))
        });
    let offline = discovered.server.scopes_supported.iter().any(|s| s == "offline_access");
    let mut scopes: Vec<&str> = base.as_deref().unwrap_or_default().split_whitespace().collect();
    scopes.retain(|s| *s != "offline_access" || offline);
    if offline && !scopes.is_empty() && !scopes.contains(&"offline_access") {
        scopes.push("offline_access");
    }
    scopes.dedup();
    (!scopes.is_empty()).then(|| scopes.join(" "))
}

/// An OAuth login, from discovery to a credential (not yet stored).
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

/// `fixed`: the listener on the user's `--callback-port`, bound before discovery.
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
    let resource = discovered::canonical_resource(settings);
    let (listener, client) = listen_and_register(ctx, http, server, scope.as_deref(), fixed).await?;
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

/// Bind the loopback listener first (a fixed port that is taken fails before anything is
/// sent), then settle who agentview is: the user's client, a metadata document, or a
/// registration, reused when its redirect URI still fits.
async fn listen_and_register(
    ctx: &LoginContext<'_>,
    http: &Http,
    server: &discovery::AuthServer,
    scope: Option<&str>,
    fixed: Option<Listener>,
) -> anyhow::Result<(Listener, Client)> {
    let LoginContext { login, settings, output, .. } = *ctx;
    let cache = RegistrationCache::new(&settings.store.config_dir);
    let cached = match login.client {
        ClientChoice::Dynamic => cache.load(&server.issuer),
        _ => None,
    };
    // A kept registration fits when its redirect URI's port is ours (or free to take).
    let fitting =
        cached.and_then(|c| c.redirect_uri.as_deref().and_then(split_redirect).map(|(port, path)| (c, port, path)));
    let (fixed, reused) = match (fixed, fitting) {
        (Some(listener), Some((client, port, path))) if listener.port() == port => {
            (None, Some((listener.at_path(&path), client)))
        }
        (None, Some((client, port, path))) => match Listener::bind(port, &path).await {
            Ok(listener) => (None, Some((listener, client))),
            Err(_) => (None, None),
        },
        (fixed, _) => (fixed, None),
    };
    if let Some(reused) = reused {
        output.verbose(&format!("reusing the registration with {}", server.issuer));
        return Ok(reused);
    }
    let random = pkce::random_token(16).map_err(|e| Failure::new(Exit::Other, format!("no randomness: {e}")))?;
    let path = format!("/callback/{random}");
    let listener = match fixed {
        Some(listener) => listener.at_path(&path),
        None => Listener::bind(0, &path).await.map_err(|e| {
            Failure::new(Exit::Other, format!("cannot listen on 127.0.0.1 for the browser's redirect: {e}"))
                .with_source(e)
        })?,
    };
    let client = match &login.client {
        ClientChoice::PreRegistered { client_id, client_secret } => {
            Client::pre_registered(client_id, client_secret.clone(), server)
        }
        ClientChoice::MetadataDocument(url) if server.cimd_supported => Client {
            client_id: url.clone(),
            client_secret: None,
            auth: crate::store::ClientAuth::None,
            redirect_uri: None,
        },
        other => {
            if matches!(other, ClientChoice::MetadataDocument(_)) {
                output.info("The authorization server does not accept client metadata documents; registering instead.");
            }
            let client = registration::register(http, server, &listener.redirect_uri(), scope)
                .await
                .map_err(|e| e.into_failure("cannot register agentview with the authorization server"))?;
            // A client secret goes to disk only where the user allowed plaintext credentials.
            if (client.client_secret.is_none() || settings.store.choice == StoreChoice::File)
                && let Err(e) = cache.save(&server.issuer, &client)
            {
                output.verbose(&format!("could not keep the registration: {e}"));
            }
            client
        }
    };
    Ok((listener, client))
}

/// `http://127.0.0.1:PORT/path` → (PORT, /path).
fn split_redirect(uri: &str) -> Option<(u16, String)> {
    let url = reqwest::Url::parse(uri).ok()?;
    (url.host_str() == Some("127.0.0.1")).then_some(())?;
    Some((url.port()?, url.path().to_string()))
}

mod discovered {
    use crate::settings::Settings;

    /// The `resource` of every request: the canonical server URL (RFC 8707).
    pub fn canonical_resource(settings: &Settings) -> String {
        super::discovery::canonical(settings.server.url())
    }
}

#[cfg(test)]
mod tests {
    use super::discovery::{AuthServer, ProtectedResource};
    use super::*;

    fn discovered(challenge: Option<&str>, prm: &[&str], auth_server: &[&str]) -> Discovered {
        let url = |p: &str| reqwest::Url::parse(&format!("https://as.example{p}")).expect("url");
        Discovered {
            resource: ProtectedResource {
                resource: "https://a.example/mcp".into(),
                authorization_servers: vec!["https://as.example".into()],
                scopes_supported: prm.iter().map(|s| s.to_string()).collect(),
            },
            server: AuthServer {
                issuer: "https://as.example".into(),
                authorization_endpoint: url("/authorize"),
                token_endpoint: url("/token"),
                registration_endpoint: None,
                revocation_endpoint: None,
                scopes_supported: auth_server.iter().map(|s| s.to_string()).collect(),
                token_auth_methods: Vec::new(),
                iss_supported: false,
                cimd_supported: false,
            },
            challenge: challenge.map(|s| Challenge { scope: Some(s.into()), ..Challenge::default() }),
        }
    }

    #[test]
    fn scopes_follow_the_selection_rules() {
        let d = discovered(Some("mcp:basic"), &["a", "b"], &[]);
        assert_eq!(choose_scope(&d, None).as_deref(), Some("mcp:basic"));
        assert_eq!(choose_scope(&d, Some("mine")).as_deref(), Some("mine"));
        let d = discovered(None, &["mcp:basic", "mcp:read", "mcp:write"], &[]);
        assert_eq!(choose_scope(&d, None).as_deref(), Some("mcp:basic mcp:read mcp:write"));
        assert_eq!(choose_scope(&discovered(None, &[], &[]), None), None);
        let d = discovered(None, &["mcp:basic"], &["mcp:basic", "offline_access"]);
        assert_eq!(choose_scope(&d, None).as_deref(), Some("mcp:basic offline_access"));
        let d = discovered(None, &["mcp:basic", "offline_access"], &["mcp:basic", "mcp:read"]);
        assert_eq!(choose_scope(&d, None).as_deref(), Some("mcp:basic"), "not listed by the AS: not asked for");
    }

    #[test]
    fn redirect_uris_split() {
        assert_eq!(split_redirect("http://127.0.0.1:5000/callback/x"), Some((5000, "/callback/x".into())));
        assert_eq!(split_redirect("http://localhost:5000/callback/x"), None);
    }
}
