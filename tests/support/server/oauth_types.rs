//! Public types of the OAuth 2.1 authorization server: configuration, faults, endpoints, records, counters.
//!
//! Rules the server enforces: `resource` must be `<base>/mcp` exactly at `/authorize` and in both
//! grants at `/token`; `scope` defaults to all of `scopes_supported`; codes are single-use and live
//! 60 s; refresh tokens rotate, and presenting a rotated one revokes the whole grant. Token errors
//! are 400 `{"error", "error_description"}`, except `invalid_client`, which is 401 (RFC 6749 5.2).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The server's own authorization server (OAuth 2.1 + PKCE, RFC 8414 / 7591 / 7009 / 8707 / 9207 / 9728).
#[derive(Clone, Debug)]
pub struct OAuthConfig {
    /// Lifetime of access tokens (`expires_in`).
    pub access_ttl: Duration,
    /// Issue refresh tokens (rotated on every use).
    pub refresh: bool,
    /// `GET /authorize` answers 302 with the code at once instead of showing the approval page.
    pub auto_approve: bool,
    /// `/mcp` answers 401 to requests without a token. A presented token that is not valid is
    /// answered 401 whatever this says.
    pub require_token: bool,
    /// Advertise `authorization_response_iss_parameter_supported` and add `iss` to redirects (RFC 9207).
    pub iss_in_redirect: bool,
    /// `scopes_supported` of both metadata documents. The 401 challenge's `scope` lists them
    /// without `offline_access`.
    pub scopes_supported: Vec<String>,
    /// Offer a `registration_endpoint` (RFC 7591).
    pub dcr: bool,
    /// Offer a `revocation_endpoint` (RFC 7009).
    pub revocation: bool,
    /// Issuer path such as `/tenant1`: issuer `<base>/tenant1`, metadata at
    /// `/.well-known/oauth-authorization-server/tenant1`, endpoints under `/tenant1/`.
    pub issuer_path: Option<String>,
    /// Also serve the AS metadata at the OpenID Connect discovery URLs
    /// (`/.well-known/openid-configuration[/path]` and `[/path]/.well-known/openid-configuration`).
    pub oidc_discovery: bool,
    /// `token_endpoint_auth_methods_supported`; registration and token requests must use one of them.
    pub token_auth_methods: Vec<String>,
    /// Clients known without registration: `(client_id, secret)`. Without a secret the client is
    /// public (`none`); with one it may use `client_secret_basic` or `client_secret_post`.
    /// Their redirect URIs may be any loopback URI (any port, RFC 8252 7.3).
    pub preregistered: Vec<(String, Option<String>)>,
    /// The 401 challenge on `/mcp` carries `resource_metadata="<PRM URL>"`.
    pub challenge_resource_metadata: bool,
    /// Offer the client credentials grant (and list it in `grant_types_supported`): confidential
    /// clients only, `resource` required and exact, no refresh token.
    pub client_credentials: bool,
    /// Take ID-JAGs from this identity provider with the JWT-bearer grant (listed too).
    pub trusted_idp: Option<TrustedIdp>,
    /// Take workload tokens from this issuer as the JWT-bearer grant itself (workload identity
    /// federation; listed too): `iss` the issuer, `aud` this authorization server, `sub` any,
    /// `exp` ahead, the signature one of the keys'. The token may come with no client at all, or
    /// with a known client's authentication. Presenting the same token again is allowed (a
    /// platform's token lives for a while, and a renewal presents it again).
    pub trusted_workload: Option<TrustedIdp>,
    /// Clients that authenticate with a JWT signed by one of their keys (`private_key_jwt`, RFC
    /// 7523 section 2.2): the client id and its public keys (JWKs). The assertion's `iss` and
    /// `sub` must be the client id, `aud` the issuer, `exp` ahead and at most 5 minutes away,
    /// its `jti` never seen before, its signature one of the keys'.
    pub key_clients: Vec<(String, Vec<serde_json::Value>)>,
    /// `token_endpoint_auth_signing_alg_values_supported` (left out when empty).
    pub signing_algs: Vec<String>,
}

