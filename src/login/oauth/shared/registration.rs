//! Who agentview is to the authorization server: a pre-registered client, a Client ID Metadata
//! Document, or a dynamic registration (RFC 7591) kept per issuer and reused.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::discovery::{AuthServer, DEVICE_CODE_GRANT};
use super::error::{ErrorCode, OAuthError, json_object};
use super::methods::AuthMethods;
use crate::http::Http;
use crate::secret::{Secret, check_token_shape};
use crate::store::ClientAuth;
use crate::store::private::{PrivateDir, PrivateError};

/// `client_assertion_type` of a client that authenticates with a JWT (RFC 7523 section 2.2).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The client identity used for one authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub auth: ClientAuth,
    /// The redirect URI this client is registered with (dynamic registrations only).
    pub redirect_uri: Option<String>,
}

/// How the user asked agentview to identify itself.
#[derive(Debug, Clone, Default)]
pub enum ClientChoice {
    /// `--client-id` (and a secret from the environment or stdin).
    PreRegistered { client_id: String, client_secret: Option<Secret> },
    /// `--client-metadata-url`: the URL is the client id, where the server supports it.
    MetadataDocument(String),
    /// Dynamic registration, cached per issuer.
    #[default]
    Dynamic,
}

impl Client {
    /// A client that does not authenticate: its id alone (none at all for a workload that
    /// presents only its platform's token).
    pub fn public(client_id: &str) -> Client {
        Client { client_id: client_id.to_string(), client_secret: None, auth: ClientAuth::None, redirect_uri: None }
    }

    /// Authenticate a token or revocation request the way the registration says: the client id
    /// (and secret) go into `form`, or come back as the HTTP Basic pair. With Basic the client
    /// id goes into the form too: servers built on the MCP Python SDK read it from there even
    /// then, and RFC 6749 allows it (it is the same client, not a second authentication).
    pub fn authenticate<'a>(&'a self, form: &mut Vec<(&'a str, &'a str)>) -> Option<(&'a str, &'a str)> {
        let secret = self.client_secret.as_ref().map(Secret::expose).unwrap_or_default();
        match self.auth {
            // A workload that presents only its platform's token may have no client id at all
            // (RFC 7523 section 3.1: client authentication is optional with a JWT grant).
            ClientAuth::None => {
                if !self.client_id.is_empty() {
                    form.push(("client_id", &self.client_id));
                }
                None
            }
            ClientAuth::ClientSecretPost => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", secret));
                None
            }
            ClientAuth::ClientSecretBasic => {
                form.push(("client_id", &self.client_id));
                Some((self.client_id.as_str(), secret))
            }
            // RFC 7523 section 2.2: the secret is the JWT made (or read) for this one request.
            ClientAuth::PrivateKeyJwt => {
                form.push(("client_id", &self.client_id));
                form.push(("client_assertion_type", CLIENT_ASSERTION_TYPE));
                form.push(("client_assertion", secret));
                None
            }
        }
    }

    /// The client a stored grant was issued to.
    pub fn of_grant(grant: &crate::store::OAuthGrant) -> Client {
        Client {
            client_id: grant.client_id.clone(),
            client_secret: grant.client_secret.clone(),
            auth: grant.client_auth.method(),
            redirect_uri: None,
        }
    }

    /// A pre-registered client: with a secret, the authentication method the server prefers.
    pub fn pre_registered(client_id: &str, client_secret: Option<Secret>, server: &AuthServer) -> Client {
        let auth = match &client_secret {
            None => ClientAuth::None,
            Some(_) => secret_method(&server.token_auth_methods),
        };
        Client { client_id: client_id.to_string(), client_secret, auth, redirect_uri: None }
    }
}

impl Client {
    /// A client with a secret, authenticating the way the server's `methods` say (for the grants
    /// without a person, whose server metadata is read apart from the browser login's).
    pub fn with_secret(client_id: &str, client_secret: Secret, methods: &AuthMethods) -> Client {
        let auth = secret_method(methods);
        Client { client_id: client_id.to_string(), client_secret: Some(client_secret), auth, redirect_uri: None }
    }
}

/// With a secret: the first of `client_secret_basic` and `client_secret_post` the server lists
/// (servers list what they prefer first: the MCP Python SDK's lists `client_secret_post`, and its
/// revocation endpoint takes nothing else); `client_secret_basic` when it lists neither (RFC
/// 8414's default).
fn secret_method(supported: &AuthMethods) -> ClientAuth {
    supported
        .first_of(&[ClientAuth::ClientSecretBasic, ClientAuth::ClientSecretPost])
        .unwrap_or(ClientAuth::ClientSecretBasic)
}

/// A new registration: the client, and the grant types it was registered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub client: Client,
    pub grant_types: Vec<String>,
}

impl Registered {
    /// Whether the client was registered for `grant_type`.
    pub fn allows(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }
}

