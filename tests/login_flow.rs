//! The login flow end to end: the real binary against the local agentView server.

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::cli::{Agentview, Run, wait_until};
use support::fixture::approving;
use support::server::{Fault, Match, RetryAfter, ServerConfig, TestServer};

/// login → token → status → logout → token, and what the server saw.
fn full_cycle(server: &TestServer) {
    let av = Agentview::new(&server.mcp_url());
    let login = av.run(&["login", "--no-browser"]).expect_code(0);
    let sessions = server.sessions();
    assert_eq!(sessions.len(), 1);
    let token = server.token_for(&sessions[0].id).expect("the server issued a token");
    assert!(login.stderr.contains(&format!("/login/{}", sessions[0].id)), "URL on stderr:\n{}", login.stderr);
    assert!(login.stdout.is_empty(), "login prints nothing on stdout without --json/--print-token");
    login.assert_no_leak(&token);

    assert_eq!(av.token(), token);
    let status = av.run(&["status"]).expect_code(0);
    assert!(status.stdout.contains("Logged in to") && status.stdout.contains("source:  file"), "{}", status.stdout);
    status.assert_no_leak(&token);

    av.run(&["logout"]).expect_code(0).assert_no_leak(&token);
    av.run(&["token"]).expect_code(4);
    av.run(&["status"]).expect_code(4);

    let calls = server.calls();
    assert_eq!(calls.create, 1, "create_auth_session exactly once");
    assert!(calls.deletes >= 1, "the MCP session is closed");
}

#[test]
fn approve_in_json_mode() {
    let server = TestServer::start(approving());
    full_cycle(&server);
    // Every request after initialize carries the session and protocol version.
    for r in server.requests().iter().filter(|r| r.rpc_method.as_deref() == Some("tools/call")) {
        assert!(r.session_id.is_some(), "{r:?}");
        assert_eq!(r.protocol_version.as_deref(), Some("2025-11-25"));
        assert_eq!(r.accept.as_deref(), Some("application/json, text/event-stream"));
    }
}

#[test]
fn one_connection_and_one_mcp_session_for_the_whole_login() {
    for sse in [false, true] {
        let server = TestServer::start(ServerConfig { sse, ..approving() });
        let av = Agentview::new(&server.mcp_url());
        av.run(&["login", "--no-browser"]).expect_code(0);
        let requests = server.requests();
        assert!(requests.len() >= 6, "initialize, initialized, tools/list, create, polls, DELETE: {}", requests.len());
        let peers: std::collections::HashSet<_> = requests.iter().map(|r| r.peer.expect("peer recorded")).collect();
        assert_eq!(peers.len(), 1, "one TCP connection (sse={sse}): {peers:?}");
        let sessions: std::collections::HashSet<_> = requests.iter().filter_map(|r| r.session_id.clone()).collect();
        assert_eq!(sessions.len(), 1, "one MCP session (sse={sse})");
        assert_eq!(server.calls().initialize, 1);
    }
}

#[test]
fn approve_in_sse_mode_with_split_chunks() {
    let server = TestServer::start(ServerConfig { sse: true, ..approving() });
    server.push_fault(Fault::SseChunks { size: 7, crlf: true });
    full_cycle(&server);
}

#[test]
fn agent_identifier_and_schema_argument_names_are_used() {
    let server = TestServer::start(approving());
    let av = Agentview::new(&server.mcp_url());
    av.run(&["login", "--no-browser"]).expect_code(0);
    let sessions = server.sessions();
    assert_eq!(sessions[0].agent_identifier.as_deref(), Some(concat!("agentview/", env!("CARGO_PKG_VERSION"))));
    let get = server.requests().into_iter().find(|r| r.tool.as_deref() == Some("get_auth_session")).expect("polled");
    assert_eq!(get.arguments, Some(json!({"session_request_id": sessions[0].id})));
}

