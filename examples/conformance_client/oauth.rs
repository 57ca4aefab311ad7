//! The authorization scenarios: requests until the server challenges, then an OAuth 2.1
//! authorization code flow with PKCE on agentview's own OAuth module, and the requests again
//! with the Bearer token. The "browser" follows the authorization server's redirect to the real
//! loopback listener.

use std::sync::Arc;
use std::time::Duration;

use agentview::http::Http;
use agentview::login::oauth::choose_scope;
use agentview::login::oauth::discovery::{self, AuthServer, parse_challenge};
use agentview::login::oauth::grant::{self, Authorization};
use agentview::login::oauth::loopback::Listener;
use agentview::login::oauth::pkce::random_token;
use agentview::login::oauth::registration::{self, Client};
use agentview::mcp::transport::Trace;
use agentview::secret::Secret;
use agentview::store::ClientAuth;
use reqwest::Url;
use serde_json::Value;

use crate::{Stop, session, stateless};

/// The client id when the authorization server accepts Client ID Metadata Documents.
const METADATA_DOCUMENT: &str = "https://conformance-test.local/client-metadata.json";
/// Authorizations in a row before giving up.
const MAX_AUTHORIZATIONS: usize = 3;
/// How long the loopback listener waits after the browser's page has loaded.
const CALLBACK_GRACE: Duration = Duration::from_secs(5);

/// Run the scenario's requests, authorizing whenever the server challenges.
pub async fn run(endpoint: &Url, stateless: bool) -> Result<(), String> {
    let mut oauth = OAuth::new(endpoint)?;
    loop {
        let pass = if stateless {
            stateless::authorized(endpoint, oauth.token.as_ref()).await
        } else {
            session::authorized(endpoint, oauth.token.as_ref()).await
        };
        match pass {
            Ok(()) => return Ok(()),
            Err(Stop::Failed(why)) => return Err(why),
            Err(Stop::Auth { status, challenge }) => oauth.authorize(status, challenge.as_deref()).await?,
        }
    }
}

/// A dynamic registration, kept for the next authorization with the same issuer.
struct Registered {
    issuer: String,
    client: Client,
    port: u16,
    path: String,
}

struct OAuth {
    endpoint: Url,
    http: Http,
    browser: reqwest::Client,
    pre_registered: Option<(String, Option<Secret>)>,
    registered: Option<Registered>,
    token: Option<Secret>,
    granted: Vec<String>,
    authorizations: usize,
}

impl OAuth {
    fn new(endpoint: &Url) -> Result<OAuth, String> {
        let user_agent = format!("agentview-conformance/{}", env!("CARGO_PKG_VERSION"));
        let trace: Trace = Arc::new(|line: &str| eprintln!("{line}"));
        let http = Http::new(&user_agent, Duration::from_secs(10), Some(trace)).map_err(|e| e.to_string())?;
        // A browser: it follows redirects, as far as the loopback listener.
        let browser = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot set up the browser: {e}"))?;
        Ok(OAuth {
            endpoint: endpoint.clone(),
            http,
            browser,
            pre_registered: pre_registered()?,
            registered: None,
            token: None,
            granted: Vec::new(),
            authorizations: 0,
        })
    }

    /// Answer a 401 or 403: discover, register, authorize in the browser, exchange the code.
    async fn authorize(&mut self, status: u16, header: Option<&str>) -> Result<(), String> {
        let challenge = header.and_then(parse_challenge);
        eprintln!("HTTP {status}, challenge: {}", header.unwrap_or("(none)"));
        let wanted = if status == 403 {
            let asked = challenge
                .as_ref()
                .filter(|c| c.error == Some(agentview::login::oauth::error::ErrorCode::InsufficientScope))
                .and_then(|c| c.scope.as_deref())
                .ok_or("HTTP 403 without an insufficient_scope challenge that names a scope")?;
            let mut union = self.granted.clone();
            for scope in asked.split_whitespace() {
                if !union.iter().any(|s| s == scope) {
                    union.push(scope.to_string());
                }
            }
            if union.len() == self.granted.len() {
                return Err(format!("the server asks for scopes already granted ({asked}); giving up"));
            }
            Some(union.join(" "))
        } else {
            None
        };
        if self.authorizations >= MAX_AUTHORIZATIONS {
            return Err(format!("{MAX_AUTHORIZATIONS} authorizations did not satisfy the server; giving up"));
        }
        self.authorizations += 1;
        let discovered = discovery::discover(&self.http, &self.endpoint, challenge.as_ref())
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the server offers no OAuth metadata")?;
        let server = &discovered.server;
        let scope = choose_scope(&discovered, wanted.as_deref());
        eprintln!(
            "authorization {} with {}, scope {}",
            self.authorizations,
            server.issuer,
            scope.as_deref().unwrap_or("(none)")
        );
        let (listener, client) = self.listen_and_identify(server, scope.as_deref()).await?;
        let authorization = Authorization::new(
            server,
            &client,
            &listener.redirect_uri(),
            &discovered.resource.resource,
            scope.as_deref(),
        )
        .map_err(|e| e.to_string())?;
        let code = self.browse(listener, &authorization).await?;
        let tokens = grant::exchange(&self.http, &server.token_endpoint, &client, &authorization, &code)
            .await
            .map_err(|e| e.to_string())?;
        for warning in &tokens.warnings {
            eprintln!("warning: {warning}");
        }
        let granted = tokens.scope.or(scope).unwrap_or_default();
        eprintln!("token received, scope {granted:?}");
        self.granted = granted.split_whitespace().map(str::to_string).collect();
        self.token = Some(tokens.access_token);
        Ok(())
    }

