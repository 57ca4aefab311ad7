//! The device authorization grant (RFC 8628): the codes a login asks the device endpoint for,
//! read and checked, and one poll of the token endpoint with the device code, read as what it
//! means for the wait ([`pace`] paces the polls).

use std::time::Duration;

use reqwest::Url;
use serde_json::{Map, Value};

use super::shared::discovery::endpoint_url;
use super::shared::error::{ErrorCode, OAuthError, answer_object};
use super::shared::registration::Client;
use super::shared::tokens::{Tokens, token_request};
use crate::http::Http;
use crate::secret::{Secret, check_token_shape};
use crate::server_url::Reach;

pub mod pace;

/// `grant_type` of the device grant, and what a registration asks for to use it.
pub use super::shared::discovery::DEVICE_CODE_GRANT as GRANT_TYPE;
/// RFC 8628 section 3.2: the polling interval when the server names none.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// The longest interval taken from a server: a longer one would leave a person waiting for
/// minutes after approving.
const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// The longest lifetime of a code taken from a server (RFC 8628's examples use 30 minutes).
const MAX_LIFETIME: Duration = Duration::from_secs(86_400);
/// A user code is typed by a person: anything longer is not one.
const MAX_USER_CODE: usize = 64;

/// What the device endpoint handed out (RFC 8628 section 3.2).
#[derive(Debug, Clone)]
pub struct DeviceCode {
    /// The poll's secret: whoever holds it (and the client) gets the token once approved.
    pub device_code: Secret,
    /// What the person types, made safe for a terminal.
    pub user_code: String,
    pub verification_uri: Url,
    /// The address with the code in it, where the server gave one.
    pub verification_uri_complete: Option<Url>,
    /// How long the codes live, when the server said so sanely.
    pub expires_in: Option<Duration>,
    /// The least time between two polls.
    pub interval: Duration,
    /// Problems worth a warning (an unusable lifetime or interval, a complete URI left out).
    pub warnings: Vec<String>,
}

