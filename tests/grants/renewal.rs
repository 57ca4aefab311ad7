//! One renewal rule for every reader: a token is due when what is left of its life is at most
//! min(60 s, half of it), so a token that lives 30 s is used for 15 s before it is renewed, a
//! token just got is never renewed in the same breath, and a client assertion is presented once.

use super::*;

/// The usual server, issuing access tokens that live `ttl` seconds.
fn short_lived(keys: &[&TestKey], ttl: u64) -> TestServer {
    TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig {
            client_credentials: true,
            access_ttl: std::time::Duration::from_secs(ttl),
            token_auth_methods: ["client_secret_basic", "private_key_jwt"].map(String::from).to_vec(),
            preregistered: vec![(CLIENT.into(), Some(SECRET.into()))],
            key_clients: vec![(KEY_CLIENT.into(), keys.iter().map(|k| k.jwk.clone()).collect())],
            require_token: true,
            ..OAuthConfig::default()
        }),
        ..ServerConfig::default()
    })
}

#[test]
fn a_token_that_lives_30_s_is_not_renewed_by_every_call() {
    let server = short_lived(&[], 30);
    // The client in the environment: the first call gets the token, the next ones use it.
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_CLIENT_ID", CLIENT).set("AGENTVIEW_CLIENT_SECRET", SECRET);
    let first = av.token();
    assert_eq!(server.token_requests("client_credentials"), 1, "one call, one grant");
    assert_eq!(av.token(), first);
    av.run(&["exec", "--", "true"]).expect_code(0);
    let status = av.run(&["status", "--json"]).expect_code(0);
    assert_eq!(server.token_requests("client_credentials"), 1, "token, exec and status use it: {}", status.stderr);
    // A login's credential follows the same rule.
    let mut av = Agentview::new(&server.mcp_url());
    login_with_secret(&mut av).expect_code(0);
    let before = server.token_requests("client_credentials");
    assert_eq!(av.token(), stored(&av)["token"].as_str().unwrap());
    av.token();
    assert_eq!(server.token_requests("client_credentials"), before, "a token just got is not due");
    // Once due (its life is over), one call renews it once.
    expire_locally(&av);
    av.token();
    assert_eq!(server.token_requests("client_credentials"), before + 1);
}

#[test]
fn a_client_assertion_is_presented_once() {
    let key = TestKey::ec_p256("ci-oidc");
    let server = short_lived(&[&key], 30);
    let av = Agentview::new(&server.mcp_url());
    let first = assertion(&key, &server, 240);
    let path = private_file(&av, "oidc-token", &first);
    let path_arg = path.display().to_string();
    let args = ["login", "--client-credentials", "--client-id", KEY_CLIENT, "--client-assertion-file", &path_arg];
    av.run(&args).expect_code(0);
    for _ in 0..3 {
        let run = av.run(&["token"]).expect_code(0);
        assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    }
    assert_eq!(token_requests(&server, "client_credentials").len(), 1, "the token lives on; nothing is renewed");
    // Due, and the file still holds the assertion already presented: it is not sent again.
    expire_locally(&av);
    let run = av.run(&["token"]).expect_code(4);
    assert!(run.stderr.contains(&path_arg) && run.stderr.contains("already presented"), "{}", run.stderr);
    run.assert_no_leak(&first);
    assert_eq!(token_requests(&server, "client_credentials").len(), 1, "the used assertion went nowhere");
    assert!(!std::fs::read_to_string(av.credentials_file()).unwrap().contains(&first), "only a fingerprint is kept");
    // The platform writes a fresh one: the next call renews with it.
    let second = assertion(&key, &server, 250);
    std::fs::write(&path, &second).unwrap();
    let token = av.token();
    assert!(server.access_token_valid(&token));
    let sent = token_requests(&server, "client_credentials");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].param("client_assertion"), Some(second.as_str()));
}
