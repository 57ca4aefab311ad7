//! `agentview bridge` against oidc-provider: its own login on first use, and more scope on
//! demand behind a resource server that answers 403 `insufficient_scope` for one tool: the first
//! login asks for the least scope (what the resource lists), the call of that tool logs in again
//! for the union of the granted and the challenged scopes, and the call is answered with the
//! wider token.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use support::peers::{PeerKind, PeerOptions, stored};

const TOOL: &str = "admin_echo";
const MORE: &str = "mcp:admin";

fn scopes(av: &Agentview) -> Vec<String> {
    let scope = stored(av)["oauth"]["scope"].as_str().unwrap_or_default().to_string();
    scope.split(' ').map(str::to_string).collect()
}

/// What a bridge session gave: the answer to request 2, the messages before it, stderr, and
/// whether the bridge ended well once stdin closed.
struct Session {
    answer: Value,
    before: Vec<Value>,
    stderr: String,
    ended_well: bool,
}

/// `agentview bridge` as a client drives it: the handshake, then `request` as id 2; the bridge's
/// stdin closes once it is answered.
fn bridge_session(av: &Agentview, request: Value) -> Session {
    let mut bridge = av
        .command(&["bridge"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agentview starts");
    let mut stdin = bridge.stdin.take().unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = bridge.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
            "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        request,
    ];
    for message in messages {
        writeln!(stdin, "{message}").unwrap();
    }
    let mut before = Vec::new();
    let answer = loop {
        let line = lines.recv_timeout(Duration::from_secs(90)).expect("an answer to request 2");
        let message: Value = serde_json::from_str(&line).expect("only JSON-RPC on stdout");
        if message["id"] == 2 {
            break message;
        }
        before.push(message);
    };
    drop(stdin);
    let status = support::cli::wait_for_exit(&mut bridge, Duration::from_secs(30)).expect("the bridge ends");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut bridge.stderr.take().unwrap(), &mut stderr).unwrap();
    Session { answer, before, stderr, ended_well: status.success() }
}

#[test]
fn the_bridge_asks_for_more_scope_when_a_tool_needs_it() {
    let options = PeerOptions { args: vec!["--tool-scope".into(), format!("{TOOL}={MORE}")], ..PeerOptions::default() };
    let Some(peer) = Peer::start_with(PeerKind::OidcProvider, options) else { return };
    let av = peer.agentview();
    login(&av, &peer, &[]);
    let before = scopes(&av);
    assert!(
        before.iter().any(|s| s == "mcp:tools") && !before.iter().any(|s| s == MORE),
        "least scope first: {before:?}"
    );

    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": TOOL, "arguments": {}}});
    let Session { answer, stderr, ended_well, .. } = bridge_session(&av, call);
    let text = answer["result"]["content"][0]["text"].as_str().unwrap_or_default();
    assert!(
        text.split(' ').any(|s| s == MORE),
        "answered with the wider token: {answer}\n{stderr}\n{}",
        peer.log_text()
    );
    assert!(ended_well, "{stderr}");
    assert!(stderr.contains(&format!("needs the scope \"{MORE}\"")), "{stderr}");
    let after = scopes(&av);
    for scope in before.iter().map(String::as_str).chain([MORE]) {
        assert!(after.iter().any(|s| s == scope), "the union is stored in place of the old grant: {after:?}");
    }
    assert_eq!(peer.token_requests("authorization_code").len(), 2, "the first login and one for more scope");
    let token = av.token();
    assert!(!stderr.contains(&token), "no token on stderr");
}

/// The bridge with no credential at all, as an MCP client starts it on first use: it logs in at
/// oidc-provider by itself (the same login `agentview login` runs, with the peer's browser
/// script), holds the request meanwhile, then answers it with the new token; the credential is
/// stored for the next start.
#[test]
fn the_bridge_logs_in_by_itself_on_first_use() {
    let Some(peer) = Peer::start(PeerKind::OidcProvider) else { return };
    let av = peer.agentview();
    assert!(!av.credentials_file().exists(), "no credential before the bridge starts");
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let Session { answer, before: seen, stderr, ended_well } = bridge_session(&av, list);
    assert!(
        answer["result"]["tools"].as_array().is_some_and(|t| !t.is_empty()),
        "{answer}\n{stderr}\n{}",
        peer.log_text()
    );
    assert!(seen.iter().all(|m| m.get("error").is_none()), "no request was refused on the way: {seen:?}");
    assert!(ended_well, "{stderr}");
    assert_eq!(peer.token_requests("authorization_code").len(), 1, "one login\n{stderr}");
    assert!(!scopes(&av).is_empty(), "the login's grant is stored for the next start");
    let token = av.token();
    assert!(!stderr.contains(&token), "no token on stderr");
}
