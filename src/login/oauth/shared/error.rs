//! Why an OAuth step failed, and the exit code and hint each failure maps to.

use serde_json::{Map, Value};

use crate::error::{Exit, Failure};
use crate::http::{FetchError, NetworkError, Reply};

/// The failures of the authorization side. Code branches on these kinds, never on text.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// Below HTTP: unreachable, broken, timed out, or a certificate not trusted here.
    #[error("{}", network(.what, .source))]
    Network {
        what: String,
        #[source]
        source: NetworkError,
    },
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
    Rejected { error: ErrorCode, description: Option<String> },
    /// The callback said no (`error=access_denied` and friends).
    #[error("the authorization server ended the login: {error}{}", describe(.description))]
    Denied { error: ErrorCode, description: Option<String> },
    /// The callback failed its state or issuer check.
    #[error("{0}")]
    Callback(String),
    /// A grant without a person: the authorization server does not take this client (a wrong
    /// secret or key, a client not allowed the grant, an assertion it refuses).
    #[error("the authorization server refused the client \"{client_id}\": {error}{}", describe(.description))]
    ClientRefused { client_id: String, error: ErrorCode, description: Option<String> },
    /// What a grant without a person proves itself with cannot be used: a key or assertion file,
    /// an ID token that expired, a sign-in at the identity provider that is gone.
    #[error("{0}")]
    Proof(String),
    /// The company's identity provider refused (`access_denied`, `invalid_target`, ...).
    #[error("the identity provider {idp} refused: {error}{}", describe(.description))]
    IdpRefused { idp: String, error: ErrorCode, description: Option<String> },
    /// The loopback listener for the browser's redirect could not be bound.
    #[error("cannot listen on 127.0.0.1 for the browser's redirect: {0}")]
    Listen(#[source] std::io::Error),
}

/// An OAuth error code, parsed once (RFC 6749 sections 4.1.2.1 and 5.2, RFC 6750 section 3.1,
/// RFC 7591 section 3.2.2): the codes agentview acts on by name, anything else kept as sent
/// (made safe for a terminal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    ServerError,
    TemporarilyUnavailable,
    InvalidToken,
    InsufficientScope,
    InvalidRedirectUri,
    InvalidClientMetadata,
    /// RFC 7009: the server does not revoke tokens of this type.
    UnsupportedTokenType,
    /// Any other code.
    Extension(String),
}

impl ErrorCode {
    const KNOWN: [(&'static str, ErrorCode); 15] = [
        ("invalid_request", ErrorCode::InvalidRequest),
        ("invalid_client", ErrorCode::InvalidClient),
        ("invalid_grant", ErrorCode::InvalidGrant),
        ("unauthorized_client", ErrorCode::UnauthorizedClient),
        ("unsupported_grant_type", ErrorCode::UnsupportedGrantType),
        ("invalid_scope", ErrorCode::InvalidScope),
        ("access_denied", ErrorCode::AccessDenied),
        ("unsupported_response_type", ErrorCode::UnsupportedResponseType),
        ("server_error", ErrorCode::ServerError),
        ("temporarily_unavailable", ErrorCode::TemporarilyUnavailable),
        ("invalid_token", ErrorCode::InvalidToken),
        ("insufficient_scope", ErrorCode::InsufficientScope),
        ("invalid_redirect_uri", ErrorCode::InvalidRedirectUri),
        ("invalid_client_metadata", ErrorCode::InvalidClientMetadata),
        ("unsupported_token_type", ErrorCode::UnsupportedTokenType),
    ];

    /// The code a server sent (codes are case-sensitive).
    pub fn parse(code: &str) -> ErrorCode {
        Self::KNOWN
            .iter()
            .find(|(name, _)| *name == code)
            .map_or_else(|| ErrorCode::Extension(crate::sanitize::line(code, 60)), |(_, known)| known.clone())
    }

    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Extension(code) => code,
            known => Self::KNOWN.iter().find(|(_, k)| k == known).map_or("", |(name, _)| name),
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn network(what: &str, error: &NetworkError) -> String {
    if error.is_untrusted() { format!("{what}: {error}") } else { format!("cannot reach {what}: {error}") }
}

fn describe(description: &Option<String>) -> String {
    description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
}

impl OAuthError {
    pub fn invalid(what: &str, reason: impl Into<String>) -> OAuthError {
        OAuthError::Invalid { what: what.to_string(), reason: reason.into() }
    }

    /// How a failed request to `what` reads: [`Http`](crate::http::Http) errors, named.
    pub fn fetch(what: &str) -> impl FnOnce(FetchError) -> OAuthError + '_ {
        move |error| match error {
            FetchError::Network(source) => OAuthError::Network { what: what.to_string(), source },
            FetchError::TooLarge => OAuthError::invalid(what, "a response larger than 1 MiB; stopped reading"),
        }
    }

    /// Nothing reached the authorization server, or no answer came back.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, OAuthError::Network { source, .. } if !source.is_untrusted())
    }