/// Who a browser without a `user` cookie is signed in as at the authorization server. A browser
/// sending `Cookie: user=<name>` at `GET /authorize` is signed in as `<name>`: the code, the grant
/// and its tokens are that person's (`TestServer::access_token_user`).
pub const DEFAULT_USER: &str = "person";

/// An identity provider whose ID-JAGs the authorization server takes: its issuer and keys.
#[derive(Clone, Debug)]
pub struct TrustedIdp {
    pub issuer: String,
    pub keys: Vec<serde_json::Value>,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            access_ttl: Duration::from_secs(3600),
            refresh: true,
            auto_approve: false,
            require_token: false,
            iss_in_redirect: true,
            scopes_supported: ["mcp:read", "mcp:write", "offline_access"].map(String::from).to_vec(),
            dcr: true,
            revocation: true,
            issuer_path: None,
            oidc_discovery: false,
            token_auth_methods: ["none", "client_secret_basic", "client_secret_post"].map(String::from).to_vec(),
            preregistered: Vec::new(),
            challenge_resource_metadata: true,
            client_credentials: false,
            trusted_idp: None,
            trusted_workload: None,
            key_clients: Vec::new(),
            signing_algs: Vec::new(),
        }
    }
}

/// One HTTP endpoint of the authorization server (or the protected resource's metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OAuthEndpoint {
    /// `/.well-known/oauth-protected-resource[/mcp]` (RFC 9728).
    ProtectedResourceMetadata,
    /// `/.well-known/oauth-authorization-server[/path]` (RFC 8414).
    AuthorizationServerMetadata,
    /// The OpenID Connect discovery URLs (only with `oidc_discovery`).
    OpenIdConfiguration,
    /// `POST /register` (RFC 7591).
    Register,
    /// `GET /authorize`.
    Authorize,
    /// `POST /authorize/{request_id}/approve` and `/deny` (the approval page's buttons).
    AuthorizeDecision,
    /// `POST /token`.
    Token,
    /// `POST /revoke` (RFC 7009).
    Revoke,
}

impl OAuthEndpoint {
    pub fn name(self) -> &'static str {
        match self {
            OAuthEndpoint::ProtectedResourceMetadata => "protected_resource_metadata",
            OAuthEndpoint::AuthorizationServerMetadata => "authorization_server_metadata",
            OAuthEndpoint::OpenIdConfiguration => "openid_configuration",
            OAuthEndpoint::Register => "register",
            OAuthEndpoint::Authorize => "authorize",
            OAuthEndpoint::AuthorizeDecision => "authorize_decision",
            OAuthEndpoint::Token => "token",
            OAuthEndpoint::Revoke => "revoke",
        }
    }
}

/// A switchable misbehaviour of the authorization server. Faults queue in order (separately from
/// [`super::Fault`]); variants with `count` serve that many requests, the others exactly one.
/// `clear_faults` drops them all.
#[derive(Clone, Debug)]
pub enum OAuthFault {
    /// The endpoint answers `status` with a small text/plain body (e.g. 503 on `Token`, 500 on
    /// `Register`, 404 on `ProtectedResourceMetadata` to exercise the fallback URL).
    Status { on: OAuthEndpoint, status: u16, count: u32 },
    /// Delay the endpoint's answer by `delay` (combines with one other fault).
    Slow { on: OAuthEndpoint, delay: Duration, count: u32 },
    /// Replace the endpoint's answer: `status`, `content_type`, `body` verbatim (HTML, a body over
    /// 1 MiB, `"token_type":"mac"`, no `access_token`, an `error` with HTTP 200, a metadata document
    /// without `authorization_servers` ...).
    Raw { on: OAuthEndpoint, status: u16, content_type: String, body: String, count: u32 },
    /// The next refresh_token grants answer 400 `invalid_grant` (the grant itself stays valid).
    RefreshInvalidGrant { count: u32 },
    /// The next authorization response carries `iss=<another issuer>`.
    WrongIss,
    /// The next authorization response carries no `iss`, though the metadata advertises it.
    MissingIss,
    /// The next authorization response carries a `state` other than the one sent.
    WrongState,
    /// The next authorization response is `error=<error>&error_description=<description>&state=..`
    /// instead of a code (whatever the user chose).
    CallbackError { error: String, description: String },
    /// The next protected-resource metadata names `resource` (another server) as its `resource`.
    PrmWrongResource { resource: String },
    /// The next AS metadata lists only `plain` in `code_challenge_methods_supported`.
    MetadataWithoutS256,
    /// The next AS metadata has no `code_challenge_methods_supported` at all.
    MetadataWithoutChallengeMethods,
    /// The next AS metadata carries `issuer` instead of the issuer its URL was built from.
    MetadataWrongIssuer { issuer: String },
    /// The next registration is refused: 400 `{"error": error, "error_description": description}`.
    RegistrationRejected { error: String, description: String },
    /// `/mcp` answers 403 `insufficient_scope` (challenge `scope="<required>"`) to requests whose
    /// valid token lacks any scope of `required`; `count` such answers (u32::MAX: always).
    InsufficientScope { required: String, count: u32 },
}

