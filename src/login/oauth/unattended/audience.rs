//! A token someone else issued (a workload's, a client assertion from a file) goes only to an
//! authorization server it names as its audience, or to the one the user pinned
//! (`AGENTVIEW_AUTH_SERVER`).

use std::path::Path;

use reqwest::Url;
use serde_json::Value;

use super::jwt;
use crate::login::oauth::shared::error::OAuthError;
use crate::sanitize;
use crate::secret::Secret;

/// The authorization server a token someone else issued is about to be sent to.
#[derive(Debug, Clone, Copy)]
pub struct Audience<'a> {
    pub issuer: &'a str,
    pub token_endpoint: &'a Url,
    /// The user pinned this server (`AGENTVIEW_AUTH_SERVER`): it may be sent a token whose
    /// audience does not name it.
    pub pinned: bool,
}

/// The audience a token must name to be sent to `to` unpinned: its issuer (with or without a
/// trailing slash) or its token endpoint (RFC 7523 section 3). `what` and `file` name the token
/// in the refusal, which says how to pin a server that takes another audience.
pub fn check_audience(token: &Secret, what: &str, file: &Path, to: Audience<'_>) -> Result<(), OAuthError> {
    if to.pinned {
        return Ok(());
    }
    let claims =
        jwt::claims(token.expose()).map_err(|why| OAuthError::Proof(format!("{what} in {}: {why}", file.display())))?;
    let bare = to.issuer.trim_end_matches('/');
    let names = [bare.to_string(), format!("{bare}/"), to.token_endpoint.to_string()];
    if names.iter().any(|name| jwt::has_audience(&claims, name)) {
        return Ok(());
    }
    let audience = match claims.get("aud") {
        Some(Value::String(aud)) => format!("\"{aud}\""),
        Some(Value::Array(list)) => {
            list.iter().filter_map(Value::as_str).map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ")
        }
        _ => "no audience".to_string(),
    };
    let issuer = sanitize::line(to.issuer, 200);
    Err(OAuthError::Proof(format!(
        "{what} in {} is for {}, not for the authorization server {issuer}; it was not sent (where that server does \
         take this audience, pin it: AGENTVIEW_AUTH_SERVER={issuer})",
        file.display(),
        sanitize::line(&audience, 200),
    )))
}
