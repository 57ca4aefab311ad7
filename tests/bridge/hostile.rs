//! A server that misbehaves: only valid JSON-RPC reaches the client, an answer only for a request
//! the client is waiting on, and only once; resumed streams have a floor, growing waits and a
//! limit; the bridge ends promptly with requests in flight; a session that stays gone and a
//! protocol version that cannot be a header get clear errors.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::bridge::hostile_server::{Hostile, Reply, Seen, event, result};
use crate::bridge::support::Raw;
use crate::support::cli::{Agentview, wait_until};

fn tool(seen: &Seen) -> &str {
    if seen.rpc_method() != "tools/call" {
        return "";
    }
    seen.body.pointer("/params/name").and_then(Value::as_str).unwrap_or("")
}

fn call(id: u64, name: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": {}}})
}

/// A valid JSON-RPC 2.0 request, notification or response object.
fn is_json_rpc(message: &Value) -> bool {
    let Some(object) = message.as_object() else { return false };
    if object.get("jsonrpc") != Some(&json!("2.0")) {
        return false;
    }
    let id_ok = |id: &Value| id.is_string() || id.is_number();
    match (object.get("method"), object.get("id")) {
        (Some(method), id) => method.is_string() && id.is_none_or(id_ok),
        (None, Some(id)) => {
            (id_ok(id) || id.is_null()) && (object.contains_key("result") != object.contains_key("error"))
        }
        (None, None) => false,
    }
}

/// Lines until stdout closes (the bridge has ended).
fn all_lines(bridge: &mut Raw) -> Vec<Value> {
    bridge.rest_of_stdout().iter().map(|l| serde_json::from_str(l).expect("stdout carries only JSON")).collect()
}

#[test]
fn only_valid_json_rpc_messages_reach_stdout() {
    let server = Hostile::start(|seen| {
        (tool(seen) == "junk").then(|| {
            let id = seen.body["id"].clone();
            let junk = ["42", "null", "[1,2]", r#""str""#, r#"{"a":1}"#, r#"{"jsonrpc":"1.0","method":"x"}"#];
            let mut events: Vec<String> =
                junk.iter().enumerate().map(|(i, d)| event(&format!("e{i}"), None, d)).collect();
            let fine = r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"fine"}}"#;
            events.push(event("n", None, fine));
            events.push(event("a", None, &result(&id, r#"{"content":[]}"#)));
            Reply::Events { events, hang: false }
        })
    });
    let mut bridge = Raw::with_flags(&Agentview::new(&server.url), &["-v"]);
    bridge.handshake();
    bridge.send_json(call(1, "junk"));
    let mut before = Vec::new();
    loop {
        let message = bridge.recv();
        assert!(is_json_rpc(&message), "not JSON-RPC on stdout: {message}");
        if message.get("id") == Some(&json!(1)) {
            assert_eq!(message["result"], json!({"content": []}));
            break;
        }
        before.push(message);
    }
    assert_eq!(before.len(), 1, "the valid notification, nothing else: {before:?}");
    assert_eq!(before[0]["params"]["data"], "fine");
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    let stderr = bridge.stderr();
    assert!(stderr.contains("dropped"), "-v says what was dropped: {stderr}");
}

#[test]
fn a_malformed_answer_to_a_pending_request_is_an_error_for_it() {
    let server = Hostile::start(|seen| {
        (tool(seen) == "broken").then(|| {
            let id = seen.body["id"].clone();
            let both = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{}},"error":{{"code":1,"message":"x"}}}}"#);
            Reply::Events { events: vec![event("1", None, &both)], hang: true }
        })
    });
    let mut bridge = Raw::start(&Agentview::new(&server.url));
    bridge.handshake();
    bridge.send_json(call(5, "broken"));
    let answer = bridge.answer(json!(5));
    assert!(is_json_rpc(&answer), "{answer}");
    assert_eq!(answer["error"]["code"], -32000, "{answer}");
    assert!(answer.get("result").is_none());
}

