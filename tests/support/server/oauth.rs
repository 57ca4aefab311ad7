//! The authorization server's routes: metadata documents (RFC 9728, RFC 8414), request records and
//! endpoint-level faults. Registration, authorization and tokens live in sibling modules.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::fault_response::text;
use super::state::App;
use super::{
    DEFAULT_USER, OAuthConfig, OAuthEndpoint, OAuthFault, OAuthRecord, oauth_authorize, oauth_register, oauth_token,
};

const MAX_BODY: usize = 64 * 1024;
pub(crate) const PRM_PATH: &str = "/.well-known/oauth-protected-resource";

impl App {
    pub fn oauth(&self) -> Option<&OAuthConfig> {
        self.config.oauth.as_ref()
    }
    /// `/tenant1` or empty.
    pub fn issuer_path(&self) -> String {
        let p = self.oauth().and_then(|c| c.issuer_path.clone()).unwrap_or_default();
        let p = p.trim_matches('/');
        if p.is_empty() { String::new() } else { format!("/{p}") }
    }
    pub fn issuer(&self) -> String {
        format!("{}{}", self.base_url, self.issuer_path())
    }
    /// The canonical URL of the protected resource (the MCP endpoint).
    pub fn resource(&self) -> String {
        format!("{}/mcp", self.base_url)
    }
    pub fn prm_url(&self) -> String {
        format!("{}{PRM_PATH}/mcp", self.base_url)
    }
}

/// One request as the handlers see it.
#[derive(Debug)]
pub(crate) struct OAuthRequest {
    pub rec: OAuthRecord,
    /// A parameter name that occurred more than once.
    pub repeated: Option<String>,
    /// `{request_id}` of the decision routes.
    pub arg: Option<String>,
    /// Who the browser is signed in as here: its `user` cookie, else [`DEFAULT_USER`].
    pub user: String,
}

impl OAuthRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.rec.param(name).filter(|v| !v.is_empty())
    }
}

pub(crate) fn router(app: Arc<App>) -> Router {
    let Some(cfg) = app.oauth().cloned() else {
        return Router::new();
    };
    let p = app.issuer_path();
    let ep = |e: OAuthEndpoint| move |State(app): State<Arc<App>>, req: Request| entry(app, e, None, req);
    let decision = |approve: bool| {
        move |State(app): State<Arc<App>>, Path(id): Path<String>, req: Request| {
            entry(app, OAuthEndpoint::AuthorizeDecision, Some(format!("{id}:{approve}")), req)
        }
    };
    let mut r = Router::new()
        .route(&format!("{PRM_PATH}/mcp"), get(ep(OAuthEndpoint::ProtectedResourceMetadata)))
        .route(PRM_PATH, get(ep(OAuthEndpoint::ProtectedResourceMetadata)))
        .route(
            &format!("/.well-known/oauth-authorization-server{p}"),
            get(ep(OAuthEndpoint::AuthorizationServerMetadata)),
        )
        .route(&format!("{p}/authorize"), get(ep(OAuthEndpoint::Authorize)))
        .route(&format!("{p}/authorize/{{id}}/approve"), post(decision(true)))
        .route(&format!("{p}/authorize/{{id}}/deny"), post(decision(false)))
        .route(&format!("{p}/token"), post(ep(OAuthEndpoint::Token)));
    if cfg.oidc_discovery {
        r = r.route(&format!("/.well-known/openid-configuration{p}"), get(ep(OAuthEndpoint::OpenIdConfiguration)));
        if !p.is_empty() {
            r = r.route(&format!("{p}/.well-known/openid-configuration"), get(ep(OAuthEndpoint::OpenIdConfiguration)));
        }
    }
    if cfg.dcr {
        r = r.route(&format!("{p}/register"), post(ep(OAuthEndpoint::Register)));
    }
    if cfg.revocation {
        r = r.route(&format!("{p}/revoke"), post(ep(OAuthEndpoint::Revoke)));
    }
    r.with_state(app)
}

/// The person a browser is signed in as at this server: the `user` cookie of its session.
fn signed_in_user(headers: &axum::http::HeaderMap) -> String {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix("user=").filter(|u| !u.is_empty()).map(str::to_string))
        .unwrap_or_else(|| DEFAULT_USER.to_string())
}

fn parse_pairs(s: &str) -> (HashMap<String, String>, Option<String>) {
    let mut map = HashMap::new();
    let mut repeated = None;
    for (k, v) in form_urlencoded::parse(s.as_bytes()) {
        if map.insert(k.to_string(), v.to_string()).is_some() {
            repeated = Some(k.to_string());
        }
    }
    (map, repeated)
}

