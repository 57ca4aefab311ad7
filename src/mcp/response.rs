//! What every MCP HTTP response has in common: what a POST produced, its content type, and
//! what a transport error means.

use std::time::Duration;

use reqwest::Response;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use super::McpError;

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

pub(crate) fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

pub(crate) fn map_reqwest(error: reqwest::Error) -> McpError {
    // The innermost cause says what happened ("Connection refused", "failed to
    // lookup address"); reqwest's own text adds only the URL, shown elsewhere.
    // Neither carries headers or bodies.
    if let Some(reason) = crate::http::untrusted_certificate(&error) {
        return McpError::Untrusted { reason, issuer: None };
    }
    let mut cause = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if error.is_timeout() {
        McpError::Broken(format!("timed out ({cause})"))
    } else if error.is_connect() {
        McpError::Unreachable(cause)
    } else {
        McpError::Broken(cause)
    }
}
