//! `GET /authorize`, the approval page's decisions, and the authorization response (RFC 9207 `iss`).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::oauth::OAuthRequest;
use super::oauth_pages::{approval_page, error_page};
use super::oauth_state::{Client, Pending};
use super::state::{App, random_hex};
use super::{OAuthFault, oauth_pages};

type Answer = (Response, Option<&'static str>);

/// `http://127.0.0.1[:port]/...` or `http://[::1][:port]/...`, no fragment.
pub(crate) fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(uri) else {
        return false;
    };
    let host_ok = matches!(url.host_str(), Some("127.0.0.1") | Some("[::1]"));
    url.scheme() == "http" && host_ok && url.fragment().is_none() && url.username().is_empty()
}

fn redirect_allowed(client: &Client, uri: &str) -> bool {
    if client.any_loopback { is_loopback_redirect(uri) } else { client.redirect_uris.iter().any(|r| r == uri) }
}

/// `uri` with the parameters appended to its query.
fn with_params(uri: &str, pairs: &[(&str, String)]) -> String {
    match reqwest::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
            url.to_string()
        }
        Err(_) => uri.to_string(),
    }
}

fn redirect(status: StatusCode, location: &str) -> Response {
    (status, [(header::LOCATION, location), (header::CACHE_CONTROL, "no-store")]).into_response()
}

/// An error sent back to the client through the redirect URI.
fn error_redirect(app: &App, redirect_uri: &str, state: Option<&str>, error: &str, description: &str) -> Answer {
    let mut pairs = vec![("error", error.to_string()), ("error_description", description.to_string())];
    if let Some(s) = state {
        pairs.push(("state", s.to_string()));
    }
    if app.oauth().is_some_and(|c| c.iss_in_redirect) {
        pairs.push(("iss", app.issuer()));
    }
    app.lock().oauth.counts.authorizations += 1;
    (redirect(StatusCode::FOUND, &with_params(redirect_uri, &pairs)), None)
}

pub(crate) fn authorize(app: &App, req: &OAuthRequest) -> Answer {
    let Some(cfg) = app.oauth() else {
        return (StatusCode::NOT_FOUND.into_response(), None);
    };
    let client = req.param("client_id").and_then(|id| app.lock().oauth.client(id).cloned());
    let Some(client) = client else {
        let page =
            error_page(StatusCode::BAD_REQUEST, "Unknown application", "This sign-in link names no known client.");
        return (page, None);
    };
    let redirect_uri = req.param("redirect_uri").unwrap_or_default().to_string();
    if !redirect_allowed(&client, &redirect_uri) {
        let text = "The application's redirect address is not registered. Nothing was sent anywhere.";
        return (error_page(StatusCode::BAD_REQUEST, "Unregistered redirect address", text), None);
    }
    let state = req.param("state");
    let fail = |error: &str, description: &str| error_redirect(app, &redirect_uri, state, error, description);
    if let Some(name) = &req.repeated {
        return fail("invalid_request", &format!("parameter {name} repeated"));
    }
    if req.param("response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    let challenge = req.param("code_challenge").unwrap_or_default();
    if !(43..=128).contains(&challenge.len()) {
        return fail("invalid_request", "code_challenge missing or malformed");
    }
    if req.param("code_challenge_method") != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    let Some(state) = state else {
        return fail("invalid_request", "state is required");
    };
    let resource = app.resource();
    if req.param("resource") != Some(resource.as_str()) {
        return fail("invalid_target", &format!("resource must be {resource}"));
    }
    let scope = match req.param("scope") {
        Some(s) => s.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" "),
        None => cfg.scopes_supported.join(" "),
    };
    if let Some(bad) = scope.split(' ').find(|s| !s.is_empty() && !cfg.scopes_supported.iter().any(|k| k == s)) {
        return fail("invalid_scope", &format!("unknown scope {bad}"));
    }
    let pending = Pending {
        id: random_hex(24),
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        redirect_uri: redirect_uri.clone(),
        state: state.to_string(),
        challenge: challenge.to_string(),
        resource,
        scope,
        decided: false,
        user: req.user.clone(),
    };
    let id = app.lock().oauth.new_pending(pending.clone());
    if cfg.auto_approve {
        return match decide(app, &id, true) {
            Some((location, fault)) => (redirect(StatusCode::FOUND, &location), fault),
            None => (StatusCode::INTERNAL_SERVER_ERROR.into_response(), None),
        };
    }
    (approval_page(app, &pending), None)
}

/// Decide a pending authorization; returns where the browser goes next and the fault applied.
pub(crate) fn decide(app: &App, id: &str, approve: bool) -> Option<(String, Option<&'static str>)> {
    let iss_on = app.oauth()?.iss_in_redirect;
    let mut inner = app.lock();
    let st = &mut inner.oauth;
    let pending = st.pending.iter_mut().find(|p| p.id == id && !p.decided)?;
    pending.decided = true;
    let p = pending.clone();
    let fault = st.take_fault(|f| {
        matches!(
            f,
            OAuthFault::WrongIss | OAuthFault::MissingIss | OAuthFault::WrongState | OAuthFault::CallbackError { .. }
        )
    });
    let mut pairs = match &fault {
        Some(OAuthFault::CallbackError { error, description }) => {
            vec![("error", error.clone()), ("error_description", description.clone())]
        }
        _ if approve => vec![("code", st.new_code(&p))],
        _ => vec![("error", "access_denied".into()), ("error_description", "The user denied the request.".into())],
    };
    let state = if matches!(fault, Some(OAuthFault::WrongState)) { format!("x{}", p.state) } else { p.state };
    pairs.push(("state", state));
    match fault {
        Some(OAuthFault::WrongIss) => pairs.push(("iss", format!("{}/other-issuer", app.base_url))),
        Some(OAuthFault::MissingIss) => {}
        _ if iss_on => pairs.push(("iss", app.issuer())),
        _ => {}
    }
    st.counts.authorizations += 1;
    Some((with_params(&p.redirect_uri, &pairs), fault.map(|f| f.name())))
}

/// `POST /authorize/{id}/approve|deny` from the approval page: 303 to the client's redirect URI.
pub(crate) fn decision(app: &App, req: &OAuthRequest) -> Answer {
    let arg = req.arg.as_deref().unwrap_or_default();
    let (id, approve) = arg.rsplit_once(':').unwrap_or((arg, "false"));
    match decide(app, id, approve == "true") {
        Some((location, fault)) => (redirect(StatusCode::SEE_OTHER, &location), fault),
        None => (oauth_pages::already_decided(), None),
    }
}
