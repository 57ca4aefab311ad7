//! `agentview logout` revokes at the authorization server (RFC 7009), then forgets the credential.

use super::*;
use support::peers::{PeerKind, stored};

pub fn logout_revokes_at_the_server(kind: PeerKind) {
    let Some(peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    login(&av, &peer, &[]);
    let entry = stored(&av);
    let grant = entry["oauth"].clone();
    let access = entry["token"].as_str().unwrap().to_string();
    let run = av.run(&["logout"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_no_leak(&access);
    assert!(stored(&av).is_null(), "the credential is gone from the store");
    if !kind.revokes() {
        assert!(run.stderr.contains("offers no revocation"), "{}", explain(&run, &peer));
        return;
    }
    let revocations: Vec<_> = peer
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["fields"].as_array().is_some_and(|f| f.iter().any(|f| f == "token")))
        .filter(|r| r["path"] != "/introspect")
        .collect();
    let refresh_revoked = revocations.iter().any(|r| r["token_type_hint"] == "refresh_token" && r["status"] == 200);
    assert!(refresh_revoked, "the refresh token was not revoked\n{}", explain(&run, &peer));
    // The refresh token is dead at the authorization server: a refresh with it is refused.
    let refresh = grant["refresh_token"].as_str().expect("the login got a refresh token");
    let (status, answer) = peer.try_refresh(&grant, refresh);
    assert_eq!(
        (status, answer["error"].as_str()),
        (kind.invalid_grant_status(), Some("invalid_grant")),
        "{answer}\n{}",
        peer.log_text()
    );
    // Every revocation was accepted, except that a server may decline to revoke a self-contained
    // (JWT) access token with unsupported_token_type (RFC 7009 §2.2.1): not a failed logout.
    for r in &revocations {
        let declined = r["status"] == 400 && r["error"]["error"] == "unsupported_token_type";
        assert!(r["status"] == 200 || declined, "the peer refused a revocation: {r}");
    }
    assert!(run.stderr.contains("✓ Revoked the"), "{}", explain(&run, &peer));
    let declined = revocations.iter().any(|r| r["status"] == 400);
    assert_eq!(run.stderr.contains("does not revoke access tokens"), declined, "{}", explain(&run, &peer));
    assert!(!run.stderr.contains("could not revoke"), "{}", explain(&run, &peer));
}
