//! The bridge in front of servers nobody here wrote (tests/peers: installed by .ci/peers): the
//! MCP TypeScript SDK's example server in strict OAuth mode, and FastMCP (the MCP Python SDK's
//! authorization server) with tokens that live a few seconds, renewed through a session.

use std::time::Duration;

use serde_json::json;

use super::support::{Clients, Driver};
use crate::support::cli::try_wait_until;
use crate::support::peers::{Peer, PeerKind, PeerOptions, stored};

/// Log in to the peer with OAuth (its scripted browser follows the redirects).
fn logged_in(peer: &Peer) -> crate::support::cli::Agentview {
    let av = peer.agentview();
    let run = av.run(&["login", "--method", "oauth", "--timeout", "60"]);
    assert_eq!(run.code, 0, "login at {}\n{}\n{}", peer.mcp_url(), run.stderr, peer.log_text());
    av
}

#[test]
fn the_typescript_sdk_example_server_answers_through_the_bridge() {
    let Some(clients) = Clients::find() else { return };
    let Some(peer) = Peer::start(PeerKind::TsSdkStrict) else { return };
    let av = logged_in(&peer);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    let text = client.call("greet", json!({"name": "bridge"}));
    assert!(text.contains("bridge"), "{text}\n{}", peer.log_text());
    let text = client.call("multi-greet", json!({"name": "again"}));
    assert!(text.contains("again"), "{text}");
    let seen = client.seen();
    assert!(seen["errors"].as_array().is_some_and(Vec::is_empty), "{seen}");
    let token = stored(&av)["token"].as_str().unwrap().to_string();
    assert!(!seen["stderr"].as_str().unwrap_or_default().contains(&token), "no token on stderr");
}

#[test]
fn fastmcp_tokens_of_a_few_seconds_are_renewed_through_a_session() {
    let Some(clients) = Clients::find() else { return };
    // Six seconds: the login proves its token and closes its MCP session within the lifetime
    // even on a loaded machine (with three, a login whose session DELETE reached FastMCP after the
    // token expired lost the refresh token there, one run in a few); the bridge renews with
    // three seconds left.
    let options = PeerOptions { token_lifetime: Some(6), ..PeerOptions::default() };
    let Some(peer) = Peer::start_with(PeerKind::FastMcpNewest, options) else { return };
    let av = logged_in(&peer);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    let mut answered = 0;
    // Calls until the token has been renewed three times; the limit only guards a hang.
    let renewed = try_wait_until(Duration::from_secs(90), || {
        let text = client.call("whoami", json!({}));
        assert!(!text.is_empty(), "call {answered} was answered\n{}", peer.log_text());
        answered += 1;
        // About ten calls per renewal: each is a request through the bridge to FastMCP.
        std::thread::sleep(Duration::from_millis(300));
        (peer.token_requests("refresh_token").len() >= 3).then_some(())
    });
    assert!(renewed.is_some(), "three renewals in a session of {answered} calls\n{}", peer.log_text());
    let seen = client.seen();
    assert!(seen["errors"].as_array().is_some_and(Vec::is_empty), "{seen}");
    // FastMCP drops a token's refresh token when it is shown that token expired: the bridge
    // renews before expiry, so no request ever met an expired token.
    let mcp: Vec<_> = peer.requests().into_iter().filter(|r| r["path"] == "/mcp" && r["method"] == "POST").collect();
    assert!(mcp.len() >= answered, "the peer logged the MCP requests\n{}", peer.log_text());
    let refused = mcp.iter().filter(|r| r["status"] == 401).count();
    assert_eq!(refused, 0, "every request carried a live token\n{}", peer.log_text());
}
