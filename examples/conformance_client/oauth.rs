//! The authorization scenarios: requests until the server challenges, then an OAuth 2.1
//! authorization code flow with PKCE on agentview's own OAuth API (the steps `agentview login`
//! takes: discovery, `begin`, the callback, the code exchange), and the requests again with the
//! Bearer token. The "browser" follows the authorization server's redirect to the real
//! loopback listener.

use std::sync::Arc;
use std::time::Duration;

use agentview::Secret;
use agentview::http::{Http, Trace};
use agentview::oauth::{
    self, AuthServer, ClientChoice, ErrorCode, Identity, Listener, Owner, Pending, RegistrationCache, ResourceChoice,
    Wanted, parse_challenge,
};
use reqwest::Url;
use serde_json::Value;

use crate::{Stop, session};

/// The client id when the authorization server accepts Client ID Metadata Documents.
const METADATA_DOCUMENT: &str = "https://conformance-test.local/client-metadata.json";
/// Authorizations in a row before giving up.
const MAX_AUTHORIZATIONS: usize = 3;
/// How long the loopback listener waits after the browser's page has loaded.
const CALLBACK_GRACE: Duration = Duration::from_secs(5);

/// Run the scenario's requests, authorizing whenever the server challenges.
pub async fn run(endpoint: &Url) -> Result<(), String> {
    let mut oauth = OAuth::new(endpoint)?;
    loop {
        match session::authorized(endpoint, oauth.token.as_ref()).await {
            Ok(()) => return Ok(()),
            Err(Stop::Failed(why)) => return Err(why),
            Err(Stop::Auth { status, challenge }) => oauth.authorize(status, challenge.as_deref()).await?,
        }
    }
}

struct OAuth {
    endpoint: Url,
    http: Http,
    browser: reqwest::Client,
    pre_registered: Option<(String, Option<Secret>)>,
    /// Where registrations are kept between authorizations, as `agentview login` keeps them.
    registrations: tempfile::TempDir,
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
        let registrations = tempfile::tempdir().map_err(|e| format!("no directory for registrations: {e}"))?;
        Ok(OAuth {
            endpoint: endpoint.clone(),
            http,
            browser,
            pre_registered: pre_registered()?,
            registrations,
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
                .filter(|c| c.error == Some(ErrorCode::InsufficientScope))
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
        let discovered = oauth::discover(&self.http, &self.endpoint, challenge.as_ref(), None)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the server offers no OAuth metadata")?;
        let server = &discovered.server;
        // The published resource and the scope by the MCP specification's rules (a server on this
        // machine has no provider's profile).
        let published = ResourceChoice::Published;
        let request = oauth::plan(
            &discovered,
            &Wanted {
                resource: &published,
                scope: wanted.as_deref(),
                params: &[],
                login_hint: None,
                select_account: false,
            },
        )
        .map_err(|e| e.to_string())?;
        let scope = request.scope.clone();
        eprintln!(
            "authorization {} with {}, scope {}",
            self.authorizations,
            server.issuer,
            scope.as_deref().unwrap_or("(none)")
        );
        let identity = Identity {
            choice: self.client_choice(server),
            cache: RegistrationCache::new(self.registrations.path()),
            cache_secrets: true,
            redirect: None,
            fresh: false,
        };
        let started = oauth::begin(&self.http, server, &request, &identity, None).await.map_err(|e| e.to_string())?;
        let client = &started.pending.client;
        match &identity.choice {
            _ if started.notes.reused_registration => eprintln!("reusing the registration {}", client.client_id),
            ClientChoice::Dynamic => eprintln!("registered as {} ({})", client.client_id, client.auth.as_str()),
            ClientChoice::PreRegistered { client_id, .. } => eprintln!("pre-registered client {client_id}"),
            ClientChoice::MetadataDocument(url) => eprintln!("client metadata document {url}"),
        }
        let code = self.browse(started.listener, &started.pending).await?;
        let tokens = started.pending.exchange(&self.http, &code).await.map_err(|e| e.to_string())?;
        for warning in &tokens.warnings {
            eprintln!("warning: {warning}");
        }
        let granted = tokens.scope.or(scope).unwrap_or_default();
        eprintln!("token received, scope {granted:?}");
        self.granted = granted.split_whitespace().map(str::to_string).collect();
        self.token = Some(tokens.access_token);
        Ok(())
    }

    /// Who the client is: pre-registered when the scenario says so, a metadata document where
    /// the server accepts one, else a dynamic registration (kept and reused per issuer).
    fn client_choice(&self, server: &AuthServer) -> ClientChoice {
        match &self.pre_registered {
            Some((client_id, client_secret)) => {
                ClientChoice::PreRegistered { client_id: client_id.clone(), client_secret: client_secret.clone() }
            }
            None if server.cimd_supported => ClientChoice::MetadataDocument(METADATA_DOCUMENT.into()),
            None => ClientChoice::Dynamic,
        }
    }

    /// Open the authorization URL in the browser and wait for the callback on the listener.
    async fn browse(&self, listener: Listener, pending: &Pending) -> Result<String, String> {
        let refused = |owner: &Owner| eprintln!("✗ the listener refused a connection: {owner:?}");
        let callback = listener.wait(|params| pending.check_callback(params), refused);
        tokio::pin!(callback);
        eprintln!("→ GET {} (the browser, following redirects)", origin(pending.url()));
        let visit = self.browser.get(pending.url().clone()).send();
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
