//! Workload identity federation at an authorization server whose JWT-bearer grant is Authlib's
//! (RFC 7523 §2.1: it checks the token's signature against the trusted platform's keys, its
//! `iss`, its `aud` (the issuer or the token endpoint) and its `exp`): the platform's token is the
//! grant itself, with no client. The token must work at the MCP endpoint beside it.

use serde_json::{Value, json};

use super::*;
use support::peers::{PeerKind, PeerOptions, stored};
use support::server::jwt::{self, TestKey};

/// The workload platform the peer trusts (a CI provider's OIDC issuer, a cluster's).
const PLATFORM: &str = "https://token.ci-platform.example";
const SUBJECT: &str = "repo:agentview/deploy:ref:refs/heads/main";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn start(kind: PeerKind, key: &TestKey) -> Option<Peer> {
    Peer::start_with(
        kind,
        PeerOptions {
            token_lifetime: Some(900),
            workload_platform: Some(json!({"issuer": PLATFORM, "jwks": {"keys": [key.jwk.clone()]}})),
            ..PeerOptions::default()
        },
    )
}

/// A token the platform issued the workload for the audience `aud`, living 5 minutes.
fn issued(key: &TestKey, aud: &str, run: &str) -> String {
    let now = jwt::now();
    key.sign("JWT", &json!({"iss": PLATFORM, "sub": SUBJECT, "aud": aud, "iat": now, "exp": now + 300, "jti": run}))
}

/// The token works at the MCP endpoint as the workload: `whoami` names its subject and platform.
fn assert_works(peer: &Peer, token: &str) {
    let (status, answer) = peer.mcp_request(token, "tools/call", json!({"name": "whoami", "arguments": {}}));
    assert_eq!(status, 200, "tools/call: {answer}\n{}", peer.log_text());
    assert_eq!(answer["result"]["content"][0]["text"], format!("{SUBJECT} via {PLATFORM}"), "{answer}");
}

/// `login --workload-token-file`: one request with the token as the assertion and no client; the
/// token works; the renewal presents what the file holds then, and that works too.
pub fn the_token_alone_logs_in_and_renews(kind: PeerKind) {
    let key = TestKey::ec_p256("platform-1");
    let Some(peer) = start(kind, &key) else { return };
    let av = peer.agentview();
    let first = issued(&key, peer.issuer(), "run-1");
    let file = private_file(&av, "workload.jwt", &first);
    let run = av.run(&["login", "--workload-token-file", &file]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_no_leak(&first);
    let requests = peer.token_requests(JWT_BEARER);
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["status"], 200, "{}", peer.log_text());
    assert_eq!(requests[0]["auth"], "none");
    assert!(requests[0].get("client_id").is_none(), "no client: {}", requests[0]);
    assert_eq!(stored(&av)["oauth"]["unattended"]["grant"], "workload");
    let token = av.token();
    assert_works(&peer, &token);
    // The platform rotates the token; the renewal presents the new one.
    std::fs::write(&file, issued(&key, peer.issuer(), "run-2")).unwrap();
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["credentials"][av.server.as_str()]["expires_at"] = json!(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let renewed = av.token();
    assert_ne!(renewed, token);
    assert_eq!(peer.token_requests(JWT_BEARER).len(), 2);
    assert_works(&peer, &renewed);
}

/// The token endpoint's URL as the audience (RFC 7523 §3 allows it, Authlib takes it), with the
/// token in the environment of a CI job and no login.
pub fn the_token_endpoint_as_audience_in_the_environment(kind: PeerKind) {
    let key = TestKey::rsa("platform-rsa");
    let Some(peer) = start(kind, &key) else { return };
    let mut av = peer.agentview();
    let token = issued(&key, &format!("{}/token", peer.issuer()), "env");
    let file = private_file(&av, "workload.jwt", &token);
    av.set("AGENTVIEW_WORKLOAD_TOKEN_FILE", &file);
    let run = av.run(&["exec", "--", "sh", "-c", "printf %s \"$AGENTVIEW_TOKEN\""]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_stderr_clean(&token);
    assert_works(&peer, &run.stdout);
}

/// A token the platform did not sign: Authlib refuses it (invalid_grant), agentview exits 4 naming
/// the file, sends it once and tries nothing else; nothing is stored.
pub fn a_forged_token_is_refused_once(kind: PeerKind) {
    let (key, stranger) = (TestKey::ec_p256("platform-2"), TestKey::ec_p256("stranger"));
    let Some(peer) = start(kind, &key) else { return };
    let av = peer.agentview();
    let forged = issued(&stranger, peer.issuer(), "forged");
    let file = private_file(&av, "workload.jwt", &forged);
    let run = av.run(&["login", "--workload-token-file", &file]);
    assert_eq!(run.code, 4, "{}", explain(&run, &peer));
    assert!(run.stderr.contains(&file) && run.stderr.contains("invalid_grant"), "{}", run.stderr);
    run.assert_no_leak(&forged);
    let requests = peer.requests_to("/token");
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["status"], 400, "{}", peer.log_text());
    assert!(!av.credentials_file().exists());
}
