//! SSE parsing and rendering, and the streamed bodies faults use (chunked, huge, reset mid-body).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use futures::stream;

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SseEvent {
    pub comment: Option<String>,
    pub id: Option<String>,
    pub event: Option<String>,
    pub retry: Option<u64>,
    /// Joined `data:` lines; empty for a priming event.
    pub data: String,
}

impl SseEvent {
    pub fn priming(id: String, retry: Option<u64>) -> SseEvent {
        SseEvent { id: Some(id), retry, ..SseEvent::default() }
    }
    pub fn data(data: String) -> SseEvent {
        SseEvent { data, ..SseEvent::default() }
    }
    pub fn is_priming(&self) -> bool {
        self.data.is_empty() && self.id.is_some()
    }
    /// The JSON-RPC message this event carries, if any.
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.data.is_empty() {
            return None;
        }
        serde_json::from_str(&self.data).ok()
    }
}

/// Incremental SSE parser (LF or CRLF, chunks split anywhere).
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    buf: Vec<u8>,
    cur: SseEvent,
    data_lines: Vec<String>,
    any_field: bool,
}

impl SseParser {
    /// Feed bytes; returns the events completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches('\n').trim_end_matches('\r');
            self.line(line, &mut out);
        }
        out
    }

    fn line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if self.any_field {
                let mut ev = std::mem::take(&mut self.cur);
                ev.data = std::mem::take(&mut self.data_lines).join("\n");
                out.push(ev);
            }
            self.any_field = false;
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => self.data_lines.push(value.to_string()),
            "id" => self.cur.id = Some(value.to_string()),
            "event" => self.cur.event = Some(value.to_string()),
            "retry" => self.cur.retry = value.parse().ok(),
            _ => return,
        }
        self.any_field = true;
    }
}

/// Render events as SSE text (LF line endings).
pub(crate) fn render(events: &[SseEvent]) -> String {
    let mut s = String::new();
    for ev in events {
        if let Some(c) = &ev.comment {
            s.push_str(&format!(": {c}\n"));
        }
        if let Some(id) = &ev.id {
            s.push_str(&format!("id: {id}\n"));
        }
        if let Some(e) = &ev.event {
            s.push_str(&format!("event: {e}\n"));
        }
        if let Some(r) = ev.retry {
            s.push_str(&format!("retry: {r}\n"));
        }
        if ev.data.is_empty() {
            if ev.id.is_some() || ev.retry.is_some() || ev.comment.is_none() {
                s.push_str("data:\n");
            }
        } else {
            for line in ev.data.split('\n') {
                s.push_str(&format!("data: {line}\n"));
            }
        }
        s.push('\n');
    }
    s
}

/// A body sent as chunks of at most `size` bytes (each its own HTTP chunk).
pub(crate) fn chunked_body(text: String, size: usize) -> Body {
    let bytes = Bytes::from(text);
    let size = size.max(1);
    let pieces: Vec<Result<Bytes, Infallible>> =
        (0..bytes.len()).step_by(size).map(|start| Ok(bytes.slice(start..(start + size).min(bytes.len())))).collect();
    Body::from_stream(stream::iter(pieces))
}

const HUGE_CHUNK: usize = 64 * 1024;
static FILL: [u8; HUGE_CHUNK] = [b'a'; HUGE_CHUNK];

/// `len` bytes: `prefix`, then 'a' filler, then `suffix` (when they fit), streamed in 64 KiB chunks.
pub(crate) fn huge_body(prefix: String, suffix: &'static str, len: usize) -> Body {
    let (prefix, suffix) = if prefix.len() + suffix.len() <= len {
        (Bytes::from(prefix), suffix.as_bytes())
    } else {
        (Bytes::new(), &b""[..])
    };
    let filler = len - prefix.len() - suffix.len();
    // state: (stage, filler bytes left)
    let s = stream::unfold((0u8, filler), move |(stage, left)| {
        let prefix = prefix.clone();
        async move {
            match stage {
                0 => Some((Ok::<Bytes, Infallible>(prefix), (1, left))),
                1 if left > 0 => {
                    let n = left.min(HUGE_CHUNK);
                    Some((Ok(Bytes::from_static(&FILL[..n])), (1, left - n)))
                }
                1 => Some((Ok(Bytes::from_static(suffix)), (2, 0))),
                _ => None,
            }
        }
    });
    Body::from_stream(s)
}

/// `prefix`, a short pause, then a body error: hyper aborts the connection mid-response.
pub(crate) fn reset_body(prefix: String) -> Body {
    let s = stream::unfold(0u8, move |stage| {
        let prefix = prefix.clone();
        async move {
            match stage {
                0 => Some((Ok(Bytes::from(prefix)), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let err = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: reset");
                    Some((Err(err), 2))
                }
                _ => None,
            }
        }
    });
    Body::from_stream(s)
}
