//! Credential stores: where a login's credential is kept, and how one is chosen.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

mod backend;
pub mod file;
pub mod keyring;
mod lock;
pub mod private;
mod record;

pub use file::FileStore;
pub use keyring::KeyringStore;

/// What kind of credential the server handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    /// A Bearer token for the `Authorization` header.
    Bearer,
    /// A session request id the server binds the identity to.
    Session,
    /// An OAuth access token, with what it takes to refresh and revoke it.
    #[serde(rename = "oauth")]
    OAuth,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Bearer => "bearer",
            CredentialKind::Session => "session",
            CredentialKind::OAuth => "oauth",
        }
    }

    /// How `status` and `login` name it to a person.
    pub fn describe(self) -> &'static str {
        match self {
            CredentialKind::Bearer => "Bearer token",
            CredentialKind::Session => "session id (the server binds your identity to the login session)",
            CredentialKind::OAuth => "OAuth access token",
        }
    }
}

/// Who the credential belongs to, as the server said (untrusted, display only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl UserInfo {
    /// "Ada <ada@example.org>" from what the server said, sanitized for the terminal.
    pub fn describe(&self) -> Option<String> {
        let clean = |s: &Option<String>| s.as_deref().map(|v| crate::sanitize::line(v, 100)).filter(|v| !v.is_empty());
        match (clean(&self.name), clean(&self.email), clean(&self.id)) {
            (Some(n), Some(e), _) => Some(format!("{n} <{e}>")),
            (Some(n), None, _) => Some(n),
            (None, Some(e), _) => Some(e),
            (None, None, Some(id)) => Some(format!("id {id}")),
            _ => None,
        }
    }

    /// Whether it names the person (a name or an address), not only a subject id.
    pub fn is_named(&self) -> bool {
        self.name.is_some() || self.email.is_some()
    }

    /// Take from `other` what this one does not say.
    pub fn fill(&mut self, other: UserInfo) {
        self.name = self.name.take().or(other.name);
        self.email = self.email.take().or(other.email);
        self.id = self.id.take().or(other.id);
    }

    /// The JSON form `--json` outputs carry.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"name": self.name, "email": self.email, "id": self.id})
    }
}

/// One server's credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The server URL in its normal form (see `ServerUrl`).
    pub server: String,
    pub kind: CredentialKind,
    pub secret: Secret,
    /// Unix seconds when the credential stops working, when known.
    pub expires_at: Option<u64>,
    pub user: Option<UserInfo>,
    /// Unix seconds when it was stored.
    pub created_at: u64,
    /// For `OAuth` credentials: how to refresh and revoke the access token.
    pub oauth: Option<OAuthGrant>,
}

/// How a client authenticates at the token endpoint (RFC 7591 `token_endpoint_auth_method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// A public client: `client_id` in the request body.
    None,
    /// HTTP Basic with the client id and secret.
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A signed JWT (RFC 7523 section 2.2): made with the client's key for each request, or one
    /// someone else issued, read from a file ([`ClientJwt`]). A [`Client`](crate::login::oauth::Client)
    /// carries it as its secret.
    PrivateKeyJwt,
}

impl ClientAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuth::None => "none",
            ClientAuth::ClientSecretBasic => "client_secret_basic",
            ClientAuth::ClientSecretPost => "client_secret_post",
            ClientAuth::PrivateKeyJwt => "private_key_jwt",
        }
    }

    pub fn parse(value: &str) -> Option<ClientAuth> {
        match value {
            "none" => Some(ClientAuth::None),
            "client_secret_basic" => Some(ClientAuth::ClientSecretBasic),
            "client_secret_post" => Some(ClientAuth::ClientSecretPost),
            "private_key_jwt" => Some(ClientAuth::PrivateKeyJwt),
            _ => None,
        }
    }
}

