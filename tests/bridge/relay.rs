//! Messages both ways: the server's requests to the client (elicitation, sampling, roots) and
//! the client's answers, progress notifications as they come, several requests at once, and
//! batches. The tool names come from `Upstream`, so another server can stand in.

use serde_json::{Value, json};

use super::support::{Clients, Driver, LOCAL_TOOLS, Raw, Tools, Upstream, local_server};
use crate::support::cli::{Agentview, wait_until};

fn local(sse: bool) -> (crate::support::server::TestServer, Upstream) {
    let server = local_server(sse, None);
    let upstream = Upstream { url: server.mcp_url(), tools: LOCAL_TOOLS };
    (server, upstream)
}

fn elicitation_reaches_the_client(upstream: &Upstream, clients: &Clients) {
    let av = Agentview::new(&upstream.url);
    let mut client = Driver::start(clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    let text = client.call(upstream.tools.elicit, json!({}));
    assert!(text.contains("Ada"), "the tool got the client's answer: {text}");
    let seen = client.seen();
    let methods: Vec<&str> = seen["requests"].as_array().unwrap().iter().filter_map(|r| r["method"].as_str()).collect();
    assert_eq!(methods, ["elicitation/create"], "{seen}");
}

#[test]
fn the_servers_requests_reach_the_client_and_its_answers_the_server() {
    let Some(clients) = Clients::find() else { return };
    for sse in [true, false] {
        let (_server, upstream) = local(sse);
        elicitation_reaches_the_client(&upstream, &clients);
        let av = Agentview::new(&upstream.url);
        let mut client = Driver::start(&clients, &av, &[]);
        client.ok(json!({"op": "connect"}));
        assert_eq!(client.call("ask_model", json!({"question": "six times seven?"})), "the model said: forty-two");
        assert_eq!(client.call("list_roots", json!({})), "roots: file:///projects/demo");
    }
}

/// The notifications of a request come before its answer, on stdout as the server sent them.
fn progress_arrives_before_the_answer(upstream: &Upstream) {
    let av = Agentview::new(&upstream.url);
    let mut bridge = Raw::start(&av);
    bridge.handshake();
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": upstream.tools.progress, "arguments": {"n": 5}, "_meta": {"progressToken": "p1"}}}));
    let mut steps = Vec::new();
    loop {
        let message = bridge.recv();
        if message.get("id") == Some(&json!(1)) {
            break;
        }
        if message["method"] == "notifications/progress" && message["params"]["progressToken"] == "p1" {
            steps.push(message["params"]["progress"].as_f64().unwrap());
        }
    }
    assert_eq!(steps, [1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn progress_notifications_stream_to_the_client() {
    let (_server, upstream) = local(true);
    progress_arrives_before_the_answer(&upstream);
    let Some(clients) = Clients::find() else { return };
    let Tools { progress, .. } = upstream.tools;
    let av = Agentview::new(&upstream.url);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    let answer = client.ok(json!({"op": "call", "name": progress, "arguments": {"n": 5}, "progress": true}));
    let handled = answer["progress"].as_array().unwrap().len();
    // The SDK drops a notification that reaches it in the same read as the answer (it runs
    // notification handlers a turn later); it says so as an error, which shows it arrived.
    let seen = client.seen();
    let late = seen["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.as_str().unwrap().contains("progress notification"))
        .count();
    assert_eq!(handled + late, 5, "every notification reached the client: {answer} {seen}");
}

#[test]
fn several_requests_are_in_flight_at_once() {
    let Some(clients) = Clients::find() else { return };
    let (server, upstream) = local(true);
    let av = Agentview::new(&upstream.url);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    let steps: Vec<Value> = (0..6)
        .map(|i| match i % 3 {
            0 => json!({"op": "call", "name": upstream.tools.elicit}),
            1 => json!({"op": "call", "name": upstream.tools.progress, "arguments": {"n": 3}, "progress": true}),
            _ => json!({"op": "call", "name": upstream.tools.echo, "arguments": {"text": format!("e{i}")}}),
        })
        .collect();
    let answer = client.ok(json!({"op": "parallel", "steps": steps}));
    for (i, result) in answer["results"].as_array().unwrap().iter().enumerate() {
        assert_eq!(result["ok"], true, "step {i}: {result}");
    }
    assert_eq!(answer["results"][2]["result"]["content"][0]["text"], json!({"text": "e2"}).to_string());
    // Each request had a connection of its own at some point: they did not wait in one line.
    let peers: std::collections::HashSet<_> = server.requests().iter().filter_map(|r| r.peer).collect();
    assert!(peers.len() > 1, "{peers:?}");
}

#[test]
fn a_batch_is_answered_with_a_batch() {
    let (server, upstream) = local(false);
    let av = Agentview::new(&upstream.url);
    let mut bridge = Raw::start(&av);
    bridge.handshake();
    bridge.send_json(json!([
        {"jsonrpc": "2.0", "id": "a", "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/roots/list_changed"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "b"}}},
    ]));
    let answer = loop {
        let line = bridge.recv();
        if line.is_array() {
            break line;
        }
    };
    let ids: Vec<&Value> = answer.as_array().unwrap().iter().map(|a| &a["id"]).collect();
    assert_eq!(ids, [&json!("a"), &json!(2)], "{answer}");
    assert_eq!(answer[1]["result"]["content"][0]["text"], json!({"text": "b"}).to_string());
    let notified =
        server.requests().iter().any(|r| r.rpc_method.as_deref() == Some("notifications/roots/list_changed"));
    assert!(notified, "the notification in the batch was sent on");
    bridge.send("[]");
    assert_eq!(bridge.recv()["error"]["code"], -32600, "an empty batch is an invalid request");
}

#[test]
fn a_cancelled_request_is_cancelled_at_the_server_and_never_answered() {
    let (server, upstream) = local(true);
    let av = Agentview::new(&upstream.url);
    let mut bridge = Raw::start(&av);
    bridge.handshake();
    bridge.send_json(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": upstream.tools.elicit}}),
    );
    // The tool waits for the client's answer to its question, which this client never gives.
    let question = bridge.recv();
    assert_eq!(question["method"], "elicitation/create", "{question}");
    bridge.send_json(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1, "reason": "user"}}),
    );
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}));
    let next = bridge.recv();
    assert_eq!(next["id"], 2, "the cancelled request gets no answer: {next}");
    let cancelled = wait_until("the server is told", std::time::Duration::from_secs(30), || {
        server
            .requests()
            .into_iter()
            .find(|r| r.rpc_method.as_deref() == Some("notifications/cancelled") && r.status != 0)
    });
    assert!(cancelled.session_id.is_some() && cancelled.status == 202, "{cancelled:?}");
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    assert!(bridge.rest_of_stdout().is_empty(), "nothing for request 1, even at the end");
}
