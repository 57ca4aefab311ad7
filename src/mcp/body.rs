//! Reading one response body, bounded: a JSON-RPC object or an event stream up to our response.

use std::time::Duration;

use reqwest::Response;
use serde_json::Value;

use super::jsonrpc::{self, Incoming};
use super::response::{Reply, content_type, map_reqwest};
use super::sse::{Decoder, SseError};
use super::{MAX_BODY, McpError};

pub(super) async fn read_reply(response: Response, id: i64) -> Result<Reply, McpError> {
    match content_type(&response).as_str() {
        "application/json" => read_json(response, id).await,
        "text/event-stream" => read_sse(response, id).await,
        "" => Err(McpError::Protocol("the response has no Content-Type".into())),
        other => Err(McpError::Protocol(format!(
            "the response is {} instead of JSON or an event stream",
            crate::sanitize::line(other, 60)
        ))),
    }
}

async fn read_json(mut response: Response, id: i64) -> Result<Reply, McpError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(map_reqwest)? {
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

pub(super) async fn read_sse(mut response: Response, id: i64) -> Result<Reply, McpError> {
    let mut decoder = Decoder::new(MAX_BODY);
    let mut total = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(map_reqwest)? {
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
