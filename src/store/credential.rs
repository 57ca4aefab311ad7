//! One server's credential as agentview holds it: the server it is for (a parsed URL), the token,
//! its times, and the grant it came from: a Bearer token, a session id, or an OAuth grant with
//! what renews and revokes it. The grant is an enum, so a kind without its fields (or fields
//! without their kind) cannot be written down, and a client that signs its requests always names
//! its key. Each kind is built in one place (the constructors below); `record.rs` is the stored
//! form, which stays as it always was.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::account::AccountName;
use crate::secret::Secret;
use crate::server_url::ServerUrl;

/// What kind of credential the server handed out (as stored, and as `--json` names it).
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
    /// The server it is for.
    pub server: ServerUrl,
    /// Which of the server's accounts it is; with the server, the key it is stored under
    /// ([`Credential::key`]).
    pub account: AccountName,
    pub secret: Secret,
    /// Unix seconds when the credential stops working, when known.
    pub expires_at: Option<u64>,
    pub user: Option<UserInfo>,
    /// Unix seconds when it was stored (issued, for a renewed token).
    pub created_at: u64,
    pub grant: Grant,
}

/// What the token is, and what came with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A Bearer token for the `Authorization` header.
    Bearer,
    /// A session request id the server binds the identity to (`token` prints it like a token).
    Session,
    /// An OAuth access token, with what it takes to renew and revoke it.
    OAuth(Box<OAuthGrant>),
}

impl Credential {
    /// A Bearer token nobody said more about: `login --with-token`, `AGENTVIEW_TOKEN`.
    pub fn bearer(server: ServerUrl, secret: Secret, now: u64) -> Credential {
        Credential {
            server,
            account: AccountName::default(),
            secret,
            expires_at: None,
            user: None,
            created_at: now,
            grant: Grant::Bearer,
        }
    }

    /// What an approved session login gave: its token, or, when the server handed out none,
    /// the session request id it binds the identity to.
    pub fn session_login(
        server: ServerUrl,
        token: Option<Secret>,
        session_request_id: &Secret,
        expires_at: Option<u64>,
        user: Option<UserInfo>,
        now: u64,
    ) -> Credential {
        let (grant, secret) = match token {
            Some(token) => (Grant::Bearer, token),
            None => (Grant::Session, session_request_id.clone()),
        };
        Credential { server, account: AccountName::default(), secret, expires_at, user, created_at: now, grant }
    }

    /// An OAuth access token and its grant, issued at `now`.
    pub fn oauth(
        server: ServerUrl,
        access_token: Secret,
        expires_at: Option<u64>,
        grant: OAuthGrant,
        now: u64,
    ) -> Credential {
        Credential {
            server,
            account: AccountName::default(),
            secret: access_token,
            expires_at,
            user: None,
            created_at: now,
            grant: Grant::OAuth(Box::new(grant)),
        }
    }

    /// The key it is stored under: the server URL for the `default` account.
    pub fn key(&self) -> String {
        self.account.key(self.server.as_str())
    }

    /// The same credential, for `account`.
    pub fn for_account(mut self, account: AccountName) -> Credential {
        self.account = account;
        self
    }

    pub fn kind(&self) -> CredentialKind {
        match self.grant {
            Grant::Bearer => CredentialKind::Bearer,
            Grant::Session => CredentialKind::Session,
            Grant::OAuth(_) => CredentialKind::OAuth,
        }
    }

    /// The OAuth grant, for an OAuth credential.
    pub fn oauth_grant(&self) -> Option<&OAuthGrant> {
        match &self.grant {
            Grant::OAuth(grant) => Some(grant),
            _ => None,
        }
    }

    pub fn oauth_grant_mut(&mut self) -> Option<&mut OAuthGrant> {
        match &mut self.grant {
            Grant::OAuth(grant) => Some(grant),
            _ => None,
        }
    }

    /// Whether the credential is still usable at `now` (unix seconds).
    /// One without a known expiry counts as live.
    pub fn is_live(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }

