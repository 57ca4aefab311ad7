//! `login --client-credentials` with a secret: the way the server prefers, renewal by running
//! the grant again (once for eight callers), the refusals, and logout.

use super::*;

#[test]
fn a_secret_goes_by_basic_and_the_token_works() {
    let server = server_with(&[]);
    let mut av = Agentview::new(&server.mcp_url());
    let run = login_with_secret(&mut av).expect_code(0);
    assert!(run.stderr.contains("Logged in to"), "{}", run.stderr);
    assert!(run.stderr.contains("the client credentials grant runs again"), "{}", run.stderr);
    run.assert_no_leak(SECRET);
    let requests = token_requests(&server, "client_credentials");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(request.authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")), "{request:?}");
    assert_eq!(request.param("client_secret"), None, "the secret goes once, by Basic");
    assert_eq!(request.param("resource"), Some(server.resource().as_str()), "the resource, as for the browser login");
    assert_eq!(request.param("scope"), Some("mcp:read mcp:write"), "the resource's scopes, no offline_access");
    let entry = stored(&av);
    assert_eq!(entry["oauth"]["unattended"]["grant"], "client_credentials");
    assert_eq!(entry["oauth"]["client_secret"], SECRET, "what renewal needs is kept with the token");
    assert!(entry["oauth"]["refresh_token"].is_null());
    let token = av.token();
    assert!(server.access_token_valid(&token));
    let status = av.run(&["status", "--json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!((doc["grant"].as_str(), doc["renews"].as_bool()), (Some("client_credentials"), Some(true)));
    status.assert_no_leak(SECRET);
}

#[test]
fn a_server_that_lists_post_first_gets_the_secret_in_the_form() {
    let server = cc_server(&["client_secret_post", "client_secret_basic"], &[], &[]);
    let mut av = Agentview::new(&server.mcp_url());
    login_with_secret(&mut av).expect_code(0);
    let request = &token_requests(&server, "client_credentials")[0];
    assert_eq!(request.authorization, None);
    assert_eq!((request.param("client_id"), request.param("client_secret")), (Some(CLIENT), Some(SECRET)));
}

#[test]
fn the_secret_can_come_from_stdin() {
    let server = server_with(&[]);
    let av = Agentview::new(&server.mcp_url());
    let args = ["login", "--client-credentials", "--client-id", CLIENT, "--client-secret-stdin"];
    let run = av.run_with_stdin(&args, format!("{SECRET}\n").as_bytes()).expect_code(0);
    run.assert_no_leak(SECRET);
    assert!(server.access_token_valid(&av.token()));
}

#[test]
fn renewal_runs_the_grant_again_once_for_eight_callers() {
    let server = server_with(&[]);
    let mut av = Agentview::new(&server.mcp_url());
    login_with_secret(&mut av).expect_code(0);
    let first = stored(&av)["token"].as_str().unwrap().to_string();
    expire_locally(&av);
    let tokens: Vec<String> =
        eight_at_once(&av, &["token"]).into_iter().map(|r| r.expect_code(0).stdout.trim().to_string()).collect();
    assert_eq!(server.token_requests("client_credentials"), 2, "the login, then one renewal for eight readers");
    assert!(tokens.iter().all(|t| t == &tokens[0]), "{tokens:?}");
    assert_ne!(tokens[0], first);
    assert!(server.access_token_valid(&tokens[0]));
    assert_eq!(server.token_requests("refresh_token"), 0);
    // exec renews too, and its child sees the token and nothing that makes tokens.
    expire_locally(&av);
    let run = av.run(&["exec", "--", "sh", "-c", "printf %s \"$AGENTVIEW_TOKEN\""]).expect_code(0);
    assert_eq!(server.token_requests("client_credentials"), 3);
    assert!(server.access_token_valid(&run.stdout));
}

#[test]
fn a_wrong_secret_exits_4_naming_the_client_and_stores_nothing() {
    let server = server_with(&[]);
    let mut av = Agentview::new(&server.mcp_url());
    let wrong = "wrong-secret-c4a1";
    av.set("AGENTVIEW_CLIENT_SECRET", wrong);
    let run = av.run(&["login", "--client-credentials", "--client-id", CLIENT]).expect_code(4);
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains(CLIENT) && errors[0].contains("invalid_client"), "{}", run.stderr);
    run.assert_no_leak(wrong);
    assert!(!av.credentials_file().exists(), "nothing is stored");
    // An unknown client is refused the same way.
    let run = av.run(&["login", "--client-credentials", "--client-id", "nobody"]).expect_code(4);
    assert!(run.stderr.contains("\"nobody\""), "{}", run.stderr);
    run.assert_no_leak(wrong);
}

#[test]
fn a_server_without_the_grant_is_refused_before_the_secret_is_sent() {
    let server = TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig {
            preregistered: vec![(CLIENT.into(), Some(SECRET.into()))],
            ..OAuthConfig::default()
        }),
        ..ServerConfig::default()
    });
    let mut av = Agentview::new(&server.mcp_url());
    let run = login_with_secret(&mut av);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("does not offer the client credentials grant"), "{}", run.stderr);
    assert!(run.stderr.contains("authorization_code, refresh_token"), "{}", run.stderr);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty(), "nothing reached the token endpoint");
    for request in server.oauth_requests() {
        assert!(request.authorization.is_none() && request.param("client_secret").is_none(), "{request:?}");
    }
    assert!(!av.credentials_file().exists());
}

