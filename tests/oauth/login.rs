//! The OAuth login: what reaches the authorization server, what is stored, and reuse.

use super::*;
use support::server::OAuthEndpoint;

#[test]
fn login_stores_a_token_the_server_accepts() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    let run = login(&av);
    assert!(run.stderr.contains("Logging in with OAuth"), "{}", run.stderr);
    let entry = stored(&av);
    assert_eq!(entry["kind"], "oauth");
    let token = av.token();
    assert!(server.access_token_valid(&token));
    assert_eq!(mcp_status_with(&server, &token), 200);
    assert_eq!(mcp_status_with(&server, "forged-token"), 401, "the check can fail");
    let refresh = entry["oauth"]["refresh_token"].as_str().expect("a refresh token");
    assert!(server.refresh_token_valid(refresh));
    assert_eq!(entry["oauth"]["issuer"], server.oauth_issuer().unwrap().as_str());
    assert_eq!(entry["oauth"]["resource"], server.mcp_url().as_str());
    run.assert_no_leak(&token);
    run.assert_no_leak(refresh);
    // The JSON forms carry the access token only where asked, never the refresh token.
    for args in [&["token", "--format", "json"][..], &["token", "--format", "headers"][..], &["status", "--json"][..]] {
        let out = av.run(args).expect_code(0);
        assert!(!out.stdout.contains(refresh) && !out.stderr.contains(refresh), "{args:?}: {}", out.stdout);
    }
    let json = av.run(&["token", "--format", "json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["token"], token.as_str());
    assert_eq!(doc["kind"], "oauth");
}

#[test]
fn the_requests_carry_pkce_state_and_resource_and_register_once() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let authorize = server.oauth_requests_to(OAuthEndpoint::Authorize);
    assert_eq!(authorize.len(), 1);
    let a = &authorize[0];
    assert_eq!(a.param("code_challenge_method"), Some("S256"));
    assert_eq!(a.param("code_challenge").map(str::len), Some(43));
    assert!(a.param("state").is_some_and(|s| s.len() >= 22), "{:?}", a.params);
    assert_eq!(a.param("resource"), Some(server.mcp_url().as_str()));
    assert!(a.param("redirect_uri").is_some_and(|r| r.starts_with("http://127.0.0.1:")));
    assert_eq!(a.param("scope"), Some("mcp:read mcp:write offline_access"));
    let token = server.oauth_requests_to(OAuthEndpoint::Token);
    assert_eq!(token.len(), 1);
    let t = &token[0];
    assert_eq!(t.param("grant_type"), Some("authorization_code"));
    assert_eq!(t.param("resource"), a.param("resource"));
    assert_eq!(t.param("redirect_uri"), a.param("redirect_uri"));
    assert_eq!(t.param("code_verifier").map(str::len), Some(43));
    assert_eq!(server.registrations(), 1);
}

#[test]
fn a_second_login_reuses_the_registration() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let run = av.run(&["login", "--method", "oauth", "--force"]).expect_code(0);
    assert!(run.stderr.contains("Logged in"), "{}", run.stderr);
    assert_eq!(server.registrations(), 1, "the cached registration was used again");
    let authorize = server.oauth_requests_to(OAuthEndpoint::Authorize);
    assert_eq!(authorize[0].param("client_id"), authorize[1].param("client_id"));
}

#[test]
fn a_cached_registration_whose_port_is_taken_is_replaced() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let first = server.oauth_requests_to(OAuthEndpoint::Authorize)[0].param("redirect_uri").unwrap().to_string();
    let port: u16 = first.split(':').nth(2).and_then(|p| p.split('/').next()).unwrap().parse().unwrap();
    // Another program now listens on the port the registration was made for.
    let _taken = std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port agentview released");
    av.run(&["login", "--method", "oauth", "--force"]).expect_code(0);
    assert_eq!(server.registrations(), 2, "registered again for the new redirect URI");
    let second = server.oauth_requests_to(OAuthEndpoint::Authorize)[1].param("redirect_uri").unwrap().to_string();
    assert_ne!(first, second);
    let cache: Value =
        serde_json::from_slice(&std::fs::read(av.config_dir().join("oauth-clients.json")).unwrap()).unwrap();
    let issuer = server.oauth_issuer().unwrap();
    assert_eq!(cache["clients"][issuer.as_str()]["redirect_uri"], second.as_str(), "the cache keeps the new one");
}

