//! Enterprise-managed authorization: one sign-in at the company's identity provider (in the
//! browser, once), then for each server token exchange for an ID-JAG and the JWT-bearer grant,
//! with no browser; renewal runs both again; an ID token from a file; the provider's refusals.

use super::*;
use support::cli::script;
use support::idp::{IdpConfig, TestIdp};

/// agentview's client at the MCP servers' authorization servers, and its secret.
const MCP_CLIENT: &str = "agentview-enterprise";
const MCP_SECRET: &str = "enterprise-client-secret-91c2";

/// A server whose authorization server takes the provider's ID-JAGs.
fn trusting(idp: &TestIdp) -> TestServer {
    TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig {
            trusted_idp: Some(idp.trusted()),
            preregistered: vec![(MCP_CLIENT.into(), Some(MCP_SECRET.into()))],
            require_token: true,
            ..OAuthConfig::default()
        }),
        ..ServerConfig::default()
    })
}

/// agentview for `server`, with a "browser" that follows the provider's redirect back.
fn with_browser(server: &TestServer) -> Agentview {
    let mut av = Agentview::new(&server.mcp_url());
    let browser = script(av.dir.path(), "browser", "exec curl -fsSL -o /dev/null \"$1\"");
    av.set("BROWSER", &browser.display().to_string()).set("AGENTVIEW_CLIENT_SECRET", MCP_SECRET);
    av
}

/// Point `av` at another server; same config dir and store.
fn switch_to(av: &mut Agentview, server: &TestServer) {
    av.server = server.mcp_url();
    av.set("AGENTVIEW_SERVER", &server.mcp_url());
}

/// Where the sign-in is kept: the issuer in the normal form of a server URL (`--server ISSUER`).
fn sign_in_key(idp: &TestIdp) -> String {
    format!("{}/", idp.issuer())
}

fn login(av: &Agentview, idp: &TestIdp, extra: &[&str]) -> Run {
    let issuer = idp.issuer();
    let mut args =
        vec!["login", "--idp", &issuer, "--idp-client-id", &idp.config().client_id, "--client-id", MCP_CLIENT];
    args.extend_from_slice(extra);
    av.run(&args)
}

#[test]
fn one_sign_in_then_a_second_server_without_a_browser() {
    let idp = TestIdp::start(IdpConfig::default());
    let first = trusting(&idp);
    let mut av = with_browser(&first);
    let run = login(&av, &idp, &[]).expect_code(0);
    assert!(run.stderr.contains("Signing in at the identity provider"), "{}", run.stderr);
    run.assert_no_leak(MCP_SECRET);
    assert_eq!((idp.counts().sign_ins, idp.counts().id_jags), (1, 1));
    let authorize = idp.records().into_iter().find(|r| r.path == "/authorize").unwrap();
    assert!(authorize.params["scope"].split(' ').any(|s| s == "openid"));
    assert!(!authorize.params["nonce"].is_empty() && !authorize.params.contains_key("resource"));
    let exchange = idp
        .records()
        .into_iter()
        .find(|r| r.params.get("grant_type").is_some_and(|g| g.ends_with("token-exchange")))
        .unwrap();
    assert_eq!(exchange.params["audience"], first.oauth_issuer().unwrap());
    assert_eq!(exchange.params["resource"], first.resource());
    assert_eq!(exchange.params["requested_token_type"], "urn:ietf:params:oauth:token-type:id-jag");
    let bearer = &token_requests(&first, "urn:ietf:params:oauth:grant-type:jwt-bearer")[0];
    assert!(
        bearer.authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")),
        "the client's own authentication"
    );
    assert!(first.access_token_valid(&av.token()));
    let sign_in = stored_for(&av, &sign_in_key(&idp));
    assert_eq!(sign_in["oauth"]["unattended"]["grant"], "idp_sign_in", "the sign-in is kept under the issuer");
    assert!(sign_in["oauth"]["refresh_token"].is_string());
    assert_eq!(stored(&av)["oauth"]["unattended"]["idp"], idp.issuer());

    // A second server of the same company: no browser.
    let second = trusting(&idp);
    switch_to(&mut av, &second);
    let never = script(av.dir.path(), "no-browser", "echo opened >> \"$0.log\"; exit 1");
    av.set("BROWSER", &never.display().to_string());
    let run = login(&av, &idp, &[]).expect_code(0);
    assert!(run.stderr.contains("no browser needed"), "{}", run.stderr);
    assert!(!never.with_extension("log").exists() && !av.dir.path().join("no-browser.log").exists());
    assert_eq!((idp.counts().sign_ins, idp.counts().id_jags), (1, 2));
    let token = av.token();
    assert!(second.access_token_valid(&token) && !first.access_token_valid(&token));

    // Renewal: token exchange and the JWT-bearer grant again, no browser.
    expire_locally(&av);
    let renewed = av.token();
    assert_ne!(renewed, token);
    assert!(second.access_token_valid(&renewed));
    assert_eq!((idp.counts().sign_ins, idp.counts().id_jags), (1, 3));
    assert_eq!(second.oauth_counts().jwt_bearer_grants, 2);
}

