//! The browser side: approval page `/login/{id}`, Approve / Deny endpoints, `pollUrl` status JSON, index page.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::AuthStatus;
use super::state::{App, iso8601};

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login/{id}", get(page))
        .route("/login/{id}/approve", post(approve))
        .route("/login/{id}/deny", post(deny))
        .route("/login/{id}/status", get(status))
        .with_state(app)
}

async fn index() -> &'static str {
    "agentView-compatible local test server. MCP endpoint: /mcp\n"
}

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c if c.is_control() => "\u{FFFD}".to_string(),
            c => c.to_string(),
        })
        .collect()
}

const STYLE: &str = "body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;\
font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f3f4f6;color:#111827}\
.card{background:#fff;border-radius:12px;box-shadow:0 10px 30px rgba(0,0,0,.08);padding:32px 36px;max-width:440px;width:100%}\
h1{font-size:20px;margin:0 0 16px}p{line-height:1.5;margin:8px 0}.muted{color:#6b7280;font-size:14px}\
code{background:#f3f4f6;padding:2px 6px;border-radius:4px;word-break:break-all}\
.actions{display:flex;gap:12px;margin-top:24px}form{flex:1}\
button{width:100%;padding:10px 0;border-radius:8px;font-size:15px;cursor:pointer;border:1px solid #d1d5db;background:#fff}\
#approve{background:#2563eb;border-color:#2563eb;color:#fff}";

fn html(status: StatusCode, body: &str) -> Response {
    let doc = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>agentView — approve sign-in</title><style>{STYLE}</style></head>\
<body><main class=\"card\">{body}</main></body></html>"
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], doc).into_response()
}

fn utc(t: std::time::SystemTime) -> String {
    iso8601(t).replace('T', " ").replace('Z', " UTC")
}

async fn page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let now = Instant::now();
    let inner = app.lock();
    let Some(s) = inner.auth.iter().find(|s| s.id == id) else {
        return html(StatusCode::NOT_FOUND, "<h1>Unknown sign-in request</h1><p>This link is not valid.</p>");
    };
    let agent = escape(s.agent_identifier.as_deref().unwrap_or("an unnamed agent"));
    let scope =
        s.scope.as_deref().map(|sc| format!("<p>Requested scope: <code>{}</code></p>", escape(sc))).unwrap_or_default();
    let expiry = utc(s.expires_at());
    let body = match s.status(now) {
        AuthStatus::Pending => format!(
            "<h1>Approve sign-in?</h1><p><strong>{agent}</strong> wants to sign in to your agentView account.</p>\
{scope}<p class=\"muted\">Request <code>{id}</code></p>\
<p class=\"muted\">This request expires at {expiry}.</p>\
<p class=\"muted\">Only approve if you just started this sign-in from your own terminal.</p>\
<div class=\"actions\"><form method=\"post\" action=\"/login/{id}/deny\"><button id=\"deny\" type=\"submit\">Deny</button></form>\
<form method=\"post\" action=\"/login/{id}/approve\"><button id=\"approve\" type=\"submit\">Approve</button></form></div>",
            id = escape(&id)
        ),
        AuthStatus::Active => {
            "<h1>Already approved</h1><p>Signed in. You can close this tab and return to the terminal.</p>".into()
        }
        AuthStatus::Denied => "<h1>Sign-in denied.</h1><p>You can close this tab.</p>".into(),
        AuthStatus::Expired => format!(
            "<h1>Request expired</h1><p>This sign-in request expired at {expiry}. Start a new one from the terminal.</p>"
        ),
    };
    html(StatusCode::OK, &body)
}

fn wants_html(headers: &HeaderMap) -> bool {
    let has = |name, needle| headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(|v: &str| v.contains(needle));
    has(header::ACCEPT, "text/html") || has(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

#[allow(clippy::print_stderr)]
fn decide(app: &App, id: &str, headers: &HeaderMap, to: AuthStatus) -> Response {
    let now = Instant::now();
    let current = app.lock().auth.iter().find(|s| s.id == id).map(|s| s.status(now));
    let as_html = wants_html(headers);
    let (code, message) = match current {
        None => (StatusCode::NOT_FOUND, "unknown session".to_string()),
        Some(AuthStatus::Pending) if app.decide(id, to) => match to {
            AuthStatus::Active => {
                (StatusCode::OK, "Signed in. You can close this tab and return to the terminal.".into())
            }
            _ => (StatusCode::OK, "Sign-in denied.".into()),
        },
        Some(st) => (StatusCode::CONFLICT, format!("session is {}, not pending", st.as_str())),
    };
    if app.config.log_requests {
        eprintln!("login {id} {} -> {}", if to == AuthStatus::Active { "approve" } else { "deny" }, code.as_u16());
    }
    if as_html {
        let title = if code == StatusCode::OK { "" } else { "<h1>Cannot change this request</h1>" };
        html(code, &format!("{title}<p>{}</p>", escape(&message)))
    } else {
        (code, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
    }
}

async fn approve(State(app): State<Arc<App>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    decide(&app, &id, &headers, AuthStatus::Active)
}

async fn deny(State(app): State<Arc<App>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    decide(&app, &id, &headers, AuthStatus::Denied)
}

async fn status(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let now = Instant::now();
    match app.lock().auth.iter().find(|s| s.id == id) {
        Some(s) => axum::Json(json!({"sessionRequestId": s.id, "status": s.status(now).as_str()})).into_response(),
        None => (StatusCode::NOT_FOUND, axum::Json(json!({"error": "unknown session"}))).into_response(),
    }
}
