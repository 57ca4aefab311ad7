//! Shared server state: login sessions, the fault queue, counters, request records, id/token generation.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;

use super::oauth_state::{Client, OAuthState};
use super::sse::SseEvent;
use super::{AuthSessionInfo, AuthStatus, Calls, Fault, RequestRecord, ServerConfig, TokenMode};

/// Login window when `expires_in` is not a positive number.
pub(crate) const DEFAULT_WINDOW_SECS: f64 = 600.0;
/// Longest window the server keeps (larger `expires_in` values are still reported verbatim).
const MAX_WINDOW_SECS: f64 = 10.0 * 365.0 * 86400.0;

#[derive(Debug)]
pub(crate) struct AuthSession {
    pub id: String,
    pub agent_identifier: Option<String>,
    pub scope: Option<String>,
    /// Pending, Active or Denied; Expired is derived from the window.
    pub state: AuthStatus,
    pub token: Option<String>,
    pub created: Instant,
    pub created_at: SystemTime,
    pub window: Duration,
    pub approved_at: Option<Instant>,
    pub polls: u32,
}

impl AuthSession {
    pub fn status(&self, now: Instant) -> AuthStatus {
        if self.state == AuthStatus::Pending && now >= self.created + self.window {
            AuthStatus::Expired
        } else {
            self.state
        }
    }
    pub fn expires_at(&self) -> SystemTime {
        self.created_at + self.window
    }
}

#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub auth: Vec<AuthSession>,
    pub faults: Vec<Fault>,
    /// Active `SseChunks { size, crlf }`.
    pub chunks: Option<(usize, bool)>,
    pub calls: Calls,
    pub records: Vec<RequestRecord>,
    /// MCP session ids killed by `ExpireMcpSession`.
    pub dead_sessions: HashSet<String>,
    /// SSE events held back by `SseCloseEarly`, keyed by the priming event id.
    pub resumable: HashMap<String, Vec<SseEvent>>,
    /// The authorization server's clients, grants, faults and records.
    pub oauth: OAuthState,
}

impl Inner {
    /// Consume one use of the first queued fault for which `pick` is true.
    pub fn take_fault(&mut self, pick: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let pos = self.faults.iter().position(pick)?;
        let fault = self.faults[pos].clone();
        let left = match &mut self.faults[pos] {
            Fault::Status { count, .. }
            | Fault::RateLimit { count, .. }
            | Fault::Reset { count, .. }
            | Fault::Slow { count, .. }
            | Fault::PolicyDeny { count, .. }
            | Fault::SseCloseEarly { count, .. }
            | Fault::Raw { count, .. }
            | Fault::Huge { count, .. }
            | Fault::Patch { count, .. } => {
                *count = count.saturating_sub(1);
                *count
            }
            Fault::ExpireMcpSession | Fault::SseChunks { .. } => 0,
        };
        if left == 0 {
            self.faults.remove(pos);
        }
        Some(fault)
    }

    fn refresh(&mut self, cfg: &ServerConfig) {
        let Some(after) = cfg.auto_approve_after else {
            return;
        };
        let now = Instant::now();
        for s in &mut self.auth {
            let due = s.created + after;
            if s.state == AuthStatus::Pending && now >= due && after < s.window {
                approve_session(s, cfg, due);
            }
        }
    }
}

pub(crate) fn approve_session(s: &mut AuthSession, cfg: &ServerConfig, at: Instant) {
    s.state = AuthStatus::Active;
    s.approved_at = Some(at);
    if cfg.token_mode == TokenMode::Bearer {
        s.token = Some(format!("avt_{}", random_hex(40)));
    }
}

#[derive(Debug)]
pub(crate) struct App {
    pub config: ServerConfig,
    pub base_url: String,
    pub login_base: String,
    pub sessions_manager: Arc<LocalSessionManager>,
    inner: Mutex<Inner>,
}

