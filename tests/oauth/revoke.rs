//! Logout revokes at the authorization server, and removes the local copy in any case.

use super::*;
use support::server::{OAuthEndpoint, OAuthFault};

#[test]
fn logout_revokes_both_tokens() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let entry = stored(&av);
    let access = entry["token"].as_str().unwrap().to_string();
    let refresh = entry["oauth"]["refresh_token"].as_str().unwrap().to_string();
    let run = av.run(&["logout"]).expect_code(0);
    assert!(run.stderr.contains("Revoked the OAuth tokens"), "{}", run.stderr);
    assert!(run.stderr.contains("Removed the credential"), "{}", run.stderr);
    assert!(!server.refresh_token_valid(&refresh));
    assert!(!server.access_token_valid(&access));
    assert_eq!(mcp_status_with(&server, &access), 401);
    assert!(stored(&av).is_null());
    run.assert_no_leak(&refresh);
}

#[test]
fn logout_with_the_server_down_still_removes_and_warns() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let refresh = stored(&av)["oauth"]["refresh_token"].as_str().unwrap().to_string();
    server.push_oauth_fault(OAuthFault::Status { on: OAuthEndpoint::Revoke, status: 503, count: 5 });
    let run = av.run(&["logout"]).expect_code(0);
    assert!(run.stderr.contains("warning: could not revoke"), "{}", run.stderr);
    assert!(run.stderr.contains("Removed the credential"), "{}", run.stderr);
    assert!(stored(&av).is_null());
    assert!(server.refresh_token_valid(&refresh), "the failed revocation left it alive, and the user was told");
}

#[test]
fn logout_local_does_not_revoke() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let refresh = stored(&av)["oauth"]["refresh_token"].as_str().unwrap().to_string();
    let run = av.run(&["logout", "--local"]).expect_code(0);
    assert!(!run.stderr.contains("Revoked"), "{}", run.stderr);
    assert_eq!(server.revocations(), 0);
    assert!(server.refresh_token_valid(&refresh));
    assert!(stored(&av).is_null());
}

#[test]
fn status_check_asks_the_server_about_an_oauth_token() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let run = av.run(&["status", "--check"]).expect_code(0);
    assert!(run.stdout.contains("Logged in"), "{}", run.stdout);
    server.revoke_all_grants();
    let run = av.run(&["status", "--check", "--json"]).expect_code(4);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["check"]["result"], "rejected", "{doc}");
    assert_eq!(doc["kind"], "oauth");
}

/// One token's revocation failing is said for that token: the other is still revoked, and the
/// words say which is which, never a blanket "could not revoke the tokens".
#[test]
fn logout_says_per_token_what_was_revoked() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let entry = stored(&av);
    let access = entry["token"].as_str().unwrap().to_string();
    let refresh = entry["oauth"]["refresh_token"].as_str().unwrap().to_string();
    // The first revocation (the refresh token's) gets a 503; the access token's goes through.
    server.push_oauth_fault(OAuthFault::Status { on: OAuthEndpoint::Revoke, status: 503, count: 1 });
    let run = av.run(&["logout"]).expect_code(0);
    assert!(run.stderr.contains("warning: could not revoke the refresh token at"), "{}", run.stderr);
    assert!(run.stderr.contains("503"), "the reason: {}", run.stderr);
    assert!(run.stderr.contains("✓ Revoked the access token at"), "{}", run.stderr);
    assert!(!run.stderr.contains("could not revoke the tokens"), "{}", run.stderr);
    assert!(!server.access_token_valid(&access), "the access token was revoked all the same");
    assert!(server.refresh_token_valid(&refresh), "the failed one is alive, and the user was told");
    assert!(stored(&av).is_null());
    run.assert_no_leak(&refresh);
}
