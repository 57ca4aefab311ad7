//! The one network error of every request: what kind of failure it was (code branches on the
//! kind), the innermost cause in words, and the error it came from as its source.

use super::{NOT_TLS_HINT, PLAIN_HTTP_HINT, Rejected, UNREACHABLE_HINT, UNTRUSTED_HINT, untrusted_certificate};

/// What kind of network failure happened: code branches on this, never on the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkKind {
    /// Nothing reached the server: DNS, connection refused, no route.
    Connect,
    /// The connection broke before a complete response arrived.
    Broken,
    /// The server did not answer in time.
    Timeout,
    /// The server's TLS certificate is not trusted here; `issuer` names its CA when known.
    Untrusted { issuer: Option<String> },
    /// An https request answered in plain text: the server speaks plain HTTP on that port.
    /// `use_http` is the same URL with http, offered where http is allowed (a loopback host).
    PlainHttp { use_http: Option<String> },
    /// The HTTP client itself could not be set up (TLS configuration).
    Setup,
}

/// A request that failed below HTTP. The message is the innermost cause ("Connection refused");
/// the error it came from stays attached as the source (shown with `-v`).
#[derive(Debug)]
pub struct NetworkError {
    pub kind: NetworkKind,
    detail: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl std::fmt::Display for NetworkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            NetworkKind::Timeout => write!(f, "timed out ({})", self.detail),
            NetworkKind::Untrusted { .. } => write!(f, "the TLS certificate is not trusted: {}", self.reason()),
            NetworkKind::Setup => write!(f, "cannot set up HTTP: {}", self.detail),
            NetworkKind::PlainHttp { use_http: Some(url) } => write!(f, "this server speaks plain HTTP: use {url}"),
            NetworkKind::PlainHttp { use_http: None } => {
                f.write_str("the server answered in plain text, not TLS: this port serves plain HTTP")
            }
            NetworkKind::Connect | NetworkKind::Broken => f.write_str(&self.detail),
        }
    }
}

impl std::error::Error for NetworkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl NetworkError {
    /// A failure of `kind` described by `detail`, with the error it came from, if any.
    pub fn new(
        kind: NetworkKind,
        detail: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> NetworkError {
        NetworkError { kind, detail: detail.into(), source }
    }

    /// For an untrusted certificate: why it was refused, and by whom it was issued.
    pub fn reason(&self) -> String {
        match &self.kind {
            NetworkKind::Untrusted { issuer: Some(issuer) } => format!("{} (issuer: {issuer})", self.detail),
            _ => self.detail.clone(),
        }
    }

    pub fn is_untrusted(&self) -> bool {
        matches!(self.kind, NetworkKind::Untrusted { .. })
    }

    /// The hint for a person: check the network, trust the certificate's CA, or use http.
    pub fn hint(&self) -> Option<&'static str> {
        match self.kind {
            NetworkKind::Untrusted { .. } => Some(UNTRUSTED_HINT),
            NetworkKind::PlainHttp { use_http: Some(_) } => Some(PLAIN_HTTP_HINT),
            NetworkKind::PlainHttp { use_http: None } => Some(NOT_TLS_HINT),
            NetworkKind::Setup => None,
            _ => Some(UNREACHABLE_HINT),
        }
    }

    /// The failure for a person (exit 7), with the hint that fits.
    pub fn into_failure(self, doing: &str) -> crate::error::Failure {
        let failure = crate::error::Failure::new(crate::error::Exit::Server, format!("{doing}: {self}"));
        let failure = match self.hint() {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        };
        failure.with_source(self)
    }

    /// Classify a reqwest error. The innermost cause says what happened ("Connection
    /// refused", "failed to lookup address"); reqwest's own text adds only the URL, which is
    /// left out of the kept source too.
    pub(super) fn of(error: reqwest::Error, rejected: &Rejected) -> NetworkError {
        if let Some(reason) = untrusted_certificate(&error) {
            let kind = NetworkKind::Untrusted { issuer: rejected.issuer() };
            return NetworkError::new(kind, reason, Some(Box::new(error.without_url())));
        }
        if plain_text_answer(&error) {
            let use_http = error.url().and_then(plain_http_twin);
            let kind = NetworkKind::PlainHttp { use_http };
            return NetworkError::new(kind, "not a TLS server", Some(Box::new(error.without_url())));
        }
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(inner) = source {
            detail = inner.to_string();
            source = inner.source();
        }
        let kind = if error.is_timeout() {
            NetworkKind::Timeout
        } else if error.is_connect() {
            NetworkKind::Connect
        } else {
            NetworkKind::Broken
        };
        NetworkError::new(kind, detail, Some(Box::new(error.without_url())))
    }
}

