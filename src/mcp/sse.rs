//! Incremental Server-Sent Events decoder: bytes in any chunking → events.

/// One dispatched event. `data` lines are joined with `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// Why a stream cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("the event stream is not valid UTF-8")]
    InvalidUtf8,
    #[error("an event in the stream is larger than {0} bytes")]
    TooLarge(usize),
}

/// Decoder state. Feed it chunks as they arrive; it keeps the partial line
/// between calls, and remembers the last event id and the `retry:` value.
#[derive(Debug)]
pub struct Decoder {
    line: Vec<u8>,
    /// The previous chunk ended in CR: a following LF belongs to that line end.
    after_cr: bool,
    data: String,
    has_data: bool,
    event: Option<String>,
    event_id: Option<String>,
    pending: usize,
    max_event: usize,
    /// The last `id:` seen (persists across events, per the SSE spec).
    pub last_event_id: Option<String>,
    /// The last `retry:` value in milliseconds.
    pub retry_ms: Option<u64>,
}

impl Decoder {
    /// A decoder that refuses any single event larger than `max_event` bytes.
    pub fn new(max_event: usize) -> Decoder {
        Decoder {
            line: Vec::new(),
            after_cr: false,
            data: String::new(),
            has_data: false,
            event: None,
            event_id: None,
            pending: 0,
            max_event,
            last_event_id: None,
            retry_ms: None,
        }
    }

    /// Decode a chunk; returns the events completed by it.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<Event>, SseError> {
        let mut events = Vec::new();
        for &byte in chunk {
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(&mut events)?;
                }
                b'\n' => self.end_line(&mut events)?,
                _ => {
                    self.pending += 1;
                    if self.pending > self.max_event {
                        return Err(SseError::TooLarge(self.max_event));
                    }
                    self.line.push(byte);
                }
            }
        }
        Ok(events)
    }

    /// The stream ended: an unterminated event is dropped, as the spec says.
    pub fn finish(&mut self) {
        self.line.clear();
        self.reset_event();
    }

    fn end_line(&mut self, events: &mut Vec<Event>) -> Result<(), SseError> {
        let line = std::mem::take(&mut self.line);
        let line = String::from_utf8(line).map_err(|_| SseError::InvalidUtf8)?;
        if line.is_empty() {
            self.dispatch(events);
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_str(), ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_string()),
            "id" if !value.contains('\0') => self.event_id = Some(value.to_string()),
            "retry" => {
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry_ms = Some(ms);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, events: &mut Vec<Event>) {
        if let Some(id) = self.event_id.take() {
            self.last_event_id = Some(id);
        }
        if self.has_data {
            events.push(Event {
                id: self.last_event_id.clone(),
                event: self.event.take(),
                data: std::mem::take(&mut self.data),
            });
        }
        self.reset_event();
    }

    fn reset_event(&mut self) {
        self.data.clear();
        self.has_data = false;
        self.event = None;
        self.event_id = None;
        self.pending = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(chunks: &[&[u8]]) -> (Vec<Event>, Decoder) {
        let mut d = Decoder::new(1 << 20);
        let mut out = Vec::new();
        for c in chunks {
            out.extend(d.feed(c).expect("decodes"));
        }
        (out, d)
    }

    #[test]
    fn joins_data_lines_and_skips_comments() {
        let (events, d) = decode_all(&[b": hello\nid: 7\nretry: 250\ndata: {\"a\":\ndata: 1}\n\n"]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "{\"a\":\n1}");
        assert_eq!(events[0].id.as_deref(), Some("7"));
        assert_eq!(d.last_event_id.as_deref(), Some("7"));
        assert_eq!(d.retry_ms, Some(250));
    }

    #[test]
    fn priming_event_with_empty_data_is_seen_but_empty() {
        let (events, d) = decode_all(&[b"id: p1\ndata:\n\n"]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "");
        assert_eq!(d.last_event_id.as_deref(), Some("p1"));
        let (events, d) = decode_all(&[b"id: p2\n\n"]);
        assert!(events.is_empty());
        assert_eq!(d.last_event_id.as_deref(), Some("p2"));
    }

    #[test]
    fn any_chunking_and_line_ending_gives_the_same_events() {
        let text = b"event: message\r\ndata: {\"x\": 1}\r\n\r\n: c\rdata: two\r\rdata: three\n\n";
        let (whole, _) = decode_all(&[text]);
        assert_eq!(whole.len(), 3);
        for size in 1..text.len() {
            let chunks: Vec<&[u8]> = text.chunks(size).collect();
            let (events, _) = decode_all(&chunks);
            assert_eq!(events, whole, "chunk size {size}");
        }
        assert_eq!(whole[1].data, "two");
        assert_eq!(whole[0].event.as_deref(), Some("message"));
    }

    #[test]
    fn invalid_utf8_and_oversized_events_are_errors() {
        let mut d = Decoder::new(1 << 20);
        assert_eq!(d.feed(b"data: \xff\xfe\n"), Err(SseError::InvalidUtf8));
        let mut d = Decoder::new(8);
        assert_eq!(d.feed(b"data: 0123456789"), Err(SseError::TooLarge(8)));
    }

    #[test]
    fn unterminated_event_is_dropped() {
        let mut d = Decoder::new(1 << 20);
        assert!(d.feed(b"data: partial\n").expect("decodes").is_empty());
        d.finish();
        assert!(d.feed(b"\n").expect("decodes").is_empty());
    }
}
