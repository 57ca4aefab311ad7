//! The client in the environment (CI): `token`, `exec`, `status` and `bridge` need no `login`;
//! the token is got once, cached, renewed when due, and the secret is in no output, no argv and
//! no child's environment.

use super::*;

/// agentview with the secret client in its environment, and nothing stored.
fn ci(server: &TestServer) -> Agentview {
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_CLIENT_ID", CLIENT).set("AGENTVIEW_CLIENT_SECRET", SECRET);
    av
}

#[test]
fn exec_needs_no_login_and_its_child_gets_the_token_alone() {
    let server = server_with(&[]);
    let av = ci(&server);
    // The child prints its parent's argv (agentview, still running) and its own environment.
    let show = "tr '\\0' ' ' < /proc/$PPID/cmdline; echo; env";
    let run = av.run(&["exec", "--", "sh", "-c", show]).expect_code(0);
    run.assert_no_leak(SECRET);
    assert!(!run.stdout.contains("AGENTVIEW_CLIENT_SECRET"), "the secret's variable is not inherited");
    assert!(run.stdout.contains("exec -- sh -c"), "that was agentview's argv: {}", run.stdout);
    let token = run.stdout.lines().find_map(|l| l.strip_prefix("AGENTVIEW_TOKEN=")).unwrap();
    assert!(server.access_token_valid(token));
    assert_eq!(server.token_requests("client_credentials"), 1);
    let entry = stored(&av);
    assert_eq!(entry["token"], token, "cached in the selected store");
    // The next run uses the cached token.
    assert_eq!(av.token(), token);
    assert_eq!(server.token_requests("client_credentials"), 1);
}

#[test]
fn eight_callers_with_nothing_cached_get_one_token() {
    let server = server_with(&[]);
    let av = ci(&server);
    let tokens: Vec<String> =
        eight_at_once(&av, &["token"]).into_iter().map(|r| r.expect_code(0).stdout.trim().to_string()).collect();
    assert_eq!(server.token_requests("client_credentials"), 1, "one grant for eight readers");
    assert!(tokens.iter().all(|t| t == &tokens[0]), "{tokens:?}");
    expire_locally(&av);
    eight_at_once(&av, &["token"]).into_iter().for_each(|r| {
        r.expect_code(0).assert_stderr_clean(SECRET);
    });
    assert_eq!(server.token_requests("client_credentials"), 2, "one renewal for eight readers");
}

#[test]
fn status_says_where_the_credential_comes_from() {
    let server = server_with(&[]);
    let av = ci(&server);
    let run = av.run(&["status"]).expect_code(0);
    assert!(run.stdout.contains("client credentials in the environment"), "{}", run.stdout);
    assert!(run.stdout.contains("AGENTVIEW_CLIENT_ID and AGENTVIEW_CLIENT_SECRET"), "{}", run.stdout);
    run.assert_no_leak(SECRET);
    let run = av.run(&["status", "--json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        doc["from_environment"],
        "client credentials in the environment (AGENTVIEW_CLIENT_ID and AGENTVIEW_CLIENT_SECRET)"
    );
    assert_eq!(doc["source"], "file");
    assert_eq!(doc["grant"], "client_credentials");
}

#[test]
fn a_new_secret_in_the_environment_gets_a_new_token() {
    let server = TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig {
            client_credentials: true,
            preregistered: vec![(CLIENT.into(), Some(SECRET.into())), ("other-ci".into(), Some("other-secret".into()))],
            ..OAuthConfig::default()
        }),
        ..ServerConfig::default()
    });
    let mut av = ci(&server);
    let first = av.token();
    av.set("AGENTVIEW_CLIENT_ID", "other-ci").set("AGENTVIEW_CLIENT_SECRET", "other-secret");
    let run = av.run(&["token"]).expect_code(0);
    assert_ne!(run.stdout.trim(), first);
    assert_eq!(server.token_requests("client_credentials"), 2);
    assert_eq!(stored(&av)["oauth"]["client_id"], "other-ci");
    run.assert_stderr_clean("other-secret");
}

#[test]
fn agentview_token_still_wins() {
    let server = server_with(&[]);
    let mut av = ci(&server);
    av.set("AGENTVIEW_TOKEN", "a-pasted-token");
    let run = av.run(&["token"]).expect_code(0);
    assert_eq!(run.stdout.trim(), "a-pasted-token");
    assert!(server.oauth_requests().is_empty());
}

#[test]
fn a_wrong_secret_in_the_environment_exits_4() {
    let server = server_with(&[]);
    let mut av = ci(&server);
    av.set("AGENTVIEW_CLIENT_SECRET", "wrong-secret-77");
    let run = av.run(&["exec", "--", "true"]).expect_code(4);
    assert!(run.stderr.contains(CLIENT) && run.stderr.contains("invalid_client"), "{}", run.stderr);
    run.assert_no_leak("wrong-secret-77");
    assert!(stored(&av).is_null());
}

