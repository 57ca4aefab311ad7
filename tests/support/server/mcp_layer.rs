//! The axum middleware in front of rmcp on `/mcp`: request parsing, counters, records and HTTP-level faults.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::fault_response::{fault_name, fault_response, text};
use super::respond;
use super::state::App;
use super::tools::{CREATE, GET};
use super::{Fault, Match, RequestRecord};

const MAX_REQUEST_BODY: usize = 8 * 1024 * 1024;

/// What the layer knows about one request.
#[derive(Debug)]
pub(crate) struct Info {
    pub method: Method,
    pub rpc_method: Option<String>,
    pub rpc_id: Option<Value>,
    pub tool: Option<String>,
    pub arguments: Option<Value>,
    pub session_id: Option<String>,
    pub last_event_id: Option<String>,
}

impl Info {
    fn parse(method: &Method, headers: &HeaderMap, body: &[u8]) -> Info {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let msg = match json {
            Some(Value::Array(mut a)) if !a.is_empty() => Some(a.swap_remove(0)),
            other => other,
        };
        let get = |k: &str| msg.as_ref().and_then(|m| m.get(k)).cloned();
        let rpc_method = get("method").and_then(|m| m.as_str().map(str::to_string));
        let params = get("params");
        let is_call = rpc_method.as_deref() == Some("tools/call");
        let tool = params
            .as_ref()
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str().map(str::to_string))
            .filter(|_| is_call);
        let arguments = params.as_ref().and_then(|p| p.get("arguments")).cloned().filter(|_| is_call);
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        Info {
            method: method.clone(),
            rpc_id: get("id").filter(|_| rpc_method.is_some()),
            rpc_method,
            tool,
            arguments,
            session_id: header("mcp-session-id"),
            last_event_id: header("last-event-id"),
        }
    }

    fn matches(&self, on: &Match) -> bool {
        match on {
            Match::Any => true,
            Match::Method(m) => self.method == Method::POST && self.rpc_method.as_deref() == Some(m),
            Match::Tool(t) => self.rpc_method.as_deref() == Some("tools/call") && self.tool.as_deref() == Some(t),
            Match::HttpGet => self.method == Method::GET,
            Match::HttpDelete => self.method == Method::DELETE,
        }
    }

    /// The JSON-RPC id as raw JSON text (`null` when there is none).
    pub fn id_text(&self) -> String {
        self.rpc_id.as_ref().map_or_else(|| "null".to_string(), Value::to_string)
    }
}

fn record_arrival(app: &App, info: &Info, headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> usize {
    let mut map: HashMap<String, String> = HashMap::new();
    for (name, value) in headers {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        map.entry(name.as_str().to_string())
            .and_modify(|old| {
                old.push_str(", ");
                old.push_str(&v);
            })
            .or_insert(v);
    }
    let now = Instant::now();
    let mut inner = app.lock();
    let calls = &mut inner.calls;
    match (&info.method, info.rpc_method.as_deref(), info.tool.as_deref()) {
        (&Method::POST, Some("initialize"), _) => calls.initialize += 1,
        (&Method::POST, Some("notifications/initialized"), _) => calls.initialized_notifications += 1,
        (&Method::POST, Some("tools/list"), _) => calls.tools_list += 1,
        (&Method::POST, Some("tools/call"), Some(CREATE)) => calls.create += 1,
        (&Method::POST, Some("tools/call"), Some(GET)) => {
            calls.get += 1;
            calls.get_times.push(now);
        }
        (&Method::GET, _, _) => calls.gets_sse += 1,
        (&Method::DELETE, _, _) => calls.deletes += 1,
        _ => {}
    }
    inner.records.push(RequestRecord {
        http_method: info.method.to_string(),
        rpc_method: info.rpc_method.clone(),
        rpc_id: info.rpc_id.clone(),
        tool: info.tool.clone(),
        arguments: info.arguments.clone(),
        session_id: info.session_id.clone(),
        protocol_version: map.get("mcp-protocol-version").cloned(),
        accept: map.get("accept").cloned(),
        content_type: map.get("content-type").cloned(),
        last_event_id: info.last_event_id.clone(),
        authorization: map.contains_key("authorization"),
        status: 0,
        fault: None,
        at: now,
        headers: map,
        peer,
    });
    inner.records.len() - 1
}

/// Faults for one request: an optional delay and at most one fault that decides the response.
fn pick_faults(app: &App, info: &Info) -> (Option<Duration>, Option<Fault>) {
    let mut inner = app.lock();
    if info.session_id.as_ref().is_some_and(|id| inner.dead_sessions.contains(id)) {
        return (None, Some(Fault::ExpireMcpSession));
    }
    let slow = inner.take_fault(|f| matches!(f, Fault::Slow { on, .. } if info.matches(on)));
    let sse_post = app.config.sse && info.method == Method::POST && info.rpc_id.is_some();
    let terminal = inner.take_fault(|f| match f {
        Fault::Status { on, .. }
        | Fault::RateLimit { on, .. }
        | Fault::Reset { on, .. }
        | Fault::Raw { on, .. }
        | Fault::Huge { on, .. } => info.matches(on),
        Fault::SseCloseEarly { on, .. } => sse_post && info.matches(on),
        Fault::ExpireMcpSession => info.session_id.is_some(),
        _ => false,
    });
    if let (Some(Fault::ExpireMcpSession), Some(id)) = (&terminal, &info.session_id) {
        inner.dead_sessions.insert(id.clone());
    }
    let delay = match slow {
        Some(Fault::Slow { delay, .. }) => Some(delay),
        _ => None,
    };
    (delay, terminal)
}

pub(crate) async fn layer(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes): Result<Bytes, _> = to_bytes(body, MAX_REQUEST_BODY).await else {
        return text(413, "request body too large".into());
    };
    let info = Info::parse(&parts.method, &parts.headers, &bytes);
    let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    let idx = record_arrival(&app, &info, &parts.headers, peer);
    let (delay, fault) = pick_faults(&app, &info);
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut fault_label = fault.as_ref().map(fault_name);
    if delay.is_some() && fault_label.is_none() {
        fault_label = Some("Slow");
    }
    let injected = match &fault {
        Some(f) => fault_response(&app, &info, f).await,
        None => None,
    };
    let response = match injected {
        Some(r) => r,
        None => {
            let close_early = match &fault {
                Some(Fault::SseCloseEarly { retry_ms, .. }) => Some(*retry_ms),
                _ => None,
            };
            let resumed = match (&info.method, &info.last_event_id) {
                (&Method::GET, Some(last)) => app.lock().resumable.remove(last),
                _ => None,
            };
            match resumed {
                Some(events) => respond::sse_response(&app, events, HeaderMap::new()),
                None => {
                    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
                    respond::post_process(&app, &info, resp, close_early).await
                }
            }
        }
    };
    finish(&app, idx, &info, response.status().as_u16(), fault_label);
    response
}

#[allow(clippy::print_stderr)]
fn finish(app: &App, idx: usize, info: &Info, status: u16, fault: Option<&str>) {
    if let Some(r) = app.lock().records.get_mut(idx) {
        r.status = status;
        r.fault = fault.map(str::to_string);
    }
    if app.config.log_requests {
        let rpc = info.rpc_method.as_deref().unwrap_or("-");
        let tool = info.tool.as_deref().unwrap_or("-");
        let fault = fault.map(|f| format!(" (fault: {f})")).unwrap_or_default();
        eprintln!("{} {rpc} {tool} -> {status}{fault}", info.method);
    }
}