#[test]
fn answers_reach_the_client_only_for_pending_requests_and_once() {
    let server = Hostile::start(|seen| match tool(seen) {
        "slow" => Some(Reply::Events { events: vec![event("s0", None, "")], hang: true }),
        "chatty" => {
            let id = seen.body["id"].clone();
            let events = vec![
                event("c1", None, &result(&json!(1), r#"{"from":"elsewhere"}"#)),
                event("c2", None, &result(&json!(1), r#"{"from":"again"}"#)),
                event("c3", None, &result(&json!(3), r#"{"never":"asked"}"#)),
                event("c4", None, &result(&id, r#"{"from":"own"}"#)),
            ];
            Some(Reply::Events { events, hang: false })
        }
        _ => None,
    });
    let mut bridge = Raw::start(&Agentview::new(&server.url));
    bridge.handshake();
    bridge.send_json(call(1, "slow"));
    wait_until("the slow call reached the server", Duration::from_secs(30), || {
        server.seen().iter().any(|s| tool(s) == "slow").then_some(())
    });
    bridge.send_json(call(2, "chatty"));
    let mut got = Vec::new();
    while got.len() < 2 {
        let message = bridge.recv();
        if message.get("method").is_none() {
            got.push(message);
        }
    }
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    got.extend(all_lines(&mut bridge).into_iter().filter(|m| m.get("method").is_none()));
    let answers = |id: u64| got.iter().filter(|m| m["id"] == id).collect::<Vec<_>>();
    assert_eq!(answers(1).len(), 1, "one answer for request 1: {got:?}");
    assert_eq!(answers(1)[0]["result"]["from"], "elsewhere", "the first one sent, from another stream");
    assert_eq!(answers(2).len(), 1, "{got:?}");
    assert_eq!(answers(2)[0]["result"]["from"], "own");
    assert!(answers(3).is_empty(), "no answer for an id the client never sent: {got:?}");
}

/// Every resumption of the call's stream brings one empty event with a new id and `retry: 0`.
fn closing_server(with_message: bool) -> Hostile {
    Hostile::start(move |seen| {
        let data = if with_message {
            r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"tick"}}"#
        } else {
            ""
        };
        let n = seen.at.elapsed().as_nanos();
        if tool(seen) == "forever" || seen.method == "GET" && seen.headers.contains_key("last-event-id") {
            return Some(Reply::Events { events: vec![event(&format!("r{n}"), Some(0), data)], hang: false });
        }
        None
    })
}

#[test]
fn resuming_a_stream_waits_at_least_the_floor_longer_each_time_and_gives_up() {
    let server = closing_server(false);
    let mut av = Agentview::new(&server.url);
    av.set("AGENTVIEW_RETRY_WAIT", "0.05");
    let mut bridge = Raw::start(&av);
    bridge.handshake();
    bridge.send_json(call(1, "forever"));
    let answer = bridge.answer(json!(1));
    assert_eq!(answer["error"]["code"], -32000, "{answer}");
    let resumes: Vec<Instant> =
        server.seen().iter().filter(|s| s.headers.contains_key("last-event-id")).map(|s| s.at).collect();
    assert!((2..=10).contains(&resumes.len()), "a limit on attempts: {} GETs", resumes.len());
    let call_at = server.seen().iter().find(|s| tool(s) == "forever").unwrap().at;
    let mut gaps = vec![resumes[0] - call_at];
    gaps.extend(resumes.windows(2).map(|w| w[1] - w[0]));
    assert!(gaps.iter().all(|g| *g >= Duration::from_millis(50)), "the floor holds: {gaps:?}");
    assert!(gaps.last().unwrap() > &(gaps[0] * 2), "the waits grow: {gaps:?}");
}

#[test]
fn resuming_is_limited_even_when_each_stream_brings_a_message() {
    let server = closing_server(true);
    let mut av = Agentview::new(&server.url);
    av.set("AGENTVIEW_RETRY_WAIT", "0.01");
    let mut bridge = Raw::start(&av);
    bridge.handshake();
    bridge.send_json(call(1, "forever"));
    let answer = bridge.answer(json!(1));
    assert_eq!(answer["error"]["code"], -32000, "{answer}");
    let resumes = server.seen().iter().filter(|s| s.headers.contains_key("last-event-id")).count();
    assert!(resumes <= 100, "a limit on attempts: {resumes} GETs");
}

/// The call's stream never ends, and the session is never deleted: the server does not answer.
fn hanging_server() -> Hostile {
    Hostile::start(|seen| match tool(seen) {
        "hang" => Some(Reply::Events { events: vec![event("h0", None, "")], hang: true }),
        _ if seen.method == "DELETE" => Some(Reply::Silence),
        _ => None,
    })
}

fn wait_for_hanging_call(server: &Hostile) {
    wait_until("the call reached the server", Duration::from_secs(30), || {
        server.seen().iter().any(|s| tool(s) == "hang").then_some(())
    });
}

#[test]
fn closing_stdin_ends_the_bridge_promptly_with_a_request_in_flight() {
    let server = hanging_server();
    let mut bridge = Raw::start(&Agentview::new(&server.url));
    bridge.handshake();
    bridge.send_json(call(7, "hang"));
    wait_for_hanging_call(&server);
    let closed = Instant::now();
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    let took = closed.elapsed();
    // It waits 400 ms for answers in flight and 300 ms for the session's end; before, it waited
    // 30 s for the stream and 5 s for the session's end. 4 s tells the two apart on a loaded machine.
    assert!(took < Duration::from_secs(4), "ended {took:?} after stdin closed");
    let rest = all_lines(&mut bridge);
    let error = rest.iter().find(|m| m["id"] == 7).expect("the request in flight gets an error");
    assert!(is_json_rpc(error) && error.get("error").is_some(), "{error}");
    let cancelled = server.seen().into_iter().find(|s| s.rpc_method() == "notifications/cancelled");
    let cancelled = cancelled.expect("the server hears the request is cancelled");
    assert_eq!(cancelled.body["params"]["requestId"], 7);
}

#[cfg(unix)]
#[test]
fn sigterm_ends_the_bridge_promptly_with_a_request_in_flight() {
    let server = hanging_server();
    let mut bridge = Raw::start(&Agentview::new(&server.url));
    bridge.handshake();
    bridge.send_json(call(8, "hang"));
    wait_for_hanging_call(&server);
    let sent = Instant::now();
    let pid = bridge.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert_eq!(bridge.exit_code(), 0);
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(4), "ended {took:?} after SIGTERM");
}

#[test]
fn a_session_that_stays_gone_names_the_server() {
    let server = Hostile::start(|seen| (tool(seen) == "gone").then_some(Reply::Status(404)));
    let mut bridge = Raw::start(&Agentview::new(&server.url));
    bridge.handshake();
    bridge.send_json(call(4, "gone"));
    let answer = bridge.answer(json!(4));
    let text = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains(&server.url), "names the server: {text}");
    assert!(text.contains("could not be re-established"), "{text}");
    assert!(!text.contains("check --server"), "{text}");
    let initializes = server.seen().iter().filter(|s| s.rpc_method() == "initialize").count();
    assert_eq!(initializes, 2, "the session was set up again once");
}

#[test]
fn a_protocol_version_that_cannot_be_a_header_is_refused_before_sending() {
    let server = Hostile::start(|_| None);
    let mut bridge = Raw::start(&Agentview::new(&server.url));
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28\r\nX-Injected: 1"});
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {"_meta": meta}}));
    let answer = bridge.answer(json!(9));
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    let text = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains("protocol version"), "{text}");
    assert!(server.seen().iter().all(|s| s.method != "POST"), "nothing was sent: {:?}", server.seen());
}
