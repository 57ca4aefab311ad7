//! Logins without a person on the real binary against the local authorization server: client
//! credentials (a secret by Basic and by post, a private key, an assertion file), the client in
//! the environment (CI), enterprise-managed authorization through the local identity provider
//! (a sign-in, token exchange for an ID-JAG, the JWT-bearer grant), and workload identity
//! federation (a platform's token as the JWT-bearer grant).
#![allow(clippy::unwrap_used)]

use crate::support;

mod client_credentials;
mod enterprise;
mod environment;
mod keys;
mod renewal;
mod workload;

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::{Value, json};
use support::cli::{Agentview, Run, wait_with_deadline};
use support::server::jwt::{self, TestKey};
use support::server::{OAuthConfig, OAuthEndpoint, ServerConfig, TestServer};

/// The CI client with a secret, registered with the authorization server beforehand.
const CLIENT: &str = "ci-pipeline";
const SECRET: &str = "ci-secret-never-shown-3f9a";
/// The client that signs its requests with a key.
const KEY_CLIENT: &str = "ci-signer";

/// An authorization server that offers client credentials, with the secret client and the key
/// client (its keys `keys`), authenticating the way `methods` list first.
fn cc_server(methods: &[&str], keys: &[&TestKey], algs: &[&str]) -> TestServer {
    TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig {
            client_credentials: true,
            token_auth_methods: methods.iter().map(|m| m.to_string()).collect(),
            preregistered: vec![(CLIENT.into(), Some(SECRET.into()))],
            key_clients: vec![(KEY_CLIENT.into(), keys.iter().map(|k| k.jwk.clone()).collect())],
            signing_algs: algs.iter().map(|a| a.to_string()).collect(),
            require_token: true,
            ..OAuthConfig::default()
        }),
        ..ServerConfig::default()
    })
}

/// The usual server: every secret method and private_key_jwt, Basic first.
fn server_with(keys: &[&TestKey]) -> TestServer {
    cc_server(&["client_secret_basic", "client_secret_post", "private_key_jwt"], keys, &[])
}

/// `login --client-credentials --client-id CLIENT` with the secret in the environment.
fn login_with_secret(av: &mut Agentview) -> Run {
    av.set("AGENTVIEW_CLIENT_SECRET", SECRET);
    let run = av.run(&["login", "--client-credentials", "--client-id", CLIENT]);
    av.unset("AGENTVIEW_CLIENT_SECRET");
    run
}

/// A file only its owner may read, in the test's directory.
fn private_file(av: &Agentview, name: &str, contents: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = av.dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// The stored entry for the server, parsed.
fn stored(av: &Agentview) -> Value {
    stored_for(av, &av.server)
}

fn stored_for(av: &Agentview, key: &str) -> Value {
    let Ok(bytes) = std::fs::read(av.credentials_file()) else { return Value::Null };
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    doc["credentials"][key].clone()
}

/// Mark the stored access token as expired (the server's copy stays as it is).
fn expire_locally(av: &Agentview) {
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["credentials"][av.server.as_str()]["expires_at"] = json!(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

/// Run `args` eight times at once; the runs.
fn eight_at_once(av: &Agentview, args: &[&str]) -> Vec<Run> {
    let children: Vec<_> =
        (0..8).map(|_| av.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    children.into_iter().map(|c| wait_with_deadline(c, std::time::Duration::from_secs(60))).collect()
}

/// A JWT "someone else issued" for the key client (a CI provider's OIDC token), living `ttl` s.
fn assertion(key: &TestKey, server: &TestServer, ttl: i64) -> String {
    let now = jwt::now() as i64;
    key.sign(
        "JWT",
        &json!({
            "iss": KEY_CLIENT, "sub": KEY_CLIENT, "aud": server.oauth_issuer().unwrap(),
            "iat": now, "exp": now + ttl, "jti": format!("ci-run-{}-{ttl}", now),
        }),
    )
}

/// The token requests the server got, with one grant type.
fn token_requests(server: &TestServer, grant_type: &str) -> Vec<support::server::OAuthRecord> {
    server
        .oauth_requests_to(OAuthEndpoint::Token)
        .into_iter()
        .filter(|r| r.param("grant_type") == Some(grant_type))
        .collect()
}
