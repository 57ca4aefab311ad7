//! Every in-memory authorization server forgets its clients when it restarts. The next login must
//! still succeed at once, without the user deleting agentview's registration cache.

use super::*;
use support::peers::PeerKind;

pub fn a_restarted_server_that_forgot_its_clients(kind: PeerKind) {
    let Some(mut peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    login(&av, &peer, &[]);
    let registered = |peer: &Peer| peer.requests().iter().filter(|r| r["registration"].is_object()).count();
    assert_eq!(registered(&peer), 1);
    peer.restart();
    // Bounded by the login's --timeout: a login that waits for a callback that cannot come fails.
    let run = login(&av, &peer, &["--force"]);
    let token = av.token();
    run.assert_no_leak(&token);
    assert!(accepted(&peer, &token), "{}", peer.log_text());
    assert_eq!(registered(&peer), 2, "registered again after the restart\n{}", peer.log_text());
}