/// Mark the kept sign-in's ID token as expired (the provider's copy stays as it is).
fn expire_sign_in(av: &Agentview, idp: &TestIdp) {
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["credentials"][sign_in_key(idp).as_str()]["expires_at"] = json!(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

#[test]
fn an_expired_sign_in_is_renewed_with_the_providers_refresh_token() {
    let idp = TestIdp::start(IdpConfig { id_token_ttl: std::time::Duration::from_secs(30), ..IdpConfig::default() });
    let first = trusting(&idp);
    let mut av = with_browser(&first);
    login(&av, &idp, &[]).expect_code(0);
    expire_sign_in(&av, &idp);
    let before = stored_for(&av, &sign_in_key(&idp))["oauth"]["refresh_token"].clone();
    let second = trusting(&idp);
    switch_to(&mut av, &second);
    av.unset("BROWSER");
    let run = login(&av, &idp, &["--no-browser"]).expect_code(0);
    assert!(run.stderr.contains("Renewed the sign-in"), "{}", run.stderr);
    assert_eq!((idp.counts().sign_ins, idp.counts().refresh_grants), (1, 1));
    let after = stored_for(&av, &sign_in_key(&idp))["oauth"]["refresh_token"].clone();
    assert_ne!(before, after, "the rotated refresh token is kept");
    // The renewal of the server's token renews the sign-in too, when it is due.
    expire_locally(&av);
    expire_sign_in(&av, &idp);
    assert!(second.access_token_valid(&av.token()));
    assert_eq!(idp.counts().refresh_grants, 2);
}

#[test]
fn an_id_token_from_a_file_needs_no_sign_in_and_is_read_again() {
    let idp = TestIdp::start(IdpConfig::default());
    let server = trusting(&idp);
    let av = Agentview::new(&server.mcp_url());
    let mut av = av;
    av.set("AGENTVIEW_CLIENT_SECRET", MCP_SECRET);
    let first = idp.id_token(600);
    let path = private_file(&av, "id-token", &first);
    let path_arg = path.display().to_string();
    login(&av, &idp, &["--id-token-file", &path_arg]).expect_code(0).assert_no_leak(&first);
    assert_eq!(idp.counts().sign_ins, 0);
    let subjects = || -> Vec<String> {
        idp.records().into_iter().filter_map(|r| r.params.get("subject_token").cloned()).collect()
    };
    assert_eq!(subjects(), std::slice::from_ref(&first));
    assert!(server.access_token_valid(&av.token()));
    let second = idp.id_token(900);
    std::fs::write(&path, &second).unwrap();
    expire_locally(&av);
    assert!(server.access_token_valid(&av.token()));
    assert_eq!(subjects(), [first, second]);
}

#[test]
fn the_provider_refusing_is_exit_5_with_its_reason() {
    let idp = TestIdp::start(IdpConfig::default());
    let server = trusting(&idp);
    let av = with_browser(&server);
    for (error, reason) in [("access_denied", "Ada may not use this server"), ("invalid_target", "unknown audience")] {
        idp.refuse_exchanges(error, reason);
        let run = login(&av, &idp, &[]).expect_code(5);
        assert!(run.stderr.contains(error) && run.stderr.contains(reason), "{}", run.stderr);
        assert!(stored(&av).is_null(), "nothing stored for the server");
    }
    assert_eq!(idp.counts().sign_ins, 1, "the sign-in was kept for the second try");
    assert_eq!(server.oauth_counts().jwt_bearer_grants, 0);
}

#[test]
fn a_server_that_does_not_take_id_jags_is_refused_before_the_sign_in() {
    let idp = TestIdp::start(IdpConfig::default());
    let server = server_with(&[]);
    let av = with_browser(&server);
    let run = login(&av, &idp, &[]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("does not offer the JWT-bearer grant"), "{}", run.stderr);
    assert!(idp.records().is_empty(), "the provider was not even asked");
}

#[test]
fn the_providers_client_secret_stays_out_of_outputs_and_children() {
    let idp_secret = "idp-client-secret-5d0e";
    let idp = TestIdp::start(IdpConfig { client_secret: Some(idp_secret.into()), ..IdpConfig::default() });
    let server = trusting(&idp);
    let mut av = with_browser(&server);
    av.set("AGENTVIEW_IDP_CLIENT_SECRET", idp_secret);
    login(&av, &idp, &[]).expect_code(0).assert_no_leak(idp_secret);
    let sign_in = stored_for(&av, &sign_in_key(&idp));
    assert_eq!(sign_in["oauth"]["client_secret"], idp_secret, "kept with the sign-in, for its renewals");
    let run = av.run(&["exec", "--", "env"]).expect_code(0);
    assert!(!run.stdout.contains(idp_secret) && !run.stdout.contains(MCP_SECRET), "{}", run.stdout);
    assert!(run.stdout.contains("AGENTVIEW_TOKEN="));
    // Without the secret the provider does not know agentview's client.
    av.unset("AGENTVIEW_IDP_CLIENT_SECRET");
    let other = trusting(&idp);
    switch_to(&mut av, &other);
    let run = login(&av, &idp, &["--id-token-file", "/nonexistent/id-token"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("/nonexistent/id-token"), "{}", run.stderr);
}

#[test]
fn the_sign_in_is_no_server_credential() {
    let idp = TestIdp::start(IdpConfig::default());
    let server = trusting(&idp);
    let mut av = with_browser(&server);
    login(&av, &idp, &[]).expect_code(0);
    let id_token = stored_for(&av, &sign_in_key(&idp))["token"].as_str().unwrap().to_string();
    let mut at_idp = Agentview::new(&idp.issuer());
    at_idp.set("AGENTVIEW_CONFIG_DIR", &av.config_dir().display().to_string());
    for args in [&["token"][..], &["exec", "--", "env"], &["status"], &["status", "--json"]] {
        let run = at_idp.run(args);
        assert_eq!(run.code, 4, "{args:?}\n{}\n{}", run.stdout, run.stderr);
        run.assert_no_leak(&id_token);
        assert!(run.stderr.contains("identity provider"), "{args:?}: {}", run.stderr);
    }
    // status --all lists the server, and the sign-in apart from it.
    switch_to(&mut av, &server);
    let run = av.run(&["status", "--all"]).expect_code(0);
    let servers = run.stdout.split("Sign-ins at identity providers").next().unwrap();
    assert!(servers.contains(&server.mcp_url()) && !servers.contains(&sign_in_key(&idp)), "{}", run.stdout);
    assert!(run.stdout.contains("Sign-ins at identity providers"), "{}", run.stdout);
    let doc: Value = serde_json::from_str(&av.run(&["status", "--all", "--json"]).expect_code(0).stdout).unwrap();
    let listed: Vec<&str> =
        doc["credentials"].as_array().unwrap().iter().map(|e| e["server"].as_str().unwrap()).collect();
    assert_eq!(listed, [server.mcp_url().as_str()]);
    assert_eq!(doc["identity_provider_sign_ins"][0]["issuer"], sign_in_key(&idp));
}
