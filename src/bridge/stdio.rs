//! The client's side: newline-delimited JSON-RPC on stdin and stdout, one line at most 1 MiB.
//!
//! stdin is read on a thread of its own, a line at a time and never more than the cap: a longer
//! line is skimmed for its `id` (so it can be answered) and dropped. stdout has one writer, so
//! messages from many requests in flight never interleave.

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::mpsc;

/// Longest line accepted on stdin (and the most any single message on stdout can be).
pub const MAX_LINE: usize = crate::http::MAX_BODY;

/// Lines waiting for the bridge (each at most [`MAX_LINE`]): bounds memory, and a client that
/// writes faster than the server answers waits.
const QUEUE: usize = 16;

/// One event on stdin.
#[derive(Debug)]
pub enum Input {
    Line(String),
    /// A line over the cap, with its `id` when one was found.
    TooLong(Option<Value>),
    /// A line that is not UTF-8.
    NotText,
    /// stdin closed (or failed).
    End,
}

/// Read stdin on a thread; lines arrive on the returned channel.
pub fn read_stdin() -> mpsc::Receiver<Input> {
    let (tx, rx) = mpsc::channel(QUEUE);
    std::thread::spawn(move || read_lines(std::io::stdin().lock(), &tx));
    rx
}

/// Split `input` into lines for `tx`; ends with [`Input::End`].
pub fn read_lines(mut input: impl BufRead, tx: &mpsc::Sender<Input>) {
    let mut line = Vec::new();
    let mut skimming: Option<IdScanner> = None;
    loop {
        let (used, end_of_line) = match input.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(buffer) => {
                let newline = buffer.iter().position(|&b| b == b'\n');
                let part = &buffer[..newline.unwrap_or(buffer.len())];
                match skimming.as_mut() {
                    Some(scanner) => scanner.feed(part),
                    None if line.len() + part.len() > MAX_LINE => {
                        let mut scanner = IdScanner::default();
                        scanner.feed(&line);
                        scanner.feed(part);
                        line = Vec::new();
                        skimming = Some(scanner);
                    }
                    None => line.extend_from_slice(part),
                }
                (newline.map_or(buffer.len(), |n| n + 1), newline.is_some())
            }
        };
        input.consume(used);
        if end_of_line {
            let event = match skimming.take() {
                Some(scanner) => Some(Input::TooLong(scanner.id())),
                None => text(std::mem::take(&mut line)),
            };
            if let Some(event) = event
                && tx.blocking_send(event).is_err()
            {
                return;
            }
        }
    }
    // A last line without a newline still counts.
    let last = match skimming.take() {
        Some(scanner) => Some(Input::TooLong(scanner.id())),
        None => text(line),
    };
    if let Some(event) = last {
        let _ = tx.blocking_send(event);
    }
    let _ = tx.blocking_send(Input::End);
}

/// A complete line; blank lines are nothing.
fn text(mut line: Vec<u8>) -> Option<Input> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(String::from_utf8(line).map_or(Input::NotText, Input::Line))
}

/// Finds the top-level `"id"` of a JSON object streaming past, in constant memory.
#[derive(Debug, Default)]
pub struct IdScanner {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// The string just closed at depth 1 (a key, if a colon follows), capped.
    string: Vec<u8>,
    last_key_is_id: bool,
    /// Collecting the value of `"id"`.
    value: Option<Vec<u8>>,
    found: Option<Vec<u8>>,
    expect_key: bool,
}

const MAX_ID: usize = 256;

impl IdScanner {
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.found.is_some() {
                return;
            }
            self.step(b);
        }
    }

    fn step(&mut self, b: u8) {
        if let Some(value) = self.value.as_mut() {
            let ends = !self.in_string && matches!(b, b',' | b'}') && self.depth == 1;
            if ends {
                self.found = self.value.take();
                return;
            }
            if value.len() < MAX_ID {
                value.push(b);
            } else {
                self.value = None;
            }
        }
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            } else if self.depth == 1 && self.string.len() <= MAX_ID {
                self.string.push(b);
            }
            return;
        }
        match b {
            b'"' => {
                self.in_string = true;
                self.string.clear();
            }
            b'{' | b'[' => {
                self.depth += 1;
                if self.depth == 1 {
                    self.expect_key = b == b'{';
                }
            }
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            b':' if self.depth == 1 && self.expect_key => {
                self.last_key_is_id = self.string == b"id";
                self.expect_key = false;
                if self.last_key_is_id {
                    self.value = Some(Vec::new());
                }
            }
            b',' if self.depth == 1 => self.expect_key = true,
            _ => {}
        }
    }

    /// The id, when it is a string or a number.
    pub fn id(&self) -> Option<Value> {
        let raw = self.found.as_ref()?;
        let id: Value = serde_json::from_slice(raw).ok()?;
        (id.is_string() || id.is_number()).then_some(id)
    }
}

