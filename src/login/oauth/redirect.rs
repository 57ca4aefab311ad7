//! Where the browser comes back, and who agentview is for that redirect: the loopback listener,
//! bound first, then the user's client, a metadata document, or a registration (reused while
//! its redirect URI still fits). The result is an authorization request ready for the browser.

use reqwest::Url;

use super::discovery::AuthServer;
use super::error::OAuthError;
use super::grant::{self, Authorization, Tokens};
use super::loopback::{Listener, Params};
use super::pkce;
use super::registration::{self, Client, ClientChoice, RegistrationCache};
use crate::http::Http;
use crate::store::ClientAuth;
use crate::store::private::PrivateError;

/// Who agentview is to authorization servers, and where dynamic registrations are kept.
#[derive(Debug, Clone)]
pub struct Identity {
    pub choice: ClientChoice,
    pub cache: RegistrationCache,
    /// Whether a registration that came with a client secret may be kept on disk.
    pub cache_secrets: bool,
}

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
/// anything was sent), settle the client, and build the authorization request for `resource`.
pub async fn begin(
    http: &Http,
    server: &AuthServer,
    resource: &str,
    scope: Option<&str>,
    identity: &Identity,
    fixed: Option<Listener>,
) -> Result<Started, OAuthError> {
    let mut notes = Notes::default();
    let (listener, client) = match reuse(server, identity, fixed).await {
        Ok(reused) => {
            notes.reused_registration = true;
            reused
        }
        Err(fixed) => {
            let random =
                pkce::random_token(16).map_err(|e| OAuthError::invalid("the system", format!("no randomness: {e}")))?;
            let path = format!("/callback/{random}");
            let listener = match fixed {
                Some(listener) => listener.at_path(&path),
                None => Listener::bind(0, &path).await.map_err(OAuthError::Listen)?,
            };
            let client = identify(http, server, &listener, scope, identity, &mut notes).await?;
            (listener, client)
        }
    };
    let authorization = Authorization::new(server, &client, &listener.redirect_uri(), resource, scope)?;
    let pending = Pending { client, authorization, token_endpoint: server.token_endpoint.clone() };
    Ok(Started { listener, pending, notes })
}

/// A kept registration whose redirect URI's port is ours (or free to take), with its listener;
/// else the fixed listener back.
async fn reuse(
    server: &AuthServer,
    identity: &Identity,
    fixed: Option<Listener>,
) -> Result<(Listener, Client), Option<Listener>> {
    let cached = match identity.choice {
        ClientChoice::Dynamic => identity.cache.load(&server.issuer),
        _ => None,
    };
    let fitting =
        cached.and_then(|c| c.redirect_uri.as_deref().and_then(split_redirect).map(|(port, path)| (c, port, path)));
    match (fixed, fitting) {
        (Some(listener), Some((client, port, path))) if listener.port() == port => {
            Ok((listener.at_path(&path), client))
        }
        (None, Some((client, port, path))) => match Listener::bind(port, &path).await {
            Ok(listener) => Ok((listener, client)),
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
        ClientChoice::MetadataDocument(url) if server.cimd_supported => {
            Ok(Client { client_id: url.clone(), client_secret: None, auth: ClientAuth::None, redirect_uri: None })
        }
        other => {
            notes.registered_instead_of_metadata_document = matches!(other, ClientChoice::MetadataDocument(_));
            let client = registration::register(http, server, &listener.redirect_uri(), scope).await?;
            if client.client_secret.is_none() || identity.cache_secrets {
                notes.not_kept = identity.cache.save(&server.issuer, &client).err();
            }
            Ok(client)
        }
    }
}

/// `http://127.0.0.1:PORT/path` → (PORT, /path).
fn split_redirect(uri: &str) -> Option<(u16, String)> {
    let url = Url::parse(uri).ok()?;
    (url.host_str() == Some("127.0.0.1")).then_some(())?;
    Some((url.port()?, url.path().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_split() {
        assert_eq!(split_redirect("http://127.0.0.1:5000/callback/x"), Some((5000, "/callback/x".into())));
        assert_eq!(split_redirect("http://localhost:5000/callback/x"), None);
    }
}
