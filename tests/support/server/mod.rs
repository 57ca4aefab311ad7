//! Local agentView-compatible MCP test server: public API (config, faults, records) and `TestServer`.

mod client_tools;
mod fault_response;
pub mod jwt;
mod mcp_layer;
mod oauth;
mod oauth_assertion;
mod oauth_authorize;
mod oauth_bearer;
mod oauth_grants;
mod oauth_pages;
mod oauth_register;
mod oauth_state;
mod oauth_token;
mod oauth_types;
mod pages;
mod respond;
mod sse;
mod state;
mod token_check;
mod tools;
mod types;

pub use oauth_types::*;
pub use token_check::TokenCheck;
pub use types::*;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};

use state::App;

/// A running server; dropping it shuts it down.
#[derive(Debug)]
pub struct TestServer {
    app: Arc<App>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Start on 127.0.0.1 with an OS-chosen port; returns once listening.
    pub fn start(config: ServerConfig) -> TestServer {
        Self::start_on(config, "127.0.0.1", 0).expect("bind 127.0.0.1:0")
    }

    /// Start on a given host and port (0 = any).
    pub fn start_on(config: ServerConfig, host: &str, port: u16) -> std::io::Result<TestServer> {
        let std_listener = std::net::TcpListener::bind((host, port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let loopback = addr.ip().is_loopback();
        let app = Arc::new(App::new(config, addr));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let thread_app = app.clone();
        let thread = std::thread::Builder::new().name(format!("test-server-{}", addr.port())).spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(std_listener) {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let router = build_router(thread_app, loopback);
                let _ = ready_tx.send(Ok(()));
                tokio::select! {
                    _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()) => {}
                    _ = rx => {}
                }
            });
            rt.shutdown_timeout(Duration::from_millis(200));
        })?;
        ready_rx.recv().map_err(|_| std::io::Error::other("server thread died"))??;
        Ok(TestServer { app, addr, shutdown: Some(tx), thread: Some(thread) })
    }

    /// Stop and start again on the same port, as a redeployed server would: every MCP session
    /// is forgotten (and so are the records); the authorization server's clients and grants are
    /// kept, as an authorization server that runs apart from the MCP server keeps them.
    pub fn restart(self) -> TestServer {
        let oauth = std::mem::take(&mut self.app.lock().oauth);
        let config = self.app.config.clone();
        let addr = self.addr;
        drop(self);
        let server = Self::start_on(config, &addr.ip().to_string(), addr.port()).expect("the port is free again");
        server.app.lock().oauth = oauth;
        server
    }

    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.base_url())
    }
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn push_fault(&self, fault: Fault) {
        self.app.push_fault(fault);
    }
    pub fn clear_faults(&self) {
        self.app.clear_faults();
    }
    pub fn approve(&self, session_request_id: &str) -> bool {
        self.app.approve(session_request_id)
    }
    pub fn deny(&self, session_request_id: &str) -> bool {
        self.app.deny(session_request_id)
    }
    pub fn approve_latest(&self) -> Option<String> {
        self.app.approve_latest()
    }
    pub fn sessions(&self) -> Vec<AuthSessionInfo> {
        self.app.sessions()
    }
    pub fn token_for(&self, session_request_id: &str) -> Option<String> {
        self.app.token_for(session_request_id)
    }
    pub fn calls(&self) -> Calls {
        self.app.calls()
    }
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.app.requests()
    }
}