#[test]
fn a_live_credential_means_already_logged_in() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let run = av.run(&["login"]).expect_code(0);
    assert!(run.stderr.contains("Already logged in"), "{}", run.stderr);
    assert_eq!(server.oauth_requests_to(OAuthEndpoint::Authorize).len(), 1);
}

#[test]
fn an_expired_credential_is_renewed_instead_of_a_new_login() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    expire_locally(&av);
    let run = av.run(&["login"]).expect_code(0);
    assert!(run.stderr.contains("Already logged in"), "{}", run.stderr);
    assert_eq!(server.oauth_requests_to(OAuthEndpoint::Authorize).len(), 1, "no second browser login");
    assert_eq!(server.token_requests("refresh_token"), 1);
}

#[test]
fn a_taken_callback_port_fails_before_anything_is_sent() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = av.run(&["login", "--method", "oauth", "--callback-port", &port]).expect_code(1);
    assert!(run.stderr.contains(&format!("127.0.0.1:{port}")), "{}", run.stderr);
    assert!(server.oauth_requests().is_empty(), "not even discovery: {:?}", server.oauth_requests());
    assert!(server.requests().is_empty(), "no MCP request either");
    assert!(!av.credentials_file().exists());
}

#[test]
fn a_fixed_callback_port_is_used() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    // Held for this test (bound, not listening): agentview may listen on it, nobody else.
    let held = support::ports::held_port();
    let port = held.port;
    av.run(&["login", "--method", "oauth", "--callback-port", &port.to_string()]).expect_code(0);
    let authorize = server.oauth_requests_to(OAuthEndpoint::Authorize);
    let redirect = authorize[0].param("redirect_uri").unwrap();
    assert!(redirect.starts_with(&format!("http://127.0.0.1:{port}/callback/")), "{redirect}");
}

