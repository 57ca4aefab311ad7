//! `private_key_jwt`: RSA and EC keys in their PEM forms sign a fresh assertion for every
//! request, with the algorithm the server lists; an assertion file (workload identity) is read
//! again at every renewal, and an expired one is named.

use super::*;

/// Log in as the key client with `key` written in `pem`; the run and the assertions the server got.
fn login_with_key(server: &TestServer, av: &Agentview, pem: &str, extra: &[&str]) -> (Run, Vec<(Value, Value)>) {
    let path = private_file(av, "client.pem", pem);
    let mut args = vec!["login", "--client-credentials", "--client-id", KEY_CLIENT, "--client-key"];
    let path = path.display().to_string();
    args.push(&path);
    args.extend_from_slice(extra);
    let run = av.run(&args);
    let assertions = token_requests(server, "client_credentials")
        .iter()
        .map(|r| jwt::decode(r.param("client_assertion").unwrap_or_default()).unwrap())
        .collect();
    (run, assertions)
}

#[test]
fn an_rsa_key_signs_rs256_in_either_pem_form() {
    let key = TestKey::rsa("rsa-1");
    for pem in [&key.pkcs8_pem, &key.own_pem] {
        let server = server_with(&[&key]);
        let av = Agentview::new(&server.mcp_url());
        let (run, assertions) = login_with_key(&server, &av, pem, &[]);
        let run = run.expect_code(0);
        assert_eq!(assertions.len(), 1);
        let (header, claims) = &assertions[0];
        assert_eq!(header["alg"], "RS256");
        assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some(KEY_CLIENT), Some(KEY_CLIENT)));
        assert_eq!(claims["aud"].as_str(), server.oauth_issuer().as_deref(), "aud: the issuer");
        let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
        assert_eq!(lifetime, 60);
        assert!(server.access_token_valid(&av.token()));
        let entry = stored(&av);
        assert_eq!(entry["oauth"]["client_auth"], "private_key_jwt");
        assert!(entry["oauth"]["client_secret"].is_null(), "no assertion is kept");
        assert_eq!(entry["oauth"]["unattended"]["client_jwt"]["alg"], "RS256");
        let file = std::fs::read_to_string(av.credentials_file()).unwrap();
        assert!(!file.contains("PRIVATE KEY"), "the key stays in its file");
        run.assert_no_leak(key.pkcs8_pem.lines().nth(1).unwrap());
    }
}

#[test]
fn ec_keys_sign_with_their_curves_algorithm_and_the_kid() {
    for key in [TestKey::ec_p256("ec-256"), TestKey::ec_p384("ec-384")] {
        let server = server_with(&[&key]);
        let av = Agentview::new(&server.mcp_url());
        let (run, assertions) = login_with_key(&server, &av, &key.own_pem, &["--client-key-id", key.kid()]);
        run.expect_code(0);
        let (header, _) = &assertions[0];
        assert_eq!(header["alg"], key.jwk["alg"], "SEC1 PEM, ES256 on P-256 and ES384 on P-384");
        assert_eq!(header["kid"], key.kid());
        assert!(server.access_token_valid(&av.token()));
    }
}

#[test]
fn the_algorithm_is_one_the_server_lists() {
    let key = TestKey::rsa("rsa-ps");
    let server = cc_server(&["private_key_jwt"], &[&key], &["PS256", "ES256"]);
    let av = Agentview::new(&server.mcp_url());
    let (run, assertions) = login_with_key(&server, &av, &key.pkcs8_pem, &[]);
    run.expect_code(0);
    assert_eq!(assertions[0].0["alg"], "PS256");
    // An EC key for a server that takes only RSA signatures: refused before anything is sent.
    let ec = TestKey::ec_p256("ec");
    let server = cc_server(&["private_key_jwt"], &[&ec], &["RS256"]);
    let av = Agentview::new(&server.mcp_url());
    let (run, assertions) = login_with_key(&server, &av, &ec.pkcs8_pem, &[]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("RS256") && run.stderr.contains("ES256"), "{}", run.stderr);
    assert!(assertions.is_empty());
}

