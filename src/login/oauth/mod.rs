//! MCP authorization, by layer: what every login shares ([`shared`]: discovery, registration,
//! client authentication, errors, the rules of where a secret may go, revocation), the browser's
//! authorization code grant ([`browser`]: the redirect, the loopback listener, PKCE, scopes), the
//! device authorization grant for a person on another device ([`device`]: codes, polls), and
//! the grants without a person ([`unattended`]: client credentials, a workload's token, the
//! company identity provider's sign-in and token exchange, client proofs and JWTs).

pub(crate) mod browser;
pub(crate) mod device;
pub(crate) mod shared;
pub(crate) mod unattended;
