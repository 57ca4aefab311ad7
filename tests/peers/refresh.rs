//! Renewal when the access token is due: at the peer's own expiry, and once for many callers.

use serde_json::Value;

use super::*;
use support::peers::{PeerKind, PeerOptions, stored};

/// The peer's access-token lifetime here (not its default hour); no test waits for it: the peer's
/// clock is moved past it.
const LIFETIME: u64 = 600;

/// The token expires at the peer; `agentview token` then renews it (one refresh at the
/// authorization server, the refresh token rotated) and the new token works. A peer that issues
/// no refresh token: `token` says the credential expired and names `login`, and asks nothing.
pub fn a_due_token_is_renewed_after_it_expired(kind: PeerKind) {
    let options = PeerOptions { token_lifetime: Some(LIFETIME), ..PeerOptions::default() };
    let Some(peer) = Peer::start_with(kind, options) else { return };
    let av = peer.agentview();
    login(&av, &peer, &[]);
    let entry = stored(&av);
    let old = entry["token"].as_str().unwrap().to_string();
    let old_refresh = entry["oauth"]["refresh_token"].as_str().map(str::to_string);
    // The lifetime passes without showing the peer the expired token (FastMCP's provider, shown an
    // expired access token, deletes it together with its refresh token): the peer's clock moves a
    // second past it, and the stored expiry moves back as far (agentview's clock cannot be moved).
    let expires_at = entry["expires_at"].as_u64().expect("the login stored an expiry");
    let shift = expires_at - entry["created_at"].as_u64().expect("the login stored when") + 1;
    peer.advance_clock(shift as f64);
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["credentials"][av.server.as_str()]["expires_at"] = Value::from(expires_at - shift);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    if !kind.refreshes() {
        assert_eq!(old_refresh, None, "{} issues no refresh token", kind.name());
        let run = av.run(&["token"]);
        assert_eq!(run.code, 4, "{}", explain(&run, &peer));
        assert!(run.stderr.contains("login"), "{}", run.stderr);
        assert!(peer.token_requests("refresh_token").is_empty());
        assert_eq!(peer.mcp_status(&old), kind.refusal_status(), "the peer's own expiry");
        return;
    }
    let old_refresh = old_refresh
        .unwrap_or_else(|| panic!("{} issued no refresh token at the login\n{}", kind.name(), peer.log_text()));
    let run = av.run(&["token"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    let new = run.stdout.trim_end().to_string();
    assert_ne!(new, old);
    run.assert_stderr_clean(&new);
    assert!(accepted(&peer, &new), "the renewed token is refused\n{}", peer.log_text());
    assert_eq!(peer.mcp_status(&old), kind.refusal_status(), "the expired token is refused");
    let refreshes = peer.token_requests("refresh_token");
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(refreshes[0]["status"], 200, "{refreshes:?}");
    assert_eq!(refreshes[0]["resource"], peer.mcp_url(), "the same resource as at the login (RFC 8707)");
    let rotated = stored(&av)["oauth"]["refresh_token"].as_str().map(str::to_string);
    assert!(rotated.is_some_and(|r| r != old_refresh), "the rotated refresh token was kept");
}

/// Eight `agentview token` at once with a due token: one refresh at the authorization server,
/// and all eight print the same new token, which the peer accepts.
pub fn eight_concurrent_callers_refresh_once(kind: PeerKind) {
    let Some(peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    login(&av, &peer, &[]);
    // Due for agentview, still live at the peer (an hour): the renewed token is not due again,
    // so every caller after the first must take the first one's result.
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let old = doc["credentials"][av.server.as_str()]["token"].as_str().unwrap().to_string();
    doc["credentials"][av.server.as_str()]["expires_at"] = Value::from(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8).map(|_| scope.spawn(|| av.run(&["token"]))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        assert_eq!(run.code, 0, "{}", explain(run, &peer));
    }
    let tokens: Vec<&str> = runs.iter().map(|r| r.stdout.trim_end()).collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]), "the callers got different tokens");
    assert_ne!(tokens[0], old);
    let refreshes = peer.token_requests("refresh_token");
    assert_eq!(refreshes.len(), 1, "refresh requests at the authorization server: {refreshes:?}");
    assert!(accepted(&peer, tokens[0]), "{}", peer.log_text());
}
