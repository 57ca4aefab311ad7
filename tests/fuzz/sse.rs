//! The SSE decoder: no panic on any bytes in any chunking, bounded output, and for valid
//! streams exactly the events that were written, whatever the chunking and line endings.

use agentview::fuzzing::{Decoder, Event, SseError};

use super::generate::Rng;

/// Feed `input` in random chunks; events until the first error, and the error.
fn decode(input: &[u8], max: usize, rng: Option<&mut Rng>) -> (Vec<Event>, Option<SseError>, Decoder) {
    let mut decoder = Decoder::new(max);
    let mut events = Vec::new();
    let mut chunks: Vec<&[u8]> = Vec::new();
    match rng {
        None => chunks.push(input),
        Some(rng) => {
            let mut rest = input;
            while !rest.is_empty() {
                let n = if rng.chance(50) { 1 + rng.below(3) } else { 1 + rng.below(rest.len()) };
                let (head, tail) = rest.split_at(n.min(rest.len()));
                chunks.push(head);
                rest = tail;
            }
        }
    }
    for chunk in chunks {
        match decoder.feed(chunk) {
            Ok(more) => events.extend(more),
            Err(e) => return (events, Some(e), decoder),
        }
    }
    (events, None, decoder)
}

fn noise(rng: &mut Rng) -> Vec<u8> {
    let pieces: &[&[u8]] = &[
        b"data:",
        b"data: ",
        b"id:",
        b"id: 7",
        b"retry:",
        b"retry: 10",
        b"event: message",
        b":",
        b" ",
        b"\r",
        b"\n",
        b"\r\n",
        b"\n\n",
        b"{\"jsonrpc\":\"2.0\"}",
        b"\xff",
        b"\xc3",
        b"\xa9",
        b"\0",
        "é".as_bytes(),
    ];
    let mut out = Vec::new();
    for _ in 0..rng.below(60) {
        if rng.chance(70) {
            let piece: &[u8] = rng.pick::<&[u8]>(pieces);
            out.extend_from_slice(piece);
        } else {
            out.extend(rng.bytes(8));
        }
    }
    out
}

/// A valid stream and the events it must decode to.
fn valid(rng: &mut Rng) -> (Vec<u8>, Vec<Event>, Option<String>, Option<u64>) {
    let eol = *rng.pick(&["\n", "\r\n", "\r"]);
    let clean = |rng: &mut Rng, max| -> String {
        rng.string(max).chars().filter(|c| !matches!(c, '\r' | '\n' | '\0')).collect()
    };
    let mut text = String::new();
    let mut expected = Vec::new();
    let mut last_id = None;
    let mut retry = None;
    for _ in 0..rng.below(6) {
        let mut lines = Vec::new();
        let mut data: Vec<String> = Vec::new();
        let mut event = None;
        for _ in 0..rng.below(5) {
            match rng.below(6) {
                0 => lines.push(format!(":{}", clean(rng, 10))),
                1 => {
                    let id = clean(rng, 6);
                    lines.push(format!("id: {id}"));
                    last_id = Some(id);
                }
                2 => {
                    let ms = rng.below(100_000) as u64;
                    lines.push(format!("retry: {ms}"));
                    retry = Some(ms);
                }
                3 => {
                    let name = clean(rng, 8);
                    lines.push(format!("event: {name}"));
                    event = Some(name);
                }
                _ => {
                    let line = clean(rng, 20);
                    lines.push(format!("data: {line}"));
                    data.push(line);
                }
            }
        }
        for line in lines {
            text.push_str(&line);
            text.push_str(eol);
        }
        text.push_str(eol);
        if !data.is_empty() {
            expected.push(Event { id: last_id.clone(), event, data: data.join("\n") });
        }
    }
    (text.into_bytes(), expected, last_id, retry)
}

pub fn one_case(rng: &mut Rng) {
    if rng.chance(50) {
        let input = noise(rng);
        let max = if rng.chance(30) { 1 + rng.below(32) } else { 1 << 20 };
        let (whole, whole_err, _) = decode(&input, max, None);
        let (chunked, chunked_err, _) = decode(&input, max, Some(rng));
        assert_eq!(whole_err.is_some(), chunked_err.is_some(), "error depends on chunking: {input:?}");
        if whole_err.is_none() {
            assert_eq!(whole, chunked, "events depend on chunking: {input:?}");
        } else {
            assert!(chunked.len() <= input.len(), "more events than bytes");
        }
        let total: usize = chunked.iter().map(|e| e.data.len()).sum();
        assert!(total <= input.len(), "more data out than bytes in");
        assert!(chunked.iter().all(|e| e.data.len() <= max), "an event over the limit: {input:?}");
    } else {
        let (input, expected, last_id, retry) = valid(rng);
        let (events, err, decoder) = decode(&input, 1 << 20, Some(rng));
        assert_eq!(err, None, "a valid stream failed: {:?}", String::from_utf8_lossy(&input));
        assert_eq!(events, expected, "stream {:?}", String::from_utf8_lossy(&input));
        assert_eq!(decoder.last_event_id, last_id);
        assert_eq!(decoder.retry_ms, retry);
    }
}
