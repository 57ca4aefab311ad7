//! `status --check`: the server is asked; accepted 0, refused 4, no answer 7. Plain `status`
//! stays offline.

use serde_json::Value;

use super::support::cli::Agentview;
use super::support::server::{ServerConfig, TestServer, TokenCheck};
use super::{FAR, store};

const GOOD: &str = "avt_still_good_token";
const REVOKED: &str = "avt_revoked_token";

fn checking_server(authenticate_tool: bool) -> TestServer {
    let check = TokenCheck { accepted: vec![GOOD.to_string()], authenticate_tool };
    TestServer::start(ServerConfig { token_check: Some(check), ..ServerConfig::default() })
}

fn with_token(server: &str, token: &str) -> Agentview {
    let av = Agentview::new(server);
    store(&av, &[(server, token, FAR)]);
    av
}

fn check_json(av: &Agentview, code: i32) -> Value {
    let run = av.run(&["status", "--check", "--json"]).expect_code(code);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    doc["check"].clone()
}

#[test]
fn an_accepted_token_exits_0_and_was_sent_as_a_bearer_header() {
    let server = checking_server(false);
    let av = with_token(&server.mcp_url(), GOOD);
    let run = av.run(&["status", "--check"]).expect_code(0);
    assert!(run.stdout.contains("the server accepts the credential"), "{}", run.stdout);
    run.assert_no_leak(GOOD);
    let sent = server.requests();
    let list = sent.iter().find(|r| r.rpc_method.as_deref() == Some("tools/list")).expect("tools/list was sent");
    assert_eq!(list.headers.get("authorization").map(String::as_str), Some(&*format!("Bearer {GOOD}")));
    let check = check_json(&av, 0);
    assert_eq!(check["result"], "accepted");
    assert_eq!(check["via"], "tools/list");
}

#[test]
fn a_revoked_or_tampered_token_exits_4_and_says_so() {
    let server = checking_server(false);
    for token in [REVOKED, &format!("{GOOD}x")] {
        let av = with_token(&server.mcp_url(), token);
        let run = av.run(&["status", "--check"]).expect_code(4);
        assert!(run.stdout.contains("REJECTED by the server"), "{}", run.stdout);
        assert!(run.stdout.starts_with("The server REFUSES the stored credential for"), "{}", run.stdout);
        assert!(run.stderr.contains("login --force"), "the hint, on stderr: {}", run.stderr);
        run.assert_no_leak(token);
        let run = av.run(&["status", "--check", "--json"]).expect_code(4);
        let doc: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
        assert_eq!(doc["logged_in"], false);
        let check = &doc["check"];
        assert_eq!(check["result"], "rejected");
        assert!(check["reason"].as_str().is_some_and(|r| r.contains("401")), "{check}");
    }
}

#[test]
fn an_unreachable_server_exits_7() {
    let held = super::support::ports::held_port();
    let server = held.dead_server();
    let av = with_token(&server, GOOD);
    let run = av.run(&["status", "--check"]).expect_code(7);
    assert!(run.stdout.contains("no answer from the server"), "{}", run.stdout);
    let run = av.run(&["status", "--check", "--json"]).expect_code(7);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(doc["check"]["result"], "unreachable");
    assert_eq!(doc["logged_in"], true, "no answer is not a refusal");
}

#[test]
fn the_authenticate_tool_answers_with_user_scope_and_expiry() {
    let server = checking_server(true);
    let av = with_token(&server.mcp_url(), GOOD);
    let check = check_json(&av, 0);
    assert_eq!(check["result"], "accepted");
    assert_eq!(check["via"], "authenticate");
    assert_eq!(check["user"]["email"], "ada@example.com");
    assert_eq!(check["scope"], "read write");
    assert_eq!(check["expires_at"], "2031-01-01T00:00:00Z");
    assert_eq!(check["expires_at_unix"], 1_924_992_000u64);
    let call = server.requests().into_iter().find(|r| r.tool.as_deref() == Some("authenticate")).expect("called");
    assert_eq!(call.arguments.as_ref().and_then(|a| a["token"].as_str()), Some(GOOD));
    let run = av.run(&["status", "--check"]).expect_code(0);
    assert!(run.stdout.contains("server says account: Ada Lovelace <ada@example.com>"), "{}", run.stdout);

    let tampered = with_token(&server.mcp_url(), REVOKED);
    let check = check_json(&tampered, 4);
    assert_eq!(check["result"], "rejected");
    assert_eq!(check["reason"], "invalid or revoked token");
}

#[test]
fn plain_status_sends_nothing() {
    let server = checking_server(false);
    let av = with_token(&server.mcp_url(), GOOD);
    av.run(&["status"]).expect_code(0);
    av.run(&["status", "--json"]).expect_code(0);
    assert!(server.requests().is_empty(), "status without --check is offline");
}

/// A token in AGENTVIEW_TOKEN that the server refuses: logging in again changes nothing while the
/// variable overrides every store, so the words say to unset or replace it.
#[test]
fn a_refused_token_in_agentview_token_says_to_unset_or_replace_it() {
    let server = checking_server(false);
    let mut av = with_token(&server.mcp_url(), GOOD);
    av.set("AGENTVIEW_TOKEN", REVOKED);
    let run = av.run(&["status", "--check"]).expect_code(4);
    assert!(run.stdout.contains("REJECTED by the server"), "{}", run.stdout);
    assert!(run.stdout.contains("source:  env (AGENTVIEW_TOKEN)"), "{}", run.stdout);
    assert!(run.stderr.contains("The server refuses the token in AGENTVIEW_TOKEN"), "{}", run.stderr);
    assert!(run.stderr.contains("unset AGENTVIEW_TOKEN"), "{}", run.stderr);
    assert!(!run.stderr.contains("login --force"), "a login changes nothing here: {}", run.stderr);
    run.assert_no_leak(REVOKED);
}

/// The bridge meets the same refused AGENTVIEW_TOKEN through the door: it ends with exit 4 and
/// the same words, not "log in with `agentview login`", which changes nothing while it is set.
#[test]
fn the_bridge_says_the_refused_agentview_token_is_to_unset_or_replace() {
    let server = checking_server(false);
    let mut av = with_token(&server.mcp_url(), GOOD);
    av.set("AGENTVIEW_TOKEN", REVOKED);
    let initialize = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "sh", "version": "1"}}});
    // stdin stays open, as an MCP client keeps it: the bridge ends on its own.
    let mut child = av
        .command(&["bridge"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("agentview starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    std::io::Write::write_all(&mut stdin, format!("{initialize}\n").as_bytes()).expect("the bridge reads");
    let run = super::support::cli::wait_with_deadline(child, std::time::Duration::from_secs(30));
    drop(stdin);
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    let said = format!("{}\n{}", run.stdout, run.stderr);
    assert!(said.contains("the server refuses the token in AGENTVIEW_TOKEN"), "{said}");
    assert!(said.contains("unset AGENTVIEW_TOKEN"), "{said}");
    assert!(!said.contains("login --force"), "{said}");
    run.assert_no_leak(REVOKED);
}
