//! The grants without a person: client credentials, a workload's own token, and
//! enterprise-managed authorization (the sign-in at the company's identity provider, token
//! exchange for an ID-JAG, the JWT-bearer grant), with what a client proves itself with.

pub(crate) mod audience;
pub mod client_credentials;
pub mod enterprise;
pub mod idp;
pub mod jwt;
pub mod proof;
pub(crate) mod target;
pub mod token_exchange;
pub mod workload;
