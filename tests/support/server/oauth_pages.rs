//! The authorization server's pages: the consent page of `GET /authorize` and its error pages.

use axum::http::StatusCode;
use axum::response::Response;

use super::oauth_state::Pending;
use super::pages::{escape, html_with_csp, notice};
use super::state::App;

/// Like the sign-in page's policy, but the form's answer may redirect to the client's loopback
/// listener (browsers apply `form-action` to the redirect after a form submission too).
fn csp(redirect_uri: &str) -> String {
    let origin = reqwest::Url::parse(redirect_uri).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {origin}; frame-ancestors 'none'; base-uri 'none'"
    )
}

pub(crate) fn approval_page(app: &App, p: &Pending) -> Response {
    let client = escape(p.client_name.as_deref().unwrap_or("An unnamed application"));
    let scopes: String = p
        .scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| format!("<span class=\"mono\">{}</span> ", escape(s)))
        .collect();
    let scopes = if scopes.is_empty() { "<span class=\"soft\">none</span>".to_string() } else { scopes };
    let redirect = reqwest::Url::parse(&p.redirect_uri).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let action = format!("{}/authorize/{}", app.issuer_path(), escape(&p.id));
    let body = format!(
        "<h1>Allow access to agentView?</h1>\
<p class=\"lead\"><strong>{client}</strong> wants to use your agentView account.</p>\
<dl><div><dt>Requested by</dt><dd class=\"mono\">{client}</dd></div>\
<div><dt>Access</dt><dd>{scopes}</dd></div>\
<div><dt>Returns to</dt><dd class=\"mono soft\">{redirect}</dd></div>\
<div><dt>Client</dt><dd class=\"mono soft\">{client_id}</dd></div></dl>\
<div class=\"warn\" role=\"note\"><span aria-hidden=\"true\">⚠</span><div><strong>Allow only if you started this \
sign-in yourself, just now.</strong> If you did not, or someone sent you this link, choose Deny.</div></div>\
<form method=\"post\" action=\"{action}/approve\"><button id=\"approve\" type=\"submit\">Approve</button></form>\
<form method=\"post\" action=\"{action}/deny\"><button id=\"deny\" type=\"submit\">Deny</button></form>\
<p class=\"foot\">agentView never asks for your password on this page.</p>",
        redirect = escape(&redirect),
        client_id = escape(&p.client_id),
    );
    html_with_csp(StatusCode::OK, "Allow access to agentView?", &body, &csp(&p.redirect_uri))
}

/// A request the server will not send back to the client (unknown client or redirect URI).
pub(crate) fn error_page(status: StatusCode, heading: &str, text: &str) -> Response {
    notice(status, ("no", "!"), &escape(heading), &escape(text))
}

pub(crate) fn already_decided() -> Response {
    notice(
        StatusCode::CONFLICT,
        ("off", "!"),
        "This request can no longer be changed",
        "It was already answered, or it is unknown. Start a new sign-in from your terminal.",
    )
}