/// The authorization server (all of it needs `ServerConfig::oauth`).
impl TestServer {
    /// The issuer: the base URL, plus `issuer_path` if set (None when OAuth is off).
    pub fn oauth_issuer(&self) -> Option<String> {
        self.app.oauth().map(|_| self.app.issuer())
    }
    /// `<base>/.well-known/oauth-protected-resource/mcp`.
    pub fn prm_url(&self) -> String {
        self.app.prm_url()
    }
    /// The RFC 8414 metadata URL of the issuer.
    pub fn as_metadata_url(&self) -> String {
        format!("{}/.well-known/oauth-authorization-server{}", self.base_url(), self.app.issuer_path())
    }
    /// The value `resource` must carry: the canonical MCP endpoint URL.
    pub fn resource(&self) -> String {
        self.app.resource()
    }
    pub fn push_oauth_fault(&self, fault: OAuthFault) {
        self.app.lock().oauth.faults.push(fault);
    }
    /// Every request to the authorization server and the metadata URLs (the last 1000).
    pub fn oauth_requests(&self) -> Vec<OAuthRecord> {
        self.app.lock().oauth.records.iter().map(|(_, r)| r.clone()).collect()
    }
    pub fn oauth_requests_to(&self, endpoint: OAuthEndpoint) -> Vec<OAuthRecord> {
        self.oauth_requests().into_iter().filter(|r| r.endpoint == endpoint).collect()
    }
    pub fn oauth_counts(&self) -> OAuthCounts {
        self.app.lock().oauth.counts.clone()
    }
    /// Clients registered through `/register`.
    pub fn registrations(&self) -> usize {
        self.app.lock().oauth.counts.registrations
    }
    /// Token requests with this `grant_type` (answered or not, faulted ones included).
    pub fn token_requests(&self, grant_type: &str) -> usize {
        self.app.lock().oauth.counts.token_requests.get(grant_type).copied().unwrap_or(0)
    }
    /// `/revoke` requests answered 200.
    pub fn revocations(&self) -> usize {
        self.app.lock().oauth.counts.revocations
    }
    /// True if `/mcp` would accept this access token now.
    pub fn access_token_valid(&self, token: &str) -> bool {
        self.app.lock().oauth.access_scope(token).is_some()
    }
    /// The person whose account this access token opens (see [`DEFAULT_USER`]); None for a
    /// token no one approved in a browser, or an unknown one.
    pub fn access_token_user(&self, token: &str) -> Option<String> {
        self.app.lock().oauth.access_user(token).map(str::to_string)
    }
    /// True if this refresh token is the live one of a live grant.
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.app.lock().oauth.refresh_grant(token).is_some()
    }
    /// Revoke one access token (its grant and refresh token stay valid); false if unknown.
    pub fn revoke_access_token(&self, token: &str) -> bool {
        let mut inner = self.app.lock();
        let mut found = false;
        for access in inner.oauth.grants.iter_mut().flat_map(|g| g.access.iter_mut()).filter(|a| a.token == token) {
            access.revoked = true;
            found = true;
        }
        found
    }
    /// Make every access token issued so far expired (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) {
        self.app.lock().oauth.expire_access_tokens();
    }
    /// Make every authorization code issued so far expired (they live 60 s).
    pub fn expire_authorization_codes(&self) {
        self.app.lock().oauth.expire_codes();
    }
    /// Revoke every grant (as if the user signed the client out on the server).
    pub fn revoke_all_grants(&self) {
        let mut inner = self.app.lock();
        for g in 0..inner.oauth.grants.len() {
            inner.oauth.revoke_grant(g);
        }
    }
    /// Forget a registered client (as if the AS lost its registration).
    pub fn forget_client(&self, client_id: &str) -> bool {
        let mut inner = self.app.lock();
        let before = inner.oauth.clients.len();
        inner.oauth.clients.retain(|c| c.id != client_id);
        inner.oauth.clients.len() != before
    }
    /// Undecided `/authorize` requests waiting on the approval page.
    pub fn pending_authorizations(&self) -> usize {
        self.app.lock().oauth.pending.iter().filter(|p| !p.decided).count()
    }
    /// Approve the latest undecided `/authorize` request; returns the URL the browser is sent to.
    pub fn approve_pending_authorization(&self) -> Option<String> {
        self.decide_latest(true)
    }
    /// Deny the latest undecided `/authorize` request; returns the URL the browser is sent to.
    pub fn deny_pending_authorization(&self) -> Option<String> {
        self.decide_latest(false)
    }
    fn decide_latest(&self, approve: bool) -> Option<String> {
        let id = self.app.lock().oauth.pending.iter().rev().find(|p| !p.decided)?.id.clone();
        oauth_authorize::decide(&self.app, &id, approve).map(|(url, _)| url)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn build_router(app: Arc<App>, loopback: bool) -> axum::Router {
    let cfg = &app.config;
    let mut http_config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(cfg.stateful)
        // Stateful rmcp always answers SSE; the layer converts to JSON when `sse` is off.
        .with_json_response(!cfg.sse);
    if !loopback {
        http_config = http_config.disable_allowed_hosts();
    }
    let factory_app = app.clone();
    let service: StreamableHttpService<tools::AuthTools, LocalSessionManager> = StreamableHttpService::new(
        move || Ok(tools::AuthTools::new(factory_app.clone())),
        app.sessions_manager.clone(),
        http_config,
    );
    // The token check runs inside the recording layer, so its 401s are recorded too.
    let mcp = axum::Router::new()
        .route_service("/mcp", service)
        .route_layer(axum::middleware::from_fn_with_state(app.clone(), oauth_bearer::layer))
        .route_layer(axum::middleware::from_fn_with_state(app.clone(), mcp_layer::layer))
        .route_layer(axum::middleware::from_fn_with_state(app.clone(), token_check::layer));
    mcp.merge(pages::router(app.clone())).merge(oauth::router(app))
}