#[test]
fn deny_exits_5_and_stores_nothing() {
    let server = TestServer::start(ServerConfig::default());
    let av = Agentview::new(&server.mcp_url());
    let run = std::thread::scope(|scope| {
        scope.spawn(|| decide_when_created(&server, false));
        av.run(&["login", "--no-browser"])
    });
    let run = run.expect_code(5);
    assert!(run.stderr.contains("denied"), "{}", run.stderr);
    let hint = run.stderr.lines().find(|l| l.trim_start().starts_with("hint:")).unwrap_or_default();
    assert!(hint.contains("agentview") && hint.contains("login"), "a next step: {}", run.stderr);
    assert!(!av.credentials_file().exists());
    av.run(&["token"]).expect_code(4);
}

/// Approve or deny the first login as soon as it exists (a person at the browser).
fn decide_when_created(server: &TestServer, approve: bool) {
    let session = wait_until("a login session", Duration::from_secs(10), || server.sessions().first().cloned());
    let done = if approve { server.approve(&session.id) } else { server.deny(&session.id) };
    assert!(done, "the session was pending");
}

#[test]
fn window_running_out_exits_3() {
    let server = TestServer::start(ServerConfig { expires_in: Some(json!(1)), ..ServerConfig::default() });
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser"]).expect_code(3);
    assert!(run.stderr.contains("expired") || run.stderr.contains("ran out"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}

#[test]
fn user_timeout_exits_3() {
    let server = TestServer::start(ServerConfig::default());
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser", "--timeout", "1"]).expect_code(3);
    assert!(run.stderr.contains("--timeout reached"), "{}", run.stderr);
}

#[test]
fn policy_denial_of_create_exits_6_after_one_call() {
    let server = TestServer::start(ServerConfig::default());
    let message = "[INTERCEPT POLICY DENIED] rate limit exceeded: 30/min for create_auth_session";
    server.push_fault(Fault::PolicyDeny {
        on: Match::Tool("create_auth_session".into()),
        message: message.into(),
        count: 5,
    });
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser"]).expect_code(6);
    assert!(run.stderr.contains(message), "{}", run.stderr);
    let creates = server.requests().iter().filter(|r| r.tool.as_deref() == Some("create_auth_session")).count();
    assert_eq!(creates, 1, "create_auth_session is never retried after a denial");
}

fn survives(fault: Fault) -> Run {
    let server = TestServer::start(approving());
    server.push_fault(fault);
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser"]).expect_code(0);
    let id = &server.sessions()[0].id;
    assert_eq!(av.token(), server.token_for(id).expect("token"));
    assert_eq!(server.calls().create, 1);
    run
}

#[test]
fn survives_a_503_burst_while_polling() {
    survives(Fault::Status { on: Match::Tool("get_auth_session".into()), status: 503, count: 3 });
}

#[test]
fn survives_connection_resets_while_polling() {
    survives(Fault::Reset { on: Match::Tool("get_auth_session".into()), count: 2 });
}

#[test]
fn survives_429_with_retry_after_while_polling() {
    survives(Fault::RateLimit {
        on: Match::Tool("get_auth_session".into()),
        retry_after: Some(RetryAfter::Seconds(1)),
        count: 1,
    });
}

#[test]
fn survives_the_mcp_session_expiring() {
    let server = TestServer::start(approving());
    server.push_fault(Fault::ExpireMcpSession);
    let av = Agentview::new(&server.mcp_url());
    av.run(&["login", "--no-browser"]).expect_code(0);
    assert!(server.calls().initialize >= 2, "re-initialized after the 404");
    assert_eq!(server.calls().create, 1);
}

#[test]
fn live_credential_means_no_new_login() {
    let server = TestServer::start(approving());
    let av = Agentview::new(&server.mcp_url());
    av.run(&["login", "--no-browser"]).expect_code(0);
    let again = av.run(&["login", "--no-browser"]).expect_code(0);
    assert!(again.stderr.contains("Already logged in"), "{}", again.stderr);
    assert_eq!(server.calls().create, 1, "no create_auth_session for a live credential");
    av.run(&["login", "--no-browser", "--force"]).expect_code(0);
    assert_eq!(server.calls().create, 2, "--force logs in again");
}

#[test]
fn print_token_and_json_summary() {
    let server = TestServer::start(approving());
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser", "--print-token"]).expect_code(0);
    let token = server.token_for(&server.sessions()[0].id).expect("token");
    assert_eq!(run.stdout, format!("{token}\n"));
    run.assert_stderr_clean(&token);

    let run = av.run(&["login", "--no-browser", "--json", "--force"]).expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(doc["kind"], "bearer");
    assert_eq!(doc["store"], "file");
    assert_eq!(doc["server"], server.mcp_url());
    assert!(doc.get("token").is_none(), "no token in --json without --print-token");
    let token = server.token_for(&server.sessions()[1].id).expect("token");
    run.assert_no_leak(&token);
}

#[cfg(unix)]
#[test]
fn file_store_is_private() {
    let server = TestServer::start(approving());
    let av = Agentview::new(&server.mcp_url());
    av.run(&["login", "--no-browser"]).expect_code(0);
    assert_eq!(support::cli::mode(&av.credentials_file()), 0o600);
}

#[test]
fn keyring_unavailable_fails_with_8_before_any_tool_call() {
    let server = TestServer::start(ServerConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_STORE", "keyring")
        .set("AGENTVIEW_KEYRING_BACKEND", "secret-service")
        .set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let run = av.run(&["login", "--no-browser"]).expect_code(8);
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert!(server.requests().is_empty(), "no request reached the server");
}

#[test]
fn keyring_store_uses_the_real_secret_service() {
    if !support::cli::require_secret_service() {
        return;
    }
    let server = TestServer::start(approving());
    let mut av = Agentview::new(&server.mcp_url());
    av.with_session_bus().set("AGENTVIEW_STORE", "keyring");
    let run = av.run(&["login", "--no-browser"]).expect_code(0);
    assert!(run.stderr.contains("Secret Service"), "{}", run.stderr);
    let token = server.token_for(&server.sessions()[0].id).expect("token");
    assert!(!av.credentials_file().exists(), "nothing in the file store");
    assert_eq!(av.token(), token);
    let status = av.run(&["status"]).expect_code(0);
    assert!(status.stdout.contains("source:  keyring"), "{}", status.stdout);
    // The entry is visible to other Secret Service clients.
    let lookup = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "agentview", "username", &server.mcp_url()])
        .output();
    if let Ok(out) = lookup {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&token), "secret-tool sees the stored credential");
    }
    av.run(&["logout"]).expect_code(0);
    av.run(&["token"]).expect_code(4);
}