/// Ask the device endpoint for codes for `resource` (RFC 8707) and `scope`. `reach`: where the
/// MCP server is, which bounds where the person is sent.
pub async fn request(
    http: &Http,
    endpoint: &Url,
    client: &Client,
    scope: Option<&str>,
    resource: Option<&str>,
    reach: Reach,
) -> Result<DeviceCode, OAuthError> {
    const WHAT: &str = "the device authorization endpoint";
    let mut form: Vec<(&str, &str)> = resource.map(|r| ("resource", r)).into_iter().collect();
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let basic = client.authenticate(&mut form);
    let reply = http.post_form(endpoint, &form, basic, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    parse_device_code(&answer_object(&reply, WHAT)?, reach)
}

/// The device endpoint's answer, checked: the device code's shape, a user code a person can
/// type, verification addresses agentview may send a person to, sane times.
pub fn parse_device_code(doc: &Map<String, Value>, reach: Reach) -> Result<DeviceCode, OAuthError> {
    const WHAT: &str = "the device authorization endpoint";
    let text = |name: &str| doc.get(name).and_then(Value::as_str);
    let device_code = text("device_code").ok_or_else(|| OAuthError::invalid(WHAT, "the answer has no device_code"))?;
    check_token_shape(device_code).map_err(|e| OAuthError::invalid(WHAT, format!("the device_code: {e}")))?;
    let raw_code = text("user_code").ok_or_else(|| OAuthError::invalid(WHAT, "the answer has no user_code"))?;
    let user_code = crate::sanitize::line(raw_code, MAX_USER_CODE);
    if user_code.is_empty() || user_code != raw_code {
        return Err(OAuthError::invalid(WHAT, "the user_code is not a code a person can type"));
    }
    // Some servers (Google's among them) spell it verification_url.
    let raw_uri = text("verification_uri")
        .or_else(|| text("verification_url"))
        .ok_or_else(|| OAuthError::invalid(WHAT, "the answer has no verification_uri"))?;
    let verification_uri = endpoint_url(raw_uri, "verification_uri", reach)?;
    let mut warnings = Vec::new();
    let verification_uri_complete = match text("verification_uri_complete") {
        None => None,
        Some(raw) => match endpoint_url(raw, "verification_uri_complete", reach) {
            Ok(url) if url.origin() == verification_uri.origin() => Some(url),
            _ => {
                warnings.push(
                    "the authorization server's verification_uri_complete is not on the verification address's \
                     site; it is not shown (type the code instead)"
                        .to_string(),
                );
                None
            }
        },
    };
    let seconds = |name: &str| match doc.get(name) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let expires_in = match seconds("expires_in") {
        Some(s) if s >= 1.0 && s <= MAX_LIFETIME.as_secs_f64() => Some(Duration::from_secs(s as u64)),
        _ => {
            warnings.push("the authorization server sent no usable expires_in for the code".to_string());
            None
        }
    };
    let interval = match (doc.get("interval"), seconds("interval")) {
        (None | Some(Value::Null), _) => DEFAULT_INTERVAL,
        (_, Some(s)) if s >= 1.0 => Duration::from_secs(s as u64).min(MAX_INTERVAL),
        _ => {
            warnings.push(format!(
                "the authorization server sent an unusable polling interval; polling every {} s",
                DEFAULT_INTERVAL.as_secs()
            ));
            DEFAULT_INTERVAL
        }
    };
    Ok(DeviceCode {
        device_code: Secret::new(device_code),
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval,
        warnings,
    })
}

/// What one poll of the token endpoint means for the wait (RFC 8628 section 3.5).
#[derive(Debug)]
pub enum Polled {
    /// Approved: the tokens.
    Tokens(Tokens),
    /// `authorization_pending`: keep polling.
    Pending,
    /// `slow_down`: keep polling, and wait longer from now on.
    SlowDown,
    /// `access_denied`: the person said no.
    Denied,
    /// `expired_token`: the code ran out before anyone approved it.
    Expired,
    /// The server or the network failed for now (5xx, 429, a broken connection): try again.
    Unavailable(OAuthError),
    /// Anything else ends the login.
    Failed(OAuthError),
}

/// Poll the token endpoint once with `device_code`, for `resource` (none where the request
/// carried none).
pub async fn poll(
    http: &Http,
    token_endpoint: &Url,
    client: &Client,
    device_code: &Secret,
    resource: Option<&str>,
) -> Polled {
    let mut form = vec![("grant_type", GRANT_TYPE), ("device_code", device_code.expose())];
    form.extend(resource.map(|r| ("resource", r)));
    read_poll(token_request(http, token_endpoint, client, form).await)
}

/// A token endpoint's answer to a poll, as the wait reads it.
pub fn read_poll(answer: Result<Tokens, OAuthError>) -> Polled {
    match answer {
        Ok(tokens) => Polled::Tokens(tokens),
        Err(OAuthError::Rejected { error, description }) => match error.as_str() {
            "authorization_pending" => Polled::Pending,
            "slow_down" => Polled::SlowDown,
            "expired_token" => Polled::Expired,
            _ if error == ErrorCode::AccessDenied => Polled::Denied,
            _ if matches!(error, ErrorCode::TemporarilyUnavailable | ErrorCode::ServerError) => {
                Polled::Unavailable(OAuthError::Rejected { error, description })
            }
            _ => Polled::Failed(OAuthError::Rejected { error, description }),
        },
        Err(e @ OAuthError::Status { status, .. }) if status >= 500 || status == 429 => Polled::Unavailable(e),
        Err(e) if e.is_unreachable() => Polled::Unavailable(e),
        Err(e) => Polled::Failed(e),
    }
}

#[cfg(test)]
#[path = "device_tests.rs"]
mod tests;
