//! More scope on demand through `agentview bridge`, against oidc-provider behind a resource
//! server that answers 403 `insufficient_scope` for one tool: the first login asks for the least
//! scope (what the resource lists), the call of that tool logs in again for the union of the
//! granted and the challenged scopes, and the call is answered with the wider token.

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
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": TOOL, "arguments": {}}}),
    ];
    for message in messages {
        writeln!(stdin, "{message}").unwrap();
    }
    let answer = loop {
        let line = lines.recv_timeout(Duration::from_secs(90)).expect("an answer to the call");
        let message: Value = serde_json::from_str(&line).expect("only JSON-RPC on stdout");
        if message["id"] == 2 {
            break message;
        }
    };
    drop(stdin);
    let status = support::cli::wait_for_exit(&mut bridge, Duration::from_secs(30)).expect("the bridge ends");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut bridge.stderr.take().unwrap(), &mut stderr).unwrap();
    let text = answer["result"]["content"][0]["text"].as_str().unwrap_or_default();
    assert!(
        text.split(' ').any(|s| s == MORE),
        "answered with the wider token: {answer}\n{stderr}\n{}",
        peer.log_text()
    );
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains(&format!("needs the scope \"{MORE}\"")), "{stderr}");
    let after = scopes(&av);
    for scope in before.iter().map(String::as_str).chain([MORE]) {
        assert!(after.iter().any(|s| s == scope), "the union is stored in place of the old grant: {after:?}");
    }
    assert_eq!(peer.token_requests("authorization_code").len(), 2, "the first login and one for more scope");
    let token = av.token();
    assert!(!stderr.contains(&token), "no token on stderr");
}
