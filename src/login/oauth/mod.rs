//! MCP authorization, by layer: what every login shares ([`shared`]: discovery, registration,
//! client authentication, errors, the rules of where a secret may go, revocation), the browser's
//! authorization code grant ([`browser`]: the redirect, the loopback listener, PKCE, scopes), the
//! device authorization grant for a person on another device ([`device`]: codes, polls), and
//! the grants without a person ([`unattended`]: client credentials, a workload's token, the
//! company identity provider's sign-in and token exchange, client proofs and JWTs).

pub mod browser;
pub mod device;
pub mod shared;
pub mod unattended;

// The library's OAuth: find the server's setup, start an authorization for the browser, take
// the callback, exchange the code. The readers of what servers and browsers send are public
// too, for fuzzing.
pub use browser::grant::Authorization;
pub use browser::loopback::{Listener, Params, RedirectUri, parse_query, pasted_params};
pub use browser::peer::Owner;
pub use browser::profile::{Request, Wanted, plan};
pub use browser::redirect::{Identity, Notes, Pending, Started, begin};
pub use browser::scope::choose_scope;
pub use shared::discovery::{AuthServer, Challenge, Discovered, ProtectedResource, discover, parse_challenge};
pub use shared::error::{ErrorCode, OAuthError};
pub use shared::methods::AuthMethods;
pub use shared::provider::Provider;
pub use shared::registration::{CLIENT_ASSERTION_TYPE, Client, ClientChoice, RegistrationCache};
pub use shared::tokens::{Tokens, parse_tokens};
pub use shared::{revoke, trust};
pub use unattended::proof::ClientProof;
pub use unattended::{client_credentials, enterprise, idp, jwt, proof, token_exchange, workload};
