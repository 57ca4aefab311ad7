//! A bare HTTP server that answers the MCP handshake correctly and then sends whatever bytes a
//! case wants, including bytes the local rmcp server cannot produce (invalid UTF-8).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use serde_json::Value;

/// What to answer to one JSON-RPC request: status, content type, body.
pub type Answer = fn(method: &str, id: &str) -> Option<(u16, &'static str, Vec<u8>)>;

/// Start serving on 127.0.0.1; returns the MCP endpoint URL. The thread lives as long as the
/// test process.
pub fn start(answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream, answer));
        }
    });
    format!("http://{addr}/mcp")
}

fn serve(stream: TcpStream, answer: Answer) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let message: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let method = message.get("method").and_then(Value::as_str).unwrap_or("");
    let id = message.get("id").map(Value::to_string).unwrap_or_else(|| "null".into());
    let (status, content_type, body) = if !head.starts_with("POST") {
        (200, "text/plain", Vec::new())
    } else if let Some(custom) = answer(method, &id) {
        custom
    } else {
        default_answer(method, &id)
    };
    let mut out = stream;
    let header = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nMcp-Session-Id: raw-1\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = out.write_all(header.as_bytes());
    let _ = out.write_all(&body);
}

fn default_answer(method: &str, id: &str) -> (u16, &'static str, Vec<u8>) {
    let result = match method {
        "initialize" => {
            r#"{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"raw","version":"0"}}"#
        }
        "tools/list" => {
            r#"{"tools":[{"name":"create_auth_session","inputSchema":{"type":"object","properties":{"agent_identifier":{"type":"string"}}}},{"name":"get_auth_session","inputSchema":{"type":"object","properties":{"session_request_id":{"type":"string"}}}}]}"#
        }
        _ => return (202, "text/plain", Vec::new()),
    };
    (200, "application/json", format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{result}}}"#).into_bytes())
}