    /// Bind the loopback listener and settle the client: pre-registered, a metadata document,
    /// or a dynamic registration (reused, with its redirect URI, for the same issuer).
    async fn listen_and_identify(
        &mut self,
        server: &AuthServer,
        scope: Option<&str>,
    ) -> Result<(Listener, Client), String> {
        if let Some(kept) = self.registered.as_ref().filter(|r| r.issuer == server.issuer)
            && let Ok(listener) = Listener::bind(kept.port, &kept.path).await
        {
            eprintln!("reusing the registration {}", kept.client.client_id);
            return Ok((listener, kept.client.clone()));
        }
        let path = format!("/callback/{}", random_token(16).map_err(|e| e.to_string())?);
        let listener = Listener::bind(0, &path).await.map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
        let client = if let Some((id, secret)) = &self.pre_registered {
            eprintln!("pre-registered client {id}");
            Client::pre_registered(id, secret.clone(), server)
        } else if server.cimd_supported {
            eprintln!("client metadata document {METADATA_DOCUMENT}");
            Client {
                client_id: METADATA_DOCUMENT.into(),
                client_secret: None,
                auth: ClientAuth::None,
                redirect_uri: None,
            }
        } else {
            let client = registration::register(&self.http, server, &listener.redirect_uri(), scope)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("registered as {} ({})", client.client_id, client.auth.as_str());
            self.registered =
                Some(Registered { issuer: server.issuer.clone(), client: client.clone(), port: listener.port(), path });
            client
        };
        Ok((listener, client))
    }

    /// Open the authorization URL in the browser and wait for the callback on the listener.
    async fn browse(&self, listener: Listener, authorization: &Authorization) -> Result<String, String> {
        let callback = listener.wait(|params| authorization.check_callback(params));
        tokio::pin!(callback);
        eprintln!("→ GET {} (the browser, following redirects)", origin(&authorization.url));
        let visit = self.browser.get(authorization.url.clone()).send();
        let code = tokio::select! {
            result = &mut callback => result,
            visited = visit => {
                let ended = match visited {
                    Ok(page) => format!("HTTP {} from {}", page.status().as_u16(), origin(page.url())),
                    Err(e) => format!("{e}"),
                };
                match tokio::time::timeout(CALLBACK_GRACE, &mut callback).await {
                    Ok(result) => result,
                    Err(_) => return Err(format!("the browser ended with {ended}, and no callback arrived")),
                }
            }
        };
        code.map_err(|e| format!("the callback was refused: {e}"))
    }
}

/// `MCP_CONFORMANCE_CONTEXT`: `client_id` (and `client_secret`) of a pre-registered client.
fn pre_registered() -> Result<Option<(String, Option<Secret>)>, String> {
    let Ok(raw) = std::env::var("MCP_CONFORMANCE_CONTEXT") else { return Ok(None) };
    let context: Value = serde_json::from_str(&raw).map_err(|e| format!("MCP_CONFORMANCE_CONTEXT is not JSON: {e}"))?;
    let Some(id) = context.get("client_id").and_then(Value::as_str) else { return Ok(None) };
    let secret = context.get("client_secret").and_then(Value::as_str).map(Secret::new);
    Ok(Some((id.to_string(), secret)))
}

/// Where a page came from, without its query (which may carry a code).
fn origin(url: &Url) -> String {
    format!("{}{}", url.origin().ascii_serialization(), url.path())
}