/// The grant types a registration asks for: the browser's authorization code with a redirect
/// URI, and the device grant beside it where the server offers it (one registration serves both
/// logins); without a redirect URI the device grant alone; refresh tokens either way.
pub fn grant_types(server: &AuthServer, redirect: bool) -> Vec<String> {
    let device = DEVICE_CODE_GRANT;
    let mut grants = Vec::new();
    if redirect {
        grants.push("authorization_code");
    }
    if !redirect || server.offers_device() {
        grants.push(device);
    }
    grants.push("refresh_token");
    grants.into_iter().map(str::to_string).collect()
}

/// Register at the server's `registration_endpoint`: for `redirect_uri` (the browser's login),
/// or without one for the device grant alone.
pub async fn register(
    http: &Http,
    server: &AuthServer,
    redirect_uri: Option<&str>,
    scope: Option<&str>,
) -> Result<Registered, OAuthError> {
    const WHAT: &str = "the client registration";
    let endpoint = server.registration_endpoint.as_ref().ok_or_else(|| {
        OAuthError::NoRegistration(format!(
            "the authorization server {} offers no dynamic client registration",
            crate::sanitize::line(&server.issuer, 200)
        ))
    })?;
    let methods = &server.token_auth_methods;
    let method = if methods.is_empty() || methods.supports(ClientAuth::None) {
        ClientAuth::None
    } else {
        secret_method(methods)
    };
    let mut grants = grant_types(server, redirect_uri.is_some());
    let (redirect_uris, response_types): (Vec<&str>, Vec<&str>) = match redirect_uri {
        Some(uri) => (vec![uri], vec!["code"]),
        None => (Vec::new(), Vec::new()),
    };
    let mut body = json!({
        "client_name": "agentview",
        "redirect_uris": redirect_uris,
        "grant_types": grants,
        "response_types": response_types,
        "token_endpoint_auth_method": method.as_str(),
        "application_type": "native",
    });
    let scope = registration_scope(scope, &server.scopes_supported);
    if let Some(scope) = &scope {
        body["scope"] = json!(scope);
    }
    let mut reply = http.post_json(endpoint, &body, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    // `scope` is optional in a registration (RFC 7591); a server that refuses it gets one without.
    if scope.is_some()
        && matches!(refusal(&reply), Some((ErrorCode::InvalidClientMetadata | ErrorCode::InvalidScope, _)))
    {
        if let Some(fields) = body.as_object_mut() {
            fields.remove("scope");
        }
        reply = http.post_json(endpoint, &body, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    }
    // The device grant beside the browser's is a convenience: a server that refuses it in a
    // registration gets one for the browser alone.
    let device = DEVICE_CODE_GRANT;
    if redirect_uri.is_some()
        && grants.iter().any(|g| g == device)
        && matches!(refusal(&reply), Some((ErrorCode::InvalidClientMetadata, _)))
    {
        grants.retain(|g| g != device);
        body["grant_types"] = json!(grants);
        reply = http.post_json(endpoint, &body, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    }
    if let Some((error, description)) = refusal(&reply) {
        let description = description.map(|d| format!(": {d}")).unwrap_or_default();
        return Err(OAuthError::NoRegistration(format!(
            "the authorization server refused to register agentview: HTTP {} ({error}{description})",
            reply.status
        )));
    }
    if !(200..300).contains(&reply.status) {
        return Err(OAuthError::NoRegistration(format!(
            "the authorization server refused to register agentview: HTTP {}",
            reply.status
        )));
    }
    let doc = json_object(&reply, WHAT)?;
    let client_id = doc
        .get("client_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.len() <= 1024)
        .ok_or_else(|| OAuthError::invalid(WHAT, "the answer has no client_id"))?
        .to_string();
    let client_secret = match doc.get("client_secret").and_then(Value::as_str) {
        Some(secret) => {
            check_token_shape(secret).map_err(|e| OAuthError::invalid(WHAT, format!("the client_secret: {e}")))?;
            Some(Secret::new(secret))
        }
        None => None,
    };
    let returned = doc.get("token_endpoint_auth_method").and_then(Value::as_str).and_then(ClientAuth::parse);
    let auth = registered_method(returned, method, client_secret.is_some(), methods);
    if auth != ClientAuth::None && client_secret.is_none() {
        return Err(OAuthError::invalid(WHAT, "the client must authenticate with a secret, but none was issued"));
    }
    let client = Client { client_id, client_secret, auth, redirect_uri: redirect_uri.map(str::to_string) };
    Ok(Registered { client, grant_types: grants })
}

/// The OAuth error of a refused registration, with its description.
fn refusal(reply: &crate::http::Reply) -> Option<(ErrorCode, Option<String>)> {
    if (200..300).contains(&reply.status) {
        return None;
    }
    let doc = json_object(reply, "the client registration").ok()?;
    let error = doc.get("error").and_then(Value::as_str).map(ErrorCode::parse)?;
    let description = doc.get("error_description").and_then(Value::as_str).map(|d| crate::sanitize::line(d, 300));
    Some((error, description))
}

/// The scope a registration asks for: of the scopes the login will ask for, those the server
/// lists (a strict server accepts only its own `scopes_supported` in a registration, and some
/// let a client ask only for the scopes it registered); all of them when it lists none.
fn registration_scope(scope: Option<&str>, supported: &[String]) -> Option<String> {
    let scope = scope?;
    if supported.is_empty() {
        return Some(scope.to_string());
    }
    let listed: Vec<&str> = scope.split_whitespace().filter(|s| supported.iter().any(|l| l == s)).collect();
    (!listed.is_empty()).then(|| listed.join(" "))
}

/// The token endpoint authentication a registration ended with: the one the answer names; else
/// the one asked for. A secret handed out unasked, with no method named, means
/// `client_secret_basic` (RFC 7591's default) only when the server does not list `none` among
/// its methods: a server that lists `none` registered the public client asked for.
fn registered_method(
    returned: Option<ClientAuth>,
    requested: ClientAuth,
    secret: bool,
    supported: &AuthMethods,
) -> ClientAuth {
    match returned {
        Some(auth) => auth,
        None if secret && requested == ClientAuth::None && !supported.supports(ClientAuth::None) => {
            secret_method(supported)
        }
        None => requested,
    }
}

/// Dynamic registrations kept per issuer in `<config dir>/oauth-clients.json` (mode 0600, a
/// private file of the config dir like the credential file).
#[derive(Debug, Clone)]
pub struct RegistrationCache {
    dir: PrivateDir,
}

#[derive(Serialize, Deserialize, Default)]
struct CacheFile {
    #[serde(default)]
    clients: BTreeMap<String, CachedClient>,
}

#[derive(Serialize, Deserialize)]
struct CachedClient {
    client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    client_auth: ClientAuth,
    /// None for a registration of the device grant alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    /// What the client was registered for; registrations of an older agentview name none (they
    /// were for the browser's grant alone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    grant_types: Vec<String>,
}

/// Larger than any set of registrations; a bigger file is not ours.
const MAX_CACHE: u64 = 256 * 1024;

impl RegistrationCache {
    pub const FILE_NAME: &'static str = "oauth-clients.json";

    pub fn new(config_dir: &Path) -> RegistrationCache {
        RegistrationCache { dir: PrivateDir::new(config_dir) }
    }

    fn read(&self) -> CacheFile {
        // A cache is only a shortcut: anything odd about it means "register again", and that
        // includes a file others can read (it holds client secrets, and may not be ours).
        match self.dir.read(Self::FILE_NAME, MAX_CACHE) {
            Ok(Some(contents)) if contents.loose_mode.is_none() => {
                serde_json::from_slice(&contents.bytes).unwrap_or_default()
            }
            _ => CacheFile::default(),
        }
    }

    /// The registration kept for `issuer`, if any.
    pub fn load(&self, issuer: &str) -> Option<Client> {
        self.load_registered(issuer).map(|r| r.client)
    }

    /// The registration kept for `issuer`, with what it was registered for.
    pub fn load_registered(&self, issuer: &str) -> Option<Registered> {
        let entry = self.read().clients.remove(issuer)?;
        let client_secret = match entry.client_secret {
            Some(s) => Some(Secret::new(s)).filter(|s| check_token_shape(s.expose()).is_ok()),
            None => None,
        };
        if entry.client_auth != ClientAuth::None && client_secret.is_none() {
            return None;
        }
        let client = Client {
            client_id: entry.client_id,
            client_secret,
            auth: entry.client_auth,
            redirect_uri: entry.redirect_uri,
        };
        Some(Registered { client, grant_types: entry.grant_types })
    }

    /// Keep a registration for `issuer`; failures only cost a registration next time.
    pub fn save(&self, issuer: &str, registered: &Registered) -> Result<(), PrivateError> {
        let client = &registered.client;
        let mut file = self.read();
        file.clients.insert(
            issuer.to_string(),
            CachedClient {
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.as_ref().map(|s| s.expose().to_string()),
                client_auth: client.auth,
                redirect_uri: client.redirect_uri.clone(),
                grant_types: registered.grant_types.clone(),
            },
        );
        self.write(&file)
    }

    /// Drop the registration for `issuer` (the server rejected it).
    pub fn forget(&self, issuer: &str) -> Result<(), PrivateError> {
        let mut file = self.read();
        if file.clients.remove(issuer).is_some() { self.write(&file) } else { Ok(()) }
    }

    fn write(&self, file: &CacheFile) -> Result<(), PrivateError> {
        let bytes = serde_json::to_vec_pretty(file)
            .map_err(|e| PrivateError::Io { what: "cannot encode".into(), source: std::io::Error::other(e) })?;
        self.dir.remove_stale_temps(Self::FILE_NAME);
        self.dir.write(Self::FILE_NAME, &bytes)
    }
}

#[cfg(test)]
#[path = "registration_tests.rs"]
mod tests;
