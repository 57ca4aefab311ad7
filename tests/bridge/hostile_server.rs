//! A bare MCP server for the bridge's hostile cases: it answers the handshake correctly, then
//! whatever a case wants (event streams with any data, streams that never end, 404s), and keeps
//! a record of every request it got.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Header names in lowercase.
    pub headers: HashMap<String, String>,
    pub body: Value,
    pub at: Instant,
}

impl Seen {
    pub fn rpc_method(&self) -> &str {
        self.body.get("method").and_then(Value::as_str).unwrap_or("")
    }
}

/// What to send back.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status and a JSON body.
    Json(u16, String),
    /// An event stream: these events (raw text, each ending in a blank line), then the end of
    /// the stream, or (`hang`) a stream that stays open.
    Events { events: Vec<String>, hang: bool },
    /// A bare status with no body.
    Status(u16),
    /// No answer at all, until the client goes away.
    Silence,
}

type Handler = dyn Fn(&Seen) -> Option<Reply> + Send + Sync;

/// The server: its MCP endpoint and what it has seen.
#[derive(Debug, Clone)]
pub struct Hostile {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    /// Serve on 127.0.0.1; `handler` answers what it wants to (None: the default answer).
    pub fn start(handler: impl Fn(&Seen) -> Option<Reply> + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (record, handler) = (record.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &record, &*handler));
            }
        });
        Hostile { url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// An event with an id, a `retry:` and data.
pub fn event(id: &str, retry_ms: Option<u64>, data: &str) -> String {
    let retry = retry_ms.map(|ms| format!("retry: {ms}\n")).unwrap_or_default();
    format!("id: {id}\n{retry}data: {data}\n\n")
}

/// A JSON-RPC result for `id` (its JSON text).
pub fn result(id: &Value, result: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{result}}}"#)
}

fn serve(stream: TcpStream, record: &Mutex<Vec<Seen>>, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0usize);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let seen = Seen {
        method: request_line.split(' ').next().unwrap_or("").to_string(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at: Instant::now(),
    };
    record.lock().unwrap().push(seen.clone());
    let reply = handler(&seen).unwrap_or_else(|| default_reply(&seen));
    let mut out = stream;
    if matches!(reply, Reply::Silence) {
        let mut byte = [0u8; 1];
        while matches!(reader.read(&mut byte), Ok(n) if n > 0) {}
        return;
    }
    let (status, content_type, body, hang) = match reply {
        Reply::Json(status, body) => (status, "application/json", body, false),
        Reply::Events { events, hang } => (200, "text/event-stream", events.concat(), hang),
        Reply::Status(status) => (status, "text/plain", String::new(), false),
        Reply::Silence => return,
    };
    // An event stream has no length: it ends when the connection does.
    let length =
        if content_type == "text/event-stream" { String::new() } else { format!("Content-Length: {}\r\n", body.len()) };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n{length}Mcp-Session-Id: hostile-1\r\nConnection: close\r\n\r\n"
    );
    let _ = out.write_all(head.as_bytes()).and_then(|()| out.write_all(body.as_bytes())).and_then(|()| out.flush());
    if hang {
        // Open until the client goes away.
        let mut byte = [0u8; 1];
        while matches!(reader.read(&mut byte), Ok(n) if n > 0) {}
    }
}

fn default_reply(seen: &Seen) -> Reply {
    if seen.method == "DELETE" {
        return Reply::Status(200);
    }
    if seen.method != "POST" {
        return Reply::Status(405);
    }
    let id = seen.body.get("id").cloned().unwrap_or(Value::Null);
    match seen.rpc_method() {
        "initialize" => Reply::Json(
            200,
            result(
                &id,
                r#"{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"hostile","version":"0"}}"#,
            ),
        ),
        _ if id.is_null() => Reply::Status(202),
        _ => Reply::Json(200, result(&id, "{}")),
    }
}
