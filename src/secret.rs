//! The secret type: a token that cannot be printed by accident.

use std::fmt;

/// A credential value (Bearer token or session id).
///
/// `Debug` prints `[REDACTED]`, there is no `Display`, and the only way to the
/// text is [`Secret::expose`], so every place that reveals it is greppable.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret text. Call only where the user asked for it (stdout, the
    /// child environment of `exec`, the credential store).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Why a token was refused before it reached a store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenShapeError {
    #[error("the token is empty")]
    Empty,
    #[error("the token is longer than {max} bytes")]
    TooLong { max: usize },
    #[error("the token contains characters other than printable ASCII (spaces, newlines or control characters)")]
    BadCharacters,
}

impl TokenShapeError {
    /// The same refusal, of a value that is not called a token (`what`: "client secret").
    pub fn about(&self, what: &str) -> String {
        match self {
            TokenShapeError::Empty => format!("the {what} is empty"),
            TokenShapeError::TooLong { max } => format!("the {what} is longer than {max} bytes"),
            TokenShapeError::BadCharacters => format!(
                "the {what} contains characters other than printable ASCII (spaces, newlines or control characters)"
            ),
        }
    }
}

/// Longest token agentview accepts: far above any real Bearer token or JWT.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Check that a value can be a credential: printable ASCII, bounded.
/// A token with a newline would break `token | tool` and header injection
/// would follow, so such a value is never stored.
pub fn check_token_shape(value: &str) -> Result<(), TokenShapeError> {
    if value.is_empty() {
        return Err(TokenShapeError::Empty);
    }
    if value.len() > MAX_TOKEN_LEN {
        return Err(TokenShapeError::TooLong { max: MAX_TOKEN_LEN });
    }
    if !value.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(TokenShapeError::BadCharacters);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("abc123");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([REDACTED])");
        assert_eq!(s.expose(), "abc123");
    }

    #[test]
    fn token_shape() {
        assert_eq!(check_token_shape(""), Err(TokenShapeError::Empty));
        assert_eq!(check_token_shape("a b"), Err(TokenShapeError::BadCharacters));
        assert_eq!(check_token_shape("a\nb"), Err(TokenShapeError::BadCharacters));
        assert_eq!(check_token_shape("a\u{1b}[0m"), Err(TokenShapeError::BadCharacters));
        assert_eq!(check_token_shape("a\u{202e}b"), Err(TokenShapeError::BadCharacters));
        assert!(check_token_shape(&"x".repeat(MAX_TOKEN_LEN + 1)).is_err());
        assert!(check_token_shape("eyJhbGciOi.J9.x-_~+/=").is_ok());
    }
}