/// The OAuth side of a credential: bound to one issuer, one client and one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthGrant {
    pub refresh_token: Option<Secret>,
    /// The authorization server's issuer identifier.
    pub issuer: String,
    pub client_id: String,
    /// Only when the registration handed one out.
    pub client_secret: Option<Secret>,
    pub client_auth: ClientAuth,
    pub token_endpoint: reqwest::Url,
    pub revocation_endpoint: Option<reqwest::Url>,
    /// The `resource` its token requests carry (RFC 8707): the protected resource as published,
    /// another the user named, or none (Microsoft Entra ID refuses one beside its scopes).
    pub resource: Option<String>,
    /// The scopes granted, space-separated, when the server said.
    pub scope: Option<String>,
    /// A grant obtained without a person (it has no refresh token): how to obtain it again.
    pub unattended: Option<Unattended>,
    /// A person's grant got with the device authorization grant (RFC 8628: a code entered on
    /// another device) rather than in the browser; renewed and revoked the same way.
    pub device: bool,
}

impl OAuthGrant {
    /// Whether the grant is a sign-in at an identity provider (`login --idp`), not a server's.
    pub fn is_sign_in(&self) -> bool {
        self.unattended.as_ref().is_some_and(|u| u.grant == UnattendedGrant::IdpSignIn)
    }
}

/// How a grant without a person is obtained again, and with what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unattended {
    #[serde(flatten)]
    pub grant: UnattendedGrant,
    /// With [`ClientAuth::PrivateKeyJwt`]: where the client's JWT comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_jwt: Option<ClientJwt>,
    /// Got for the client in the environment (`AGENTVIEW_CLIENT_ID` with its secret, key or
    /// assertion file, or `AGENTVIEW_WORKLOAD_TOKEN_FILE`) with no login: the token is only
    /// cached. No client secret is kept with it: the client in the environment gets the next
    /// token itself, where a fresh login would send it. Records of an older agentview have none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_environment: bool,
}

impl Unattended {
    /// A grant a login got (not the environment's cache).
    pub fn new(grant: UnattendedGrant, client_jwt: Option<ClientJwt>) -> Unattended {
        Unattended { grant, client_jwt, from_environment: false }
    }
}

/// The grants agentview runs again instead of refreshing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "grant", rename_all = "snake_case")]
pub enum UnattendedGrant {
    /// OAuth client credentials (the MCP extension `io.modelcontextprotocol/oauth-client-credentials`).
    ClientCredentials,
    /// Enterprise-managed authorization: an ID-JAG from the company's identity provider, for the
    /// ID token kept under the provider's issuer `idp` (or read from `id_token_file` each time),
    /// traded with the JWT-bearer grant (RFC 7523).
    IdJag {
        idp: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id_token_file: Option<PathBuf>,
    },
    /// The sign-in at a company's identity provider itself: the credential holds its ID token,
    /// renewed with the provider's refresh token.
    IdpSignIn,
    /// Workload identity federation (the MCP extension `io.modelcontextprotocol/auth/wif`): the
    /// JWT the platform issued the workload, read from `token_file` each time, is the grant
    /// itself (RFC 7523 section 2.1).
    Workload { token_file: PathBuf },
}

/// Where a client's JWT comes from: signed here with its private key, or issued by someone else
/// (a CI provider's OIDC token: workload identity). Both files are read again at every renewal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClientJwt {
    /// A PEM private key, and the algorithm and key id its assertions carry.
    Key {
        path: PathBuf,
        alg: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
    },
    /// A file holding a JWT. An assertion is presented once: `presented` is the fingerprint (never
    /// the assertion) of the last one sent, so the same one is not sent again. Records of an older
    /// agentview have none.
    AssertionFile {
        path: PathBuf,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        presented: Option<String>,
    },
}

