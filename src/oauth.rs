//! OAuth as `agentview login` does it, for programs built on agentview (the MCP conformance
//! client): the authorization code grant in the browser (discovery, registration, the loopback
//! listener, the code exchange) and the grants without a person (client credentials, a
//! workload's own token, enterprise-managed authorization with an ID token from a file).

pub use crate::login::oauth::browser::loopback::Listener;
pub use crate::login::oauth::browser::peer::Owner;
pub use crate::login::oauth::browser::profile::{Request, Wanted, plan};
pub use crate::login::oauth::browser::redirect::{Identity, Notes, Pending, Started, begin};
pub use crate::login::oauth::browser::scope::choose_scope;
pub use crate::login::oauth::shared::discovery::{AuthServer, Challenge, Discovered, discover, parse_challenge};
pub use crate::login::oauth::shared::error::{ErrorCode, OAuthError};
pub use crate::login::oauth::shared::registration::{Client, ClientChoice, RegistrationCache};
pub use crate::login::oauth::shared::tokens::Tokens;
pub use crate::login::settings::ResourceChoice;
pub use crate::settings::client::{ClientProof, Workload};
pub use crate::store::{ClientJwt, Credential, GrantAuth, OAuthGrant, SigningAlg};

/// The grants without a person, as `login --client-credentials`, `--workload-token-file` and
/// `--idp … --id-token-file` run them.
pub mod unattended {
    pub use crate::login::oauth::unattended::client_credentials::{Obtained, obtain as client_credentials};
    pub use crate::login::oauth::unattended::enterprise::{Prepared, Provider, exchange, prepare, read_id_token};
    pub use crate::login::oauth::unattended::target::Destination;
    pub use crate::login::oauth::unattended::workload::obtain as workload;
}
