//! A stored grant, vetted before anything secret goes where it says: a refresh token, a client
//! secret, an assertion, a workload token or an ID token is sent only where a fresh login would
//! send it. A stored record may not be what agentview wrote (copied in, restored from elsewhere,
//! committed to a repository), so its endpoints are not taken on its word:
//!
//! - its issuer must be one a login would use for the server (https, or http only on this
//!   machine; no closer in than the server), and, with an authorization server pinned
//!   (`AGENTVIEW_AUTH_SERVER`), the pinned one;
//! - an endpoint (token, revocation) must belong to that issuer: on the issuer's own origin, or
//!   else the one the issuer's metadata publishes under that name, read from the issuer's
//!   well-known URL at the time (RFC 8414; nothing secret goes with that request).
//!
//! The audience rules for tokens someone else issued are applied where such a token is read
//! (`login::oauth::trust`), and the client in the environment never renews from a stored record
//! at all: it runs its grant again where a fresh login would.

use reqwest::Url;
use serde_json::Value;

use crate::http::Http;
use crate::login::oauth::shared::discovery::{auth_server_document, endpoint_url};
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::trust;
use crate::sanitize;
use crate::server_url::Reach;
use crate::store::OAuthGrant;

/// Why a stored grant is not used.
#[derive(Debug)]
pub enum Distrust {
    /// The user pinned another authorization server than the one that issued it.
    Pinned(String),
    /// It names an endpoint that is not its issuer's, or an issuer no login would use: it is not
    /// what agentview stored for this server.
    Record(String),
    /// The issuer's metadata, which says whether an endpoint on another origin is its own, could
    /// not be read: nothing was sent to the endpoint.
    Unconfirmed(OAuthError),
}

impl std::fmt::Display for Distrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distrust::Pinned(why) | Distrust::Record(why) => f.write_str(why),
            Distrust::Unconfirmed(e) => write!(f, "{e}"),
        }
    }
}

impl Distrust {
    /// For a caller that reports OAuth failures: a refusal (nothing was sent), or the failure to
    /// read the issuer's metadata.
    pub fn into_oauth(self) -> OAuthError {
        match self {
            Distrust::Pinned(why) | Distrust::Record(why) => OAuthError::Refused(why),
            Distrust::Unconfirmed(e) => e,
        }
    }
}

/// Vet `grant`, stored for `server`, before its token endpoint is sent anything. `pinned`:
/// `AGENTVIEW_AUTH_SERVER`, which a sign-in at an identity provider is not held to (it pins the
/// MCP server's authorization server).
pub async fn grant(http: &Http, grant: &OAuthGrant, server: &Url, pinned: Option<&str>) -> Result<(), Distrust> {
    pin(grant, server, pinned)?;
    endpoint(http, grant, &grant.token_endpoint, "token_endpoint", server).await
}

/// Vet the revocation endpoint of `grant`, stored for `server`, before logout sends it the
/// tokens (and the client's secret or assertion).
pub async fn revocation(
    http: &Http,
    grant: &OAuthGrant,
    url: &Url,
    server: &Url,
    pinned: Option<&str>,
) -> Result<(), Distrust> {
    pin(grant, server, pinned)?;
    endpoint(http, grant, url, "revocation_endpoint", server).await
}

/// With an authorization server pinned, a grant another one issued gets nothing sent to it.
fn pin(grant: &OAuthGrant, server: &Url, pinned: Option<&str>) -> Result<(), Distrust> {
    match pinned {
        Some(pinned) if !grant.is_sign_in() && !trust::names(pinned, &grant.issuer) => Err(Distrust::Pinned(format!(
            "the stored credential for {} is from the authorization server {}, but AGENTVIEW_AUTH_SERVER pins {}; \
             nothing was sent there",
            sanitize::line(server.as_str(), 200),
            sanitize::line(&grant.issuer, 200),
            sanitize::line(pinned, 200)
        ))),
        _ => Ok(()),
    }
}

/// How far in the grant's endpoints may be: no closer than the server it is for; a sign-in at an
/// identity provider is for the provider itself.
fn reach_for(grant: &OAuthGrant, server: &Url) -> Reach {
    let host = if grant.is_sign_in() {
        Url::parse(&grant.issuer).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default()
    } else {
        server.host_str().unwrap_or_default().to_string()
    };
    Reach::of(&host)
}

/// `url`, stored as the grant's `field` for `server`, belongs to the grant's issuer.
async fn endpoint(http: &Http, grant: &OAuthGrant, url: &Url, field: &str, server: &Url) -> Result<(), Distrust> {
    let (issuer, reach) = (grant.issuer.as_str(), reach_for(grant, server));
    let shown = || sanitize::line(url.as_str(), 200);
    let stored = format!("the stored credential for {}", sanitize::line(server.as_str(), 200));
    let unusable = |what: String, e: OAuthError| {
        Distrust::Record(format!("{stored} names {what}, which no login would use ({e})"))
    };
    let issuer_url = endpoint_url(issuer, "issuer", reach)
        .map_err(|e| unusable(format!("the issuer {}", sanitize::line(issuer, 200)), e))?;
    endpoint_url(url.as_str(), field, reach).map_err(|e| unusable(format!("the {field} {}", shown()), e))?;
    if issuer_url.origin() == url.origin() {
        return Ok(());
    }
    let doc = auth_server_document(http, issuer, reach).await.map_err(Distrust::Unconfirmed)?;
    let published = doc.get(field).and_then(Value::as_str).and_then(|raw| Url::parse(raw).ok());
    if published.as_ref() == Some(url) {
        return Ok(());
    }
    Err(Distrust::Record(format!(
        "{stored} names the {field} {}, which is not its issuer's: {} publishes {}; nothing was sent there",
        shown(),
        sanitize::line(issuer, 200),
        published.map_or_else(|| "none".to_string(), |p| sanitize::line(p.as_str(), 200))
    )))
}

#[cfg(test)]
#[path = "vet_tests.rs"]
mod tests;