/// An algorithm agentview signs client assertions with (RFC 7518 names). A stored client key
/// names one of these; the store refuses a record that names another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningAlg {
    Rs256,
    Ps256,
    Es256,
    Es384,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 4] = [SigningAlg::Rs256, SigningAlg::Ps256, SigningAlg::Es256, SigningAlg::Es384];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Ps256 => "PS256",
            SigningAlg::Es256 => "ES256",
            SigningAlg::Es384 => "ES384",
        }
    }

    /// The algorithm of this name (names are case-sensitive).
    pub fn parse(name: &str) -> Option<SigningAlg> {
        SigningAlg::ALL.into_iter().find(|alg| alg.as_str() == name)
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Credential {
    /// Whether the credential is still usable at `now` (unix seconds).
    /// One without a known expiry counts as live.
    pub fn is_live(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

/// Which store the user asked for (`--store`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreChoice {
    Auto,
    Keyring,
    File,
}

/// Which keyring backend to use on Linux (`AGENTVIEW_KEYRING_BACKEND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyringBackend {
    /// The platform default: Secret Service, else keyutils on Linux.
    Default,
    SecretService,
    Keyutils,
}

/// Where a credential lives (or came from, for `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Env,
    Keyring,
    File,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Env => "env",
            Source::Keyring => "keyring",
            Source::File => "file",
        }
    }
}

/// What a store needs to know to open.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    pub choice: StoreChoice,
    pub backend: KeyringBackend,
    /// Directory of `credentials.json`.
    pub config_dir: PathBuf,
    /// How long one keyring call may take before it counts as hung.
    pub keyring_timeout: Duration,
    /// How long a write waits for another process's lock on the credentials file.
    pub lock_wait: Duration,
}

/// Why a store could not do its job. Code branches on these kinds.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be used on this machine right now (no D-Bus, locked, denied…).
    #[error("{store} is not available: {reason}")]
    Unavailable { store: String, reason: String },
    /// A keyring call did not answer in time.
    #[error("{store} did not answer within {} s (is it locked, or waiting for a password prompt?)", .after.as_secs())]
    Timeout { store: String, after: Duration },
    /// The stored data cannot be read back as a credential.
    #[error("{store} holds an unreadable entry for {server}: {reason}")]
    Corrupt { store: String, server: String, reason: String },
    /// The write reported success but reading back gave something else.
    #[error("{store} accepted the credential but reading it back gave {found}")]
    Mismatch { store: String, found: String },
    /// A file operation failed; the I/O error is kept as the source.
    #[error("{store}: {what}: {source}")]
    Io {
        store: String,
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// Anything else, with the platform's own message.
    #[error("{store}: {reason}")]
    Other { store: String, reason: String },
}

