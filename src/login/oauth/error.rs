//! Why an OAuth step failed, and the exit code and hint each failure maps to.

use crate::error::{Exit, Failure};

/// The failures of the authorization side. Code branches on these kinds, never on text.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("cannot reach {what}: {cause}")]
    Unreachable { what: String, cause: String },
    /// The TLS certificate of the authorization server is not trusted here.
    #[error("{what}: the TLS certificate is not trusted: {reason}{}", .issuer.as_deref().map(|i| format!(" (issuer: {i})")).unwrap_or_default())]
    Untrusted { what: String, reason: String, issuer: Option<String> },
    #[error("{what} answered HTTP {status}")]
    Status { what: String, status: u16 },
    /// A response that is not what the specifications promise.
    #[error("unexpected answer from {what}: {reason}")]
    Invalid { what: String, reason: String },
    /// A check that protects the user failed (wrong resource, issuer, no S256).
    #[error("{0}")]
    Refused(String),
    /// The server does not offer OAuth, or lacks a part of it.
    #[error("{0}")]
    NotOffered(String),
    /// No way to identify agentview to the authorization server.
    #[error("{0}")]
    NoRegistration(String),
    /// An OAuth error response from the token or registration endpoint.
    #[error("the authorization server refused: {error}{}", describe(.description))]
    Rejected { error: String, description: Option<String> },
    /// The callback said no (`error=access_denied` and friends).
    #[error("the authorization server ended the login: {error}{}", describe(.description))]
    Denied { error: String, description: Option<String> },
    /// The callback failed its state or issuer check.
    #[error("{0}")]
    Callback(String),
}

fn describe(description: &Option<String>) -> String {
    description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
}

impl OAuthError {
    pub fn invalid(what: &str, reason: impl Into<String>) -> OAuthError {
        OAuthError::Invalid { what: what.to_string(), reason: reason.into() }
    }

    /// The grant is dead: only `invalid_grant` says so (a network error never does).
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, OAuthError::Rejected { error, .. } if error == "invalid_grant")
    }

    /// The failure for a user, with its exit code: denied 5, a dead grant 4, everything else 7.
    pub fn into_failure(self, doing: &str) -> Failure {
        let exit = match &self {
            OAuthError::Denied { .. } => Exit::Denied,
            e if e.is_invalid_grant() => Exit::NotLoggedIn,
            _ => Exit::Server,
        };
        let hint = match &self {
            OAuthError::Unreachable { .. } => Some("check --server and your network connection"),
            OAuthError::Untrusted { .. } => Some(
                "if a company proxy or an internal CA signs this certificate, add that CA: install it in the \
                 system's trust store, or point SSL_CERT_FILE (a PEM file) or SSL_CERT_DIR (a directory) at it",
            ),
            OAuthError::NoRegistration(_) => Some(
                "register agentview with the authorization server yourself and pass --client-id \
                 (a confidential client's secret in AGENTVIEW_CLIENT_SECRET), or --client-metadata-url",
            ),
            OAuthError::NotOffered(_) => Some("--method session uses the server's login tools instead"),
            _ => None,
        };
        let failure = Failure::new(exit, format!("{doing}: {self}"));
        let failure = match hint {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        };
        failure.with_source(self)
    }
}