#[test]
fn each_request_gets_a_fresh_assertion() {
    let key = TestKey::ec_p256("ec");
    let server = server_with(&[&key]);
    let av = Agentview::new(&server.mcp_url());
    login_with_key(&server, &av, &key.pkcs8_pem, &[]).0.expect_code(0);
    expire_locally(&av);
    av.token();
    let jtis: Vec<String> = token_requests(&server, "client_credentials")
        .iter()
        .map(|r| jwt::decode(r.param("client_assertion").unwrap()).unwrap().1["jti"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(jtis.len(), 2);
    assert_ne!(jtis[0], jtis[1], "the server refuses a replayed jti: the renewal signed anew");
}

#[test]
fn a_key_the_server_does_not_know_exits_4() {
    let registered = TestKey::ec_p256("registered");
    let other = TestKey::ec_p256("registered");
    let server = server_with(&[&registered]);
    let av = Agentview::new(&server.mcp_url());
    let (run, _) = login_with_key(&server, &av, &other.pkcs8_pem, &[]);
    let run = run.expect_code(4);
    assert!(run.stderr.contains(KEY_CLIENT) && run.stderr.contains("invalid_client"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}

#[test]
fn a_key_file_others_can_change_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let key = TestKey::ec_p256("ec");
    let server = server_with(&[&key]);
    let av = Agentview::new(&server.mcp_url());
    let path = private_file(&av, "loose.pem", &key.pkcs8_pem);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let path = path.display().to_string();
    let run = av.run(&["login", "--client-credentials", "--client-id", KEY_CLIENT, "--client-key", &path]);
    let run = run.expect_code(4);
    assert!(run.stderr.contains("writable by other users") && run.stderr.contains(&path), "{}", run.stderr);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty());
}

#[test]
fn an_assertion_file_is_read_again_at_every_renewal() {
    let key = TestKey::ec_p256("workload");
    let server = server_with(&[&key]);
    let av = Agentview::new(&server.mcp_url());
    let first = assertion(&key, &server, 200);
    let path = private_file(&av, "oidc-token", &first);
    let path_arg = path.display().to_string();
    let args = ["login", "--client-credentials", "--client-id", KEY_CLIENT, "--client-assertion-file", &path_arg];
    av.run(&args).expect_code(0).assert_no_leak(&first);
    assert_eq!(token_requests(&server, "client_credentials")[0].param("client_assertion"), Some(first.as_str()));
    // The CI renews its token file; the next renewal sends the new one.
    let second = assertion(&key, &server, 280);
    std::fs::write(&path, format!("{second}\n")).unwrap();
    expire_locally(&av);
    let token = av.token();
    assert!(server.access_token_valid(&token));
    assert_eq!(token_requests(&server, "client_credentials")[1].param("client_assertion"), Some(second.as_str()));
    assert!(!std::fs::read_to_string(av.credentials_file()).unwrap().contains(&second), "only the path is kept");
}

#[test]
fn an_expired_assertion_is_named_and_not_sent() {
    let key = TestKey::ec_p256("workload");
    let server = server_with(&[&key]);
    let av = Agentview::new(&server.mcp_url());
    let path = private_file(&av, "oidc-token", &assertion(&key, &server, -30));
    let path_arg = path.display().to_string();
    let args = ["login", "--client-credentials", "--client-id", KEY_CLIENT, "--client-assertion-file", &path_arg];
    let run = av.run(&args).expect_code(4);
    assert!(run.stderr.contains(&path_arg) && run.stderr.contains("expired"), "{}", run.stderr);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty());
    // At renewal: the token is kept, and the file named.
    std::fs::write(&path, assertion(&key, &server, 200)).unwrap();
    av.run(&args).expect_code(0);
    std::fs::write(&path, assertion(&key, &server, -30)).unwrap();
    expire_locally(&av);
    let run = av.run(&["token"]).expect_code(4);
    assert!(run.stderr.contains(&path_arg) && run.stderr.contains("expired"), "{}", run.stderr);
    assert!(!stored(&av).is_null(), "the stored credential is kept");
}

/// An assertion issued for another audience (Entra ID's `api://AzureADTokenExchange`, a cloud's
/// token service) goes only to an authorization server the user pinned: otherwise an MCP server
/// could name one of its own and collect it.
#[test]
fn an_assertion_for_another_audience_goes_only_to_a_pinned_server() {
    let key = TestKey::ec_p256("workload");
    let server = server_with(&[&key]);
    let mut av = Agentview::new(&server.mcp_url());
    let now = jwt::now() as i64;
    let elsewhere = key.sign(
        "JWT",
        &json!({"iss": KEY_CLIENT, "sub": KEY_CLIENT, "aud": "api://AzureADTokenExchange", "iat": now,
            "exp": now + 300, "jti": "federated-1"}),
    );
    let path = private_file(&av, "oidc-token", &elsewhere);
    let path_arg = path.display().to_string();
    let args = ["login", "--client-credentials", "--client-id", KEY_CLIENT, "--client-assertion-file", &path_arg];
    let run = av.run(&args).expect_code(4);
    assert!(
        run.stderr.contains("api://AzureADTokenExchange") && run.stderr.contains("AGENTVIEW_AUTH_SERVER"),
        "{}",
        run.stderr
    );
    run.assert_no_leak(&elsewhere);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty(), "not sent");
    // Pinned: the user vouches for this server, and the assertion is sent (the local server
    // itself takes only its issuer as the audience, and refuses it).
    av.set("AGENTVIEW_AUTH_SERVER", &server.oauth_issuer().unwrap());
    let run = av.run(&args);
    run.assert_no_leak(&elsewhere);
    let sent = token_requests(&server, "client_credentials");
    assert_eq!(sent.len(), 1, "{}", run.stderr);
    assert_eq!(sent[0].param("client_assertion"), Some(elsewhere.as_str()));
}

/// With an authorization server pinned, a server that names another one gets nothing: no
/// secret, no assertion, no token request.
#[test]
fn a_pinned_authorization_server_refuses_another_before_anything_is_sent() {
    let server = server_with(&[]);
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_AUTH_SERVER", "https://login.company.example/tenant");
    let run = login_with_secret(&mut av);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("AGENTVIEW_AUTH_SERVER pins https://login.company.example/tenant"), "{}", run.stderr);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty());
    assert!(server.oauth_requests_to(OAuthEndpoint::AuthorizationServerMetadata).is_empty(), "not even its metadata");
    // The environment's client too, for token and exec.
    av.set("AGENTVIEW_CLIENT_ID", CLIENT).set("AGENTVIEW_CLIENT_SECRET", SECRET);
    let run = av.run(&["token"]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    run.assert_no_leak(SECRET);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty());
    // An issuer is compared as written (but for the case of its scheme and host and a default
    // port): a trailing slash makes another one, and the refusal names the one to pin.
    let issuer = server.oauth_issuer().unwrap();
    av.set("AGENTVIEW_AUTH_SERVER", &format!("{issuer}/"));
    let run = av.run(&["token"]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("names the authorization server {issuer},")), "{}", run.stderr);
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty());
    // Pinned to the right one, it works.
    av.set("AGENTVIEW_AUTH_SERVER", &issuer);
    assert!(server.access_token_valid(&av.token()));
    // A pin that is no issuer is a usage error.
    av.set("AGENTVIEW_AUTH_SERVER", "login.company.example");
    assert_eq!(av.run(&["token"]).code, 2);
}
