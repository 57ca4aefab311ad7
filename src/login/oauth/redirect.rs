//! Where the browser comes back: the loopback listener, bound first, and who agentview is to
//! the authorization server for that redirect URI (the user's client, a metadata document, or a
//! registration, reused while its redirect URI still fits).

use super::discovery::AuthServer;
use super::loopback::Listener;
use super::pkce;
use super::registration::{self, Client, ClientChoice, RegistrationCache};
use crate::error::{Exit, Failure};
use crate::http::Http;
use crate::login::context::LoginContext;
use crate::store::StoreChoice;

/// Bind the loopback listener first (a fixed port that is taken fails before anything is
/// sent), then settle who agentview is: the user's client, a metadata document, or a
/// registration, reused when its redirect URI still fits.
pub async fn listen_and_register(
    ctx: &LoginContext<'_>,
    http: &Http,
    server: &AuthServer,
    scope: Option<&str>,
    fixed: Option<Listener>,
) -> anyhow::Result<(Listener, Client)> {
    let LoginContext { login, settings, output, .. } = *ctx;
    let cache = RegistrationCache::new(&settings.store.config_dir);
    let cached = match login.client {
        ClientChoice::Dynamic => cache.load(&server.issuer),
        _ => None,
    };
    // A kept registration fits when its redirect URI's port is ours (or free to take).
    let fitting =
        cached.and_then(|c| c.redirect_uri.as_deref().and_then(split_redirect).map(|(port, path)| (c, port, path)));
    let (fixed, reused) = match (fixed, fitting) {
        (Some(listener), Some((client, port, path))) if listener.port() == port => {
            (None, Some((listener.at_path(&path), client)))
        }
        (None, Some((client, port, path))) => match Listener::bind(port, &path).await {
            Ok(listener) => (None, Some((listener, client))),
            Err(_) => (None, None),
        },
        (fixed, _) => (fixed, None),
    };
    if let Some(reused) = reused {
        output.verbose(&format!("reusing the registration with {}", server.issuer));
        return Ok(reused);
    }
    let random = pkce::random_token(16).map_err(|e| Failure::new(Exit::Other, format!("no randomness: {e}")))?;
    let path = format!("/callback/{random}");
    let listener = match fixed {
        Some(listener) => listener.at_path(&path),
        None => Listener::bind(0, &path).await.map_err(|e| {
            Failure::new(Exit::Other, format!("cannot listen on 127.0.0.1 for the browser's redirect: {e}"))
                .with_source(e)
        })?,
    };
    let client = match &login.client {
        ClientChoice::PreRegistered { client_id, client_secret } => {
            Client::pre_registered(client_id, client_secret.clone(), server)
        }
        ClientChoice::MetadataDocument(url) if server.cimd_supported => Client {
            client_id: url.clone(),
            client_secret: None,
            auth: crate::store::ClientAuth::None,
            redirect_uri: None,
        },
        other => {
            if matches!(other, ClientChoice::MetadataDocument(_)) {
                output.info("The authorization server does not accept client metadata documents; registering instead.");
            }
            let client = registration::register(http, server, &listener.redirect_uri(), scope)
                .await
                .map_err(|e| e.into_failure("cannot register agentview with the authorization server"))?;
            // A client secret goes to disk only where the user allowed plaintext credentials.
            if (client.client_secret.is_none() || settings.store.choice == StoreChoice::File)
                && let Err(e) = cache.save(&server.issuer, &client)
            {
                output.verbose(&format!("could not keep the registration: {e}"));
            }
            client
        }
    };
    Ok((listener, client))
}

/// `http://127.0.0.1:PORT/path` → (PORT, /path).
fn split_redirect(uri: &str) -> Option<(u16, String)> {
    let url = reqwest::Url::parse(uri).ok()?;
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
