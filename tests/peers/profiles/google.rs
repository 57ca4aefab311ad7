//! Google's installed apps: the desktop client's secret sent, `access_type=offline` and
//! `prompt=consent` for a refresh token, never `offline_access` (tests/peers/node/providers/google.mjs
//! cites the documentation of each rule).

use serde_json::json;

use super::*;
use support::peers::{PeerKind, PeerOptions, stored};

const CLIENT: &str = "1234567890-desktop.apps.googleusercontent.example";
const SECRET: &str = "GOCSPX-desktop-secret";

fn start() -> Option<Peer> {
    let clients = vec![json!({"client_id": CLIENT, "client_secret": SECRET, "redirect_uris": ["http://localhost"]})];
    Peer::start_with(PeerKind::Google, PeerOptions { clients, ..PeerOptions::default() })
}

fn agentview(peer: &Peer) -> Agentview {
    let mut av = agentview_with(peer, "alice", "google");
    av.set("AGENTVIEW_CLIENT_SECRET", SECRET);
    av
}

/// A Google login without a refresh token (no `access_type=offline`) means a new login every
/// hour. Now the login asks for offline access Google's way and keeps the refresh
/// token; the API takes the token; the person is named (Google's UserInfo endpoint); renewal
/// works without a new refresh token (Google does not rotate them); a second login gets one
/// again (`prompt=consent`); logout revokes the grant.
#[test]
fn google_keeps_a_refresh_token_and_renews_with_it() {
    let Some(peer) = start() else { return };
    let av = agentview(&peer);
    let run = login(&av, &peer, &["--client-id", CLIENT]);
    run.assert_no_leak(SECRET);
    let asked = peer.requests_to("/o/oauth2/v2/auth");
    let asked = asked.first().unwrap_or_else(|| panic!("no authorization request\n{}", peer.log_text()));
    assert_eq!(
        (asked["access_type"].as_str(), asked["prompt"].as_str()),
        (Some("offline"), Some("consent")),
        "{asked}"
    );
    assert!(!asked["scope"].as_str().unwrap_or_default().contains("offline_access"), "{asked}");
    let issued: Vec<Value> = peer.events("refresh-token").into_iter().map(|e| e["issued"].clone()).collect();
    assert_eq!(issued, [true], "{}", peer.log_text());
    let entry = stored(&av);
    let refresh = entry["oauth"]["refresh_token"].as_str().unwrap_or_else(|| panic!("no refresh token: {entry}"));
    assert_eq!(entry["oauth"]["client_secret"], SECRET, "kept for renewals");
    assert_checked_by_the_login(&peer);
    assert!(run.stderr.contains("as alice <alice@gmail.example>"), "{}", run.stderr);
    let status = av.run(&["status"]);
    assert!(status.stdout.contains("account: alice <alice@gmail.example>"), "{}", status.stdout);

    let token = av.token();
    assert!(super::super::person::whoami(&peer, &token).ends_with(&format!("via {CLIENT}")));
    renewed(&av, &peer);
    assert_eq!(stored(&av)["oauth"]["refresh_token"], refresh, "not rotated: the refresh token stays");

    let again = av.run(&["login", "--method", "oauth", "--timeout", LOGIN_TIMEOUT, "--force", "--client-id", CLIENT]);
    assert_eq!(again.code, 0, "{}", explain(&again, &peer));
    let issued: Vec<Value> = peer.events("refresh-token").into_iter().map(|e| e["reason"].clone()).collect();
    assert_eq!(issued.last(), Some(&json!("prompt=consent")), "a repeat consent gets one too: {issued:?}");
    let entry = stored(&av);
    let (grant, access) = (entry["oauth"].clone(), entry["token"].as_str().unwrap().to_string());

    let logout = av.run(&["logout"]);
    assert_eq!(logout.code, 0, "{}", explain(&logout, &peer));
    assert!(logout.stderr.contains("Revoked the OAuth tokens"), "{}", logout.stderr);
    assert!(!logout.stderr.contains("could not revoke"), "{}", logout.stderr);
    assert_eq!(peer.mcp_status(&access), 401, "the revoked token is refused");
    let (status, answer) = peer.try_refresh(&grant, grant["refresh_token"].as_str().unwrap());
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_grant")), "{answer}");
}

/// A desktop client without its secret: the login stops before anything reaches Google, naming
/// where the secret goes.
#[test]
fn without_the_client_secret_nothing_is_sent() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "google");
    let run = av.run(&["login", "--method", "oauth", "--timeout", LOGIN_TIMEOUT, "--client-id", CLIENT]);
    assert_eq!(run.code, 2, "{}", explain(&run, &peer));
    let (error, hint) = error_and_hint(&run);
    assert!(error.contains("client secret"), "{}", run.stderr);
    assert!(hint.contains("AGENTVIEW_CLIENT_SECRET") && hint.contains("--client-secret-stdin"), "{}", run.stderr);
    assert!(peer.requests_to("/o/oauth2/v2/auth").is_empty() && peer.requests_to("/token").is_empty());
}
