//! The token check in front of `/mcp` when OAuth is on (RFC 6750 challenges, RFC 9728 `resource_metadata`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::state::App;
use super::{AuthStatus, OAuthFault};

/// What a presented token is worth.
enum Check {
    /// Valid; the scopes it carries (session tokens carry every scope).
    Valid(Option<String>),
    Invalid,
}

fn bearer(req: &Request) -> Option<Option<String>> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| Some(token.trim().to_string()).filter(|t| !t.is_empty()))
}

fn check(app: &App, token: &str) -> Check {
    let inner = app.lock();
    if let Some(scope) = inner.oauth.access_scope(token) {
        return Check::Valid(Some(scope.to_string()));
    }
    let session = inner.auth.iter().any(|s| s.state == AuthStatus::Active && s.token.as_deref() == Some(token));
    if session { Check::Valid(None) } else { Check::Invalid }
}

/// `Bearer resource_metadata="..", scope="..", error=".."`.
fn challenge(app: &App, scope: &str, error: Option<(&str, &str)>) -> String {
    let mut parts = Vec::new();
    if let Some((e, _)) = error {
        parts.push(format!("error=\"{e}\""));
    }
    if let Some((_, d)) = error {
        parts.push(format!("error_description=\"{d}\""));
    }
    if app.oauth().is_some_and(|c| c.challenge_resource_metadata) {
        parts.push(format!("resource_metadata=\"{}\"", app.prm_url()));
    }
    if !scope.is_empty() {
        parts.push(format!("scope=\"{scope}\""));
    }
    format!("Bearer {}", parts.join(", "))
}

fn refuse(app: &App, status: StatusCode, www: String) -> Response {
    app.lock().oauth.counts.rejected_on_mcp += 1;
    let mut r = (status, [(header::CONTENT_TYPE, "application/json")], "{\"error\":\"unauthorized\"}").into_response();
    if let Ok(v) = HeaderValue::from_str(&www) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

pub(crate) async fn layer(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(cfg) = app.oauth() else {
        return next.run(req).await;
    };
    let scope = cfg.scopes_supported.iter().filter(|s| *s != "offline_access").cloned().collect::<Vec<_>>().join(" ");
    let granted = match bearer(&req) {
        None if cfg.require_token => return refuse(&app, StatusCode::UNAUTHORIZED, challenge(&app, &scope, None)),
        None => return next.run(req).await,
        Some(None) => {
            return refuse(
                &app,
                StatusCode::UNAUTHORIZED,
                challenge(&app, &scope, Some(("invalid_request", "empty bearer token"))),
            );
        }
        Some(Some(token)) => match check(&app, &token) {
            Check::Valid(granted) => granted,
            Check::Invalid => {
                let why = Some(("invalid_token", "the access token is invalid, expired or revoked"));
                return refuse(&app, StatusCode::UNAUTHORIZED, challenge(&app, &scope, why));
            }
        },
    };
    if let Some(granted) = granted {
        let fault = app.lock().oauth.take_fault(|f| match f {
            OAuthFault::InsufficientScope { required, .. } => {
                required.split(' ').filter(|s| !s.is_empty()).any(|s| !granted.split(' ').any(|g| g == s))
            }
            _ => false,
        });
        if let Some(OAuthFault::InsufficientScope { required, .. }) = fault {
            let why = Some(("insufficient_scope", "the access token lacks a required scope"));
            return refuse(&app, StatusCode::FORBIDDEN, challenge(&app, &required, why));
        }
    }
    next.run(req).await
}
