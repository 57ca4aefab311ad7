//! Failure kinds and the one place that maps them to exit codes.

use std::fmt;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok,
    Other,
    Usage,
    Expired,
    NotLoggedIn,
    Denied,
    Policy,
    Server,
    Store,
    Interrupted,
    /// A child's exit code passed through unchanged (`exec`).
    Child(u8),
}

impl Exit {
    pub const fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Other => 1,
            Exit::Usage => 2,
            Exit::Expired => 3,
            Exit::NotLoggedIn => 4,
            Exit::Denied => 5,
            Exit::Policy => 6,
            Exit::Server => 7,
            Exit::Store => 8,
            Exit::Interrupted => 130,
            Exit::Child(code) => code,
        }
    }
}

/// The exit codes `--help` and the man pages list, with what each means: the numbers come from
/// [`Exit::code`], the one place that has them.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (Exit::Ok.code(), "ok"),
    (Exit::Other.code(), "other failure"),
    (Exit::Usage.code(), "usage"),
    (Exit::Expired.code(), "login window expired or --timeout reached"),
    (Exit::NotLoggedIn.code(), "not logged in, or the server refused the token"),
    (Exit::Denied.code(), "login denied or cancelled"),
    (Exit::Policy.code(), "refused by policy (PolicyLayer), or rate limited too long"),
    (Exit::Server.code(), "server unreachable, or a protocol error after retries"),
    (Exit::Store.code(), "credential store failure"),
    (Exit::Interrupted.code(), "interrupted (Ctrl-C or SIGTERM)"),
];

/// An error whose kind decides the exit code, with an optional "what to do next" and the
/// underlying error it came from (shown as a chain with `-v`).
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure { exit, message: message.into(), hint: None, source: None }
    }

    /// Keep the error this failure came from.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Failure {
        self.source = Some(Box::new(source));
        self
    }

    /// What to do next; a hint with nothing to say is none (an empty `hint:` line helps nobody).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        let hint = hint.into();
        self.hint = (!hint.trim().is_empty()).then_some(hint);
        self
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Exit::Usage, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The exit code an error chain maps to: the first [`Failure`] in it decides, else 1. Every
/// module's errors make their own `Failure` (`OAuthError::into_failure`, `McpError::into_failure`,
/// a store error wrapped where it is met), so this module knows no other kind.
pub fn exit_of(error: &anyhow::Error) -> Exit {
    for cause in error.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            return failure.exit;
        }
    }
    Exit::Other
}

/// The hint attached anywhere in the chain, if any.
pub fn hint_of(error: &anyhow::Error) -> Option<&str> {
    error.chain().find_map(|c| c.downcast_ref::<Failure>().and_then(|f| f.hint.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_failure_keeps_its_source() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err: anyhow::Error = Failure::new(Exit::Store, "cannot write").with_source(io).into();
        let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
        assert_eq!(chain, ["cannot write", "denied"]);
        assert_eq!(exit_of(&err), Exit::Store, "the kind decides, not the text");
    }

    #[test]
    fn exit_code_found_through_context() {
        let err: anyhow::Result<()> = Err(Failure::new(Exit::Denied, "denied").with_hint("try again").into());
        let err = err.context("login failed").expect_err("an error");
        assert_eq!(exit_of(&err), Exit::Denied);
        assert_eq!(hint_of(&err), Some("try again"));
        assert_eq!(exit_of(&anyhow::anyhow!("plain")), Exit::Other);
        assert_eq!(Failure::usage("x").with_hint(" ").hint, None, "no empty hint");
        assert_eq!(Exit::Interrupted.code(), 130);
    }
}
