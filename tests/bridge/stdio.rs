//! The stdio rules, with a test writing the client's lines itself: nothing before the first
//! message, only JSON-RPC on stdout, lines over 1 MiB answered with an error, a clean end on
//! stdin's end and on SIGTERM (the session deleted), and the token in no output, argv or environment.

use serde_json::{Value, json};

use super::support::{Raw, local_server};
use crate::support::cli::Agentview;

#[test]
fn nothing_happens_before_the_first_message() {
    let server = local_server(false, None);
    let av = Agentview::new(&server.mcp_url());
    let mut bridge = Raw::start(&av);
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    assert!(bridge.rest_of_stdout().is_empty());
    assert_eq!(bridge.stderr(), "");
    assert!(server.requests().is_empty(), "no request without a message from the client");
}

#[test]
fn oversized_and_broken_lines_get_errors_and_the_bridge_goes_on() {
    let server = local_server(false, None);
    let av = Agentview::new(&server.mcp_url());
    let mut bridge = Raw::start(&av);
    bridge.handshake();
    let pad = "a".repeat(1536 * 1024);
    bridge.send(&format!(
        r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"echo","arguments":{{"text":"{pad}"}}}}}}"#
    ));
    let refused = bridge.recv();
    assert_eq!(refused["id"], 7, "{refused}");
    assert_eq!(refused["error"]["code"], -32600);
    bridge.send("this is not JSON");
    let broken = bridge.recv();
    assert_eq!((broken["id"].clone(), broken["error"]["code"].clone()), (Value::Null, json!(-32700)));
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 8, "method": "ping"}));
    assert_eq!(bridge.answer(json!(8))["result"], json!({}));
    let calls = server.requests().iter().filter(|r| r.tool.is_some()).count();
    assert_eq!(calls, 0, "the oversized call never reached the server");
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    for line in bridge.rest_of_stdout() {
        serde_json::from_str::<Value>(&line).expect("only JSON-RPC on stdout");
    }
}

#[test]
fn the_end_of_stdin_deletes_the_session_and_exits_0() {
    let server = local_server(true, None);
    let av = Agentview::new(&server.mcp_url());
    let mut bridge = Raw::start(&av);
    bridge.handshake();
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
    bridge.answer(json!(1));
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    assert_eq!(server.calls().deletes, 1, "the session was deleted");
    assert_eq!(bridge.stderr(), "", "quiet");
}

/// Unix: signals.
#[cfg(unix)]
#[test]
fn sigterm_deletes_the_session_and_exits_0() {
    let server = local_server(true, None);
    let av = Agentview::new(&server.mcp_url());
    let mut bridge = Raw::start(&av);
    bridge.handshake();
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
    bridge.answer(json!(1));
    let pid = rustix::process::Pid::from_raw(bridge.child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert_eq!(bridge.exit_code(), 0);
    assert_eq!(server.calls().deletes, 1);
}

#[test]
fn a_pipe_gets_its_answers_before_the_bridge_exits() {
    let server = local_server(false, None);
    let av = Agentview::new(&server.mcp_url());
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "sh", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "piped"}}}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let run = av.run_with_stdin(&["bridge"], input.as_bytes()).expect_code(0);
    let answers: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(answers.len(), 2, "{}", run.stdout);
    assert_eq!(answers[0]["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(answers[1]["result"]["content"][0]["text"], json!({"text": "piped"}).to_string());
    assert_eq!(
        server.requests().iter().find(|r| r.tool.is_some()).unwrap().protocol_version.as_deref(),
        Some("2025-06-18")
    );
}

/// Linux: the argv and environment are read from /proc.
#[cfg(target_os = "linux")]
#[test]
fn the_token_is_in_no_output_argv_or_environment() {
    use super::support::{logged_in, stored_refresh_token, stored_token};
    use crate::support::server::OAuthConfig;
    let server = local_server(true, Some(OAuthConfig::default()));
    let av = logged_in(&server);
    let mut bridge = Raw::with_flags(&av, &["-v"]);
    bridge.handshake();
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "x"}}}));
    bridge.answer(json!(1));
    server.expire_access_tokens();
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "y"}}}));
    bridge.answer(json!(2));
    let secrets = [stored_token(&av), stored_refresh_token(&av)];
    let pid = bridge.child.id();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    let stdout = bridge.rest_of_stdout().join("\n");
    let stderr = bridge.stderr();
    assert!(
        stderr.contains("→ POST tools/call echo (id 1)") && stderr.contains("← 401"),
        "-v traces methods and statuses: {stderr}"
    );
    for secret in &secrets {
        for (what, text) in
            [("argv", String::from_utf8_lossy(&cmdline)), ("environment", String::from_utf8_lossy(&environ))]
        {
            assert!(!text.contains(secret.as_str()), "the token is in the bridge's {what}");
        }
        assert!(
            !stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()),
            "the token leaked to the output"
        );
    }
}