#[test]
fn logout_revokes_the_access_token_and_forgets_the_secret() {
    let server = server_with(&[]);
    let mut av = Agentview::new(&server.mcp_url());
    login_with_secret(&mut av).expect_code(0);
    let token = av.token();
    let run = av.run(&["logout"]).expect_code(0);
    assert!(run.stderr.contains("Revoked the OAuth tokens"), "{}", run.stderr);
    assert!(!server.access_token_valid(&token));
    let revoke = &server.oauth_requests_to(OAuthEndpoint::Revoke)[0];
    assert_eq!(revoke.param("token_type_hint"), Some("access_token"));
    assert!(stored(&av).is_null());
    let file = std::fs::read_to_string(av.credentials_file()).unwrap();
    assert!(!file.contains(SECRET), "the secret went with the credential");
}

#[test]
fn without_a_secret_key_or_assertion_it_is_a_usage_error() {
    let server = server_with(&[]);
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--client-credentials", "--client-id", CLIENT]).expect_code(2);
    assert!(run.stderr.contains("needs the client's secret, key or assertion"), "{}", run.stderr);
    assert!(server.oauth_requests().is_empty(), "a usage error sends nothing");
}

#[test]
fn a_pin_set_after_the_login_applies_to_the_kept_credential() {
    let server = server_with(&[]);
    let mut av = Agentview::new(&server.mcp_url());
    login_with_secret(&mut av).expect_code(0);
    av.set("AGENTVIEW_AUTH_SERVER", "https://login.company.example");
    expire_locally(&av);
    for args in [&["token"][..], &["exec", "--", "true"]] {
        let run = av.run(args).expect_code(4);
        assert!(run.stderr.contains("AGENTVIEW_AUTH_SERVER pins https://login.company.example"), "{}", run.stderr);
        assert!(run.stderr.contains(&server.oauth_issuer().unwrap()), "{}", run.stderr);
        run.assert_no_leak(SECRET);
    }
    assert_eq!(server.token_requests("client_credentials"), 1, "no renewal at the issuer the pin excludes");
    assert!(!stored(&av).is_null(), "the credential is kept");
    // The pin names the issuer in another case and with its default port: the same issuer.
    let issuer = server.oauth_issuer().unwrap();
    av.set("AGENTVIEW_AUTH_SERVER", &issuer.replacen("http://", "HTTP://", 1));
    assert!(server.access_token_valid(&av.token()));
    assert_eq!(server.token_requests("client_credentials"), 2);
}