/// Whether the TLS handshake failed on a first record that is no TLS record at all: what a
/// plain-HTTP server's answer (`HTTP/1.1 400 …`) looks like to a TLS client.
fn plain_text_answer(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) =
            e.downcast_ref::<rustls::Error>()
        {
            return true;
        }
        // An io::Error hides its payload from `source()` (and may wrap another io::Error).
        next = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

/// The http twin of an https URL on this machine (without its query, which may hold a code);
/// `None` elsewhere, where agentview allows only https.
fn plain_http_twin(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    if url.scheme() != "https" || crate::server_url::Reach::of(host) != crate::server_url::Reach::Loopback {
        return None;
    }
    let mut twin = url.clone();
    twin.set_scheme("http").ok()?;
    twin.set_query(None);
    twin.set_fragment(None);
    // A metadata document's address was derived from the server's: the server is what to change.
    if twin.path().starts_with("/.well-known/") {
        twin.set_path("");
    }
    // The https default port is not http's: name it when the URL relied on it.
    if url.port().is_none() {
        twin.set_port(Some(443)).ok()?;
    }
    Some(crate::sanitize::line(twin.as_str(), 300))
}

/// Why a whole response could not be read.
#[derive(Debug)]
pub enum FetchError {
    Network(NetworkError),
    /// The body passed [`MAX_BODY`](super::MAX_BODY); reading stopped there.
    TooLarge,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_errors_say_what_happened_and_keep_their_source() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = NetworkError::new(NetworkKind::Connect, "Connection refused", Some(Box::new(io)));
        assert_eq!(e.to_string(), "Connection refused");
        assert_eq!(std::error::Error::source(&e).map(ToString::to_string).as_deref(), Some("refused"));
        assert_eq!(e.hint(), Some(UNREACHABLE_HINT));
        let e = NetworkError::new(NetworkKind::Timeout, "deadline", None);
        assert_eq!(e.to_string(), "timed out (deadline)");
        let e = NetworkError::new(NetworkKind::Untrusted { issuer: Some("Corp CA".into()) }, "unknown issuer", None);
        assert_eq!(e.reason(), "unknown issuer (issuer: Corp CA)");
        assert!(e.is_untrusted() && e.hint() == Some(UNTRUSTED_HINT));
        let e =
            NetworkError::new(NetworkKind::PlainHttp { use_http: Some("http://127.0.0.1:8931/mcp".into()) }, "", None);
        assert_eq!(e.to_string(), "this server speaks plain HTTP: use http://127.0.0.1:8931/mcp");
        assert_eq!(e.hint(), Some(PLAIN_HTTP_HINT));
    }

    #[test]
    fn only_loopback_https_urls_have_an_http_twin() {
        let twin = |url: &str| plain_http_twin(&reqwest::Url::parse(url).expect("url"));
        assert_eq!(twin("https://127.0.0.1:8931/mcp?code=x").as_deref(), Some("http://127.0.0.1:8931/mcp"));
        assert_eq!(twin("https://localhost/mcp").as_deref(), Some("http://localhost:443/mcp"));
        assert_eq!(twin("https://[::1]:9/mcp").as_deref(), Some("http://[::1]:9/mcp"));
        let metadata = twin("https://localhost:8931/.well-known/oauth-protected-resource/mcp");
        assert_eq!(metadata.as_deref(), Some("http://localhost:8931/"));
        assert_eq!(twin("https://agentview.de/mcp"), None);
        assert_eq!(twin("https://10.0.0.1:8931/mcp"), None);
        assert_eq!(twin("http://127.0.0.1:8931/mcp"), None);
    }

    #[test]
    fn a_plain_text_answer_is_told_from_other_tls_failures() {
        let plain = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        let wrapped = std::io::Error::other(plain);
        assert!(plain_text_answer(&wrapped));
        let other = std::io::Error::other(rustls::Error::InvalidMessage(rustls::InvalidMessage::MessageTooShort));
        assert!(!plain_text_answer(&other));
    }
}
