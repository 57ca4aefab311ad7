//! One HTTP layer for everything agentview sends: the MCP transport and every OAuth request
//! build on it. It owns the TLS trust (`tls`), proxies from the environment, no redirects
//! (a redirect is reported, never followed), bounded bodies, content types, the user agent,
//! `-v` tracing (method, URL without its query, status; never headers or bodies), and one
//! typed network error that keeps the error it came from.

mod error;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{RequestBuilder, Response, Url};

pub use error::{FetchError, NetworkError, NetworkKind};
pub use tls::{Rejected, client_builder, untrusted_certificate};

/// Largest response body agentview reads (1 MiB); anything larger is refused.
pub const MAX_BODY: usize = 1024 * 1024;

/// What a network failure should make the user check.
pub const UNREACHABLE_HINT: &str = "check --server and your network connection";
/// What to do when https reached a plain-HTTP server on this machine.
pub const PLAIN_HTTP_HINT: &str = "a server on this machine usually speaks plain HTTP: give --server with http://";
/// What to do when https reached a plain-HTTP port elsewhere (where only https is allowed).
pub const NOT_TLS_HINT: &str = "check the port in --server: the server's HTTPS port, not its plain HTTP one";
/// How to trust a certificate authority this machine does not know.
pub const UNTRUSTED_HINT: &str = "if a company proxy or an internal CA signs this certificate, add that CA: install it \
in the system's trust store, or point SSL_CERT_FILE (a PEM file) or SSL_CERT_DIR (a directory) at it";

/// A line of `-v` output. It never receives bodies or header values.
pub type Trace = Arc<dyn Fn(&str) + Send + Sync>;

/// `agentview/<version>`, sent with every request.
pub fn user_agent() -> String {
    format!("agentview/{}", env!("CARGO_PKG_VERSION"))
}

/// A complete, bounded response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// The media type alone, lowercase (`application/json`).
    pub content_type: String,
    pub body: Vec<u8>,
    pub www_authenticate: Option<String>,
}

/// The one HTTP client of a run (cheap to clone: the connection pool is shared).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    trace: Option<Trace>,
    /// The issuer of the last certificate the TLS verifier refused.
    rejected: Rejected,
    /// The longest a whole exchange of [`Http::get`] and the POST helpers may take.
    timeout: Duration,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl Http {
    /// A client sending `user_agent`, connecting within `timeout` (at most 10 s).
    pub fn new(user_agent: &str, timeout: Duration, trace: Option<Trace>) -> Result<Http, NetworkError> {
        let (builder, rejected) = client_builder(user_agent, timeout.min(Duration::from_secs(10)))
            .map_err(|why| NetworkError::new(NetworkKind::Setup, why, None))?;
        let client = builder
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|e| NetworkError::new(NetworkKind::Setup, e.to_string(), Some(Box::new(e))))?;
        Ok(Http { client, trace, rejected, timeout })
    }

    /// The raw client, for requests the helpers below do not cover (MCP's streams).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A `-v` line, built only when someone reads it.
    pub fn trace(&self, line: impl FnOnce() -> String) {
        if let Some(trace) = &self.trace {
            trace(&line());
        }
    }

    /// A failed request as a [`NetworkError`], naming the refused certificate's issuer.
    pub fn error(&self, error: reqwest::Error) -> NetworkError {
        NetworkError::of(error, &self.rejected)
    }

    /// Send `request` (traced as `→ METHOD url (what)`) and return the response head.
    pub async fn send(
        &self,
        request: RequestBuilder,
        method: &str,
        url: &Url,
        what: &str,
    ) -> Result<Response, NetworkError> {
        self.trace(|| format!("→ {method} {} ({what})", without_query(url)));
        let response = request.send().await.map_err(|e| self.error(e))?;
        self.trace(|| format!("← {} {}", response.status().as_u16(), content_type(response.headers())));
        Ok(response)
    }

    /// The next chunk of a body, as a [`NetworkError`] when the connection breaks.
    pub async fn chunk(
        &self,
        response: &mut Response,
    ) -> Result<Option<impl std::ops::Deref<Target = [u8]> + use<>>, NetworkError> {
        response.chunk().await.map_err(|e| self.error(e))
    }

    /// GET a JSON document.
    pub async fn get(&self, url: &Url, what: &str) -> Result<Reply, FetchError> {
        let request = self.client.get(url.clone()).header(ACCEPT, "application/json");
        self.fetch(request, "GET", url, what).await
    }

    /// GET a JSON document with an `Authorization` header (a Bearer token for OpenID Connect's
    /// UserInfo endpoint), which is marked sensitive so no trace shows it.
    pub async fn get_authorized(
        &self,
        url: &Url,
        mut authorization: reqwest::header::HeaderValue,
        what: &str,
    ) -> Result<Reply, FetchError> {
        authorization.set_sensitive(true);
        let request =
            self.client.get(url.clone()).header(ACCEPT, "application/json").header(AUTHORIZATION, authorization);
        self.fetch(request, "GET", url, what).await
    }

    /// POST `application/x-www-form-urlencoded`, with HTTP Basic when `basic` is given.
    pub async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
        what: &str,
    ) -> Result<Reply, FetchError> {
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
        self.fetch(request, "POST", url, what).await
    }

    /// POST a JSON document.
    pub async fn post_json(&self, url: &Url, body: &serde_json::Value, what: &str) -> Result<Reply, FetchError> {
        let request = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body.to_string());
        self.fetch(request, "POST", url, what).await
    }

    /// One whole exchange within the timeout: the head, then the body up to [`MAX_BODY`].
    async fn fetch(&self, request: RequestBuilder, method: &str, url: &Url, what: &str) -> Result<Reply, FetchError> {
        let response =
            self.send(request.timeout(self.timeout), method, url, what).await.map_err(FetchError::Network)?;
        let status = response.status().as_u16();
        let content_type = content_type(response.headers());
        let www_authenticate =
            response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = self.body(response, MAX_BODY).await?;
        Ok(Reply { status, content_type, body, www_authenticate })
    }

    /// A whole body of at most `cap` bytes; a larger one is refused as it arrives, so memory
    /// stays bounded.
    pub async fn body(&self, mut response: Response, cap: usize) -> Result<Vec<u8>, FetchError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk(&mut response).await.map_err(FetchError::Network)? {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The media type of a response, lowercase, without parameters; empty when there is none.
pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// A URL for `-v`: the query may carry a state or a code, so it is left out.
pub fn without_query(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 section 2.3.1), marked sensitive.
fn basic_auth(id: &str, secret: &str) -> HeaderValue {
    use base64::Engine;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(id), enc(secret));
    let mut value = HeaderValue::from_str(&format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw)))
        .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
    value.set_sensitive(true);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_plain_media_types() {
        let mut headers = HeaderMap::new();
        assert_eq!(content_type(&headers), "");
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("Application/JSON; charset=utf-8"));
        assert_eq!(content_type(&headers), "application/json");
    }

    #[test]
    fn traced_urls_leave_out_the_query() {
        let url = Url::parse("https://as.example/token?code=secret#x").expect("url");
        assert_eq!(without_query(&url), "https://as.example/token");
    }
}
