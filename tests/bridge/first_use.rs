//! First use: with no credential, the server's 401 starts the same login `agentview login` runs
//! (the browser here is a script that approves at the bundled server), the client's requests
//! wait and are answered once logged in; several bridges run one login; a denied login answers
//! with the reason and the command to run; `--no-login` and credentials from the environment
//! never start one.

use std::time::Duration;

use serde_json::json;

use crate::bridge::support::{Clients, Driver, LOCAL_TOOLS, Raw, local_server, stored_token};
use crate::support::cli::{Agentview, curl_browser, wait_until};
use crate::support::server::{OAuthConfig, ServerConfig, TestServer};

fn protected() -> OAuthConfig {
    OAuthConfig { require_token: true, ..OAuthConfig::default() }
}

fn with_browser(server: &TestServer) -> Agentview {
    let mut av = Agentview::new(&server.mcp_url());
    av.set("BROWSER", &curl_browser("-fsSL"));
    av
}

#[test]
fn the_first_request_logs_in_and_is_answered() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(true, Some(protected()));
    let av = with_browser(&server);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    assert!(client.call(LOCAL_TOOLS.echo, json!({"text": "first"})).contains("first"));
    assert_eq!(server.token_requests("authorization_code"), 1, "one login");
    let token = stored_token(&av);
    assert!(server.access_token_valid(&token), "the login was stored where `agentview token` finds it");
    let seen = client.seen();
    assert!(seen["errors"].as_array().unwrap().is_empty(), "nothing but JSON-RPC on stdout: {seen}");
    let stderr = seen["stderr"].as_str().unwrap();
    assert!(stderr.contains("asks for a login"), "{stderr}");
    assert!(stderr.contains("To log in, open"), "the URL on stderr: {stderr}");
    assert!(!stderr.contains(&token), "no token on stderr");
    // Later requests use the stored credential: no second login.
    client.ok(json!({"op": "list"}));
    assert_eq!(server.token_requests("authorization_code"), 1);
}

#[test]
fn two_bridges_started_at_once_run_one_login() {
    let server = local_server(false, Some(protected()));
    let av = with_browser(&server);
    let mut bridges = [Raw::start(&av), Raw::start(&av)];
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}});
    for bridge in &mut bridges {
        bridge.send_json(initialize.clone());
    }
    for bridge in &mut bridges {
        let answer = bridge.answer(json!(0));
        assert_eq!(answer["result"]["serverInfo"]["name"], "agentview-local", "{answer}");
    }
    assert_eq!(server.token_requests("authorization_code"), 1, "one login for both");
    for bridge in &mut bridges {
        bridge.close_stdin();
        assert_eq!(bridge.exit_code(), 0);
    }
}

#[test]
fn a_denied_login_answers_the_waiting_requests_with_the_reason_and_the_command() {
    // No automatic approval: the test denies on the page, as a person would.
    let server = TestServer::start(ServerConfig { oauth: Some(protected()), ..ServerConfig::default() });
    let av = with_browser(&server);
    let mut bridge = Raw::start(&av);
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}));
    let redirect =
        wait_until("a pending authorization", Duration::from_secs(30), || server.deny_pending_authorization());
    let status = std::process::Command::new("curl").args(["-fsS", "-o", "/dev/null", &redirect]).status().unwrap();
    assert!(status.success());
    let refused = bridge.answer(json!(0));
    assert_eq!(refused["error"]["code"], -32001, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("access_denied"), "the reason: {message}");
    assert!(message.contains("agentview login"), "the command to run: {message}");
    // The next request gets the same answer at once: no second login behind the client's back.
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}));
    assert_eq!(bridge.answer(json!(1))["error"]["code"], -32001);
    assert_eq!(server.deny_pending_authorization(), None, "no other authorization was started");
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
}

/// A "browser" that only leaves a mark: a login that starts would be seen.
#[cfg(unix)]
fn marking_browser(av: &mut Agentview) -> std::path::PathBuf {
    let mark = av.dir.path().join("browser-started");
    let script = crate::support::cli::script(av.dir.path(), "browser", &format!("touch '{}'", mark.display()));
    av.set("BROWSER", &script.display().to_string());
    mark
}

#[cfg(unix)]
#[test]
fn no_login_starts_with_no_login_or_a_credential_from_the_environment() {
    let cases: [(&str, &[&str]); 3] = [
        ("--no-login", &["bridge", "--no-login"]),
        ("AGENTVIEW_TOKEN", &["bridge"]),
        ("a client in the environment", &["bridge"]),
    ];
    for (case, args) in cases {
        // The server takes the client credentials grant, and refuses the client's wrong secret.
        let server = local_server(false, Some(OAuthConfig { client_credentials: true, ..protected() }));
        let mut av = Agentview::new(&server.mcp_url());
        let mark = marking_browser(&mut av);
        match case {
            "AGENTVIEW_TOKEN" => {
                av.set("AGENTVIEW_TOKEN", "not-a-token-the-server-knows");
            }
            "a client in the environment" => {
                // A CI job's client whose secret the server does not take: its grant is dead.
                av.set("AGENTVIEW_CLIENT_ID", "ci-job").set("AGENTVIEW_CLIENT_SECRET", "ci-secret-5d1e9a");
            }
            _ => {}
        }
        let mut bridge = Raw::with_args(&av, args);
        bridge.send_json(serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}));
        let refused = bridge.answer(serde_json::json!(0));
        assert!(refused["error"]["message"].is_string(), "{case}: {refused}");
        if case == "AGENTVIEW_TOKEN" {
            // Nothing a login stores replaces the token in the variable: the bridge ends, saying
            // to unset or replace it (tests/fit/check.rs has the words).
            assert_eq!(bridge.exit_code(), 4, "{case}");
            assert!(bridge.stderr().contains("unset AGENTVIEW_TOKEN"), "{case}: {}", bridge.stderr());
        } else if case == "--no-login" {
            bridge.send_json(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
            bridge.close_stdin();
            assert_eq!(refused["error"]["code"], -32001, "{case}: {refused}");
            assert_eq!(bridge.exit_code(), 0, "{case}");
        } else {
            // A client in the environment whose grant is refused ends the bridge (exit 4) as soon as
            // it has answered, so nothing more is written to it.
            bridge.close_stdin();
            let code = bridge.exit_code();
            assert!(code == 0 || code == 4, "{case}: exit {code}");
        }
        assert!(!mark.exists(), "{case}: no browser was started");
        let stderr = bridge.stderr();
        assert!(!stderr.contains("To log in, open") && !stderr.contains("logging in as"), "{case}: {stderr}");
        assert_eq!(server.token_requests("authorization_code"), 0, "{case}");
    }
}
