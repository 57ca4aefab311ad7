//! Reading one response body, bounded: a JSON-RPC object or an event stream up to our response.

use std::time::Duration;

use reqwest::Response;
use serde_json::Value;

use super::McpError;
use super::jsonrpc::{self, Incoming};
use super::sse::{Decoder, SseError};
use crate::http::{Http, MAX_BODY, content_type};

/// What a POST produced.
#[derive(Debug)]
pub enum Reply {
    /// The `result` of the response to our request.
    Result(Value),
    /// 2xx to a notification.
    Accepted,
    /// The SSE stream closed before our response: resume with GET.
    StreamEnded { last_event_id: Option<String>, retry: Option<Duration> },
}

pub(super) async fn read_reply(http: &Http, response: Response, id: i64) -> Result<Reply, McpError> {
    match content_type(response.headers()).as_str() {
        "application/json" => read_json(http, response, id).await,
        "text/event-stream" => read_sse(http, response, id).await,
        "" => Err(McpError::Protocol("the response has no Content-Type".into())),
        other => Err(McpError::Protocol(format!(
            "the response is {} instead of JSON or an event stream",
            crate::sanitize::line(other, 60)
        ))),
    }
}

async fn read_json(http: &Http, mut response: Response, id: i64) -> Result<Reply, McpError> {
    let mut body = Vec::new();
    while let Some(chunk) = http.chunk(&mut response).await.map_err(McpError::Network)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(McpError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let text = std::str::from_utf8(&body).map_err(|_| McpError::Protocol("the response is not valid UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(McpError::Protocol("the response body is empty".into()));
    }
    let message: Value =
        serde_json::from_str(text).map_err(|e| McpError::Protocol(format!("the response is not JSON ({e})")))?;
    let messages = match message {
        Value::Array(batch) => batch,
        single => vec![single],
    };
    for message in messages {
        if let Incoming::Result(result) = jsonrpc::classify(message, id)? {
            return Ok(Reply::Result(result));
        }
    }
    Err(McpError::Protocol(format!("the response does not answer request id {id}")))
}

pub(super) async fn read_sse(http: &Http, mut response: Response, id: i64) -> Result<Reply, McpError> {
    let mut decoder = Decoder::new(MAX_BODY);
    let mut total = 0usize;
    while let Some(chunk) = http.chunk(&mut response).await.map_err(McpError::Network)? {
        total += chunk.len();
        if total > MAX_BODY {
            return Err(McpError::TooLarge);
        }
        let events = decoder.feed(&chunk).map_err(|e| match e {
            SseError::TooLarge(_) => McpError::TooLarge,
            SseError::InvalidUtf8 => McpError::Protocol(e.to_string()),
        })?;
        for event in events {
            if event.data.trim().is_empty() {
                continue;
            }
            let message: Value = serde_json::from_str(&event.data)
                .map_err(|e| McpError::Protocol(format!("an event in the stream is not JSON ({e})")))?;
            if let Incoming::Result(result) = jsonrpc::classify(message, id)? {
                return Ok(Reply::Result(result));
            }
        }
    }
    decoder.finish();
    Ok(Reply::StreamEnded { last_event_id: decoder.last_event_id, retry: decoder.retry_ms.map(Duration::from_millis) })
}
