//! The browser login against each peer, and the stored token at the peer's MCP endpoint.

use super::*;
use support::peers::{PeerKind, stored};

pub fn login_stores_a_token_the_server_accepts(kind: PeerKind) {
    let Some(peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    let run = login(&av, &peer, &[]);
    let entry = stored(&av);
    assert_eq!(entry["kind"], "oauth");
    assert_eq!(entry["oauth"]["issuer"], peer.issuer(), "the issuer the peer's metadata names");
    assert_eq!(entry["oauth"]["resource"], peer.mcp_url(), "the resource is the MCP endpoint (RFC 8707)");
    let token = av.token();
    run.assert_no_leak(&token);
    assert!(accepted(&peer, &token), "the peer refused the stored token\n{}", peer.log_text());
    assert_eq!(peer.mcp_status("forged-token-the-peer-never-issued"), kind.refusal_status(), "the peer checks tokens");
    let check = av.run(&["status", "--check"]);
    assert_eq!(check.code, 0, "status --check\n{}", explain(&check, &peer));
    check.assert_no_leak(&token);
    // The code exchange carried PKCE and the resource, the way the peer accepted it.
    let exchanges = peer.token_requests("authorization_code");
    assert_eq!(exchanges.len(), 1, "{exchanges:?}");
    let fields = exchanges[0]["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f == "code_verifier"), "{exchanges:?}");
    assert_eq!(exchanges[0]["resource"], peer.mcp_url());
}

/// oidc-provider validates a registration's `scope` against its own scopes (openid,
/// offline_access): a resource server's scope there gets the registration refused
/// (invalid_client_metadata). RFC 7591 makes `scope` optional.
pub fn registration_leaves_out_scopes_the_provider_does_not_list(kind: PeerKind) {
    let Some(peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    let run = av.run(&["login", "--method", "oauth", "--timeout", LOGIN_TIMEOUT]);
    let registrations: Vec<_> = peer.requests().into_iter().filter(|r| r["registration"].is_object()).collect();
    assert!(!registrations.is_empty(), "no registration\n{}", explain(&run, &peer));
    let last = registrations.last().unwrap();
    assert!(
        (200..300).contains(&last["status"].as_u64().unwrap_or(0)),
        "the provider refused the last registration\n{}",
        explain(&run, &peer)
    );
    if let Some(scope) = last["registration"]["scope"].as_str() {
        for s in scope.split(' ') {
            assert!(["openid", "offline_access"].contains(&s), "{s} in the registration: {last}");
        }
    }
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
}