/// The one writer of stdout. Lines sent to it are written in order, each with a newline.
#[derive(Debug, Clone)]
pub struct Stdout {
    tx: mpsc::Sender<Option<String>>,
    thread: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl Stdout {
    /// Start the writer thread. `closed` fires when the client stops reading (a broken pipe).
    pub fn start(closed: mpsc::Sender<()>) -> Stdout {
        let (tx, mut rx) = mpsc::channel::<Option<String>>(QUEUE);
        let thread = std::thread::spawn(move || {
            let mut out = std::io::stdout().lock();
            while let Some(Some(line)) = rx.blocking_recv() {
                let written =
                    out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
                if written.is_err() {
                    let _ = closed.blocking_send(());
                    return;
                }
            }
        });
        Stdout { tx, thread: Arc::new(Mutex::new(Some(thread))) }
    }

    /// Queue one message (already a single line) for the client.
    pub async fn send(&self, line: String) {
        let _ = self.tx.send(Some(line)).await;
    }

    /// Write what is queued, then stop.
    pub async fn finish(&self) {
        let _ = self.tx.send(None).await;
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Option<Value> {
        let mut s = IdScanner::default();
        for chunk in text.as_bytes().chunks(3) {
            s.feed(chunk);
        }
        s.id()
    }

    #[test]
    fn finds_the_top_level_id() {
        assert_eq!(scan(r#"{"jsonrpc":"2.0","id":42,"method":"x","params":{"a":"b"}}"#), Some(serde_json::json!(42)));
        assert_eq!(scan(r#"{"params":{"id":1,"x":[{"id":2}]},"id":"abc"}"#), Some(serde_json::json!("abc")));
        assert_eq!(scan(r#"{"method":"x","params":{"text":"\"id\":9,"}, "id" : 7 }"#), Some(serde_json::json!(7)));
        assert_eq!(scan(r#"{"method":"x","params":{"id":1}}"#), None);
        assert_eq!(scan(r#"["id", 3]"#), None);
        assert_eq!(scan(r#"{"id":null,"method":"x"}"#), None);
        assert_eq!(scan(r#"{"method":"notifications/x","params":{"data":"aaaa"#), None);
    }

    fn lines(input: &[u8]) -> Vec<Input> {
        let (tx, mut rx) = mpsc::channel(1024);
        read_lines(std::io::BufReader::with_capacity(7, input), &tx);
        let mut out = Vec::new();
        while let Ok(event) = rx.try_recv() {
            out.push(event);
        }
        out
    }

    #[test]
    fn frames_lines_and_drops_long_ones() {
        let mut input = b"{\"id\":1}\r\n\n  \n".to_vec();
        input.extend_from_slice(b"{\"id\":2,\"method\":\"m\",\"params\":{\"pad\":\"");
        input.extend(std::iter::repeat_n(b'a', MAX_LINE));
        input.extend_from_slice(b"\"}}\n\xff\n{\"id\":3}");
        let events = lines(&input);
        assert!(matches!(&events[0], Input::Line(l) if l == "{\"id\":1}"), "{events:?}");
        assert!(matches!(&events[1], Input::TooLong(Some(id)) if id == 2), "{:?}", events[1]);
        assert!(matches!(&events[2], Input::NotText));
        assert!(matches!(&events[3], Input::Line(l) if l == "{\"id\":3}"));
        assert!(matches!(&events[4], Input::End));
        assert_eq!(events.len(), 5);
    }

    #[test]
    fn a_line_of_exactly_the_cap_is_kept() {
        let mut input = vec![b' '; MAX_LINE - 2];
        input.extend_from_slice(b"{}\n");
        let events = lines(&input);
        assert!(matches!(&events[0], Input::Line(l) if l.len() == MAX_LINE));
    }
}