impl OAuthFault {
    pub fn name(&self) -> &'static str {
        match self {
            OAuthFault::Status { .. } => "Status",
            OAuthFault::Slow { .. } => "Slow",
            OAuthFault::Raw { .. } => "Raw",
            OAuthFault::RefreshInvalidGrant { .. } => "RefreshInvalidGrant",
            OAuthFault::WrongIss => "WrongIss",
            OAuthFault::MissingIss => "MissingIss",
            OAuthFault::WrongState => "WrongState",
            OAuthFault::CallbackError { .. } => "CallbackError",
            OAuthFault::PrmWrongResource { .. } => "PrmWrongResource",
            OAuthFault::MetadataWithoutS256 => "MetadataWithoutS256",
            OAuthFault::MetadataWithoutChallengeMethods => "MetadataWithoutChallengeMethods",
            OAuthFault::MetadataWrongIssuer { .. } => "MetadataWrongIssuer",
            OAuthFault::RegistrationRejected { .. } => "RegistrationRejected",
            OAuthFault::InsufficientScope { .. } => "InsufficientScope",
        }
    }
}

/// One request to the authorization server or to a metadata URL.
#[derive(Clone, Debug)]
pub struct OAuthRecord {
    pub endpoint: OAuthEndpoint,
    pub http_method: String,
    pub path: String,
    /// Query parameters (GET) or form parameters (POST), as received (last one wins on repeats).
    pub params: HashMap<String, String>,
    /// The JSON body of a registration request.
    pub json: Option<serde_json::Value>,
    /// The raw `Authorization` header, if any.
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    /// Response status; 0 if no response was sent.
    pub status: u16,
    /// Name of the fault that shaped the response, if any.
    pub fault: Option<String>,
    pub at: Instant,
}

impl OAuthRecord {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Counters of the authorization server (successful operations only, except where said).
#[derive(Clone, Debug, Default)]
pub struct OAuthCounts {
    /// Clients registered through `/register`.
    pub registrations: usize,
    /// Authorization responses sent (codes and errors).
    pub authorizations: usize,
    /// Token requests by `grant_type`, answered or not.
    pub token_requests: HashMap<String, usize>,
    /// Tokens issued by the authorization_code grant.
    pub code_grants: usize,
    /// The same, by the person who approved the authorization (see [`DEFAULT_USER`]).
    pub code_grants_by_user: HashMap<String, usize>,
    /// Tokens issued by the refresh_token grant.
    pub refresh_grants: usize,
    /// `/revoke` requests answered 200.
    pub revocations: usize,
    /// `/mcp` requests answered 401 / 403 by the token check.
    pub rejected_on_mcp: usize,
    /// Tokens issued by the client credentials grant.
    pub client_credentials_grants: usize,
    /// Tokens issued by the JWT-bearer grant (for an ID-JAG).
    pub jwt_bearer_grants: usize,
    /// JWT-bearer grants with a workload's token.
    pub workload_grants: usize,
}
