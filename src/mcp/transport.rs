//! One HTTP exchange of MCP Streamable HTTP: POST a message, read JSON or SSE, bounded.

use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Response, StatusCode, Url};
use serde_json::Value;

use super::McpError;
pub use super::body::Reply;
use super::body::{read_reply, read_sse};
pub use crate::http::Trace;
use crate::http::{Http, content_type};

pub const SESSION_HEADER: &str = "mcp-session-id";
pub const VERSION_HEADER: &str = "mcp-protocol-version";
/// The standard request headers (MCP 2026-07-28): the JSON-RPC method, and the tool, prompt or
/// resource a request names, so proxies can route and police without reading bodies.
pub const METHOD_HEADER: &str = "mcp-method";
pub const NAME_HEADER: &str = "mcp-name";
/// The most of a refusal's body read to find a JSON-RPC error in it.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Where and how to talk to the server.
#[derive(Clone)]
pub struct TransportConfig {
    pub endpoint: Url,
    /// User-supplied headers (`--header`), sent with every request.
    pub headers: HeaderMap,
    /// Upper bound for one exchange, body included.
    pub request_timeout: Duration,
}

impl std::fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("TransportConfig")
            .field("endpoint", &self.endpoint.as_str())
            .field("headers", &names)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// The session-scoped part of a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub session_id: Option<&'a str>,
    pub protocol_version: Option<&'a str>,
}

/// MCP Streamable HTTP on agentview's one HTTP layer.
#[derive(Clone)]
pub struct HttpTransport {
    http: Http,
    config: TransportConfig,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport").field("config", &self.config).finish()
    }
}

impl HttpTransport {
    /// A transport on `http` (the run's client: its pool, timeouts and tracing).
    pub fn on(http: Http, config: TransportConfig) -> HttpTransport {
        HttpTransport { http, config }
    }

    pub fn new(config: TransportConfig, trace: Option<Trace>) -> Result<HttpTransport, McpError> {
        Self::with_user_agent(config, &crate::http::user_agent(), trace)
    }

    /// A transport that introduces itself as `user_agent`.
    pub fn with_user_agent(
        config: TransportConfig,
        user_agent: &str,
        trace: Option<Trace>,
    ) -> Result<HttpTransport, McpError> {
        let http = Http::new(user_agent, config.request_timeout, trace).map_err(McpError::Network)?;
        Ok(HttpTransport { http, config })
    }

    fn trace(&self, line: impl FnOnce() -> String) {
        self.http.trace(line);
    }

