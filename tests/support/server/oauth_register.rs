//! `POST /register`: dynamic client registration (RFC 7591) of loopback-redirect native clients.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::response::Response;
use serde_json::{Value, json};

use super::OAuthFault;
use super::oauth::{OAuthRequest, json_response, oauth_error};
use super::oauth_authorize::is_loopback_redirect;
use super::oauth_state::Client;
use super::oauth_token::plain;
use super::state::{App, random_hex};

type Answer = (Response, Option<&'static str>);

const SECRET_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

pub(crate) fn register(app: &App, req: &OAuthRequest) -> Answer {
    let Some(cfg) = app.oauth() else { return plain(oauth_error(404, "not_found", "no OAuth")) };
    let fault = app.lock().oauth.take_fault(|f| matches!(f, OAuthFault::RegistrationRejected { .. }));
    if let Some(OAuthFault::RegistrationRejected { error, description }) = fault {
        return (oauth_error(400, &error, &description), Some("RegistrationRejected"));
    }
    let Some(Value::Object(meta)) = req.rec.json.clone() else {
        return plain(oauth_error(400, "invalid_client_metadata", "the body must be a JSON object"));
    };
    let uris: Vec<String> = match meta.get("redirect_uris").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => return plain(oauth_error(400, "invalid_redirect_uri", "redirect_uris is required")),
    };
    let raw_count = meta.get("redirect_uris").and_then(Value::as_array).map_or(0, Vec::len);
    if uris.len() != raw_count || !uris.iter().all(|u| is_loopback_redirect(u)) {
        return plain(oauth_error(
            400,
            "invalid_redirect_uri",
            "redirect URIs must be http://127.0.0.1 or http://[::1]",
        ));
    }
    let method = meta.get("token_endpoint_auth_method").and_then(Value::as_str).unwrap_or("client_secret_basic");
    if !cfg.token_auth_methods.iter().any(|m| m == method) {
        return plain(oauth_error(400, "invalid_client_metadata", &format!("unsupported auth method {method}")));
    }
    let subset = |field: &str, allowed: &[&str]| {
        meta.get(field)
            .and_then(Value::as_array)
            .is_none_or(|a| a.iter().all(|v| v.as_str().is_some_and(|s| allowed.contains(&s))))
    };
    if !subset("grant_types", &["authorization_code", "refresh_token"]) || !subset("response_types", &["code"]) {
        return plain(oauth_error(400, "invalid_client_metadata", "unsupported grant_types or response_types"));
    }
    let id = format!("client_{}", random_hex(16));
    let secret = SECRET_METHODS.contains(&method).then(|| format!("secret_{}", random_hex(32)));
    let client = Client {
        id: id.clone(),
        secret: secret.clone(),
        auth_method: Some(method.to_string()),
        redirect_uris: uris,
        any_loopback: false,
        name: meta.get("client_name").and_then(Value::as_str).map(str::to_string),
    };
    let mut out = Value::Object(meta.clone());
    out["client_id"] = json!(id);
    out["client_id_issued_at"] = json!(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs());
    out["token_endpoint_auth_method"] = json!(method);
    if let Some(s) = secret {
        out["client_secret"] = json!(s);
        out["client_secret_expires_at"] = json!(0);
    }
    let mut inner = app.lock();
    inner.oauth.clients.push(client);
    inner.oauth.counts.registrations += 1;
    plain(json_response(201, out))
}
