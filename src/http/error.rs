//! The one network error of every request: what kind of failure it was (code branches on the
//! kind), the innermost cause in words, and the error it came from as its source.

use super::{Rejected, UNREACHABLE_HINT, UNTRUSTED_HINT, untrusted_certificate};

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

    /// The hint for a person: check the network, or trust the certificate's CA.
    pub fn hint(&self) -> Option<&'static str> {
        match self.kind {
            NetworkKind::Untrusted { .. } => Some(UNTRUSTED_HINT),
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
    }
}
