//! Responses of the HTTP-level faults: Status, RateLimit, Reset, Raw, Huge, ExpireMcpSession.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use rmcp::transport::streamable_http_server::session::SessionManager;

use super::mcp_layer::Info;
use super::sse::{huge_body, reset_body};
use super::state::App;
use super::{Fault, RetryAfter};

pub(crate) fn text(status: u16, body: String) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(body))
        .unwrap_or_default()
}

pub(crate) fn fault_name(f: &Fault) -> &'static str {
    match f {
        Fault::Status { .. } => "Status",
        Fault::RateLimit { .. } => "RateLimit",
        Fault::Reset { .. } => "Reset",
        Fault::Slow { .. } => "Slow",
        Fault::ExpireMcpSession => "ExpireMcpSession",
        Fault::PolicyDeny { .. } => "PolicyDeny",
        Fault::SseCloseEarly { .. } => "SseCloseEarly",
        Fault::SseChunks { .. } => "SseChunks",
        Fault::Raw { .. } => "Raw",
        Fault::Huge { .. } => "Huge",
        Fault::Patch { .. } => "Patch",
    }
}

pub(crate) async fn fault_response(app: &Arc<App>, info: &Info, fault: &Fault) -> Option<Response> {
    let id = info.id_text();
    let with_ct = |status: u16, ct: &str, body: Body| {
        Response::builder()
            .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
            .header(header::CONTENT_TYPE, ct)
            .body(body)
            .unwrap_or_default()
    };
    Some(match fault {
        Fault::Status { status, .. } => text(*status, format!("injected fault: HTTP {status}\n")),
        Fault::RateLimit { retry_after, .. } => {
            let mut r = text(429, "Too Many Requests: rate limit exceeded\n".into());
            let value = match retry_after {
                Some(RetryAfter::Seconds(n)) => Some(n.to_string()),
                Some(RetryAfter::HttpDate(n)) => {
                    Some(httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(*n)))
                }
                None => None,
            };
            if let Some(v) = value.and_then(|v| v.parse().ok()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::Reset { .. } => {
            let (ct, prefix) = if app.config.sse {
                ("text/event-stream", format!("id: r1\ndata: {{\"jsonrpc\":\"2.0\",\"id\":{id},\"res"))
            } else {
                ("application/json", format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"res"))
            };
            with_ct(200, ct, reset_body(prefix))
        }
        Fault::Raw { status, content_type, body, .. } => {
            with_ct(*status, content_type, Body::from(body.replace("{{id}}", &id)))
        }
        Fault::Huge { content_type, len, .. } => {
            let result = format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"pad\":\"");
            let (prefix, suffix) = if content_type.contains("event-stream") {
                (format!("data: {result}"), "\"}}\n\n")
            } else if content_type.contains("json") {
                (result, "\"}}")
            } else {
                (String::new(), "")
            };
            with_ct(200, content_type, huge_body(prefix, suffix, *len))
        }
        Fault::ExpireMcpSession => {
            if let Some(sid) = &info.session_id {
                let _ = app.sessions_manager.close_session(&sid.as_str().into()).await;
            }
            text(404, "Not Found: Session not found".into())
        }
        _ => return None,
    })
}
