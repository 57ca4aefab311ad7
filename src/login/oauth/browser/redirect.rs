//! Where the browser comes back, and who agentview is for that redirect: the loopback listener,
//! bound first, then the user's client, a metadata document, or a registration (reused while
//! its redirect URI still fits). The result is an authorization request ready for the browser.

use reqwest::Url;

use super::grant::{self, Authorization};
use super::loopback::{Listener, Params, RedirectUri};
use super::pkce;
use super::profile::Request;
use crate::http::Http;
use crate::login::oauth::shared::discovery::AuthServer;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::{self, Client, ClientChoice, RegistrationCache};
use crate::login::oauth::shared::tokens::Tokens;
use crate::store::private::PrivateError;

/// Who agentview is to authorization servers, and where dynamic registrations are kept.
#[derive(Debug, Clone)]
pub struct Identity {
    pub choice: ClientChoice,
    pub cache: RegistrationCache,
    /// Whether a registration that came with a client secret may be kept on disk.
    pub cache_secrets: bool,
    /// The redirect URI the user named (`--redirect-uri`), which a registration must use too.
    pub redirect: Option<RedirectUri>,
    /// Register again instead of reusing a kept registration (`--fresh-client`).
    pub fresh: bool,
}

/// Where a client that is not registered per login comes back when the user names nothing: a
/// fixed, documented path (the port may vary, RFC 8252 section 7.3).
pub const DEFAULT_CALLBACK_PATH: &str = "/callback";

/// An authorization request waiting for the browser: the listener it comes back to, and what
/// proves the answer is ours.
#[derive(Debug)]
pub struct Started {
    pub listener: Listener,
    pub pending: Pending,
    /// What happened on the way, for the caller to tell.
    pub notes: Notes,
}

/// How `begin` settled who agentview is.
#[derive(Debug, Default)]
pub struct Notes {
    /// A kept registration was reused.
    pub reused_registration: bool,
    /// `--client-metadata-url` was given, but the server does not accept metadata documents.
    pub registered_instead_of_metadata_document: bool,
    /// A new registration could not be kept (it costs a registration next time).
    pub not_kept: Option<PrivateError>,
}

/// The authorization request in flight, and the client it is for.
#[derive(Debug)]
pub struct Pending {
    pub client: Client,
    pub authorization: Authorization,
    token_endpoint: Url,
}

impl Pending {
    /// A request built elsewhere (an identity provider's sign-in), answered at `token_endpoint`.
    pub fn new(client: Client, authorization: Authorization, token_endpoint: Url) -> Pending {
        Pending { client, authorization, token_endpoint }
    }

    /// Where its code is exchanged.
    pub fn token_endpoint(&self) -> &Url {
        &self.token_endpoint
    }

    /// The URL to open in the browser.
    pub fn url(&self) -> &Url {
        &self.authorization.url
    }

    /// The code of a callback that answers this request (state, `iss`, errors checked).
    pub fn check_callback(&self, params: &Params) -> Result<String, OAuthError> {
        self.authorization.check_callback(params)
    }

    /// Exchange the code at the token endpoint (with the PKCE verifier and the same resource).
    pub async fn exchange(&self, http: &Http, code: &str) -> Result<Tokens, OAuthError> {
        grant::exchange(http, &self.token_endpoint, &self.client, &self.authorization, code).await
    }
}

/// Bind the loopback listener first (`fixed`: a `--callback-port` listener bound before
/// anything was sent), settle the client, and build the authorization request `request` says.
pub async fn begin(
    http: &Http,
    server: &AuthServer,
    request: &Request,
    identity: &Identity,
    fixed: Option<Listener>,
) -> Result<Started, OAuthError> {
    let scope = request.scope.as_deref();
    let mut notes = Notes::default();
    if identity.fresh && matches!(identity.choice, ClientChoice::Dynamic) {
        let _ = identity.cache.forget(&server.issuer);
    }
    let (listener, client) = match reuse(server, identity, fixed).await {
        Ok(reused) => {
            notes.reused_registration = true;
            reused
        }
        Err(fixed) => {
            let listener = listen(identity, fixed).await?;
            let client = identify(http, server, &listener, scope, identity, &mut notes).await?;
            (listener, client)
        }
    };
    let authorization = Authorization::new(server, &client, &listener.redirect_uri(), request)?;
    let pending = Pending { client, authorization, token_endpoint: server.token_endpoint.clone() };
    Ok(Started { listener, pending, notes })
}

