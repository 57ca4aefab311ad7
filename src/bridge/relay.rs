//! The server's side: HTTP requests to the MCP endpoint with the headers MCP asks for and the
//! credential in front, one renewal and retry on 401, and what an HTTP failure tells the client.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, Response, StatusCode, Url};
use serde_json::Value;
use tokio::sync::{RwLock, mpsc, oneshot};

use super::credential::{CredentialError, Credentials};
use super::message::{self, LOGIN_REQUIRED, UPSTREAM_ERROR};
use super::session::Session;
use super::stdio::{MAX_LINE, Stdout};
use crate::clock::SharedClock;
use crate::error::Failure;
use crate::login::oauth::shared::step_up;
use crate::mcp::transport::{SESSION_HEADER, VERSION_HEADER};
use crate::output::Output;
use crate::run::Run;
use crate::secret::Secret;

/// How the bridge introduces itself to the server.
const BRIDGE_AGENT: &str = concat!("agentview/", env!("CARGO_PKG_VERSION"), " (bridge)");

/// Why a message could not be delivered: an error for the client, or the end of the bridge.
#[derive(Debug)]
pub enum Refusal {
    /// Answer the request with this JSON-RPC error.
    Error { code: i64, message: String },
    /// The credential is gone for good; the bridge is ending (the main loop answers the client).
    Fatal,
}

impl Refusal {
    pub fn upstream(message: impl Into<String>) -> Refusal {
        Refusal::Error { code: UPSTREAM_ERROR, message: message.into() }
    }
}

/// Who gets the answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deliver {
    /// Written to the client (and returned).
    Client,
    /// Only returned: a batch collects it, a replayed initialize keeps it to itself.
    Keep,
}

/// An answer found on another stream: the message and its line for the client.
pub type Answered = oneshot::Sender<(Value, String)>;

/// Everything the tasks of one bridge share.
#[derive(Debug, Clone)]
pub struct Relay {
    pub(super) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    client: reqwest::Client,
    /// The HTTP layer the client came from: it names a refused certificate's issuer.
    pub http: crate::http::Http,
    endpoint: Url,
    /// `--header` values.
    headers: HeaderMap,
    pub credentials: Credentials,
    pub session: Arc<RwLock<Session>>,
    pub out: Stdout,
    pub output: Output,
    fatal: mpsc::Sender<Failure>,
    /// `agentview [flags] login`, for messages.
    login: String,
    pub server: String,
    pub request_timeout: Duration,
    /// The run's clock: the waits before resuming a stream, and the bound on ending the session.
    pub clock: SharedClock,
    /// The shortest wait before resuming a stream (the run's usual backoff), whatever `retry:` says.
    pub retry_floor: Duration,
    /// The standalone GET stream, while one is open.
    pub listener: std::sync::Mutex<Option<tokio::task::AbortHandle>>,
    /// `x-mcp-header` annotations learnt from `tools/list` answers.
    pub params: std::sync::Mutex<super::params::ParamHeaders>,
    /// The client's requests waiting for an answer, by id: only these get one, once, from
    /// whichever stream it comes on.
    pub waiting: std::sync::Mutex<std::collections::HashMap<String, Answered>>,
}

impl Relay {
    pub fn new(
        run: Arc<Run>,
        login: Option<crate::login::LoginSettings>,
        out: Stdout,
        fatal: mpsc::Sender<Failure>,
    ) -> anyhow::Result<Relay> {
        let (settings, output) = (&run.settings, run.output);
        // The run's client, with no overall timeout: a tool may work for minutes while its event
        // stream stays open.
        let http = run.http()?.clone();
        let client = http.client().clone();
        let inner = Inner {
            client,
            http,
            endpoint: settings.server.url().clone(),
            headers: settings.headers.clone(),
            credentials: Credentials::new(run.clone(), login),
            session: Arc::default(),
            out,
            output,
            fatal,
            login: settings.command("login"),
            server: settings.server.to_string(),
            request_timeout: settings.request_timeout,
            clock: run.clock.clone(),
            retry_floor: settings.retry_wait,
            listener: std::sync::Mutex::default(),
            waiting: std::sync::Mutex::default(),
            params: std::sync::Mutex::default(),
        };
        Ok(Relay { inner: Arc::new(inner) })
    }

    pub fn trace(&self, line: impl FnOnce() -> String) {
        if self.inner.output.is_verbose() {
            self.inner.output.verbose(&line());
        }
    }

    /// Write one line for the client.
    pub async fn to_client(&self, line: String) {
        self.inner.out.send(line).await;
    }

