//! Logins without a person at a strict authorization server: the client credentials grant for
//! clients the operator registered beforehand, each allowed one way to authenticate (a secret
//! by HTTP Basic or in the form, an RSA or EC private key that signs every request:
//! `private_key_jwt`, RFC 7523 §2.2), the client in the environment of a CI job with its renewal,
//! and a wrong secret. The token must work for a real MCP request at the resource server, which
//! checks it against the provider's keys, its issuer, its audience (the MCP URL) and its scope.

use serde_json::{Value, json};

use super::*;
use support::peers::{PeerKind, PeerOptions, key_client, secret_client, stored};
use support::server::jwt::TestKey;

const CLIENT: &str = "ci-pipeline";
const SECRET: &str = "ci-secret-of-the-operator-5d1e";
const RSA_CLIENT: &str = "ci-signer-rsa";
const EC_CLIENT: &str = "ci-signer-ec";
/// The grant's access-token lifetime here: not the default hour, so its use is visible.
const LIFETIME: u64 = 900;
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The peer with the secret client (HTTP Basic, the provider's first secret method) and the
/// key clients (the committed RSA test key, a P-256 key made now).
fn start(kind: PeerKind, rsa: &TestKey, ec: &TestKey) -> Option<Peer> {
    Peer::start_with(
        kind,
        PeerOptions {
            token_lifetime: Some(LIFETIME),
            clients: vec![
                secret_client(CLIENT, SECRET, "client_secret_basic"),
                key_client(RSA_CLIENT, std::slice::from_ref(&rsa.jwk)),
                key_client(EC_CLIENT, std::slice::from_ref(&ec.jwk)),
            ],
            ..PeerOptions::default()
        },
    )
}

fn start_secret_only(kind: PeerKind) -> Option<Peer> {
    start(kind, &TestKey::rsa("rsa"), &TestKey::ec_p256("ec"))
}

/// The token works for MCP requests: `tools/list` lists the peer's tool, and `whoami` says the
/// token is the client's own (`sub` and `client_id` are the client id).
fn assert_works_as(peer: &Peer, token: &str, client_id: &str) {
    let (status, answer) = peer.mcp_request(token, "tools/list", json!({}));
    assert_eq!(status, 200, "tools/list: {answer}\n{}", peer.log_text());
    assert_eq!(answer["result"]["tools"][0]["name"], "whoami", "{answer}");
    let (status, answer) = peer.mcp_request(token, "tools/call", json!({"name": "whoami", "arguments": {}}));
    assert_eq!(status, 200, "tools/call: {answer}\n{}", peer.log_text());
    assert_eq!(answer["result"]["content"][0]["text"], format!("{client_id} via {client_id}"), "{answer}");
}

/// The client credentials requests the provider answered.
fn grants(peer: &Peer) -> Vec<Value> {
    peer.token_requests("client_credentials")
}

/// Mark the stored access token as due (the provider's copy stays live).
fn expire_locally(av: &Agentview) {
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["credentials"][av.server.as_str()]["expires_at"] = json!(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

/// curl, by RFC 6749 §4.4 and RFC 8707, gets a token for the MCP URL that the resource server
/// takes: the provider and the resource server are set up right for the grant, so a failure
/// below is agentview's.
pub fn a_reference_client_gets_a_token(kind: PeerKind) {
    let Some(peer) = start_secret_only(kind) else { return };
    let (_, metadata) = support::peers::get_json(&format!("{}/.well-known/openid-configuration", peer.issuer()));
    let token_endpoint = metadata["token_endpoint"].as_str().unwrap_or_else(|| panic!("{metadata}"));
    let form = [("grant_type", "client_credentials"), ("resource", peer.mcp_url()), ("scope", "mcp:tools")];
    let (status, answer) = support::peers::post_form(token_endpoint, &form, Some((CLIENT, SECRET)));
    assert_eq!(status, 200, "{answer}\n{}", peer.log_text());
    assert_eq!((answer["expires_in"].as_u64(), answer["refresh_token"].as_str()), (Some(LIFETIME), None), "{answer}");
    assert_works_as(&peer, answer["access_token"].as_str().unwrap(), CLIENT);
    // A wrong secret: 401 invalid_client (RFC 6749 §5.2).
    let (status, answer) = support::peers::post_form(token_endpoint, &form, Some((CLIENT, "not-the-secret")));
    assert_eq!((status, answer["error"].as_str()), (401, Some("invalid_client")), "{answer}");
}

/// `login --client-credentials` with the secret in the environment: one request, the secret by
/// HTTP Basic only, the MCP URL as `resource`, the resource's scope; the token works.
pub fn a_secret_by_basic_gets_a_token_the_server_accepts(kind: PeerKind) {
    let Some(peer) = start_secret_only(kind) else { return };
    let mut av = peer.agentview();
    av.set("AGENTVIEW_CLIENT_SECRET", SECRET);
    let run = av.run(&["login", "--client-credentials", "--client-id", CLIENT]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("Logged in to"), "{}", run.stderr);
    run.assert_no_leak(SECRET);
    av.unset("AGENTVIEW_CLIENT_SECRET");
    let requests = grants(&peer);
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!((request["status"].as_u64(), request["auth"].as_str()), (Some(200), Some("basic")), "{request}");
    assert!(!request["fields"].as_array().unwrap().iter().any(|f| f == "client_secret"), "{request}");
    assert_eq!(request["resource"], peer.mcp_url(), "RFC 8707: the MCP URL, as for the browser login");
    assert_eq!(request["scope"], "mcp:tools", "the resource's scope, no offline_access");
    let entry = stored(&av);
    assert_eq!(entry["oauth"]["unattended"]["grant"], "client_credentials");
    assert_eq!(entry["oauth"]["client_auth"], "client_secret_basic");
    assert!(entry["oauth"]["refresh_token"].is_null(), "the grant issues none");
    let lifetime = entry["expires_at"].as_u64().unwrap() - entry["created_at"].as_u64().unwrap();
    assert_eq!(lifetime, LIFETIME, "the provider's expires_in");
    // Without the secret in the environment now: the stored credential serves.
    let token = av.token();
    assert_eq!(entry["token"], token.as_str());
    assert_works_as(&peer, &token, CLIENT);
}

/// A provider that lists `client_secret_post` first, and a client registered for it: the
/// secret goes in the form, with the client id, and nothing by Basic.
pub fn a_secret_in_the_form_where_the_provider_prefers_it(kind: PeerKind) {
    let options = PeerOptions {
        clients: vec![secret_client(CLIENT, SECRET, "client_secret_post")],
        auth_methods: vec!["client_secret_post", "client_secret_basic", "private_key_jwt"],
        ..PeerOptions::default()
    };
    let Some(peer) = Peer::start_with(kind, options) else { return };
    let mut av = peer.agentview();
    av.set("AGENTVIEW_CLIENT_SECRET", SECRET);
    let run = av.run(&["login", "--client-credentials", "--client-id", CLIENT]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_no_leak(SECRET);
    let request = &grants(&peer)[0];
    assert_eq!(request["auth"], "none", "{request}");
    assert_eq!(request["client_id"], CLIENT, "{request}");
    assert!(request["fields"].as_array().unwrap().iter().any(|f| f == "client_secret"), "{request}");
    assert_eq!(stored(&av)["oauth"]["client_auth"], "client_secret_post");
    assert_works_as(&peer, &av.token(), CLIENT);
}

/// `--client-key` with the RSA key (PKCS#8 PEM): an RS256 assertion the provider checks against
/// the client's registered JWKS (iss, sub, aud, exp, jti once); the renewal signs a new one.
pub fn an_rsa_key_signs_each_request(kind: PeerKind) {
    let (rsa, ec) = (TestKey::rsa("ci-rsa-1"), TestKey::ec_p256("ci-ec-1"));
    let Some(peer) = start(kind, &rsa, &ec) else { return };
    let av = peer.agentview();
    let key = private_file(&av, "client.pem", &rsa.pkcs8_pem);
    let run = av.run(&["login", "--client-credentials", "--client-id", RSA_CLIENT, "--client-key", &key]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_no_leak(rsa.pkcs8_pem.lines().nth(1).unwrap());
    let request = &grants(&peer)[0];
    assert_eq!((request["status"].as_u64(), request["auth"].as_str()), (Some(200), Some("none")), "{request}");
    assert_eq!(request["client_assertion_type"], ASSERTION_TYPE, "{request}");
    let entry = stored(&av);
    assert_eq!(entry["oauth"]["client_auth"], "private_key_jwt");
    assert_eq!(entry["oauth"]["unattended"]["client_jwt"]["alg"], "RS256", "the provider's first RSA algorithm");
    assert!(entry["oauth"]["client_secret"].is_null(), "no assertion is kept");
    let first = av.token();
    assert_works_as(&peer, &first, RSA_CLIENT);
    // Due: the grant runs again with a fresh assertion (the provider refuses a used jti).
    expire_locally(&av);
    let renewed = av.token();
    assert_ne!(renewed, first);
    let requests = grants(&peer);
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[1]["status"], 200, "{}", peer.log_text());
    assert_works_as(&peer, &renewed, RSA_CLIENT);
}

/// An EC P-256 key in its own PEM form (SEC1), named by `--client-key-id`: ES256; then the
/// same key (PKCS#8) in the environment, `AGENTVIEW_CLIENT_KEY` and `AGENTVIEW_CLIENT_KEY_ID`.
pub fn an_ec_key_signs_es256_with_its_kid(kind: PeerKind) {
    let (rsa, ec) = (TestKey::rsa("ci-rsa-1"), TestKey::ec_p256("ci-ec-1"));
    let Some(peer) = start(kind, &rsa, &ec) else { return };
    let av = peer.agentview();
    let key = private_file(&av, "client.pem", &ec.own_pem);
    let args = ["login", "--client-credentials", "--client-id", EC_CLIENT, "--client-key", &key, "--client-key-id"];
    let run = av.run(&[&args[..], &[ec.kid()]].concat());
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    let entry = stored(&av);
    assert_eq!(entry["oauth"]["unattended"]["client_jwt"]["alg"], "ES256");
    assert_eq!(entry["oauth"]["unattended"]["client_jwt"]["key_id"], ec.kid());
    assert_works_as(&peer, &av.token(), EC_CLIENT);
    // The same key in the environment of a CI job: no login.
    let mut ci = peer.agentview();
    let key = private_file(&ci, "ci.pem", &ec.pkcs8_pem);
    ci.set("AGENTVIEW_CLIENT_ID", EC_CLIENT).set("AGENTVIEW_CLIENT_KEY", &key).set("AGENTVIEW_CLIENT_KEY_ID", ec.kid());
    assert_works_as(&peer, &ci.token(), EC_CLIENT);
    let requests = grants(&peer);
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[1]["client_assertion_type"], ASSERTION_TYPE, "{requests:?}");
}

/// A P-384 key signs only ES384, which the provider does not list: refused before anything is
/// sent, naming both sides' algorithms.
pub fn a_key_whose_algorithm_the_provider_does_not_take_sends_nothing(kind: PeerKind) {
    let (rsa, ec) = (TestKey::rsa("ci-rsa-1"), TestKey::ec_p384("ci-ec-384"));
    let Some(peer) = start(kind, &rsa, &ec) else { return };
    let av = peer.agentview();
    let key = private_file(&av, "client.pem", &ec.pkcs8_pem);
    let run = av.run(&["login", "--client-credentials", "--client-id", EC_CLIENT, "--client-key", &key]);
    assert_ne!(run.code, 0, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("ES384") && run.stderr.contains("ES256"), "{}", run.stderr);
    assert!(peer.requests_to("/token").is_empty(), "nothing reached the token endpoint");
    assert!(!av.credentials_file().exists());
}

/// The client in the environment of a CI job: `exec` gets a token with no login, its child makes
/// the MCP request with it and inherits no secret; the token is cached; once due, the grant
/// runs again and the new token works.
pub fn the_client_in_the_environment_needs_no_login_and_renews(kind: PeerKind) {
    let Some(peer) = start_secret_only(kind) else { return };
    let mut av = peer.agentview();
    av.set("AGENTVIEW_CLIENT_ID", CLIENT).set("AGENTVIEW_CLIENT_SECRET", SECRET);
    // The child: tools/call whoami with curl, the token in its config on stdin (not in argv).
    let child = r#"[ -z "${AGENTVIEW_CLIENT_SECRET+set}" ] && echo "no secret here"
printf 'header = "Authorization: Bearer %s"\n' "$AGENTVIEW_TOKEN" | curl -sS --max-time 20 --config - \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -H 'MCP-Protocol-Version: 2025-06-18' \
  -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}' "$1""#;
    let run = av.run(&["exec", "--", "sh", "-c", child, "sh", peer.mcp_url()]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_no_leak(SECRET);
    let (first_line, answer) = run.stdout.split_once('\n').unwrap_or_default();
    assert_eq!(first_line, "no secret here", "the child inherits no client secret: {}", run.stdout);
    let answer = support::peers::json_rpc_answer(answer);
    assert_eq!(answer["result"]["content"][0]["text"], format!("{CLIENT} via {CLIENT}"), "{}", run.stdout);
    assert!(!peer.requests().iter().any(|r| r["registration"].is_object()), "no registration");
    assert_eq!(grants(&peer).len(), 1);
    let entry = stored(&av);
    assert_eq!(entry["oauth"]["unattended"]["grant"], "client_credentials", "cached in the store");
    let first = entry["token"].as_str().unwrap().to_string();
    assert_eq!(av.token(), first, "the cached token serves the next run");
    assert_eq!(grants(&peer).len(), 1);
    expire_locally(&av);
    let run = av.run(&["token"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_stderr_clean(SECRET);
    let renewed = run.stdout.trim_end().to_string();
    assert_ne!(renewed, first);
    let requests = grants(&peer);
    assert_eq!(requests.len(), 2, "the grant ran again: {requests:?}");
    assert_eq!((requests[1]["status"].as_u64(), requests[1]["auth"].as_str()), (Some(200), Some("basic")));
    assert!(peer.token_requests("refresh_token").is_empty(), "no refresh token is involved");
    assert_works_as(&peer, &renewed, CLIENT);
    assert_eq!(stored(&av)["token"], renewed.as_str());
}

/// A wrong secret: the provider's `invalid_client` ends the login with exit 4, one error line
/// naming the client, the secret in no output, nothing stored; the same from the environment.
pub fn a_wrong_secret_exits_4_and_stores_nothing(kind: PeerKind) {
    let Some(peer) = start_secret_only(kind) else { return };
    let wrong = "wrong-secret-of-a-typo-8c2f";
    let mut av = peer.agentview();
    av.set("AGENTVIEW_CLIENT_SECRET", wrong);
    let run = av.run(&["login", "--client-credentials", "--client-id", CLIENT]);
    assert_eq!(run.code, 4, "{}", explain(&run, &peer));
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains(&format!("\"{CLIENT}\"")) && errors[0].contains("invalid_client"), "{}", run.stderr);
    run.assert_no_leak(wrong);
    assert!(!av.credentials_file().exists(), "nothing is stored");
    let requests = grants(&peer);
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!((requests[0]["status"].as_u64(), requests[0]["auth"].as_str()), (Some(401), Some("basic")));
    assert_eq!(requests[0]["error"]["error"], "invalid_client", "the provider's refusal");
    // The client in the environment, the same wrong secret.
    av.set("AGENTVIEW_CLIENT_ID", CLIENT);
    let run = av.run(&["token"]);
    assert_eq!(run.code, 4, "{}", explain(&run, &peer));
    assert!(run.stderr.contains(CLIENT) && run.stderr.contains("invalid_client"), "{}", run.stderr);
    run.assert_no_leak(wrong);
    assert!(run.stdout.is_empty());
    assert!(!av.credentials_file().exists(), "nothing is stored");
    assert_eq!(grants(&peer).len(), 2);
}

/// `logout` of a client that signs its requests: the revocation request carries a fresh
/// assertion the provider takes (aud the issuer, at another endpoint than the token endpoint);
/// the provider does not revoke its JWT access tokens (`unsupported_token_type`), which logout
/// says, and the credential is gone.
pub fn logout_with_a_key_authenticates_at_the_revocation_endpoint(kind: PeerKind) {
    let (rsa, ec) = (TestKey::rsa("ci-rsa-1"), TestKey::ec_p256("ci-ec-1"));
    let Some(peer) = start(kind, &rsa, &ec) else { return };
    let av = peer.agentview();
    let key = private_file(&av, "client.pem", &ec.pkcs8_pem);
    let run = av.run(&["login", "--client-credentials", "--client-id", EC_CLIENT, "--client-key", &key]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    let token = av.token();
    let run = av.run(&["logout"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_no_leak(&token);
    let revocations: Vec<Value> = peer
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["fields"].as_array().is_some_and(|f| f.iter().any(|f| f == "token")))
        .collect();
    assert_eq!(revocations.len(), 1, "only the access token: there is no refresh token\n{}", peer.log_text());
    let revocation = &revocations[0];
    assert_eq!(revocation["token_type_hint"], "access_token", "{revocation}");
    assert_eq!(revocation["client_assertion_type"], ASSERTION_TYPE, "{revocation}");
    assert_eq!(
        (revocation["status"].as_u64(), revocation["error"]["error"].as_str()),
        (Some(400), Some("unsupported_token_type")),
        "the client was authenticated; the provider keeps JWT access tokens until they expire: {revocation}"
    );
    assert!(run.stderr.contains("does not revoke the access token"), "{}", explain(&run, &peer));
    assert!(!run.stderr.contains("could not revoke"), "{}", explain(&run, &peer));
    assert!(stored(&av).is_null(), "the credential is gone");
}

/// An assertion the client did not sign itself, as a CI provider hands one over
/// (`--client-assertion-file`): the provider checks it against the client's JWKS and accepts each
/// `jti` once, so a renewal works only because the file is read again: with the used assertion
/// still in it agentview does not present it again (exit 4, naming the client and the file, the
/// provider asked nothing); with a fresh one the provider answers.
pub fn an_assertion_file_is_read_again_at_every_renewal(kind: PeerKind) {
    let (rsa, ec) = (TestKey::rsa("ci-rsa-1"), TestKey::ec_p256("ci-ec-issued"));
    let Some(peer) = start(kind, &rsa, &ec) else { return };
    let av = peer.agentview();
    let issued = |run: &str| {
        let now = support::server::jwt::now();
        ec.sign(
            "JWT",
            &json!({"iss": EC_CLIENT, "sub": EC_CLIENT, "aud": peer.issuer(), "iat": now, "exp": now + 300,
                "jti": format!("ci-job-{run}-{now}")}),
        )
    };
    let first = issued("1");
    let file = private_file(&av, "assertion.jwt", &first);
    let run = av.run(&["login", "--client-credentials", "--client-id", EC_CLIENT, "--client-assertion-file", &file]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    run.assert_no_leak(&first);
    let request = &grants(&peer)[0];
    assert_eq!(
        (request["status"].as_u64(), request["client_assertion_type"].as_str()),
        (Some(200), Some(ASSERTION_TYPE))
    );
    let entry = stored(&av);
    assert_eq!(entry["oauth"]["unattended"]["client_jwt"]["kind"], "assertion_file");
    let token = av.token();
    assert_works_as(&peer, &token, EC_CLIENT);
    // Due, and the file still holds the used assertion: it is not presented again.
    expire_locally(&av);
    let refused = av.run(&["token"]);
    assert_eq!(refused.code, 4, "{}", explain(&refused, &peer));
    assert!(refused.stderr.contains(EC_CLIENT) && refused.stderr.contains(&file), "{}", refused.stderr);
    assert!(refused.stderr.contains("already presented"), "{}", refused.stderr);
    refused.assert_no_leak(&first);
    assert_eq!(grants(&peer).len(), 1, "the provider was not sent the used assertion");
    // The CI provider puts a fresh one in the file: the next renewal uses it.
    std::fs::write(av.dir.path().join("assertion.jwt"), issued("2")).unwrap();
    let renewed = av.token();
    assert_ne!(renewed, token);
    let requests = grants(&peer);
    let statuses: Vec<u64> = requests.iter().filter_map(|r| r["status"].as_u64()).collect();
    assert_eq!(statuses, [200, 200], "{requests:?}");
    assert_works_as(&peer, &renewed, EC_CLIENT);
}
