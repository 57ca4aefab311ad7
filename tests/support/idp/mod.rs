//! A small company identity provider for the enterprise-managed authorization tests: OpenID
//! Connect discovery, `/authorize` that signs the test user in at once (PKCE S256 and a nonce
//! required), and `/token` with the code, rotated refresh tokens and token exchange (RFC 8693)
//! that issues ID-JAGs signed with the provider's own key, which the MCP server's authorization
//! server is told to trust ([`TestIdp::trusted`]).

mod token;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::server::TrustedIdp;
use super::server::jwt::{self, TestKey};

/// How the provider is set up.
#[derive(Clone, Debug)]
pub struct IdpConfig {
    /// agentview's client at the provider.
    pub client_id: String,
    /// Its secret; `None`: a public client.
    pub client_secret: Option<String>,
    /// How long ID tokens live.
    pub id_token_ttl: Duration,
    /// The client at the MCP server's authorization server that its ID-JAGs name (`client_id`).
    pub mcp_client_id: String,
    /// The person who signs in (`sub`).
    pub user: String,
}

impl Default for IdpConfig {
    fn default() -> Self {
        IdpConfig {
            client_id: "agentview-at-the-idp".into(),
            client_secret: None,
            id_token_ttl: Duration::from_secs(3600),
            mcp_client_id: "agentview-enterprise".into(),
            user: "ada@example.com".into(),
        }
    }
}

/// What the provider did (successful operations, but `exchange_requests`).
#[derive(Clone, Debug, Default)]
pub struct IdpCounts {
    pub sign_ins: usize,
    pub code_grants: usize,
    pub refresh_grants: usize,
    pub exchange_requests: usize,
    pub id_jags: usize,
}

/// One request to the provider.
#[derive(Clone, Debug)]
pub struct IdpRecord {
    pub method: String,
    pub path: String,
    pub params: HashMap<String, String>,
    pub authorization: Option<String>,
}

#[derive(Debug, Default)]
struct IdpState {
    /// code → (redirect_uri, challenge, nonce, scope)
    codes: HashMap<String, (String, String, String, String)>,
    /// Live refresh tokens; rotated ones are gone.
    refresh: Vec<String>,
    counts: IdpCounts,
    records: Vec<IdpRecord>,
    /// The next token exchanges are refused with this error and description.
    refuse: Option<(String, String)>,
}

struct IdpApp {
    config: IdpConfig,
    issuer: String,
    key: TestKey,
    state: Mutex<IdpState>,
}

impl IdpApp {
    fn lock(&self) -> MutexGuard<'_, IdpState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An ID token for the test user, living `ttl` seconds (negative: expired), with `nonce`.
    fn id_token(&self, ttl: i64, nonce: Option<&str>) -> String {
        let now = jwt::now() as i64;
        let mut claims = json!({
            "iss": self.issuer,
            "sub": self.config.user,
            "aud": self.config.client_id,
            "iat": now,
            "exp": now + ttl,
            "email": self.config.user,
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        self.key.sign("JWT", &claims)
    }
}

/// A running provider; dropping it stops it.
pub struct TestIdp {
    app: Arc<IdpApp>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestIdp").field("issuer", &self.app.issuer).finish()
    }
}

impl TestIdp {
    /// Start on 127.0.0.1, any port; returns once listening.
    pub fn start(config: IdpConfig) -> TestIdp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let app = Arc::new(IdpApp {
            config,
            issuer: format!("http://{addr}"),
            key: TestKey::ec_p256("idp-key-1"),
            state: Mutex::default(),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let served = app.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = ready_tx.send(());
                tokio::select! {
                    _ = axum::serve(listener, router(served)) => {}
                    _ = rx => {}
                }
            });
        });
        ready_rx.recv().expect("the provider started");
        TestIdp { app, shutdown: Some(tx), thread: Some(thread) }
    }

    pub fn issuer(&self) -> String {
        self.app.issuer.clone()
    }

    pub fn config(&self) -> &IdpConfig {
        &self.app.config
    }

    /// What the MCP server's authorization server is told: this issuer, these keys.
    pub fn trusted(&self) -> TrustedIdp {
        TrustedIdp { issuer: self.issuer(), keys: vec![self.app.key.jwk.clone()] }
    }

    /// An ID token for the test user from elsewhere (an SSO agent), living `ttl` seconds.
    pub fn id_token(&self, ttl: i64) -> String {
        self.app.id_token(ttl, None)
    }

    pub fn counts(&self) -> IdpCounts {
        self.app.lock().counts.clone()
    }

    pub fn records(&self) -> Vec<IdpRecord> {
        self.app.lock().records.clone()
    }

    /// Refuse the token exchanges from now on with `error` and `description`.
    pub fn refuse_exchanges(&self, error: &str, description: &str) {
        self.app.lock().refuse = Some((error.into(), description.into()));
    }
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn router(app: Arc<IdpApp>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/authorize", get(entry))
        .route("/token", post(entry))
        .with_state(app)
}

async fn discovery(State(app): State<Arc<IdpApp>>) -> Response {
    let issuer = &app.issuer;
    json_response(
        200,
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "grant_types_supported": ["authorization_code", "refresh_token", token::TOKEN_EXCHANGE],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "authorization_response_iss_parameter_supported": true,
        }),
    )
}

/// Record the request, then answer it.
async fn entry(State(app): State<Arc<IdpApp>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let raw = if parts.method == axum::http::Method::GET {
        parts.uri.query().unwrap_or_default().to_string()
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let params: HashMap<String, String> =
        form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let record =
        IdpRecord { method: parts.method.to_string(), path: parts.uri.path().to_string(), params, authorization };
    app.lock().records.push(record.clone());
    match record.path.as_str() {
        "/authorize" => authorize(&app, &record.params),
        _ => token::token(&app, &record),
    }
}

/// Sign the test user in at once and send the browser back with a code.
fn authorize(app: &IdpApp, params: &HashMap<String, String>) -> Response {
    let get = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let redirect = get("redirect_uri");
    let loopback = redirect.starts_with("http://127.0.0.1:") || redirect.starts_with("http://localhost:");
    let problem = if get("client_id") != app.config.client_id {
        Some("unknown client")
    } else if !loopback {
        Some("redirect_uri must be a loopback URI")
    } else if get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
    {
        Some("the code flow with PKCE S256 is required")
    } else if !get("scope").split(' ').any(|s| s == "openid") {
        Some("scope must include openid")
    } else if get("nonce").is_empty() {
        Some("a nonce is required")
    } else {
        None
    };
    if let Some(why) = problem {
        return json_response(400, json!({"error": "invalid_request", "error_description": why}));
    }
    let code = format!("idp_code_{}", jwt::now() ^ rand_u64());
    let mut state = app.lock();
    state.codes.insert(
        code.clone(),
        (redirect.into(), get("code_challenge").into(), get("nonce").into(), get("scope").into()),
    );
    state.counts.sign_ins += 1;
    let mut location = redirect.to_string();
    location.push_str(if redirect.contains('?') { "&" } else { "?" });
    let pairs = [("code", code.as_str()), ("state", get("state")), ("iss", app.issuer.as_str())];
    location.push_str(&form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish());
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(jwt::now());
    h.finish()
}

/// JSON, not cached.
fn json_response(status: u16, v: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (code, [(header::CACHE_CONTROL, "no-store")], axum::Json(v)).into_response()
}
