//! Better Auth's OAuth 2.1 provider plugin, configured strictly (tests/peers/node/better_auth.mjs):
//! the login, renewal and per-token revocation; a restart that forgets the client, met first by a
//! renewal (exit 4 with the login command) and then by the login (registered again within
//! seconds); a mistyped client id or redirect URI, refused within seconds with the server's
//! reason. Better Auth answers an authorization request for a client or redirect URI it does not
//! know with a redirect to its own error page, or, asked for JSON, with
//! `200 {"redirect":true,"url":"…/error?error=invalid_client…"}`: no 4xx at all.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::*;
use support::peers::{PeerKind, stored};
use support::ports::held_port;

const REGISTER: &str = "/api/auth/oauth2/register";

/// A refusal is read from one answer of the authorization endpoint: far below the login window.
const QUICK: Duration = Duration::from_secs(5);

fn registrations(peer: &Peer) -> usize {
    peer.requests_to(REGISTER).iter().filter(|r| r["method"] == "POST").count()
}

fn sign_ins(peer: &Peer) -> usize {
    peer.events("sign-in").len()
}

/// Make the stored access token look expired (the peer's copy is untouched), so the next reader
/// renews it.
fn expire_locally(av: &Agentview) {
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let entry = &mut doc["credentials"][av.server.as_str()];
    entry["expires_at"] = Value::from(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

/// The login, a renewal, and logout saying per token what was revoked: Better Auth revokes the
/// refresh token and declines the access token (a JWT) with unsupported_token_type.
pub fn login_renewal_and_logout(kind: PeerKind) {
    let Some(peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    let run = login(&av, &peer, &[]);
    let token = av.token();
    run.assert_no_leak(&token);
    assert!(accepted(&peer, &token), "the peer refused the stored token\n{}", peer.log_text());
    assert_eq!(peer.mcp_status("forged-token-the-peer-never-issued"), 401, "the peer checks tokens");
    let check = av.run(&["status", "--check"]);
    assert_eq!(check.code, 0, "{}", explain(&check, &peer));
    expire_locally(&av);
    let old_refresh = stored(&av)["oauth"]["refresh_token"].as_str().expect("a refresh token").to_string();
    let run = av.run(&["token"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    let renewed = run.stdout.trim_end().to_string();
    assert_ne!(renewed, token, "renewed");
    assert!(accepted(&peer, &renewed), "the peer refused the renewed token\n{}", peer.log_text());
    let grant = stored(&av)["oauth"].clone();
    let refresh = grant["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh, old_refresh, "rotated");
    let run = av.run(&["logout"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_no_leak(&refresh);
    assert!(run.stderr.contains("✓ Revoked the refresh token"), "{}", explain(&run, &peer));
    assert!(run.stderr.contains("does not revoke access tokens"), "{}", explain(&run, &peer));
    assert!(!run.stderr.contains("could not revoke"), "{}", explain(&run, &peer));
    let (status, answer) = peer.try_refresh(&grant, &refresh);
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_grant")), "{answer}\n{}", peer.log_text());
}

/// The peer restarts and forgets agentview's client. A renewal meets it first: exit 4 with the
/// login command (`token`), and `status` still says what it knows. The login then registers again
/// at once, without a browser showing Better Auth's error page.
pub fn a_restart_forgets_the_client(kind: PeerKind) {
    let Some(mut peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    login(&av, &peer, &[]);
    assert_eq!(registrations(&peer), 1);
    peer.restart();
    expire_locally(&av);
    let run = av.run(&["token"]);
    assert_eq!(run.code, 4, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("invalid_client"), "the server's reason: {}", explain(&run, &peer));
    assert!(run.stderr.contains("log in again") && run.stderr.contains(" login"), "{}", explain(&run, &peer));
    assert!(run.stdout.is_empty());
    let run = av.run(&["status"]);
    assert_eq!(run.code, 4, "{}", explain(&run, &peer));
    assert!(run.stdout.contains(&format!("issuer:  {}", peer.issuer())), "{}", explain(&run, &peer));
    assert!(run.stdout.contains("renewal: FAILED"), "{}", explain(&run, &peer));
    let started = Instant::now();
    let run = login(&av, &peer, &[]);
    assert!(run.stderr.contains("registering again"), "{}", explain(&run, &peer));
    assert!(started.elapsed() < Duration::from_secs(LOGIN_TIMEOUT.parse().unwrap()), "no wait for a callback");
    assert_eq!(registrations(&peer), 2, "registered again\n{}", peer.log_text());
    assert_eq!(sign_ins(&peer), 2, "one sign-in for each login, none with the forgotten client");
    let token = av.token();
    run.assert_no_leak(&token);
    assert!(accepted(&peer, &token), "{}", peer.log_text());
}

/// A client id Better Auth does not know: the login ends before any browser opens, within
/// seconds, naming the server's reason; nothing is stored, nobody is asked to sign in.
pub fn a_mistyped_client_id_is_refused_at_once(kind: PeerKind) {
    let Some(peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    let started = Instant::now();
    let run = av.run(&["login", "--method", "oauth", "--timeout", LOGIN_TIMEOUT, "--client-id", "agentvew-typo"]);
    assert!(started.elapsed() < QUICK, "refused within seconds, not at the login's limit: {:?}", started.elapsed());
    assert_eq!(run.code, 7, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("before the browser opened"), "{}", explain(&run, &peer));
    assert!(run.stderr.contains("invalid_client (client not found)"), "{}", explain(&run, &peer));
    assert!(run.stderr.contains("check that the client id is registered"), "{}", explain(&run, &peer));
    assert!(!run.stderr.contains("Opened the login page"), "no browser: {}", run.stderr);
    assert_eq!(sign_ins(&peer), 0);
    assert!(!av.credentials_file().exists() || stored(&av).is_null(), "nothing stored");
}

/// A redirect URI the client was not registered with (the registered client of an earlier login,
/// with --redirect-uri elsewhere): refused within seconds with the server's reason.
pub fn a_mistyped_redirect_uri_is_refused_at_once(kind: PeerKind) {
    let Some(peer) = Peer::start(kind) else { return };
    let av = peer.agentview();
    login(&av, &peer, &[]);
    let client_id = stored(&av)["oauth"]["client_id"].as_str().unwrap().to_string();
    let elsewhere = format!("http://127.0.0.1:{}/elsewhere", held_port().port);
    let started = Instant::now();
    let client = format!("--client-id={client_id}");
    let args = ["login", "--force", "--method", "oauth", "--timeout", LOGIN_TIMEOUT, &client];
    let run = av.run(&[&args[..], &["--redirect-uri", &elsewhere]].concat());
    assert!(started.elapsed() < QUICK, "refused within seconds: {:?}", started.elapsed());
    assert_eq!(run.code, 7, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("before the browser opened"), "{}", explain(&run, &peer));
    assert!(run.stderr.contains("invalid redirect uri"), "the server's reason: {}", explain(&run, &peer));
    assert!(run.stderr.contains(&elsewhere), "names the redirect URI: {}", run.stderr);
    assert_eq!(sign_ins(&peer), 1, "only the first login's");
}
