//! Auth0: `audience` names the API, or the token is an opaque one the API refuses
//! (tests/peers/node/providers/auth0.mjs cites the documentation of each rule).

use serde_json::json;

use super::super::person::jwt_claims;
use super::*;
use support::peers::{PeerKind, PeerOptions, stored};

const CLIENT: &str = "auth0-native-app";

fn start() -> Option<Peer> {
    let client = json!({"client_id": CLIENT, "redirect_uris": ["http://127.0.0.1/callback"]});
    Peer::start_with(PeerKind::Auth0, PeerOptions { clients: vec![client], ..PeerOptions::default() })
}

/// With its profile the login names the API (`audience` = the protected resource): a JWT for the
/// API, which the login checks and the API takes, through `exec` too; renewal rotates the
/// refresh token; logout revokes it.
#[test]
fn auth0_names_the_audience_and_the_api_takes_the_token() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "auth0");
    let run = login(&av, &peer, &["--client-id", CLIENT]);
    let asked = peer.requests_to("/authorize");
    let asked = asked.first().unwrap_or_else(|| panic!("no authorization request\n{}", peer.log_text()));
    assert_eq!(asked["audience"], peer.mcp_url(), "{asked}");
    assert_checked_by_the_login(&peer);
    let token = av.token();
    run.assert_no_leak(&token);
    assert_eq!(jwt_claims(&token)["aud"], peer.mcp_url());
    assert!(run.stderr.contains(" as "), "who signed in: {}", run.stderr);

    // A tools call by a program `exec` starts, with the token in its environment.
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}"#;
    let script = format!(
        "printf 'header = \"Authorization: %s\"\\n' \"$AGENTVIEW_AUTHORIZATION\" | curl -s --max-time 20 --config - \
         -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
         -H 'MCP-Protocol-Version: 2025-06-18' --data '{call}' \"$AGENTVIEW_SERVER\""
    );
    let exec = av.run(&["exec", "--", "sh", "-c", &script]);
    assert_eq!(exec.code, 0, "{}", explain(&exec, &peer));
    assert!(exec.stdout.contains(&format!("via {CLIENT}")), "{}", explain(&exec, &peer));

    let old_refresh = stored(&av)["oauth"]["refresh_token"].as_str().unwrap().to_string();
    renewed(&av, &peer);
    let entry = stored(&av);
    assert_ne!(entry["oauth"]["refresh_token"], old_refresh.as_str(), "rotated");
    let grant = entry["oauth"].clone();

    let logout = av.run(&["logout"]);
    assert_eq!(logout.code, 0, "{}", explain(&logout, &peer));
    assert!(logout.stderr.contains("Revoked the"), "{}", logout.stderr);
    let (status, answer) = peer.try_refresh(&grant, grant["refresh_token"].as_str().unwrap());
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_grant")), "{answer}");
}

/// The worst outcome a login can have: "Logged in", exit 0, and a stored token the server refuses
/// (opaque, no `audience` asked for). Without the profile the login now asks the server first, hears the
/// refusal, says why and which setting fixes it (`audience`), revokes the new refresh token,
/// stores nothing and exits 4.
#[test]
fn without_the_audience_the_login_refuses_to_report_success() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "generic");
    let run = av.run(&["login", "--method", "oauth", "--timeout", LOGIN_TIMEOUT, "--client-id", CLIENT]);
    assert_eq!(run.code, 4, "{}", explain(&run, &peer));
    assert!(!run.stderr.contains("Logged in"), "{}", run.stderr);
    let (error, hint) = error_and_hint(&run);
    assert!(error.starts_with("error: the server refused the new token:"), "{}", run.stderr);
    assert!(hint.contains("audience="), "the setting that fixes it: {}", run.stderr);
    assert!(hint.contains("nothing was stored"), "{}", run.stderr);
    assert!(!av.credentials_file().exists() || stored(&av).is_null(), "nothing stored");
    let refused = authenticated_initializes(&peer);
    assert!(refused.iter().any(|r| r["status"] == 401), "the login asked the server\n{}", peer.log_text());
    let revoked = peer.requests_to("/oauth/revoke");
    assert!(
        revoked.iter().any(|r| r["token_type_hint"] == "refresh_token" && r["status"] == 200),
        "the new refresh token was revoked\n{}",
        explain(&run, &peer)
    );
    assert!(run.stderr.contains("Revoked the new refresh token"), "said per token: {}", run.stderr);
}

/// An audience no API of the tenant has: Auth0 refuses ("Service not found"), and the login
/// names the `audience` setting.
#[test]
fn an_unknown_audience_names_the_audience_setting() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "auth0");
    let run = av.run(&[
        "login",
        "--method",
        "oauth",
        "--timeout",
        LOGIN_TIMEOUT,
        "--client-id",
        CLIENT,
        "--authorize-param",
        "audience=https://api.unknown.example",
    ]);
    assert_eq!(run.code, 5, "{}", explain(&run, &peer));
    let (error, hint) = error_and_hint(&run);
    assert!(error.contains("refused the audience parameter") && error.contains("Service not found"), "{}", run.stderr);
    assert!(hint.contains("--authorize-param audience="), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}
