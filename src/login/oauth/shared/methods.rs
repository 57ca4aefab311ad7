//! How a client may authenticate at an authorization server's token endpoint, as its metadata
//! lists it.

use crate::store::ClientAuth;

/// The token endpoint authentication methods an authorization server lists
/// (`token_endpoint_auth_methods_supported`, RFC 8414), parsed once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthMethods {
    known: Vec<ClientAuth>,
    /// Methods agentview does not use (`private_key_jwt`, …) were listed too.
    others: bool,
}

impl AuthMethods {
    pub fn parse<S: AsRef<str>>(names: &[S]) -> AuthMethods {
        let known = names.iter().filter_map(|n| ClientAuth::parse(n.as_ref())).collect::<Vec<_>>();
        AuthMethods { others: known.len() < names.len(), known }
    }

    /// Nothing listed at all (RFC 8414's default then is `client_secret_basic`).
    pub fn is_empty(&self) -> bool {
        self.known.is_empty() && !self.others
    }

    pub fn supports(&self, method: ClientAuth) -> bool {
        self.known.contains(&method)
    }

    /// The first of `methods` the server lists, in the server's order.
    pub fn first_of(&self, methods: &[ClientAuth]) -> Option<ClientAuth> {
        self.known.iter().copied().find(|m| methods.contains(m))
    }
}
