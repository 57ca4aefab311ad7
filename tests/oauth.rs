//! The OAuth login on the real binary against the local authorization server: the login itself,
//! refresh, revocation, hostile answers, the method choice and secrets on stderr.
#![allow(clippy::unwrap_used)]

pub mod support;

#[path = "oauth/couser.rs"]
mod couser;
#[path = "oauth/handoff.rs"]
mod handoff;
#[path = "oauth/hostile.rs"]
mod hostile;
#[path = "oauth/login.rs"]
mod login;
#[path = "oauth/method.rs"]
mod method;
#[path = "oauth/prove.rs"]
mod prove;
#[path = "oauth/refresh.rs"]
mod refresh;
#[path = "oauth/revoke.rs"]
mod revoke;

use std::process::{Command, Stdio};

use serde_json::Value;
use support::cli::{Agentview, NULL_DEVICE, Run, curl_browser};
use support::server::{OAuthConfig, ServerConfig, TestServer};

/// A server with an authorization server that approves at once (like the conformance suite's).
fn oauth_server(config: OAuthConfig) -> TestServer {
    TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig { auto_approve: true, ..config }),
        ..ServerConfig::default()
    })
}

/// agentview with a "browser" that follows the authorization redirect to the loopback listener.
fn with_browser(server: &TestServer) -> Agentview {
    let mut av = Agentview::new(&server.mcp_url());
    av.set("BROWSER", &curl_browser("-fsSL"));
    av
}

/// Log in with OAuth; panics unless exit 0.
fn login(av: &Agentview) -> Run {
    let run = av.run(&["login", "--method", "oauth"]).expect_code(0);
    assert!(run.stderr.contains("Logged in to"), "{}", run.stderr);
    run
}

/// The stored entry for the server, parsed.
fn stored(av: &Agentview) -> Value {
    let bytes = std::fs::read(av.credentials_file()).expect("credentials file");
    let doc: Value = serde_json::from_slice(&bytes).expect("json");
    doc["credentials"][av.server.as_str()].clone()
}

/// Rewrite the stored entry (to make a token look expired, say).
fn restore(av: &Agentview, entry: Value) {
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    doc["credentials"][av.server.as_str()] = entry;
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
}

/// Mark the stored access token as expired (the server's copy stays as it is).
fn expire_locally(av: &Agentview) {
    let mut entry = stored(av);
    entry["expires_at"] = Value::from(1_000_000_000u64);
    restore(av, entry);
}

/// HTTP status of an MCP `initialize` sent with `token` as Bearer, through curl.
fn mcp_status_with(server: &TestServer, token: &str) -> u16 {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let out = Command::new("curl")
        .args(["-s", "-o", NULL_DEVICE, "-w", "%{http_code}", "-X", "POST"])
        .args(["-H", "Content-Type: application/json", "-H", "Accept: application/json, text/event-stream"])
        .args(["-H", &format!("Authorization: Bearer {token}"), "--data", body, &server.mcp_url()])
        .stdin(Stdio::null())
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a status code")
}