#[test]
fn a_key_in_the_environment_works_too() {
    let key = TestKey::ec_p256("ci-key");
    let server = server_with(&[&key]);
    let mut av = Agentview::new(&server.mcp_url());
    let path = private_file(&av, "ci.pem", &key.pkcs8_pem);
    av.set("AGENTVIEW_CLIENT_ID", KEY_CLIENT).set("AGENTVIEW_CLIENT_KEY", &path.display().to_string());
    let token = av.token();
    assert!(server.access_token_valid(&token));
    let request = &token_requests(&server, "client_credentials")[0];
    assert_eq!(request.param("client_assertion_type"), Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
}

#[test]
fn two_proofs_at_once_are_a_usage_error() {
    let server = server_with(&[]);
    let mut av = ci(&server);
    av.set("AGENTVIEW_CLIENT_ASSERTION_FILE", "/nonexistent");
    let run = av.run(&["token"]).expect_code(2);
    assert!(run.stderr.contains("AGENTVIEW_CLIENT_SECRET and AGENTVIEW_CLIENT_ASSERTION_FILE"), "{}", run.stderr);
    run.assert_no_leak(SECRET);
}

#[test]
fn the_cache_holds_no_secret_and_renewal_takes_it_from_the_environment() {
    let server = server_with(&[]);
    let av = ci(&server);
    let first = av.token();
    let file = std::fs::read_to_string(av.credentials_file()).unwrap();
    assert!(!file.contains(SECRET), "the cache of the environment's client holds no secret:\n{file}");
    assert!(stored(&av)["oauth"]["client_secret"].is_null());
    expire_locally(&av);
    let renewed = av.token();
    assert_ne!(renewed, first);
    assert!(server.access_token_valid(&renewed));
    let requests = token_requests(&server, "client_credentials");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].authorization, requests[0].authorization, "the secret from the environment, by Basic");
    assert!(!std::fs::read_to_string(av.credentials_file()).unwrap().contains(SECRET));
}

/// An MCP server whose protected-resource metadata names `issuer` as its authorization server.
fn naming(issuer: &str) -> TestServer {
    let server = server_with(&[]);
    let body = json!({"resource": server.resource(), "authorization_servers": [issuer]}).to_string();
    server.push_oauth_fault(support::server::OAuthFault::Raw {
        on: OAuthEndpoint::ProtectedResourceMetadata,
        status: 200,
        content_type: "application/json".into(),
        body,
        count: u32::MAX,
    });
    server
}

#[test]
fn a_secret_goes_only_to_an_authorization_server_of_the_servers_own_site() {
    // Another site: the same machine under another address (127.0.0.2 is not 127.0.0.1).
    let Ok(elsewhere) = TestServer::start_on(
        ServerConfig {
            oauth: Some(OAuthConfig {
                client_credentials: true,
                preregistered: vec![(CLIENT.into(), Some(SECRET.into()))],
                ..OAuthConfig::default()
            }),
            ..ServerConfig::default()
        },
        "127.0.0.2",
        0,
    ) else {
        return support::cli::skip("AGENTVIEW_REQUIRE_LOOPBACK_ALIASES", "127.0.0.2 is not usable here");
    };
    let issuer = elsewhere.oauth_issuer().unwrap();
    let server = naming(&issuer);
    let mut av = ci(&server);
    for args in [&["token"][..], &["exec", "--", "true"]] {
        let run = av.run(args);
        assert_eq!(run.code, 7, "{}", run.stderr);
        assert!(run.stderr.contains(&issuer) && run.stderr.contains("AGENTVIEW_AUTH_SERVER"), "{}", run.stderr);
        run.assert_no_leak(SECRET);
    }
    assert!(elsewhere.oauth_requests().is_empty(), "nothing reached the other site, not even a metadata request");
    assert!(stored(&av).is_null());
    // Named by the user, it is trusted with the secret.
    av.set("AGENTVIEW_AUTH_SERVER", &issuer);
    let run = av.run(&["token"]);
    run.assert_stderr_clean(SECRET);
    assert_eq!(token_requests(&elsewhere, "client_credentials").len(), 1, "{}", run.stderr);
}

#[test]
fn an_unreadable_cache_stops_before_anything_is_sent() {
    let server = server_with(&[]);
    let av = ci(&server);
    std::fs::create_dir_all(av.config_dir()).unwrap();
    let garbage = private_file(&av, "garbage", "{not json");
    std::fs::rename(&garbage, av.credentials_file()).unwrap();
    for _ in 0..2 {
        let run = av.run(&["token"]).expect_code(8);
        assert!(run.stderr.contains(&av.credentials_file().display().to_string()), "{}", run.stderr);
        assert!(!run.stderr.contains("use --store file"), "the file is the store already: {}", run.stderr);
        run.assert_no_leak(SECRET);
    }
    assert!(server.oauth_requests().is_empty(), "no grant ran: {:?}", server.oauth_requests());
}

/// A step without the client's variables uses the token a step with them cached, and renews
/// nothing: the secret was never stored.
#[test]
fn a_step_without_the_client_uses_the_cached_token_and_renews_nothing() {
    let server = server_with(&[]);
    let mut av = ci(&server);
    let token = av.token();
    av.unset("AGENTVIEW_CLIENT_ID").unset("AGENTVIEW_CLIENT_SECRET");
    let run = av.run(&["exec", "--", "sh", "-c", "printf %s \"$AGENTVIEW_TOKEN\""]).expect_code(0);
    assert_eq!(run.stdout, token);
    let doc: Value = serde_json::from_str(&av.run(&["status", "--json"]).expect_code(0).stdout).unwrap();
    assert_eq!(doc["renews"], false, "{doc}");
    expire_locally(&av);
    let run = av.run(&["token"]).expect_code(4);
    assert!(run.stderr.contains("AGENTVIEW_CLIENT_ID") && run.stderr.contains("not set now"), "{}", run.stderr);
    assert_eq!(server.token_requests("client_credentials"), 1, "nothing was renewed");
}