#[test]
fn a_pre_registered_confidential_client_uses_its_secret_from_the_environment() {
    let config = OAuthConfig {
        dcr: false,
        preregistered: vec![("my-client".into(), Some("my-secret-value".into()))],
        ..OAuthConfig::default()
    };
    let server = oauth_server(config);
    let mut av = with_browser(&server);
    av.set("AGENTVIEW_CLIENT_SECRET", "my-secret-value");
    let run = av.run(&["login", "--method", "oauth", "--client-id", "my-client"]).expect_code(0);
    run.assert_no_leak("my-secret-value");
    let token = server.oauth_requests_to(OAuthEndpoint::Token);
    assert!(token[0].authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")), "{:?}", token[0]);
    assert_eq!(server.registrations(), 0);
}

#[test]
fn without_registration_the_error_says_how_to_pre_register() {
    let server = oauth_server(OAuthConfig { dcr: false, ..OAuthConfig::default() });
    let av = with_browser(&server);
    let run = av.run(&["login", "--method", "oauth"]).expect_code(7);
    assert!(run.stderr.contains("no dynamic client registration"), "{}", run.stderr);
    assert!(run.stderr.contains("--client-id"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}

#[test]
fn the_approval_page_can_deny() {
    let server = TestServer::start(ServerConfig { oauth: Some(OAuthConfig::default()), ..ServerConfig::default() });
    let mut av = Agentview::new(&server.mcp_url());
    // A person who opens the page and clicks Deny: the redirect carries error=access_denied.
    av.set("BROWSER", &curl_browser("-fsSL"));
    let live = support::fixture::Live::start(&av, &["login", "--method", "oauth"]);
    live.wait_for("To log in, open", std::time::Duration::from_secs(20));
    let redirect = support::cli::wait_until("a pending authorization", std::time::Duration::from_secs(20), || {
        server.deny_pending_authorization()
    });
    let status = Command::new("curl").args(["-fsS", "-o", NULL_DEVICE, &redirect]).status().unwrap();
    assert!(status.success());
    let run = live.finish(std::time::Duration::from_secs(30));
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("access_denied"), "{}", run.stderr);
    let hint = run.stderr.lines().find(|l| l.trim_start().starts_with("hint:")).unwrap_or_default();
    assert!(hint.contains("agentview") && hint.contains("login"), "a next step: {}", run.stderr);
    assert!(!av.credentials_file().exists());
}

#[test]
fn an_oauth_login_in_the_real_keyring_is_read_and_revoked_there() {
    if !support::cli::require_secret_service() {
        return;
    }
    let server = oauth_server(OAuthConfig::default());
    let mut av = with_browser(&server);
    av.set("AGENTVIEW_STORE", "keyring").set("AGENTVIEW_KEYRING_BACKEND", "secret-service").with_session_bus();
    let run = login(&av);
    assert!(run.stderr.contains("keyring"), "{}", run.stderr);
    assert!(!av.credentials_file().exists(), "nothing in a file");
    let token = av.token();
    assert!(server.access_token_valid(&token));
    let status = av.run(&["status", "--json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&status.stdout).expect("JSON");
    assert_eq!(doc["kind"], "oauth");
    assert_eq!(doc["source"], "keyring");
    let run = av.run(&["logout"]).expect_code(0);
    assert!(run.stderr.contains("Revoked the OAuth tokens"), "{}", run.stderr);
    av.run(&["token"]).expect_code(4);
}

#[test]
fn listings_show_an_oauth_credential_without_its_secrets() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let entry = stored(&av);
    let mut other = Agentview::new("https://elsewhere.example/mcp");
    other.set("AGENTVIEW_CONFIG_DIR", &av.config_dir().display().to_string());
    for args in [&["status", "--all", "--json"][..], &["status", "--all"][..], &["status"][..]] {
        let run = other.run(args);
        assert!(run.code == 0 || run.code == 4, "{args:?}: {}", run.stderr);
        for secret in [entry["token"].as_str().unwrap(), entry["oauth"]["refresh_token"].as_str().unwrap()] {
            run.assert_no_leak(secret);
        }
        assert!(run.stdout.contains(&server.mcp_url()) || run.stderr.contains(&server.mcp_url()), "{args:?} lists it");
    }
}

#[test]
fn a_pre_registered_client_comes_back_at_a_fixed_path_or_the_redirect_uri_it_names() {
    let config = OAuthConfig { dcr: false, preregistered: vec![("my-client".into(), None)], ..OAuthConfig::default() };
    let server = oauth_server(config);
    let av = with_browser(&server);
    av.run(&["login", "--method", "oauth", "--client-id", "my-client"]).expect_code(0);
    let first = server.oauth_requests_to(OAuthEndpoint::Authorize)[0].param("redirect_uri").unwrap().to_string();
    let url = reqwest::Url::parse(&first).unwrap();
    assert_eq!((url.host_str(), url.path()), (Some("127.0.0.1"), "/callback"), "{first}");
    let named = "http://127.0.0.1/oauth/back";
    av.run(&["login", "--force", "--method", "oauth", "--client-id", "my-client", "--redirect-uri", named])
        .expect_code(0);
    let authorize = server.oauth_requests_to(OAuthEndpoint::Authorize);
    let second = authorize.last().unwrap().param("redirect_uri").unwrap().to_string();
    let url = reqwest::Url::parse(&second).unwrap();
    assert_eq!((url.host_str(), url.path()), (Some("127.0.0.1"), "/oauth/back"), "{second}");
    assert!(url.port().is_some(), "a free port fills the one left open: {second}");
    let token = server.oauth_requests_to(OAuthEndpoint::Token);
    assert_eq!(token[1].param("redirect_uri"), Some(second.as_str()), "the same redirect URI at the token endpoint");
    // This server takes no `localhost` redirects: the login ends before a browser opens, naming
    // the redirect URI, instead of waiting for a browser that shows an error page.
    let run = av
        .run(&[
            "login",
            "--force",
            "--method",
            "oauth",
            "--client-id",
            "my-client",
            "--redirect-uri",
            "http://localhost/x",
        ])
        .expect_code(7);
    assert!(run.stderr.contains("refused the login request before the browser opened"), "{}", run.stderr);
    assert!(run.stderr.contains("http://localhost:"), "the hint names the redirect URI: {}", run.stderr);
    assert!(!run.stderr.contains("Opened the login page"), "{}", run.stderr);
}

#[test]
fn a_dynamic_registration_uses_the_named_redirect_uri_and_fresh_client_registers_again() {
    let server = oauth_server(OAuthConfig::default());
    let mut av = with_browser(&server);
    let held = support::ports::held_port();
    let port = held.port;
    let named = format!("http://127.0.0.1:{port}/mine");
    av.set("AGENTVIEW_REDIRECT_URI", &named);
    av.run(&["login", "--method", "oauth"]).expect_code(0);
    let authorize = server.oauth_requests_to(OAuthEndpoint::Authorize);
    assert_eq!(authorize[0].param("redirect_uri"), Some(named.as_str()));
    av.run(&["login", "--force", "--method", "oauth"]).expect_code(0);
    assert_eq!(server.registrations(), 1, "the kept registration fits the named URI");
    let run = av.run(&["login", "--force", "--method", "oauth", "--fresh-client"]).expect_code(0);
    assert_eq!(server.registrations(), 2, "--fresh-client registers again\n{}", run.stderr);
}

#[test]
fn redirect_uris_agentview_cannot_listen_at_are_usage_errors() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    for bad in ["https://127.0.0.1/cb", "http://example.com/cb", "http://127.0.0.1/cb?x=1", "not a url"] {
        let run = av.run(&["login", "--method", "oauth", "--redirect-uri", bad]).expect_code(2);
        assert!(run.stderr.contains("--redirect-uri"), "{bad}: {}", run.stderr);
    }
    let run = av
        .run(&["login", "--method", "oauth", "--redirect-uri", "http://127.0.0.1:4444/cb", "--callback-port", "5555"])
        .expect_code(2);
    assert!(run.stderr.contains("disagree"), "{}", run.stderr);
    assert_eq!(server.registrations(), 0, "nothing was sent");
}

/// A server from before protected-resource metadata (MCP 2025-03-26): it answers 401 with a
/// Bearer challenge, publishes no metadata of its own, and its authorization server lives at its
/// origin.
#[test]
fn a_server_without_resource_metadata_gets_the_2025_03_26_discovery() {
    use support::server::OAuthFault;
    let server =
        oauth_server(OAuthConfig { require_token: true, challenge_resource_metadata: false, ..OAuthConfig::default() });
    server.push_oauth_fault(OAuthFault::Status {
        on: OAuthEndpoint::ProtectedResourceMetadata,
        status: 404,
        count: 100,
    });
    let av = with_browser(&server);
    let run = av.run(&["login", "--method", "oauth"]).expect_code(0);
    assert!(run.stderr.contains("Logged in"), "{}", run.stderr);
    let token = av.token();
    assert_eq!(mcp_status_with(&server, &token), 200);
    let exchange = &server.oauth_requests_to(OAuthEndpoint::Token)[0];
    assert_eq!(exchange.param("resource"), Some(server.mcp_url().as_str()), "the canonical server URL");
}

/// The server moved to another authorization server: a login with a stored credential from the
/// old one does not stop at "already logged in", registers with the new one, and never shows
/// it the old one's client.
#[test]
fn a_server_that_moved_to_another_authorization_server_gets_a_new_login() {
    use support::server::OAuthFault;
    let server = oauth_server(OAuthConfig::default());
    let moved_to = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let old_client = stored(&av)["oauth"]["client_id"].as_str().unwrap().to_string();
    let new_issuer = moved_to.oauth_issuer().unwrap();
    let prm = serde_json::json!({"resource": server.mcp_url(), "authorization_servers": [new_issuer]});
    server.push_oauth_fault(OAuthFault::Raw {
        on: OAuthEndpoint::ProtectedResourceMetadata,
        status: 200,
        content_type: "application/json".into(),
        body: prm.to_string(),
        count: 100,
    });
    let run = av.run(&["login", "--method", "oauth", "--timeout", "5"]);
    assert!(!run.stderr.contains("Already logged in"), "{}", run.stderr);
    assert!(run.stderr.contains("now names the authorization server"), "{}", run.stderr);
    assert_eq!(moved_to.registrations(), 1, "registered with the new authorization server\n{}", run.stderr);
    for request in moved_to.oauth_requests_to(OAuthEndpoint::Authorize) {
        assert_ne!(request.param("client_id"), Some(old_client.as_str()), "the old client went to the new server");
    }
}

/// `AGENTVIEW_AUTH_SERVER` pins the browser login too: a server that names another authorization
/// server gets no registration, no authorization request and no client secret.
#[test]
fn a_pinned_authorization_server_refuses_another_before_registering() {
    let server = oauth_server(OAuthConfig::default());
    let mut av = with_browser(&server);
    av.set("AGENTVIEW_AUTH_SERVER", "https://login.company.example");
    let run = av.run(&["login", "--method", "oauth"]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("AGENTVIEW_AUTH_SERVER pins https://login.company.example"), "{}", run.stderr);
    for endpoint in [OAuthEndpoint::Register, OAuthEndpoint::Authorize, OAuthEndpoint::Token] {
        assert!(server.oauth_requests_to(endpoint).is_empty(), "{endpoint:?}");
    }
    assert!(!av.credentials_file().exists());
    av.set("AGENTVIEW_AUTH_SERVER", &server.oauth_issuer().unwrap());
    login(&av);
    assert!(server.access_token_valid(&av.token()));
}
