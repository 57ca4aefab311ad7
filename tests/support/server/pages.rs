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

pub(crate) fn escape(s: &str) -> String {
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

const STYLE: &str = "*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;\
padding:16px;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#eef1f6;color:#0f172a}\
.brand{display:flex;align-items:center;gap:10px;font-weight:650;font-size:17px;margin-bottom:14px}\
.mark{width:30px;height:30px;border-radius:8px;background:linear-gradient(135deg,#2563eb,#7c3aed);color:#fff;\
display:grid;place-items:center;font-size:13px;font-weight:700}\
.card{background:#fff;border:1px solid #e2e8f0;border-radius:16px;box-shadow:0 12px 32px rgba(15,23,42,.08);\
padding:28px;max-width:460px;width:100%}\
h1{font-size:22px;line-height:1.3;margin:0 0 8px}p{margin:0 0 12px}.lead{color:#475569;margin-bottom:18px}\
dl{margin:0 0 18px;border:1px solid #e2e8f0;border-radius:10px}\
dl div{display:flex;justify-content:space-between;align-items:baseline;gap:16px;padding:9px 14px;border-top:1px solid #e2e8f0;font-size:14px}\
dl div:first-child{border-top:0}dt{color:#64748b;white-space:nowrap}dd{margin:0;text-align:right;font-weight:600}\
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}.soft{color:#64748b;font-weight:400}\
.warn{display:flex;gap:10px;background:#fffbeb;border:1px solid #fcd34d;color:#78350f;border-radius:10px;\
padding:12px 14px;font-size:14px;margin-bottom:20px}.warn span{font-size:18px;line-height:1.2}\
form{margin:0}button{width:100%;border-radius:10px;font:inherit;cursor:pointer}\
#approve{background:#2563eb;color:#fff;border:0;padding:13px;font-size:17px;font-weight:600}#approve:hover{background:#1d4ed8}\
#deny{background:#fff;color:#334155;border:1px solid #cbd5e1;padding:10px;font-size:15px;margin-top:10px}.when{white-space:nowrap}\
#deny:hover{background:#f8fafc}button:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}\
.icon{width:44px;height:44px;border-radius:50%;display:grid;place-items:center;font-size:22px;font-weight:700;margin-bottom:14px}\
.ok{background:#dcfce7;color:#15803d}.no{background:#fee2e2;color:#b91c1c}.off{background:#f1f5f9;color:#475569}\
.foot{color:#64748b;font-size:13px;margin:14px 0 0;text-align:center}";

/// The page can load nothing, run nothing, be framed by nobody, and post only to itself.
pub(crate) const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    html_with_csp(status, title, body, CSP)
}

/// A page in the common look, with its own Content-Security-Policy.
pub(crate) fn html_with_csp(status: StatusCode, title: &str, body: &str, csp: &str) -> Response {
    let doc = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head>\
<body><div class=\"brand\"><span class=\"mark\">aV</span>agentView</div>\
<main class=\"card\">{body}</main></body></html>"
    );
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (status, headers, doc).into_response()
}

/// A page that only tells what happened: an icon (class `ok`, `no` or `off`), a heading, a line.
pub(crate) fn notice(status: StatusCode, icon: (&str, &str), heading: &str, text: &str) -> Response {
    let (class, symbol) = icon;
    let body = format!("<div class=\"icon {class}\">{symbol}</div><h1>{heading}</h1><p class=\"lead\">{text}</p>");
    html(status, &format!("agentView — {heading}"), &body)
}

fn utc(t: std::time::SystemTime) -> String {
    iso8601(t).replace('T', " ").replace('Z', " UTC")
}

/// "04:40:35 UTC": the date is in the `datetime` attribute; the window is minutes long.
fn time_of_day(t: std::time::SystemTime) -> String {
    let iso = iso8601(t);
    format!("{} UTC", iso.get(11..19).unwrap_or(&iso))
}

/// "in 9 minutes" / "in 40 seconds" from now until `t`.
fn from_now(t: std::time::SystemTime) -> String {
    let left = t.duration_since(std::time::SystemTime::now()).unwrap_or_default().as_secs();
    match left {
        0..=59 => format!("in {left} seconds"),
        60..=119 => "in 1 minute".into(),
        _ => format!("in {} minutes", left / 60),
    }
}

const CLOSE_TAB: &str = "You can close this tab and return to the terminal.";

async fn page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let now = Instant::now();
    let inner = app.lock();
    let Some(s) = inner.auth.iter().find(|s| s.id == id) else {
        return notice(
            StatusCode::NOT_FOUND,
            ("off", "?"),
            "Unknown sign-in request",
            "This link is not valid. Start a new sign-in from your terminal.",
        );
    };
    let expires = s.expires_at();
    match s.status(now) {
        AuthStatus::Pending => {}
        AuthStatus::Active => {
            return notice(StatusCode::OK, ("ok", "✓"), "Sign-in already approved", &format!("Signed in. {CLOSE_TAB}"));
        }
        AuthStatus::Denied => {
            return notice(StatusCode::OK, ("no", "✕"), "Sign-in denied", "You can close this tab.");
        }
        AuthStatus::Expired => {
            let text = format!("It expired at {}. Start a new sign-in from your terminal.", utc(expires));
            return notice(StatusCode::OK, ("off", "⏱"), "This sign-in request expired", &text);
        }
    }
    let agent = escape(s.agent_identifier.as_deref().unwrap_or("an unnamed agent"));
    let scope = s
        .scope
        .as_deref()
        .map(|sc| format!("<div><dt>Scope</dt><dd class=\"mono\">{}</dd></div>", escape(sc)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Approve sign-in to agentView</h1>\
<p class=\"lead\">An agent wants to use your agentView account.</p>\
<dl><div><dt>Requested by</dt><dd class=\"mono\">{agent}</dd></div>{scope}\
<div><dt>Expires</dt><dd><time class=\"when\" datetime=\"{iso}\" title=\"{iso}\">{expiry}</time> \
<span class=\"soft when\">({left})</span></dd></div>\
<div><dt>Request</dt><dd class=\"mono soft\">{id}</dd></div></dl>\
<div class=\"warn\" role=\"note\"><span aria-hidden=\"true\">⚠</span><div><strong>Approve only if you started this \
sign-in yourself, just now.</strong> If you did not, or someone sent you this link, choose Deny.</div></div>\
<form method=\"post\" action=\"/login/{id}/approve\"><button id=\"approve\" type=\"submit\">Approve</button></form>\
<form method=\"post\" action=\"/login/{id}/deny\"><button id=\"deny\" type=\"submit\">Deny</button></form>\
<p class=\"foot\">agentView never asks for your password on this page.</p>",
        iso = iso8601(expires),
        expiry = time_of_day(expires),
        left = from_now(expires),
        id = escape(&id)
    );
    html(StatusCode::OK, "Approve sign-in to agentView", &body)
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
    if !as_html {
        return (code, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response();
    }
    match (code, to) {
        (StatusCode::OK, AuthStatus::Active) => notice(code, ("ok", "✓"), "Sign-in approved", &escape(&message)),
        (StatusCode::OK, _) => notice(
            code,
            ("no", "✕"),
            "Sign-in denied",
            "Nothing was shared with the agent that asked. You can close this tab.",
        ),
        _ => notice(code, ("off", "!"), "This request can no longer be changed", &escape(&message)),
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
