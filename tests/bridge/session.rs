//! The MCP session behind the bridge: a server that restarts (and so forgets the session) is
//! set up again without the client noticing, and an event stream that closes early is resumed.

use serde_json::json;

use super::support::{Clients, Driver, LOCAL_TOOLS, Raw, local_server, logged_in};
use crate::support::server::{Fault, Match, OAuthConfig, ServerConfig, TestServer};

#[test]
fn a_server_restart_mid_session_is_answered_by_a_new_session() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(true, Some(OAuthConfig::default()));
    let av = logged_in(&server);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    assert!(client.call(LOCAL_TOOLS.echo, json!({"text": "before"})).contains("before"));
    let old_session = server.requests().iter().rev().find_map(|r| r.session_id.clone()).expect("a session");
    let server = server.restart();
    assert!(client.call(LOCAL_TOOLS.echo, json!({"text": "after"})).contains("after"), "answered across the restart");
    let calls = server.calls();
    assert_eq!(calls.initialize, 1, "the client's initialize, replayed once");
    assert_eq!(calls.initialized_notifications, 1);
    let records = server.requests();
    let refused = records.iter().find(|r| r.tool.as_deref() == Some("echo")).expect("the call reached the new server");
    assert_eq!(refused.status, 404, "the first try carried the old session");
    assert_eq!(refused.session_id.as_deref(), Some(old_session.as_str()));
    let retried = records.iter().rev().find(|r| r.tool.as_deref() == Some("echo")).unwrap();
    assert_eq!(retried.status, 200);
    assert_ne!(retried.session_id.as_deref(), Some(old_session.as_str()));
    let init = records.iter().find(|r| r.rpc_method.as_deref() == Some("initialize")).unwrap();
    assert!(init.session_id.is_none(), "a new session is asked for without the old id");
    // The client's own answer to its first initialize was its only one.
    let seen = client.seen();
    assert!(seen["errors"].as_array().unwrap().is_empty(), "{seen}");
    let later = client.ok(json!({"op": "list"}));
    assert!(later["result"]["tools"].as_array().unwrap().len() >= 3);
}

#[test]
fn every_later_request_carries_the_session_and_the_negotiated_version() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(false, None);
    let av = crate::support::cli::Agentview::new(&server.mcp_url());
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    client.ok(json!({"op": "list"}));
    client.call(LOCAL_TOOLS.echo, json!({"text": "x"}));
    let records = server.requests();
    let session = records.iter().find_map(|r| r.session_id.clone()).expect("a session id");
    for r in records.iter().filter(|r| r.http_method == "POST" && r.rpc_method.as_deref() != Some("initialize")) {
        assert_eq!(r.session_id.as_deref(), Some(session.as_str()), "{r:?}");
        assert_eq!(r.protocol_version.as_deref(), Some("2025-11-25"), "{r:?}");
        assert_eq!(r.headers.get("mcp-method").map(String::as_str), r.rpc_method.as_deref(), "{r:?}");
    }
    let call = records.iter().find(|r| r.tool.as_deref() == Some("echo")).unwrap();
    assert_eq!(call.headers.get("mcp-name").map(String::as_str), Some("echo"));
    assert_eq!(call.accept.as_deref(), Some("application/json, text/event-stream"));
    assert!(!call.authorization, "no credential, no header");
}

#[test]
fn an_event_stream_that_closes_before_the_answer_is_resumed() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(true, None);
    let av = crate::support::cli::Agentview::new(&server.mcp_url());
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    server.push_fault(Fault::SseCloseEarly { on: Match::Tool("echo".into()), retry_ms: 20, count: 1 });
    assert!(client.call(LOCAL_TOOLS.echo, json!({"text": "resumed"})).contains("resumed"));
    let resumed = server.requests().into_iter().filter(|r| r.http_method == "GET" && r.last_event_id.is_some()).count();
    assert_eq!(resumed, 1, "one GET with Last-Event-ID");
}

#[test]
fn requests_of_the_stateless_revision_carry_its_headers() {
    let server = TestServer::start(ServerConfig { stateful: false, client_tools: true, ..ServerConfig::default() });
    let av = crate::support::cli::Agentview::new(&server.mcp_url());
    let mut bridge = Raw::start(&av);
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"}, "io.modelcontextprotocol/clientCapabilities": {}});
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "stateless"}, "_meta": meta}}));
    assert_eq!(bridge.answer(json!(1))["result"]["content"][0]["text"], json!({"text": "stateless"}).to_string());
    bridge.send_json(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "héllo", "_meta": meta}}),
    );
    bridge.answer(json!(2));
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": "=?base64?x?=", "_meta": meta}}));
    // HTTP 404 with the server's own JSON-RPC error: passed on as it is.
    assert_eq!(bridge.answer(json!(3))["error"]["code"], -32601);
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    let records = server.requests();
    assert!(records.iter().all(|r| r.http_method == "POST"), "no GET stream, no DELETE without a session");
    let header = |i: usize, name: &str| records[i].headers.get(name).cloned().unwrap_or_default();
    for (i, method) in ["tools/call", "tools/call", "resources/read"].into_iter().enumerate() {
        assert_eq!(header(i, "mcp-protocol-version"), "2026-07-28");
        assert_eq!(header(i, "mcp-method"), method);
    }
    assert_eq!(header(0, "mcp-name"), "echo");
    assert_eq!(header(1, "mcp-name"), "=?base64?aMOpbGxv?=", "not plain ASCII");
    assert_eq!(header(2, "mcp-name"), "=?base64?PT9iYXNlNjQ/eD89?=", "looks like the sentinel");
}