    /// POST one message with the credential; a 401 renews it once and tries again.
    pub async fn post(&self, message: &Value, body: &str, session: &Session) -> Result<Response, Refusal> {
        let label = message::describe(message);
        let named = message::meta_version(message);
        if let Some(version) = named.filter(|v| !message::is_version(v)) {
            return Err(Refusal::Error {
                code: message::INVALID_PARAMS,
                message: format!(
                    "the protocol version in _meta (\"{}\") is not one: letters, digits, '.', '-' and '_' only",
                    crate::sanitize::line(version, 64)
                ),
            });
        }
        let version = named.or(session.version.as_deref());
        let mut extra = HeaderMap::new();
        extra.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(method) = message.get("method").and_then(Value::as_str)
            && let Ok(value) = HeaderValue::from_str(&message::header_value(method))
        {
            extra.insert("mcp-method", value);
        }
        if let Some(value) = message::name_header(message).and_then(|v| HeaderValue::from_str(&v).ok()) {
            extra.insert("mcp-name", value);
        }
        if message.get("method").and_then(Value::as_str) == Some("tools/call") {
            extra.extend(self.inner.params.lock().unwrap_or_else(|e| e.into_inner()).headers(message));
        }
        let body = body.to_string();
        self.authorized(Method::POST, session, version, extra, Some(body), &label).await
    }

    /// GET the endpoint's event stream (standalone, or resuming after `last_event_id`).
    pub async fn get(&self, session: &Session, last_event_id: Option<&str>) -> Result<Response, Refusal> {
        let mut extra = HeaderMap::new();
        if let Some(value) = last_event_id.and_then(|id| HeaderValue::from_str(id).ok()) {
            extra.insert("last-event-id", value);
        }
        let label = if last_event_id.is_some() { "event stream (resume)" } else { "event stream" };
        self.authorized(Method::GET, session, session.version.as_deref(), extra, None, label).await
    }

    async fn authorized(
        &self,
        method: Method,
        session: &Session,
        version: Option<&str>,
        extra: HeaderMap,
        body: Option<String>,
        label: &str,
    ) -> Result<Response, Refusal> {
        let mut token = self.token().await?;
        let (mut renewed, mut stepped_up) = (false, false);
        loop {
            let mut headers = self.headers(session, version, token.as_ref());
            headers.extend(extra.clone());
            let accept =
                if method == Method::GET { "text/event-stream" } else { "application/json, text/event-stream" };
            let mut request = self
                .inner
                .client
                .request(method.clone(), self.inner.endpoint.clone())
                .headers(headers)
                .header(ACCEPT, accept);
            if let Some(body) = &body {
                request = request.body(body.clone());
            }
            self.trace(|| format!("→ {method} {label}"));
            let response = request.send().await.map_err(|e| Refusal::upstream(self.inner.http.error(e).to_string()))?;
            self.trace(|| format!("← {} {}", response.status().as_u16(), content_type(&response)));
            if let Some(wanted) = step_up::challenged(response.status().as_u16(), response.headers())
                && !stepped_up
                && self.inner.credentials.may_log_in()
            {
                stepped_up = true;
                match self.inner.credentials.step_up(token.as_ref(), &wanted).await {
                    Ok(Some(fresh)) => {
                        token = Some(fresh);
                        continue;
                    }
                    // No more logins in a row: the refusal is described as it is (`failed`).
                    Ok(None) => return Ok(response),
                    Err(e) => return Err(self.login_failed(e)),
                }
            }
            if response.status() != StatusCode::UNAUTHORIZED {
                if response.status().is_success() {
                    self.inner.credentials.answered();
                }
                return Ok(response);
            }
            if renewed {
                return Err(self.login_required("the server refused the renewed credential"));
            }
            renewed = true;
            let credentials = &self.inner.credentials;
            let fresh = match credentials.renew_after_rejection(token.as_ref()).await {
                Ok(None) if credentials.may_log_in() => match credentials.log_in(token.as_ref()).await {
                    Ok(fresh) => fresh,
                    Err(e) => return Err(self.login_failed(e)),
                },
                Ok(fresh) => fresh,
                Err(e) => return Err(self.credential_failed(e).await),
            };
            match fresh {
                Some(fresh) => token = Some(fresh),
                None if token.is_none() => {
                    return Err(self.login_required(&format!("{} asks for a login", self.inner.server)));
                }
                None => return Err(self.login_required("the server refused the credential")),
            }
        }
    }

    /// `--header` values, the credential (unless `--header` gave an Authorization of its own,
    /// such as a proxy's grant), the session id and the protocol version.
    fn headers(&self, session: &Session, version: Option<&str>, token: Option<&Secret>) -> HeaderMap {
        let mut headers = self.inner.headers.clone();
        headers.insert(USER_AGENT, HeaderValue::from_static(BRIDGE_AGENT));
        if let Some(token) = token.filter(|_| !headers.contains_key(AUTHORIZATION))
            && let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        {
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        if let Some(value) = session.id.as_deref().and_then(|id| HeaderValue::from_str(id).ok()) {
            headers.insert(SESSION_HEADER, value);
        }
        if let Some(value) = version.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(VERSION_HEADER, value);
        }
        headers
    }