    /// Whether it is a sign-in at an identity provider (`login --idp`), not a server's.
    pub fn is_sign_in(&self) -> bool {
        self.oauth_grant().is_some_and(OAuthGrant::is_sign_in)
    }
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
    /// someone else issued, read from a file ([`ClientJwt`]). A
    /// [`Client`](crate::login::oauth::Client) carries it as its secret.
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

/// How the client of a stored grant authenticates: a client that signs its requests names where
/// its JWT comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantAuth {
    None,
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt(ClientJwt),
}

impl GrantAuth {
    /// The method, as registrations and metadata name it.
    pub fn method(&self) -> ClientAuth {
        match self {
            GrantAuth::None => ClientAuth::None,
            GrantAuth::ClientSecretBasic => ClientAuth::ClientSecretBasic,
            GrantAuth::ClientSecretPost => ClientAuth::ClientSecretPost,
            GrantAuth::PrivateKeyJwt(_) => ClientAuth::PrivateKeyJwt,
        }
    }

    /// The same method with a secret (or none): a signing client is settled elsewhere, with its
    /// key; `None` for [`ClientAuth::PrivateKeyJwt`].
    pub fn of_method(method: ClientAuth) -> Option<GrantAuth> {
        match method {
            ClientAuth::None => Some(GrantAuth::None),
            ClientAuth::ClientSecretBasic => Some(GrantAuth::ClientSecretBasic),
            ClientAuth::ClientSecretPost => Some(GrantAuth::ClientSecretPost),
            ClientAuth::PrivateKeyJwt => None,
        }
    }

    /// Where the client's JWT comes from, for a client that signs.
    pub fn jwt(&self) -> Option<&ClientJwt> {
        match self {
            GrantAuth::PrivateKeyJwt(jwt) => Some(jwt),
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
    pub client_auth: GrantAuth,
    pub token_endpoint: reqwest::Url,
    pub revocation_endpoint: Option<reqwest::Url>,
    /// The `resource` its token requests carry (RFC 8707): the protected resource as published,
    /// another the user named, or none (Microsoft Entra ID refuses one beside its scopes).
    pub resource: Option<String>,
    /// The scopes granted, space-separated, when the server said.
    pub scope: Option<String>,
    /// How the grant was got, and so how it is got again.
    pub flow: Flow,
    /// Got for the client in the environment (`AGENTVIEW_CLIENT_ID` with its secret, key or
    /// assertion file, or `AGENTVIEW_WORKLOAD_TOKEN_FILE`) with no login: the token is only
    /// cached. No client secret is kept with it: the client in the environment gets the next
    /// token itself, where a fresh login would send it.
    pub from_environment: bool,
}

impl OAuthGrant {
    /// Whether the grant is a sign-in at an identity provider (`login --idp`), not a server's.
    pub fn is_sign_in(&self) -> bool {
        self.flow == Flow::IdpSignIn
    }

    /// Whether a person approved it, in the browser or on another device (it renews only with its
    /// refresh token).
    pub fn is_person_login(&self) -> bool {
        matches!(self.flow, Flow::AuthorizationCode | Flow::Device)
    }
}

/// How an OAuth grant was got: in the browser, or by one of the grants agentview runs again
/// instead of refreshing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    /// A person approved it in the browser (the authorization code grant).
    AuthorizationCode,
    /// A person approved it on another device with the code agentview showed (the device
    /// authorization grant, RFC 8628); renewed and revoked as a browser login is.
    Device,
    /// OAuth client credentials (the MCP extension `io.modelcontextprotocol/oauth-client-credentials`).
    ClientCredentials,
    /// Enterprise-managed authorization: an ID-JAG from the company's identity provider, for the
    /// ID token kept under the provider's issuer `idp` (or read from `id_token_file` each time),
    /// traded with the JWT-bearer grant (RFC 7523).
    IdJag { idp: String, id_token_file: Option<PathBuf> },
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientJwt {
    /// A PEM private key, and the algorithm and key id its assertions carry.
    Key { path: PathBuf, alg: SigningAlg, key_id: Option<String> },
    /// A file holding a JWT. An assertion is presented once: `presented` is the fingerprint (never
    /// the assertion) of the last one sent, so the same one is not sent again.
    AssertionFile { path: PathBuf, presented: Option<String> },
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