/// A place that keeps one credential per server.
pub trait CredentialStore: Send + Sync + std::fmt::Debug {
    /// `Keyring` or `File`.
    fn source(&self) -> Source;
    /// Human description: "the Secret Service keyring", "/home/u/.config/agentview/credentials.json".
    fn describe(&self) -> String;
    /// Check the store can be used, without changing what it holds.
    fn probe(&self) -> Result<(), StoreError>;
    fn load(&self, server: &str) -> Result<Option<Credential>, StoreError>;
    /// Write, then read back and compare; a mismatch is `StoreError::Mismatch`.
    fn save(&self, credential: &Credential) -> Result<(), StoreError>;
    /// Remove the server's credential; `Ok(false)` when there was none.
    fn delete(&self, server: &str) -> Result<bool, StoreError>;
    /// What the user should be told about this store, learned so far: a keyring
    /// that forgets at reboot. Shown as warnings; empty by default.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The store a login will write to, chosen before the login starts.
#[derive(Debug, Clone)]
pub struct Selected {
    /// Shared so a save can run off the async thread (Ctrl-C stays observable meanwhile).
    pub store: std::sync::Arc<dyn CredentialStore>,
    /// Set when `auto` fell back to the file: why the keyring was not usable.
    pub fallback_reason: Option<String>,
}

/// Where a login's credential ended up.
#[derive(Debug)]
pub struct Saved {
    pub store: std::sync::Arc<dyn CredentialStore>,
    /// Set when `auto`'s keyring refused the write and the file took it: the keyring's error.
    pub keyring_refused: Option<StoreError>,
}

/// Save a login's credential in the selected store. Under `auto`, a keyring that refuses the
/// write after the login (locked meanwhile, a record too large for the platform) hands over to
/// the file, so an approved login is not lost; `keyring` and `file` never switch.
pub fn save_selected(config: &StoreConfig, selected: &Selected, credential: &Credential) -> Result<Saved, StoreError> {
    save_with_fallback(config.choice, selected, credential, || file_store(config))
}

fn save_with_fallback(
    choice: StoreChoice,
    selected: &Selected,
    credential: &Credential,
    file: impl FnOnce() -> Box<dyn CredentialStore>,
) -> Result<Saved, StoreError> {
    let keyring_error = match selected.store.save(credential) {
        Ok(()) => return Ok(Saved { store: selected.store.clone(), keyring_refused: None }),
        Err(e) if choice == StoreChoice::Auto && selected.store.source() == Source::Keyring => e,
        Err(e) => return Err(e),
    };
    // Whatever the keyring kept of the failed write must not shadow the file's copy.
    let _ = selected.store.delete(&credential.server);
    let file: std::sync::Arc<dyn CredentialStore> = file().into();
    match file.probe().and_then(|()| file.save(credential)) {
        Ok(()) => Ok(Saved { store: file, keyring_refused: Some(keyring_error) }),
        Err(file_error) => Err(StoreError::Unavailable {
            store: "the credential store".to_owned(),
            reason: format!(
                "the keyring refused the credential ({keyring_error}), and the file did too ({file_error})"
            ),
        }),
    }
}

/// Choose and probe the store a login writes to.
/// `keyring` fails closed; `auto` falls back to the file and says why.
pub fn select_for_write(config: &StoreConfig) -> Result<Selected, StoreError> {
    select(config.choice, || keyring_store(config), || file_store(config))
}

/// The stores to read a credential from, in order (auto: keyring, then file).
///
/// Nothing is probed: a reader treats a keyring error as "skip, but remember
/// the reason" and goes on to the file.
pub fn stores_for_read(config: &StoreConfig) -> Vec<Box<dyn CredentialStore>> {
    match config.choice {
        StoreChoice::Keyring => vec![keyring_store(config)],
        StoreChoice::File => vec![file_store(config)],
        StoreChoice::Auto => vec![keyring_store(config), file_store(config)],
    }
}

fn keyring_store(config: &StoreConfig) -> Box<dyn CredentialStore> {
    Box::new(KeyringStore::new(config.backend, config.keyring_timeout))
}

fn file_store(config: &StoreConfig) -> Box<dyn CredentialStore> {
    Box::new(FileStore::new(&config.config_dir).with_lock_wait(config.lock_wait))
}

/// The selection policy, with the stores injected so tests can fake a keyring.
fn select(
    choice: StoreChoice,
    keyring: impl FnOnce() -> Box<dyn CredentialStore>,
    file: impl FnOnce() -> Box<dyn CredentialStore>,
) -> Result<Selected, StoreError> {
    let probed = |store: Box<dyn CredentialStore>| store.probe().map(|()| store);
    match choice {
        StoreChoice::Keyring => Ok(Selected { store: probed(keyring())?.into(), fallback_reason: None }),
        StoreChoice::File => Ok(Selected { store: probed(file())?.into(), fallback_reason: None }),
        StoreChoice::Auto => {
            let keyring_error = match probed(keyring()) {
                Ok(store) => {
                    return Ok(Selected { store: store.into(), fallback_reason: None });
                }
                Err(e) => e,
            };
            match probed(file()) {
                Ok(store) => Ok(Selected { store: store.into(), fallback_reason: Some(keyring_error.to_string()) }),
                Err(file_error) => Err(StoreError::Unavailable {
                    store: "the credential store".to_owned(),
                    reason: format!(
                        "the keyring is not usable ({keyring_error}), and the file is not either ({file_error})"
                    ),
                }),
            }
        }
    }
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
