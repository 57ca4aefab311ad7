//! A client the operator registered beforehand, with exactly one redirect URI: agentview must use
//! that URI (`--redirect-uri`), not a path of its own. Where the peer lets a loopback port vary
//! (RFC 8252 §7.3) the URI is registered without a port and agentview picks one; the Python SDK
//! compares exactly, so there the port is part of the registration.

use super::*;
use support::peers::{PeerKind, PeerOptions, preregistered};
use support::ports::held_port;

const CLIENT_ID: &str = "agentview-cli";
const SECRET: &str = "pre-registered-secret-of-the-operator";

pub fn a_preregistered_client_logs_in_with_its_redirect_uri(kind: PeerKind) {
    // Held (bound, not listening) so only agentview may listen there.
    let held = held_port();
    let redirect_uri = if kind.loopback_port_may_vary() {
        "http://127.0.0.1/callback".to_string()
    } else {
        format!("http://127.0.0.1:{}/callback", held.port)
    };
    // FastMCP's operator hands out a confidential client (its metadata lists client_secret_post
    // first); the others a public one, as for any command-line program.
    let secret = matches!(kind, PeerKind::FastMcpPinned | PeerKind::FastMcpNewest).then_some(SECRET);
    let options =
        PeerOptions { clients: vec![preregistered(CLIENT_ID, &redirect_uri, secret)], ..PeerOptions::default() };
    let Some(peer) = Peer::start_with(kind, options) else { return };
    let mut av = peer.agentview();
    if let Some(secret) = secret {
        av.set("AGENTVIEW_CLIENT_SECRET", secret);
    }
    let run = login(&av, &peer, &["--client-id", CLIENT_ID, "--redirect-uri", &redirect_uri]);
    if let Some(secret) = secret {
        run.assert_no_leak(secret);
    }
    let token = av.token();
    assert!(accepted(&peer, &token), "{}", peer.log_text());
    let requests = peer.requests();
    assert!(
        !requests.iter().any(|r| r["registration"].is_object()),
        "no dynamic registration for a pre-registered client: {requests:?}"
    );
    let authorize: Vec<_> = requests.iter().filter(|r| r["redirect_uri"].is_string() && r["method"] == "GET").collect();
    // agentview asks the authorization endpoint once before it sends the browser there (a
    // pre-registered client the server does not know ends the login at once); then the browser.
    assert_eq!(authorize.len(), 2, "{authorize:?}");
    let used = authorize[0]["redirect_uri"].as_str().unwrap();
    assert_eq!(authorize[1]["redirect_uri"].as_str(), Some(used), "{authorize:?}");
    if kind.loopback_port_may_vary() {
        let rest = used.strip_prefix("http://127.0.0.1:").unwrap_or_else(|| panic!("{used}"));
        let (port, path) = rest.split_once('/').unwrap_or_else(|| panic!("{used}"));
        assert!(port.parse::<u16>().is_ok() && path == "callback", "{used}");
    } else {
        assert_eq!(used, redirect_uri);
    }
}