    async fn token(&self) -> Result<Option<Secret>, Refusal> {
        match self.inner.credentials.current().await {
            Ok(token) => Ok(token),
            Err(e) => Err(self.credential_failed(e).await),
        }
    }

    async fn credential_failed(&self, error: CredentialError) -> Refusal {
        match error {
            CredentialError::Dead(failure) => {
                let _ = self.inner.fatal.send(failure).await;
                Refusal::Fatal
            }
            CredentialError::Unusable(failure) => {
                let hint = failure.hint.map(|h| format!(" ({h})")).unwrap_or_default();
                Refusal::upstream(format!("{}{hint}", failure.message))
            }
        }
    }

    /// The login the bridge ran failed (denied, its window ended, no method fits): the reason,
    /// and the command that logs in.
    fn login_failed(&self, error: CredentialError) -> Refusal {
        let (CredentialError::Dead(failure) | CredentialError::Unusable(failure)) = error;
        let hint = failure.hint.map(|h| format!(" ({})", crate::sanitize::line(&h, 300))).unwrap_or_default();
        let why = format!("the login failed: {}{hint}", crate::sanitize::line(&failure.message, 300));
        self.login_required(&why)
    }

    fn login_required(&self, why: &str) -> Refusal {
        Refusal::Error { code: LOGIN_REQUIRED, message: format!("{why}: log in with `{}`", self.inner.login) }
    }

    /// The error for a request the server answered with an HTTP failure: its own JSON-RPC error
    /// when the body is one for this request, else one that names the status.
    pub async fn failed(&self, response: Response, id: &Value, deliver: Deliver) -> Result<Value, Refusal> {
        let status = response.status().as_u16();
        let wanted = step_up::challenged(response.status().as_u16(), response.headers());
        if content_type(&response) == "application/json"
            && let Some(body) = self.read_capped(response).await
            && let Ok(answer) = serde_json::from_slice::<Value>(&body)
            && message::from_server(&answer) == (message::Kind::Response { id: id.clone() })
            && answer.get("error").is_some()
        {
            if deliver == Deliver::Client {
                self.to_client(message::one_line(&String::from_utf8_lossy(&body))).await;
            }
            return Ok(answer);
        }
        let what = match status {
            403 if let Some(wanted) = wanted => {
                let scope = step_up::union(self.inner.credentials.granted_scope().await.as_deref(), &wanted);
                format!(
                    "the server needs the scope \"{wanted}\", which the credential lacks: log in with `{} --scope \"{scope}\"`",
                    self.inner.login
                )
            }
            403 => format!(
                "the server refused the request with HTTP 403 (the credential may lack a scope it needs; log in again with `{}`)",
                self.inner.login
            ),
            404 => "the server answered HTTP 404: no MCP endpoint at this URL (check --server)".into(),
            405 => "the server does not accept this request (HTTP 405); it may speak an older MCP transport".into(),
            _ => format!("the server answered HTTP {status}"),
        };
        Err(Refusal::upstream(what))
    }

    /// Tell the server the requests `ids` are cancelled (where the revision has sessions; without
    /// one, closing their streams did) and end the session: best effort, within `bound`.
    pub async fn close(&self, ids: &[Value], bound: Duration) {
        if let Some(listener) = self.inner.listener.lock().unwrap_or_else(|e| e.into_inner()).take() {
            listener.abort();
        }
        let session = self.inner.session.read().await.clone();
        if session.id.is_none() {
            return;
        }
        let attempt = async {
            let token = self.inner.credentials.current().await.ok().flatten();
            let headers = self.headers(&session, session.version.as_deref(), token.as_ref());
            // All at once: a server slow to take one does not hold up the others.
            let mut cancels = tokio::task::JoinSet::new();
            for id in ids {
                let note = serde_json::json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                    "params": {"requestId": id, "reason": "the client went away"}});
                let mut headers = headers.clone();
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                headers.insert("mcp-method", HeaderValue::from_static("notifications/cancelled"));
                self.trace(|| format!("→ POST notifications/cancelled (id {id})"));
                let send = self.inner.client.post(self.inner.endpoint.clone()).headers(headers).body(note.to_string());
                cancels.spawn(send.send());
            }
            cancels.join_all().await;
            self.trace(|| "→ DELETE (end session)".into());
            let sent = self.inner.client.delete(self.inner.endpoint.clone()).headers(headers).send().await;
            if let Ok(response) = sent {
                self.trace(|| format!("← {}", response.status().as_u16()));
            }
        };
        tokio::select! {
            () = attempt => {}
            () = self.inner.clock.sleep(bound.min(self.inner.request_timeout)) => {}
        }
    }

    /// A whole JSON body, or None when it is over the cap or breaks off.
    pub async fn read_capped(&self, response: Response) -> Option<Vec<u8>> {
        self.inner.http.body(response, MAX_LINE).await.ok()
    }
}

/// The response's media type alone, lowercase.
pub fn content_type(response: &reqwest::Response) -> String {
    crate::http::content_type(response.headers())
}