    /// The authorization server's certificate is not trusted here: the whole server's problem.
    pub fn is_untrusted(&self) -> bool {
        matches!(self, OAuthError::Network { source, .. } if source.is_untrusted())
    }

    /// The authorization server does not know the client (a registration it forgot).
    pub fn is_invalid_client(&self) -> bool {
        matches!(self, OAuthError::Rejected { error: ErrorCode::InvalidClient, .. })
    }

    /// The grant is dead: only `invalid_grant` says so (a network error never does).
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, OAuthError::Rejected { error: ErrorCode::InvalidGrant, .. })
    }

    /// The failure for a user, with its exit code: denied 5, a dead grant 4, everything else 7.
    pub fn into_failure(self, doing: &str) -> Failure {
        let exit = match &self {
            OAuthError::Denied { .. } | OAuthError::IdpRefused { .. } => Exit::Denied,
            OAuthError::ClientRefused { .. } | OAuthError::Proof(_) => Exit::NotLoggedIn,
            OAuthError::Listen(_) => Exit::Other,
            e if e.is_invalid_grant() => Exit::NotLoggedIn,
            _ => Exit::Server,
        };
        let hint = match &self {
            OAuthError::Network { source, .. } => source.hint(),
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

/// The document of an OAuth endpoint's answer (a token or device endpoint's): a 5xx, or an
/// error status without JSON, is `Status`; an `error` member (also with HTTP 200) is `Rejected`;
/// any status but 200 without one is `Status` too.
pub fn answer_object(reply: &Reply, what: &str) -> Result<Map<String, Value>, OAuthError> {
    if reply.status >= 500 {
        return Err(OAuthError::Status { what: what.into(), status: reply.status });
    }
    let doc = match json_object(reply, what) {
        Ok(doc) => doc,
        Err(_) if reply.status != 200 => return Err(OAuthError::Status { what: what.into(), status: reply.status }),
        Err(e) => return Err(e),
    };
    if let Some(error) = doc.get("error").and_then(Value::as_str) {
        return Err(OAuthError::Rejected {
            error: ErrorCode::parse(error),
            description: doc.get("error_description").and_then(Value::as_str).map(|d| crate::sanitize::line(d, 300)),
        });
    }
    if reply.status != 200 {
        return Err(OAuthError::Status { what: what.into(), status: reply.status });
    }
    Ok(doc)
}

/// The body as a JSON object, or why it is not one.
pub fn json_object(reply: &Reply, what: &str) -> Result<Map<String, Value>, OAuthError> {
    if reply.content_type.contains("html") {
        return Err(OAuthError::invalid(what, format!("HTML (HTTP {}) instead of JSON", reply.status)));
    }
    match serde_json::from_slice::<Value>(&reply.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(OAuthError::invalid(what, "JSON that is not an object")),
        Err(_) => Err(OAuthError::invalid(what, format!("not JSON (HTTP {})", reply.status))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_parsed_once_and_said_back_as_sent() {
        assert_eq!(ErrorCode::parse("invalid_grant"), ErrorCode::InvalidGrant);
        assert_eq!(ErrorCode::parse("insufficient_scope").to_string(), "insufficient_scope");
        assert_eq!(ErrorCode::parse("Invalid_Grant"), ErrorCode::Extension("Invalid_Grant".into()), "case-sensitive");
        assert_eq!(ErrorCode::parse("slow_down\x1b[31m").to_string(), "slow_down[31m");
        for (name, code) in ErrorCode::KNOWN {
            assert_eq!(code.as_str(), name);
        }
        let rejected = OAuthError::Rejected { error: ErrorCode::parse("invalid_grant"), description: None };
        assert!(rejected.is_invalid_grant() && !rejected.is_invalid_client());
        assert_eq!(rejected.to_string(), "the authorization server refused: invalid_grant");
    }
}
