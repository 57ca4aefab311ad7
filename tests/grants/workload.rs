//! Workload identity federation: the token a workload's platform issued it is the JWT-bearer
//! grant itself (`login --workload-token-file`, or `AGENTVIEW_WORKLOAD_TOKEN_FILE` with no login),
//! with no client or as a named one; renewal presents what the file holds then; refusals name
//! the file, never the token, and nothing is retried or tried instead.

use super::*;

/// The workload platform's issuer (a CI provider's OIDC issuer, a cluster's).
const PLATFORM: &str = "https://token.ci-platform.example";
/// A client the authorization server knows, public, and one with a secret.
const PUBLIC_CLIENT: &str = "workload-public";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An authorization server that trusts the platform whose key is `key`.
fn trusting(key: &TestKey) -> TestServer {
    TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig {
            trusted_workload: Some(support::server::TrustedIdp {
                issuer: PLATFORM.into(),
                keys: vec![key.jwk.clone()],
            }),
            preregistered: vec![(PUBLIC_CLIENT.into(), None), (CLIENT.into(), Some(SECRET.into()))],
            require_token: true,
            ..OAuthConfig::default()
        }),
        ..ServerConfig::default()
    })
}

/// A workload token the platform issued for the server's authorization server, living `ttl` s.
fn workload_token(key: &TestKey, server: &TestServer, ttl: i64, run: &str) -> String {
    let now = jwt::now() as i64;
    key.sign(
        "JWT",
        &json!({
            "iss": PLATFORM, "sub": "repo:agentview/ci:ref:refs/heads/main",
            "aud": server.oauth_issuer().unwrap(), "iat": now, "exp": now + ttl, "jti": run,
        }),
    )
}

fn workload_requests(server: &TestServer) -> Vec<support::server::OAuthRecord> {
    token_requests(server, JWT_BEARER)
}