    fn headers(&self, scope: Scope<'_>) -> HeaderMap {
        let mut headers = self.config.headers.clone();
        if let Some(id) = scope.session_id.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(SESSION_HEADER, id);
        }
        if let Some(v) = scope.protocol_version.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(VERSION_HEADER, v);
        }
        headers
    }

    /// POST one message. `id` is the request id to wait for (None for notifications).
    /// Returns the reply and the session id header of the response, if any.
    pub async fn post(
        &self,
        message: &Value,
        id: Option<i64>,
        scope: Scope<'_>,
    ) -> Result<(Reply, Option<String>), McpError> {
        let label = describe(message);
        let body = serde_json::to_vec(message).map_err(|e| McpError::Protocol(e.to_string()))?;
        let request = self
            .http
            .client()
            .post(self.config.endpoint.clone())
            .headers(self.headers(scope))
            .headers(standard_headers(message))
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream")
            .body(body);
        self.trace(|| format!("→ POST {} {label}", self.config.endpoint));
        let exchange = async {
            let response = request.send().await.map_err(|e| McpError::Network(self.http.error(e)))?;
            let session = response.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
            self.trace(|| format!("← {} {}", response.status().as_u16(), content_type(response.headers())));
            if response.status() == StatusCode::BAD_REQUEST {
                return Err(self.refusal(response).await);
            }
            check_status(&response, scope.session_id.is_some())?;
            let reply = match id {
                None => Reply::Accepted,
                Some(id) => read_reply(&self.http, response, id).await?,
            };
            Ok((reply, session))
        };
        self.bounded(exchange).await
    }

    /// Resume an SSE stream with GET + Last-Event-ID (SEP-1699) and wait for response `id`.
    pub async fn resume(&self, last_event_id: Option<&str>, id: i64, scope: Scope<'_>) -> Result<Reply, McpError> {
        let mut request = self
            .http
            .client()
            .get(self.config.endpoint.clone())
            .headers(self.headers(scope))
            .header(ACCEPT, "text/event-stream");
        if let Some(last) = last_event_id {
            request = request.header("last-event-id", last);
        }
        self.trace(|| format!("→ GET {} (resume stream)", self.config.endpoint));
        let exchange = async {
            let response = request.send().await.map_err(|e| McpError::Network(self.http.error(e)))?;
            self.trace(|| format!("← {} {}", response.status().as_u16(), content_type(response.headers())));
            if response.status() == StatusCode::METHOD_NOT_ALLOWED {
                return Err(McpError::Protocol(
                    "the event stream closed before the response and the server does not allow resuming it".into(),
                ));
            }
            check_status(&response, scope.session_id.is_some())?;
            if content_type(response.headers()) != "text/event-stream" {
                return Err(McpError::Protocol("the resumed stream is not text/event-stream".into()));
            }
            read_sse(&self.http, response, id).await
        };
        self.bounded(exchange).await
    }

    /// End the MCP session. 2xx, 404 and 405 all mean done; errors are not fatal.
    pub async fn delete(&self, scope: Scope<'_>) -> Result<(), McpError> {
        let request = self.http.client().delete(self.config.endpoint.clone()).headers(self.headers(scope));
        self.trace(|| format!("→ DELETE {} (end session)", self.config.endpoint));
        let response =
            self.bounded(async { request.send().await.map_err(|e| McpError::Network(self.http.error(e))) }).await?;
        let status = response.status();
        self.trace(|| format!("← {}", status.as_u16()));
        if status.is_success() || status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
            Ok(())
        } else {
            Err(McpError::Status { status: status.as_u16(), retry_after: None })
        }
    }

    /// What a 400 says: a JSON-RPC error in its body (a server of the stateless protocol
    /// refusing a version or a header), or just the status.
    async fn refusal(&self, mut response: Response) -> McpError {
        let json = content_type(response.headers()) == "application/json";
        let mut body = Vec::new();
        while let Ok(Some(chunk)) = self.http.chunk(&mut response).await {
            if !json || body.len() + chunk.len() > MAX_ERROR_BODY {
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let error = serde_json::from_slice::<Value>(&body).ok().and_then(|doc| doc.get("error").cloned());
        match error {
            Some(error) if error.is_object() => super::jsonrpc::error_of(&error),
            _ => McpError::BadRequest,
        }
    }

    async fn bounded<T>(&self, work: impl Future<Output = Result<T, McpError>>) -> Result<T, McpError> {
        match tokio::time::timeout(self.config.request_timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(McpError::Timeout(self.config.request_timeout)),
        }
    }
}

/// `Mcp-Method` for every message with a method, and `Mcp-Name` for the requests that name a
/// tool, prompt or resource (values that are not plain header text go base64-encoded).
pub fn standard_headers(message: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let Some(method) = message.get("method").and_then(Value::as_str) else { return headers };
    if let Ok(value) = HeaderValue::from_str(&header_text(method)) {
        headers.insert(METHOD_HEADER, value);
    }
    let name = match method {
        "tools/call" | "prompts/get" => message.pointer("/params/name"),
        "resources/read" => message.pointer("/params/uri"),
        _ => None,
    };
    if let Some(value) = name.and_then(Value::as_str).and_then(|n| HeaderValue::from_str(&header_text(n)).ok()) {
        headers.insert(NAME_HEADER, value);
    }
    headers
}

/// A value as header text: itself when it is plain visible ASCII (spaces inside only), else
/// `=?base64?…?=` (as is a plain value that looks like that form).
pub fn header_text(value: &str) -> String {
    use base64::Engine;
    let sentinel = value.starts_with("=?base64?") && value.ends_with("?=");
    let padded = value.starts_with(' ') || value.ends_with(' ');
    let plain = value.bytes().all(|b| (0x20..=0x7e).contains(&b)) && !padded && !sentinel;
    if plain {
        value.to_string()
    } else {
        format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(value))
    }
}

