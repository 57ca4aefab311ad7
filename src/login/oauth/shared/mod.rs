//! What every OAuth login shares: finding the authorization server, who agentview is to it and
//! how it authenticates, the errors, where a secret may be sent, and revocation.

pub(crate) mod discovery;
pub(crate) mod error;
pub(crate) mod identity;
pub(crate) mod methods;
pub mod provider;
pub(crate) mod registration;
pub mod revoke;
pub(crate) mod tokens;
pub mod trust;
