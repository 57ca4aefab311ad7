//! The credential during a session: renewed before it expires, renewed and retried after a 401,
//! and a grant that is gone for good ends the bridge (exit 4) with an error naming the login.

use std::time::Duration;

use serde_json::json;

use super::support::{Clients, Driver, LOCAL_TOOLS, Raw, local_server, logged_in, stored_refresh_token, stored_token};
use crate::support::cli::{Agentview, try_wait_until, wait_until};
use crate::support::server::OAuthConfig;

/// Echo requests through the bridge, each answered in order, until `done`: whether it came, and
/// how many were answered. The 60-s limit only guards a hang.
fn echo_until(client: &mut Driver, done: impl Fn() -> bool) -> (bool, usize) {
    let mut answered = 0;
    let came = try_wait_until(Duration::from_secs(60), || {
        let text = client.call(LOCAL_TOOLS.echo, json!({"text": format!("request {answered}")}));
        assert_eq!(text, json!({"text": format!("request {answered}")}).to_string(), "answered in order");
        answered += 1;
        std::thread::sleep(Duration::from_millis(50));
        done().then_some(())
    });
    (came.is_some(), answered)
}

#[test]
fn a_session_of_many_token_lifetimes_is_answered_throughout() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(true, Some(OAuthConfig { access_ttl: Duration::from_secs(2), ..OAuthConfig::default() }));
    let av = logged_in(&server);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    // Requests until the tokens have been renewed four times.
    let (renewed, answered) = echo_until(&mut client, || server.token_requests("refresh_token") >= 4);
    assert!(renewed, "four renewals within the session ({answered} requests)");
    let counts = server.oauth_counts();
    assert!(
        counts.rejected_on_mcp < counts.refresh_grants,
        "tokens are renewed before they expire, not only after the server refuses them: {counts:?}"
    );
    let token = stored_token(&av);
    assert!(server.access_token_valid(&token), "the stored token is the live one");
    let seen = client.seen();
    assert!(seen["errors"].as_array().unwrap().is_empty(), "{seen}");
    assert!(!seen["stderr"].as_str().unwrap().contains(&token), "no token on stderr");
    assert_eq!(seen["stderr"], "", "quiet by default");
}

/// A CI job's bridge with the client in its environment and no login: the bridge gets the token
/// with client credentials itself, and runs the grant again as the 2-s tokens run out; the secret
/// reaches neither stdout nor stderr.
#[test]
fn the_client_in_the_environment_serves_a_session_of_many_token_lifetimes() {
    let Some(clients) = Clients::find() else { return };
    const CLIENT: &str = "ci-bridge";
    const SECRET: &str = "ci-bridge-secret-never-shown-71c4";
    let server = local_server(
        true,
        Some(OAuthConfig {
            access_ttl: Duration::from_secs(2),
            client_credentials: true,
            preregistered: vec![(CLIENT.into(), Some(SECRET.into()))],
            ..OAuthConfig::default()
        }),
    );
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_CLIENT_ID", CLIENT).set("AGENTVIEW_CLIENT_SECRET", SECRET);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    // Requests until the grant has run four times.
    let (renewed, answered) = echo_until(&mut client, || server.token_requests("client_credentials") >= 4);
    assert!(renewed, "the grant ran four times within the session ({answered} requests)");
    assert_eq!(server.token_requests("refresh_token"), 0, "no refresh token: the grant runs again");
    let token = stored_token(&av);
    assert!(server.access_token_valid(&token), "the token is cached in the store, and live");
    let seen = client.seen();
    assert!(seen["errors"].as_array().unwrap().is_empty(), "{seen}");
    let stderr = seen["stderr"].as_str().unwrap();
    assert!(!stderr.contains(SECRET) && !stderr.contains(&token), "no secret or token on stderr");
}

#[test]
fn a_token_revoked_mid_session_is_renewed_and_the_request_retried() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(false, Some(OAuthConfig::default()));
    let av = logged_in(&server);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    assert!(client.call(LOCAL_TOOLS.echo, json!({"text": "one"})).contains("one"));
    // The session's GET stream is open (so the next request is the only one to meet the revoked token).
    wait_until("the GET stream", Duration::from_secs(30), || {
        server.requests().iter().any(|r| r.http_method == "GET" && r.status == 200).then_some(())
    });
    let revoked = stored_token(&av);
    assert!(server.revoke_access_token(&revoked));
    assert!(client.call(LOCAL_TOOLS.echo, json!({"text": "two"})).contains("two"), "answered after the 401");
    assert_eq!(server.token_requests("refresh_token"), 1, "one renewal");
    assert!(server.oauth_counts().rejected_on_mcp >= 1, "the server did refuse the revoked token");
    let renewed = stored_token(&av);
    assert_ne!(renewed, revoked);
    assert!(server.access_token_valid(&renewed));
    let retried = server.requests().iter().filter(|r| r.tool.as_deref() == Some("echo")).count();
    assert_eq!(retried, 3, "one call, then the refused one and its retry");
}

#[test]
fn a_dead_grant_ends_the_bridge_with_exit_4_and_an_error_naming_the_login() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(true, Some(OAuthConfig::default()));
    let av = logged_in(&server);
    let url = server.mcp_url();
    // Without a login of its own (`--no-login`); first_use.rs has the bridge that logs in again.
    let mut client = Driver::start_bridge(&clients, &av, &["--server", &url], &["--no-login"]);
    client.ok(json!({"op": "connect"}));
    assert!(client.call(LOCAL_TOOLS.echo, json!({"text": "one"})).contains("one"));
    let refresh = stored_refresh_token(&av);
    server.revoke_all_grants();
    let answer = client.step(json!({"op": "call", "name": LOCAL_TOOLS.echo, "arguments": {"text": "two"}}));
    assert_eq!(answer["ok"], false, "{answer}");
    assert_eq!(answer["error"]["code"], -32001, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains(&format!("agentview --server {url} login")), "names the login to run: {message}");
    let exit = client.ok(json!({"op": "exit"}));
    assert_eq!(exit["exit"]["code"], 4, "{exit}");
    let seen = client.seen();
    let stderr = seen["stderr"].as_str().unwrap();
    assert!(stderr.contains("error:") && stderr.contains("login"), "{stderr}");
    assert!(!stderr.contains(&refresh));
    assert!(
        !av.credentials_file().exists() || !std::fs::read_to_string(av.credentials_file()).unwrap().contains(&refresh)
    );
}

#[test]
fn without_a_login_the_client_is_told_to_log_in_and_a_later_login_is_picked_up() {
    let server = local_server(false, Some(OAuthConfig { require_token: true, ..OAuthConfig::default() }));
    let mut av = Agentview::new(&server.mcp_url());
    av.set("BROWSER", &crate::support::cli::curl_browser("-fsSL"));
    let mut bridge = Raw::with_args(&av, &["bridge", "--no-login"]);
    let refused = bridge.handshake();
    assert_eq!(refused["error"]["code"], -32001, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("agentview login"), "{refused}");
    // The bridge keeps running: once the user logs in, the next request goes through.
    av.run(&["login", "--method", "oauth"]).expect_code(0);
    let accepted = bridge.handshake();
    assert_eq!(accepted["result"]["serverInfo"]["name"], "agentview-local", "{accepted}");
    bridge.send_json(json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"}));
    assert!(bridge.answer(json!(5))["result"]["tools"].is_array());
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
    assert!(!bridge.stderr().contains(&stored_token(&av)));
}