#[test]
fn the_token_alone_logs_in_and_renewal_presents_what_the_file_holds_then() {
    let key = TestKey::ec_p256("platform-1");
    let server = trusting(&key);
    let av = Agentview::new(&server.mcp_url());
    let first = workload_token(&key, &server, 600, "run-1");
    let file = private_file(&av, "workload-token", &format!("{first}\n"));
    let run = av.run(&["login", "--workload-token-file", file.to_str().unwrap()]).expect_code(0);
    assert!(run.stderr.contains("the workload token is presented again"), "{}", run.stderr);
    run.assert_no_leak(&first);
    let requests = workload_requests(&server);
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.param("assertion"), Some(first.as_str()), "the file's token, trimmed, is the grant");
    assert_eq!((request.param("client_id"), request.authorization.as_deref()), (None, None), "no client at all");
    assert_eq!(request.param("resource"), Some(server.resource().as_str()));
    assert_eq!(request.param("scope"), Some("mcp:read mcp:write"), "the resource's scopes, no offline_access");
    let entry = stored(&av);
    assert_eq!(entry["oauth"]["unattended"]["grant"], "workload");
    assert_eq!(entry["oauth"]["unattended"]["token_file"], file.to_str().unwrap());
    assert!(!std::fs::read_to_string(av.credentials_file()).unwrap().contains(&first), "the token is not kept");
    assert!(server.access_token_valid(&av.token()));
    let status = av.run(&["status", "--json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!((doc["grant"].as_str(), doc["renews"].as_bool()), (Some("workload"), Some(true)));
    // The platform rotates the token; the renewal presents the new one, once for eight callers.
    let second = workload_token(&key, &server, 600, "run-2");
    std::fs::write(&file, &second).unwrap();
    expire_locally(&av);
    let tokens: Vec<String> =
        eight_at_once(&av, &["token"]).into_iter().map(|r| r.expect_code(0).stdout.trim().to_string()).collect();
    let requests = workload_requests(&server);
    assert_eq!(requests.len(), 2, "the login, then one renewal for eight readers");
    assert_eq!(requests[1].param("assertion"), Some(second.as_str()));
    assert!(tokens.iter().all(|t| t == &tokens[0]) && server.access_token_valid(&tokens[0]), "{tokens:?}");
    assert_eq!(server.oauth_counts().workload_grants, 2);
}

#[test]
fn a_client_id_names_the_client_and_a_secret_authenticates_it() {
    let key = TestKey::rsa("platform-rsa");
    let server = trusting(&key);
    let mut av = Agentview::new(&server.mcp_url());
    let token = workload_token(&key, &server, 600, "named");
    let file = private_file(&av, "workload-token", &token);
    let path = file.to_str().unwrap();
    av.run(&["login", "--workload-token-file", path, "--client-id", PUBLIC_CLIENT]).expect_code(0);
    let request = &workload_requests(&server)[0];
    assert_eq!((request.param("client_id"), request.authorization.as_deref()), (Some(PUBLIC_CLIENT), None));
    assert!(server.access_token_valid(&av.token()));
    av.set("AGENTVIEW_CLIENT_SECRET", SECRET);
    let run = av.run(&["login", "--force", "--workload-token-file", path, "--client-id", CLIENT]).expect_code(0);
    run.assert_no_leak(SECRET);
    let request = &workload_requests(&server)[1];
    assert!(request.authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")), "{request:?}");
    assert_eq!(stored(&av)["oauth"]["client_id"], CLIENT);
    // A secret with no client to prove is a usage error, and nothing is sent.
    let run = av.run(&["login", "--force", "--workload-token-file", path]).expect_code(2);
    assert!(run.stderr.contains("--client-id"), "{}", run.stderr);
    run.assert_no_leak(SECRET);
    assert_eq!(workload_requests(&server).len(), 2);
}

#[test]
fn the_environment_alone_serves_exec_and_token() {
    let key = TestKey::ec_p256("platform-env");
    let server = trusting(&key);
    let mut av = Agentview::new(&server.mcp_url());
    let token = workload_token(&key, &server, 600, "env");
    let file = private_file(&av, "workload-token", &token);
    av.set("AGENTVIEW_WORKLOAD_TOKEN_FILE", file.to_str().unwrap());
    let run = av.run(&["exec", "--", "sh", "-c", "printf %s \"$AGENTVIEW_TOKEN\""]).expect_code(0);
    run.assert_stderr_clean(&token);
    assert!(server.access_token_valid(&run.stdout));
    assert_eq!(av.token(), run.stdout, "the token is cached, not got again");
    assert_eq!(workload_requests(&server).len(), 1);
    let status = av.run(&["status"]).expect_code(0);
    assert!(
        status.stdout.contains("a workload token in the environment (AGENTVIEW_WORKLOAD_TOKEN_FILE)"),
        "{}",
        status.stdout
    );
    status.assert_no_leak(&token);
    // Another platform token file means another token.
    let other = private_file(&av, "other-token", &workload_token(&key, &server, 600, "env-2"));
    av.set("AGENTVIEW_WORKLOAD_TOKEN_FILE", other.to_str().unwrap());
    let renewed = av.token();
    assert_ne!(renewed, run.stdout);
    assert_eq!(workload_requests(&server).len(), 2);
}

#[test]
fn a_refused_token_exits_4_naming_the_file_and_nothing_is_retried() {
    let key = TestKey::ec_p256("platform-2");
    let stranger = TestKey::ec_p256("not-the-platform");
    let server = trusting(&key);
    let av = Agentview::new(&server.mcp_url());
    let forged = workload_token(&stranger, &server, 600, "forged");
    let file = private_file(&av, "workload-token", &forged);
    let run = av.run(&["login", "--workload-token-file", file.to_str().unwrap()]).expect_code(4);
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains(file.to_str().unwrap()) && errors[0].contains("invalid_grant"), "{}", run.stderr);
    run.assert_no_leak(&forged);
    assert_eq!(workload_requests(&server).len(), 1, "no retry");
    assert_eq!(server.oauth_requests_to(OAuthEndpoint::Token).len(), 1, "no other grant tried");
    assert!(!av.credentials_file().exists(), "nothing is stored");
}

#[test]
fn an_expired_token_is_refused_before_it_is_sent() {
    let key = TestKey::ec_p256("platform-3");
    let server = trusting(&key);
    let av = Agentview::new(&server.mcp_url());
    let expired = workload_token(&key, &server, -60, "old");
    let file = private_file(&av, "workload-token", &expired);
    let run = av.run(&["login", "--workload-token-file", file.to_str().unwrap()]).expect_code(4);
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
    run.assert_no_leak(&expired);
    assert!(server.oauth_requests().is_empty(), "not even the discovery: the file is checked first");
    // A file that is not there, or holds no token, is refused the same way.
    let missing = av.dir.path().join("no-such-token");
    let run = av.run(&["login", "--workload-token-file", missing.to_str().unwrap()]).expect_code(4);
    assert!(run.stderr.contains("no-such-token"), "{}", run.stderr);
    let garbage = private_file(&av, "garbage", "not a token at all");
    let run = av.run(&["login", "--workload-token-file", garbage.to_str().unwrap()]).expect_code(4);
    assert!(run.stderr.contains("the workload token in"), "{}", run.stderr);
    assert!(server.oauth_requests().is_empty());
}

/// A token issued for someone else (another service, a cloud's token service) is not sent to the
/// authorization server the MCP server names: that server could use it there.
#[test]
fn a_token_for_another_audience_is_not_sent() {
    let key = TestKey::ec_p256("platform-aud");
    let server = trusting(&key);
    let av = Agentview::new(&server.mcp_url());
    let now = jwt::now() as i64;
    let elsewhere = key.sign(
        "JWT",
        &json!({"iss": PLATFORM, "sub": "repo:x", "aud": ["https://sts.cloud.example", "api://exchange"],
            "iat": now, "exp": now + 600}),
    );
    let file = private_file(&av, "workload-token", &elsewhere);
    let run = av.run(&["login", "--workload-token-file", file.to_str().unwrap()]).expect_code(4);
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains("https://sts.cloud.example") && errors[0].contains("it was not sent"), "{}", run.stderr);
    run.assert_no_leak(&elsewhere);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty(), "nothing reached the token endpoint");
    // The token endpoint's URL names the server too (RFC 7523 section 3).
    let token_endpoint = format!("{}/token", server.oauth_issuer().unwrap());
    let endpoint_aud = key
        .sign("JWT", &json!({"iss": PLATFORM, "sub": "repo:x", "aud": token_endpoint, "iat": now, "exp": now + 600}));
    std::fs::write(&file, &endpoint_aud).unwrap();
    let run = av.run(&["login", "--workload-token-file", file.to_str().unwrap()]);
    // The local server itself takes only its issuer as aud: what matters is that it was sent.
    assert_eq!(workload_requests(&server).len(), 1, "sent: {}", run.stderr);
}

#[test]
fn a_server_without_the_grant_is_refused_before_the_token_is_sent() {
    let key = TestKey::ec_p256("platform-4");
    let server = server_with(&[]);
    let av = Agentview::new(&server.mcp_url());
    let token = workload_token(&key, &server, 600, "nowhere");
    let file = private_file(&av, "workload-token", &token);
    let run = av.run(&["login", "--workload-token-file", file.to_str().unwrap()]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("does not offer the JWT-bearer grant"), "{}", run.stderr);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty());
    run.assert_no_leak(&token);
}

#[test]
fn logout_without_a_client_removes_the_local_copy_and_says_the_token_stays() {
    let key = TestKey::ec_p256("platform-5");
    let server = trusting(&key);
    let av = Agentview::new(&server.mcp_url());
    let file = private_file(&av, "workload-token", &workload_token(&key, &server, 600, "out"));
    av.run(&["login", "--workload-token-file", file.to_str().unwrap()]).expect_code(0);
    let run = av.run(&["logout"]).expect_code(0);
    assert!(run.stderr.contains("cannot be revoked"), "{}", run.stderr);
    assert!(server.oauth_requests_to(OAuthEndpoint::Revoke).is_empty(), "no request that must fail");
    assert!(stored(&av).is_null());
}