#[cfg(unix)]
#[test]
fn browser_script_follows_the_url_and_approves() {
    let server = TestServer::start(ServerConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    let log = av.dir.path().join("browser.log");
    let script = support::cli::script(
        av.dir.path(),
        "browser",
        &format!("echo \"$1\" >> '{}'\ncurl -fsS -X POST \"$1/approve\" >/dev/null", log.display()),
    );
    av.set("BROWSER", &script.display().to_string());
    let run = av.run(&["login"]).expect_code(0);
    let opened = std::fs::read_to_string(&log).expect("the browser script ran");
    let id = &server.sessions()[0].id;
    assert_eq!(opened.trim(), format!("{}/login/{id}", server.base_url()));
    assert!(run.stderr.contains("Opened the login page"), "{}", run.stderr);
    assert_eq!(av.token(), server.token_for(id).expect("token"));
}

#[test]
fn no_display_means_no_launch_but_the_url_is_printed() {
    let server = TestServer::start(approving());
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login"]).expect_code(0);
    assert!(run.stderr.contains("Not opening a browser"), "{}", run.stderr);
    assert!(run.stderr.contains("/login/"), "{}", run.stderr);
}

#[test]
fn help_lists_exit_codes() {
    let server_less = Agentview::new("https://agentview.de/mcp");
    let run = server_less.run(&["--help"]).expect_code(0);
    assert!(run.stdout.contains("Exit codes") && run.stdout.contains("130 interrupted"));
    let _ = Duration::ZERO;
}

#[test]
fn unreachable_server_exits_7_after_one_retry() {
    let held = support::ports::held_port();
    let av = Agentview::new(&held.dead_server());
    let run = av.run(&["login", "--no-browser"]).expect_code(7);
    assert!(run.stderr.contains("cannot reach the server"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("trying again").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("hint: check --server"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}