/// "initialize", "tools/call get_auth_session", … for `-v`.
fn describe(message: &Value) -> String {
    let method = message.get("method").and_then(Value::as_str).unwrap_or("?");
    match message.pointer("/params/name").and_then(Value::as_str) {
        Some(tool) => format!("{method} {tool}"),
        None => method.to_string(),
    }
}

fn check_status(response: &Response, had_session: bool) -> Result<(), McpError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let code = status.as_u16();
    Err(match code {
        401 | 403 => McpError::AuthRequired {
            status: code,
            challenge: response
                .headers()
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(2048).collect()),
        },
        404 if had_session => McpError::SessionExpired,
        404 => McpError::NotStreamableHttp(format!(
            "no MCP endpoint at {} (HTTP 404); check --server",
            response.url()
        )),
        405 if response.url().path() == "/" => McpError::NotStreamableHttp(format!(
            "nothing accepts MCP requests at the root of {} (HTTP 405); an MCP endpoint usually has a path such as /mcp: check --server",
            response.url()
        )),
        405 => McpError::NotStreamableHttp(
            "the server does not accept MCP Streamable HTTP POSTs here (HTTP 405); agentview does not speak the older HTTP+SSE transport"
                .into(),
        ),
        406 => McpError::Protocol("the server refused the Accept header (HTTP 406)".into()),
        300..=399 => {
            let to = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("elsewhere");
            McpError::Protocol(format!(
                "the server redirects to {} (HTTP {code}); pass that URL with --server",
                crate::sanitize::line(to, 200)
            ))
        }
        429 | 500..=599 => McpError::Status { status: code, retry_after: retry_after(response.headers()) },
        _ => McpError::Protocol(format!("HTTP {code}")),
    })
}

/// `Retry-After` as seconds or an HTTP date, capped at ten minutes.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(Duration::from_secs(600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&later).expect("ascii"));
        let wait = retry_after(&headers).expect("date parses");
        assert!(wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28), "{wait:?}");
        headers.insert(RETRY_AFTER, HeaderValue::from_static("99999"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(600)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn standard_headers_name_the_method_and_the_tool() {
        let call =
            serde_json::json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"my-hyphenated-tool"}});
        let headers = standard_headers(&call);
        assert_eq!(headers[METHOD_HEADER], "tools/call");
        assert_eq!(headers[NAME_HEADER], "my-hyphenated-tool");
        let read = serde_json::json!({"method":"resources/read","params":{"uri":"file:///a b.txt"}});
        assert_eq!(standard_headers(&read)[NAME_HEADER], "file:///a b.txt");
        let list = serde_json::json!({"method":"tools/list","params":{}});
        assert!(standard_headers(&list).get(NAME_HEADER).is_none());
        assert!(standard_headers(&serde_json::json!({"id":1,"result":{}})).is_empty(), "responses carry none");
    }

    #[test]
    fn header_values_that_are_not_plain_text_are_base64() {
        assert_eq!(header_text("us-west1"), "us-west1");
        assert_eq!(header_text("Hello, 世界"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
        assert_eq!(header_text(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(header_text("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(header_text("a\tb"), "=?base64?YQli?=");
        assert_eq!(header_text("=?base64?literal?="), "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=");
    }
}
