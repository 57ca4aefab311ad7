//! HTTP for the authorization side: metadata GETs, form and JSON POSTs. No redirects are
//! followed, bodies are capped, and nothing secret reaches `-v`.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{RequestBuilder, Url};
use serde_json::Value;

use super::error::OAuthError;
use crate::mcp::transport::Trace;

/// Largest response agentview reads from an authorization server.
pub const MAX_BODY: usize = 1024 * 1024;

/// One HTTP client for discovery, registration, tokens and revocation.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    trace: Option<Trace>,
    /// The issuer of the last certificate the TLS verifier refused.
    rejected: Option<crate::http::Rejected>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http").finish_non_exhaustive()
    }
}

/// A complete, bounded response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub www_authenticate: Option<String>,
}

impl Reply {
    /// The body as a JSON object, or why it is not one.
    pub fn json_object(&self, what: &str) -> Result<serde_json::Map<String, Value>, OAuthError> {
        if self.content_type.contains("html") {
            return Err(OAuthError::invalid(what, format!("HTML (HTTP {}) instead of JSON", self.status)));
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(OAuthError::invalid(what, "JSON that is not an object")),
            Err(_) => Err(OAuthError::invalid(what, format!("not JSON (HTTP {})", self.status))),
        }
    }
}

impl Http {
    pub fn new(client: reqwest::Client, trace: Option<Trace>) -> Http {
        Http { client, trace, rejected: None }
    }

    /// A client of its own (the one TLS, proxy and redirect setup of `crate::http`).
    pub fn standalone(user_agent: &str, timeout: Duration, trace: Option<Trace>) -> Result<Http, OAuthError> {
        let unusable = |cause: String| OAuthError::Unreachable { what: "HTTP".into(), cause };
        let (builder, rejected) =
            crate::http::client_builder(user_agent, timeout.min(Duration::from_secs(10))).map_err(unusable)?;
        let client = builder.timeout(timeout).build().map_err(|e| unusable(e.to_string()))?;
        Ok(Http { client, trace, rejected: Some(rejected) })
    }

    fn trace(&self, line: impl FnOnce() -> String) {
        if let Some(trace) = &self.trace {
            trace(&line());
        }
    }

    pub async fn get(&self, url: &Url, what: &str) -> Result<Reply, OAuthError> {
        let request = self.client.get(url.clone()).header(ACCEPT, "application/json");
        self.send(request, "GET", url, what).await
    }

    /// POST `application/x-www-form-urlencoded`, with HTTP Basic when `basic` is given.
    pub async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
        what: &str,
    ) -> Result<Reply, OAuthError> {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let mut request = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body);
        if let Some((id, secret)) = basic {
            request = request.header(AUTHORIZATION, basic_auth(id, secret));
        }
        self.send(request, "POST", url, what).await
    }

    pub async fn post_json(&self, url: &Url, body: &Value, what: &str) -> Result<Reply, OAuthError> {
        let request = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body.to_string());
        self.send(request, "POST", url, what).await
    }

    async fn send(&self, request: RequestBuilder, method: &str, url: &Url, what: &str) -> Result<Reply, OAuthError> {
        self.trace(|| format!("→ {method} {} ({what})", without_query(url)));
        let mut response = request.send().await.map_err(|e| self.network_error(what, &e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .unwrap_or_default();
        let www_authenticate =
            response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.network_error(what, &e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(OAuthError::invalid(what, "a response larger than 1 MiB; stopped reading"));
            }
            body.extend_from_slice(&chunk);
        }
        self.trace(|| format!("← {status} {content_type}"));
        Ok(Reply { status, content_type, body, www_authenticate })
    }
}

/// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 section 2.3.1).
fn basic_auth(id: &str, secret: &str) -> HeaderValue {
    use base64::Engine;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(id), enc(secret));
    let mut value = HeaderValue::from_str(&format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw)))
        .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
    value.set_sensitive(true);
    value
}

/// A URL for `-v`: the query may carry a state or a code, so it is left out.
fn without_query(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

impl Http {
    fn network_error(&self, what: &str, error: &reqwest::Error) -> OAuthError {
        if let Some(reason) = crate::http::untrusted_certificate(error) {
            let issuer = self.rejected.as_ref().and_then(crate::http::Rejected::issuer);
            return OAuthError::Untrusted { what: what.to_string(), reason, issuer };
        }
        network_error(what, error)
    }
}

fn network_error(what: &str, error: &reqwest::Error) -> OAuthError {
    let mut cause = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if error.is_timeout() {
        cause = format!("timed out ({cause})");
    }
    OAuthError::Unreachable { what: what.to_string(), cause }
}