/// The listener for a new client: at the redirect URI the user named; else, for a dynamic
/// registration, at a path of its own; else at the fixed default path.
async fn listen(identity: &Identity, fixed: Option<Listener>) -> Result<Listener, OAuthError> {
    let (host, path) = match (&identity.redirect, &identity.choice) {
        (Some(named), _) => (named.host.clone(), named.path.clone()),
        (None, ClientChoice::Dynamic) => {
            let random =
                pkce::random_token(16).map_err(|e| OAuthError::invalid("the system", format!("no randomness: {e}")))?;
            ("127.0.0.1".to_string(), format!("/callback/{random}"))
        }
        (None, _) => ("127.0.0.1".to_string(), DEFAULT_CALLBACK_PATH.to_string()),
    };
    let listener = match fixed {
        Some(listener) => listener.at_path(&path),
        None => Listener::bind(0, &path).await.map_err(OAuthError::Listen)?,
    };
    Ok(listener.named(&host))
}

/// A kept registration whose redirect URI still fits: the port ours (or free to take), and the
/// host and path the user's redirect URI, if they named one; with its listener. Else the fixed
/// listener back.
async fn reuse(
    server: &AuthServer,
    identity: &Identity,
    fixed: Option<Listener>,
) -> Result<(Listener, Client), Option<Listener>> {
    let cached = match identity.choice {
        ClientChoice::Dynamic if !identity.fresh => identity.cache.load(&server.issuer),
        _ => None,
    };
    let fitting = cached.and_then(|c| {
        let kept = c.redirect_uri.as_deref().and_then(|u| RedirectUri::parse(u).ok())?;
        let port = kept.port?;
        let wanted = identity.redirect.as_ref();
        let fits =
            wanted.is_none_or(|w| w.host == kept.host && w.path == kept.path && w.port.is_none_or(|p| p == port));
        fits.then_some((c, port, kept))
    });
    match (fixed, fitting) {
        (Some(listener), Some((client, port, kept))) if listener.port() == port => {
            Ok((listener.at_path(&kept.path).named(&kept.host), client))
        }
        (None, Some((client, port, kept))) => match Listener::bind(port, &kept.path).await {
            Ok(listener) => Ok((listener.named(&kept.host), client)),
            Err(_) => Err(None),
        },
        (fixed, _) => Err(fixed),
    }
}

/// The user's client, a metadata document where the server takes one, else a new registration
/// (kept for next time; one with a secret only where plaintext credentials are allowed).
async fn identify(
    http: &Http,
    server: &AuthServer,
    listener: &Listener,
    scope: Option<&str>,
    identity: &Identity,
    notes: &mut Notes,
) -> Result<Client, OAuthError> {
    match &identity.choice {
        ClientChoice::PreRegistered { client_id, client_secret } => {
            Ok(Client::pre_registered(client_id, client_secret.clone(), server))
        }
        ClientChoice::MetadataDocument(url) if server.cimd_supported => Ok(Client::public(url)),
        other => {
            notes.registered_instead_of_metadata_document = matches!(other, ClientChoice::MetadataDocument(_));
            let registered = registration::register(http, server, Some(&listener.redirect_uri()), scope).await?;
            if registered.client.client_secret.is_none() || identity.cache_secrets {
                notes.not_kept = identity.cache.save(&server.issuer, &registered).err();
            }
            Ok(registered.client)
        }
    }
}
