//! The authorization code grant in the browser (RFC 8252): the request with PKCE and state, the
//! loopback listener the browser comes back to (or the address pasted back), the scopes to ask
//! for, and the code exchange.

pub(crate) mod grant;
pub(crate) mod loopback;
pub(crate) mod peer;
pub(crate) mod pkce;
pub(crate) mod profile;
pub(crate) mod redirect;
pub(crate) mod refusal;
pub(crate) mod scope;
mod serve;