impl App {
    pub fn new(config: ServerConfig, addr: SocketAddr) -> App {
        let base_url = format!("http://{addr}");
        let login_base = match &config.login_host {
            Some(host) => format!("http://{host}:{}", addr.port()),
            None => base_url.clone(),
        };
        let mut inner = Inner::default();
        for (id, secret) in config.oauth.iter().flat_map(|c| c.preregistered.iter()) {
            inner.oauth.clients.push(Client {
                id: id.clone(),
                secret: secret.clone(),
                auth_method: None,
                redirect_uris: Vec::new(),
                any_loopback: true,
                name: None,
            });
        }
        App {
            config,
            base_url,
            login_base,
            sessions_manager: Arc::new(LocalSessionManager::default()),
            inner: Mutex::new(inner),
        }
    }

    /// Lock the state (auto-approvals that fell due are applied first).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.refresh(&self.config);
        guard
    }

    /// The login window the server enforces for a given `expires_in` value.
    pub fn window(&self) -> Duration {
        let secs = self
            .config
            .expires_in
            .as_ref()
            .and_then(|v| v.as_f64())
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(DEFAULT_WINDOW_SECS);
        Duration::from_secs_f64(secs.min(MAX_WINDOW_SECS))
    }

    pub fn create_session(&self, agent: Option<String>, scope: Option<String>) -> String {
        let id = random_uuid();
        let session = AuthSession {
            id: id.clone(),
            agent_identifier: agent,
            scope,
            state: AuthStatus::Pending,
            token: None,
            created: Instant::now(),
            created_at: SystemTime::now(),
            window: self.window(),
            approved_at: None,
            polls: 0,
        };
        self.lock().auth.push(session);
        id
    }

    pub fn push_fault(&self, fault: Fault) {
        let mut inner = self.lock();
        match fault {
            Fault::SseChunks { size, crlf } => inner.chunks = Some((size.max(1), crlf)),
            other => inner.faults.push(other),
        }
    }

    pub fn clear_faults(&self) {
        let mut inner = self.lock();
        inner.faults.clear();
        inner.chunks = None;
        inner.oauth.faults.clear();
    }

    /// Set a pending session to `to` (Active or Denied); false if unknown / not pending.
    pub fn decide(&self, id: &str, to: AuthStatus) -> bool {
        let mut inner = self.lock();
        let now = Instant::now();
        let Some(s) = inner.auth.iter_mut().find(|s| s.id == id) else {
            return false;
        };
        if s.status(now) != AuthStatus::Pending {
            return false;
        }
        if to == AuthStatus::Active {
            approve_session(s, &self.config, now);
        } else {
            s.state = to;
        }
        true
    }

    pub fn approve(&self, id: &str) -> bool {
        self.decide(id, AuthStatus::Active)
    }
    pub fn deny(&self, id: &str) -> bool {
        self.decide(id, AuthStatus::Denied)
    }

    pub fn approve_latest(&self) -> Option<String> {
        let now = Instant::now();
        let id = {
            let inner = self.lock();
            let s = inner.auth.iter().rev().find(|s| s.status(now) == AuthStatus::Pending)?;
            s.id.clone()
        };
        self.approve(&id).then_some(id)
    }

    pub fn sessions(&self) -> Vec<AuthSessionInfo> {
        let now = Instant::now();
        self.lock()
            .auth
            .iter()
            .map(|s| AuthSessionInfo {
                id: s.id.clone(),
                status: s.status(now),
                token: s.token.clone(),
                agent_identifier: s.agent_identifier.clone(),
                scope: s.scope.clone(),
                polls: s.polls,
                created: s.created,
                approved_at: s.approved_at,
            })
            .collect()
    }

    pub fn token_for(&self, id: &str) -> Option<String> {
        self.lock().auth.iter().find(|s| s.id == id)?.token.clone()
    }
    pub fn calls(&self) -> Calls {
        self.lock().calls.clone()
    }
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().records.clone()
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `n` lower-case hex chars from randomly keyed SipHash (unguessable enough for a test server).
pub(crate) fn random_hex(n: usize) -> String {
    let mut out = String::with_capacity(n + 16);
    while out.len() < n {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(n);
    out
}

/// A random version-4-shaped UUID.
pub(crate) fn random_uuid() -> String {
    let h = random_hex(32);
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// RFC 3339 / ISO 8601 UTC timestamp with seconds, e.g. `2025-06-01T12:00:00Z`.
pub(crate) fn iso8601(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}
