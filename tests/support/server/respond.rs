//! Shaping rmcp's answers: SSE -> JSON conversion (JSON mode), priming events, SseChunks, SseCloseEarly, version override.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use futures::StreamExt;
use serde_json::{Value, json};

use super::fault_response::text;
use super::mcp_layer::Info;
use super::sse::{SseEvent, SseParser, chunked_body, render};
use super::state::{App, random_hex};

const DEFAULT_RETRY_MS: u64 = 3000;

fn is_response(v: &Value) -> bool {
    v.get("id").is_some() && (v.get("result").is_some() || v.get("error").is_some())
}

/// Read an rmcp SSE body up to (and including) the event carrying the JSON-RPC response.
async fn read_events(body: Body) -> Vec<SseEvent> {
    let mut parser = SseParser::default();
    let mut events = Vec::new();
    let mut stream = body.into_data_stream();
    let read = async {
        while let Some(Ok(chunk)) = stream.next().await {
            for ev in parser.push(&chunk) {
                let done = ev.json().is_some_and(|v| is_response(&v));
                events.push(ev);
                if done {
                    return;
                }
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(30), read).await;
    events
}

fn override_version(app: &App, info: &Info, v: &mut Value) {
    if let (Some(version), Some("initialize")) = (&app.config.protocol_version, info.rpc_method.as_deref())
        && let Some(result) = v.get_mut("result").and_then(Value::as_object_mut)
    {
        result.insert("protocolVersion".into(), json!(version));
    }
}

/// Headers worth keeping from rmcp's response (session id etc.), minus body-specific ones.
fn kept_headers(headers: &HeaderMap) -> HeaderMap {
    let mut h = headers.clone();
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::TRANSFER_ENCODING] {
        h.remove(name);
    }
    h
}

/// A JSON-RPC POST answered by rmcp: shape it for the configured mode and faults.
pub(crate) async fn post_process(app: &App, info: &Info, resp: Response, close_early: Option<u64>) -> Response {
    if info.method != Method::POST || resp.status() != StatusCode::OK {
        return resp;
    }
    if app.config.client_tools && info.tool.as_deref().is_some_and(super::client_tools::streams) {
        return resp;
    }
    let ct = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let (parts, body) = resp.into_parts();
    if ct.starts_with("application/json") {
        if app.config.protocol_version.is_none() || info.rpc_method.as_deref() != Some("initialize") {
            return Response::from_parts(parts, body);
        }
        let Ok(bytes) = to_bytes(body, 4 << 20).await else {
            return text(502, "unreadable response from MCP service".into());
        };
        let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
            return Response::from_parts(parts, Body::from(bytes));
        };
        override_version(app, info, &mut v);
        return json_response(kept_headers(&parts.headers), v);
    }
    if !ct.starts_with("text/event-stream") {
        return Response::from_parts(parts, body);
    }
    let mut events = read_events(body).await;
    for ev in &mut events {
        if let Some(mut v) = ev.json().filter(is_response) {
            override_version(app, info, &mut v);
            ev.data = v.to_string();
        }
    }
    if !app.config.sse {
        let Some(v) = events.iter().filter_map(SseEvent::json).find(is_response) else {
            return text(502, "MCP service sent no response".into());
        };
        return json_response(kept_headers(&parts.headers), v);
    }
    // SSE mode: a priming event first, then the rest.
    let mut priming = match events.first() {
        Some(first) if first.is_priming() => events.remove(0),
        _ => SseEvent::priming(format!("p-{}", random_hex(12)), Some(DEFAULT_RETRY_MS)),
    };
    events.retain(|e| !e.data.is_empty());
    if let Some(retry_ms) = close_early {
        priming.retry = Some(retry_ms);
        let key = priming.id.clone().unwrap_or_default();
        app.lock().resumable.insert(key, events);
        return sse_response(app, vec![priming], kept_headers(&parts.headers));
    }
    events.insert(0, priming);
    sse_response(app, events, kept_headers(&parts.headers))
}

fn json_response(headers: HeaderMap, v: Value) -> Response {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.headers_mut() = headers;
    r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    r
}

/// Render SSE events as a 200 text/event-stream response, applying SseChunks when active.
pub(crate) fn sse_response(app: &App, mut events: Vec<SseEvent>, headers: HeaderMap) -> Response {
    let chunks = app.lock().chunks;
    let body = match chunks {
        Some((size, crlf)) => {
            // A comment and a notification before the response (after any priming event).
            let at = usize::from(events.first().is_some_and(SseEvent::is_priming));
            let note = json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "logger": "agentview-local", "data": "working on it"}});
            let comment = SseEvent { comment: Some("agentview-local says hi".into()), ..SseEvent::default() };
            events.insert(at, SseEvent::data(note.to_string()));
            events.insert(at, comment);
            let mut s = render(&events);
            if crlf {
                s = s.replace('\n', "\r\n");
            }
            chunked_body(s, size)
        }
        None => Body::from(render(&events)),
    };
    let mut r = Response::new(body);
    *r.headers_mut() = headers;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/event-stream"));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
    r
}