async fn entry(app: Arc<App>, endpoint: OAuthEndpoint, arg: Option<String>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes): Result<Bytes, _> = to_bytes(body, MAX_BODY).await else {
        return text(413, "request body too large".into());
    };
    let header = |n: header::HeaderName| parts.headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let content_type = header(header::CONTENT_TYPE);
    let is_form = content_type.as_deref().is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let (params, repeated) = match parts.uri.query() {
        _ if is_form => parse_pairs(&String::from_utf8_lossy(&bytes)),
        Some(q) => parse_pairs(q),
        None => (HashMap::new(), None),
    };
    let rec = OAuthRecord {
        endpoint,
        http_method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        params,
        json: serde_json::from_slice(&bytes).ok(),
        authorization: header(header::AUTHORIZATION),
        content_type,
        status: 0,
        fault: None,
        at: Instant::now(),
    };
    let user = signed_in_user(&parts.headers);
    let req = OAuthRequest { rec: rec.clone(), repeated, arg, user };
    let (seq, slow, terminal) = {
        let mut inner = app.lock();
        let st = &mut inner.oauth;
        if endpoint == OAuthEndpoint::Token {
            let grant = rec.param("grant_type").unwrap_or_default().to_string();
            *st.counts.token_requests.entry(grant).or_default() += 1;
        }
        let seq = st.record(rec);
        let slow = st.take_fault(|f| matches!(f, OAuthFault::Slow { on, .. } if *on == endpoint));
        let terminal = st
            .take_fault(|f| matches!(f, OAuthFault::Status { on, .. } | OAuthFault::Raw { on, .. } if *on == endpoint));
        (seq, slow, terminal)
    };
    if let Some(OAuthFault::Slow { delay, .. }) = &slow {
        tokio::time::sleep(*delay).await;
    }
    let (response, mut fault) = match terminal {
        Some(OAuthFault::Status { status, .. }) => {
            (text(status, format!("injected fault: HTTP {status}\n")), Some("Status"))
        }
        Some(OAuthFault::Raw { status, content_type, body, .. }) => {
            let mut r = ([(header::CONTENT_TYPE, content_type)], body).into_response();
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            (r, Some("Raw"))
        }
        _ => handle(&app, endpoint, &req),
    };
    if fault.is_none() && slow.is_some() {
        fault = Some("Slow");
    }
    app.lock().oauth.finish(seq, response.status().as_u16(), fault);
    log(&app, &req, response.status().as_u16(), fault);
    response
}

#[allow(clippy::print_stderr)]
fn log(app: &App, req: &OAuthRequest, status: u16, fault: Option<&str>) {
    if app.config.log_requests {
        let fault = fault.map(|f| format!(" (fault: {f})")).unwrap_or_default();
        eprintln!("{} {} -> {status}{fault}", req.rec.http_method, req.rec.path);
    }
}

fn handle(app: &App, endpoint: OAuthEndpoint, req: &OAuthRequest) -> (Response, Option<&'static str>) {
    match endpoint {
        OAuthEndpoint::ProtectedResourceMetadata => prm(app),
        OAuthEndpoint::AuthorizationServerMetadata | OAuthEndpoint::OpenIdConfiguration => as_metadata(app),
        OAuthEndpoint::Register => oauth_register::register(app, req),
        OAuthEndpoint::Authorize => oauth_authorize::authorize(app, req),
        OAuthEndpoint::AuthorizeDecision => oauth_authorize::decision(app, req),
        OAuthEndpoint::Token => oauth_token::token(app, req),
        OAuthEndpoint::Revoke => oauth_token::revoke(app, req),
    }
}

/// JSON with `Cache-Control: no-store`.
pub(crate) fn json_response(status: u16, v: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")];
    (code, headers, axum::Json(v)).into_response()
}

/// `{"error": .., "error_description": ..}`.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    json_response(status, json!({"error": error, "error_description": description}))
}

fn scopes(app: &App) -> Vec<String> {
    app.oauth().map(|c| c.scopes_supported.clone()).unwrap_or_default()
}

fn prm(app: &App) -> (Response, Option<&'static str>) {
    let fault = app.lock().oauth.take_fault(|f| matches!(f, OAuthFault::PrmWrongResource { .. }));
    let resource = match &fault {
        Some(OAuthFault::PrmWrongResource { resource }) => resource.clone(),
        _ => app.resource(),
    };
    let doc = json!({
        "resource": resource,
        "authorization_servers": [app.issuer()],
        "scopes_supported": scopes(app),
        "bearer_methods_supported": ["header"],
        "resource_name": "agentView (local)",
    });
    (json_response(200, doc), fault.map(|f| f.name()))
}

fn as_metadata(app: &App) -> (Response, Option<&'static str>) {
    let Some(cfg) = app.oauth() else {
        return (text(404, "no OAuth".into()), None);
    };
    let fault = app.lock().oauth.take_fault(|f| {
        matches!(
            f,
            OAuthFault::MetadataWithoutS256
                | OAuthFault::MetadataWithoutChallengeMethods
                | OAuthFault::MetadataWrongIssuer { .. }
        )
    });
    let issuer = app.issuer();
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "response_types_supported": ["code"],
        "grant_types_supported": grant_types(cfg),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": cfg.token_auth_methods,
        "scopes_supported": cfg.scopes_supported,
        "authorization_response_iss_parameter_supported": cfg.iss_in_redirect,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
    });
    if cfg.dcr {
        doc["registration_endpoint"] = json!(format!("{issuer}/register"));
    }
    if !cfg.signing_algs.is_empty() {
        doc["token_endpoint_auth_signing_alg_values_supported"] = json!(cfg.signing_algs);
    }
    if cfg.revocation {
        doc["revocation_endpoint"] = json!(format!("{issuer}/revoke"));
        doc["revocation_endpoint_auth_methods_supported"] = json!(cfg.token_auth_methods);
    }
    match &fault {
        Some(OAuthFault::MetadataWithoutS256) => doc["code_challenge_methods_supported"] = json!(["plain"]),
        Some(OAuthFault::MetadataWrongIssuer { issuer }) => doc["issuer"] = json!(issuer),
        Some(OAuthFault::MetadataWithoutChallengeMethods) => {
            doc.as_object_mut().map(|o| o.remove("code_challenge_methods_supported"));
        }
        _ => {}
    }
    (json_response(200, doc), fault.map(|f| f.name()))
}

fn grant_types(cfg: &OAuthConfig) -> Vec<&'static str> {
    let mut grants = vec!["authorization_code", "refresh_token"];
    if cfg.client_credentials {
        grants.push("client_credentials");
    }
    if cfg.trusted_idp.is_some() || cfg.trusted_workload.is_some() {
        grants.push(super::oauth_grants::JWT_BEARER);
    }
    grants
}
