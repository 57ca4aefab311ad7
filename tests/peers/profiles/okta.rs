//! An Okta custom authorization server: `offline_access` for a refresh token, tokens for
//! api://default (tests/peers/node/providers/okta.mjs cites the documentation of each rule).

use serde_json::json;

use super::super::person::jwt_claims;
use super::*;
use support::peers::{PeerKind, PeerOptions, stored};

const CLIENT: &str = "0oa1publicnative";
const REDIRECT: &str = "http://127.0.0.1/callback";

fn start() -> Option<Peer> {
    let client = json!({"client_id": CLIENT, "redirect_uris": [REDIRECT]});
    let env = vec![("PEER_ADMIN_TOKEN".to_string(), "00okta-admin-api-token".to_string())];
    Peer::start_with(PeerKind::Okta, PeerOptions { clients: vec![client], env, ..PeerOptions::default() })
}

/// With its profile: `offline_access` and `openid`, a refresh token, the token checked by the login
/// and taken by the API, the person named, renewal, and revocation at logout.
#[test]
fn okta_asks_for_offline_access_and_renews() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "bob", "okta");
    let run = login(&av, &peer, &["--client-id", CLIENT, "--redirect-uri", REDIRECT]);
    let asked = peer.requests_to("/oauth2/default/v1/authorize");
    let scope = asked.first().and_then(|r| r["scope"].as_str()).unwrap_or_default().to_string();
    for wanted in ["mcp:tools", "openid", "offline_access"] {
        assert!(scope.split(' ').any(|s| s == wanted), "{wanted} in {scope:?}\n{}", peer.log_text());
    }
    assert_checked_by_the_login(&peer);
    let entry = stored(&av);
    assert!(entry["oauth"]["refresh_token"].is_string(), "{entry}");
    assert!(entry["user"]["id"].is_string(), "who signed in: {entry}");
    let token = av.token();
    run.assert_no_leak(&token);
    assert_eq!(jwt_claims(&token)["aud"], "api://default");
    renewed(&av, &peer);
    let logout = av.run(&["logout"]);
    assert_eq!(logout.code, 0, "{}", explain(&logout, &peer));
    assert!(logout.stderr.contains("Revoked the"), "{}", logout.stderr);
    assert!(!logout.stderr.contains("could not revoke"), "{}", logout.stderr);
}

/// `--no-verify`: the login does not ask the MCP endpoint, and says so.
#[test]
fn no_verify_skips_the_check() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "okta");
    let run = login(&av, &peer, &["--client-id", CLIENT, "--redirect-uri", REDIRECT, "--no-verify"]);
    assert!(run.stderr.contains("--no-verify"), "{}", run.stderr);
    assert!(authenticated_initializes(&peer).is_empty(), "{}", peer.log_text());
    assert!(accepted(&peer, &av.token()));
}
