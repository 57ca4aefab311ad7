//! The authorization code flow end to end, token errors, refresh rotation, revocation, the /mcp check.
use super::oauth::*;
use super::*;

#[tokio::test]
async fn code_flow_with_pkce_and_the_approval_page() {
    let a = oauth_server(OAuthConfig::default());
    let c = a.register("none").await;
    let (verifier, challenge) = pkce();
    let page = a.http.get(a.authorize_url(&c, &challenge, "st-1")).send().await.expect("GET /authorize");
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(header(&page, "x-frame-options"), "DENY");
    let csp = header(&page, "content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self' http://127.0.0.1:45678"),
        "{csp}"
    );
    let html = page.text().await.expect("page");
    assert!(html.contains("agentview test") && html.contains("mcp:write"), "{html}");
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("https://"));
    let action = html.split("action=\"").nth(1).and_then(|s| s.split('"').next()).expect("a form").to_string();
    assert!(action.ends_with("/approve"), "{action}");
    assert_eq!(a.server.pending_authorizations(), 1);
    // The Approve button: 303 to the redirect URI with code, state and iss.
    let r = a.http.post(format!("{}{action}", a.server.base_url())).send().await.expect("approve");
    assert_eq!(r.status().as_u16(), 303);
    let q = query(&header(&r, "location"));
    assert!(header(&r, "location").starts_with(&c.redirect));
    assert_eq!((q["state"].as_str(), q["iss"].as_str()), ("st-1", a.server.base_url().as_str()));
    assert_eq!(a.server.pending_authorizations(), 0);
    // A second click changes nothing.
    let again = a.http.post(format!("{}{action}", a.server.base_url())).send().await.expect("approve");
    assert_eq!(again.status().as_u16(), 409);

    let (status, t) = a.exchange(&c, &q["code"], &verifier).await;
    assert_eq!(status, 200, "{t}");
    let at = t["access_token"].as_str().expect("access_token");
    assert!(at.starts_with("at_") && t["refresh_token"].as_str().expect("refresh").starts_with("rt_"));
    assert_eq!((t["token_type"].as_str(), t["expires_in"].as_u64()), (Some("Bearer"), Some(3600)));
    assert_eq!(t["scope"], "mcp:read mcp:write offline_access");
    assert!(a.server.access_token_valid(at));
    assert_eq!(a.server.token_requests("authorization_code"), 1);
    // Both requests are recorded as received.
    let auth = &a.server.oauth_requests_to(OAuthEndpoint::Authorize)[0];
    let tok = &a.server.oauth_requests_to(OAuthEndpoint::Token)[0];
    assert_eq!((auth.param("code_challenge_method"), auth.param("state")), (Some("S256"), Some("st-1")));
    assert_eq!(auth.param("resource"), tok.param("resource"));
    assert_eq!(tok.param("code_verifier"), Some(verifier.as_str()));
    assert!(tok.authorization.is_none(), "a public client sends no Authorization");
    // The code is single-use; replaying it revokes what it gave.
    let (status, e) = a.exchange(&c, &q["code"], &verifier).await;
    assert_eq!((status, e["error"].as_str()), (400, Some("invalid_grant")));
    assert!(!a.server.access_token_valid(at));
}

#[tokio::test]
async fn deny_and_auto_approve() {
    let a = oauth_server(OAuthConfig::default());
    let c = a.register("none").await;
    let (_, challenge) = pkce();
    a.http.get(a.authorize_url(&c, &challenge, "s2")).send().await.expect("GET /authorize");
    let q = query(&a.server.deny_pending_authorization().expect("pending"));
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("access_denied", "s2"));
    assert!(!q.contains_key("code") && q.contains_key("error_description"));
    assert_eq!(a.server.approve_pending_authorization(), None, "nothing left to decide");

    let a = oauth_server(OAuthConfig { auto_approve: true, iss_in_redirect: false, ..OAuthConfig::default() });
    let c = a.register("none").await;
    let r = a.http.get(a.authorize_url(&c, &challenge, "s3")).send().await.expect("GET /authorize");
    assert_eq!(r.status().as_u16(), 302);
    let q = query(&header(&r, "location"));
    assert!(q["code"].starts_with("ac_") && q["state"] == "s3" && !q.contains_key("iss"), "{q:?}");
}

#[tokio::test]
async fn authorize_request_errors() {
    let a = oauth_server(OAuthConfig::default());
    let c = a.register("none").await;
    let (_, challenge) = pkce();
    let good = a.authorize_url(&c, &challenge, "s");
    let swap = |from: &str, to: &str| good.replace(from, to);
    // Never redirected: unknown client, unregistered redirect URI.
    for url in [swap(&c.id, "client_nobody"), swap("45678", "45679")] {
        let r = a.http.get(&url).send().await.expect("GET");
        assert_eq!(r.status().as_u16(), 400);
        assert!(r.headers().get("location").is_none());
    }
    let resource = form(&[("resource", &a.server.resource())]);
    let cases = [
        (swap("response_type=code", "response_type=token"), "unsupported_response_type"),
        (swap("code_challenge_method=S256", "code_challenge_method=plain"), "invalid_request"),
        (swap(&format!("code_challenge={challenge}"), "code_challenge="), "invalid_request"),
        (swap(&resource, "resource=http%3A%2F%2F127.0.0.1%3A1%2Fmcp"), "invalid_target"),
        (swap(&resource, "x=1"), "invalid_target"),
        (swap("scope=mcp%3Aread", "scope=admin"), "invalid_scope"),
        (format!("{good}&state=again"), "invalid_request"),
    ];
    for (url, error) in cases {
        let r = a.http.get(&url).send().await.expect("GET");
        assert_eq!(r.status().as_u16(), 302, "{url}");
        let q = query(&header(&r, "location"));
        assert_eq!(q["error"], error, "{url}");
    }
    let r = a.http.get(swap("state=s", "x=y")).send().await.expect("GET");
    let q = query(&header(&r, "location"));
    assert_eq!((q["error"].as_str(), q.contains_key("state")), ("invalid_request", false));
}

#[tokio::test]
async fn token_request_errors() {
    let a = oauth_server(OAuthConfig::default());
    let c = a.register("none").await;
    let (verifier, challenge) = pkce();
    let q = a.code(&c, &challenge).await;
    let wrong = format!("{}A", &verifier[1..]);
    let (status, e) = a.exchange(&c, &q["code"], &wrong).await;
    assert_eq!((status, e["error"].as_str()), (400, Some("invalid_grant")), "{e}");
    let resource = a.server.resource();
    let code = q["code"].as_str();
    let pairs = |redirect, resource| {
        [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier.as_str()),
            ("resource", resource),
        ]
    };
    let (s, e) = a.token(&c, false, &pairs("http://127.0.0.1:45678/other", &resource)).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    let (s, e) = a.token(&c, false, &pairs(&c.redirect, "http://127.0.0.1:1/mcp")).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_target")));
    let (s, e) = a.token(&c, false, &[("grant_type", "password")]).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("unsupported_grant_type")));
    let nobody = Registered { id: "client_nobody".into(), secret: None, redirect: c.redirect.clone() };
    let (s, e) = a.token(&nobody, false, &pairs(&c.redirect, &resource)).await;
    assert_eq!((s, e["error"].as_str()), (401, Some("invalid_client")));
    // A JSON body is not a token request.
    let r = a.http.post(a.url("/token")).header("content-type", "application/json").body("{}").send().await;
    assert_eq!(r.expect("POST").status().as_u16(), 400);
    // The failures did not burn the code.
    let (s, t) = a.exchange(&c, &q["code"], &verifier).await;
    assert_eq!(s, 200, "{t}");
    // An expired code is refused.
    let q = a.code(&c, &challenge).await;
    a.server.expire_authorization_codes();
    let (s, e) = a.exchange(&c, &q["code"], &verifier).await;
    assert_eq!((s, e["error_description"].as_str()), (400, Some("code expired")));
}

#[tokio::test]
async fn client_authentication_methods() {
    let a = oauth_server(OAuthConfig::default());
    for (method, basic) in [("client_secret_basic", true), ("client_secret_post", false)] {
        let c = a.register(method).await;
        let (verifier, challenge) = pkce();
        let q = a.code(&c, &challenge).await;
        // The other method, and a wrong secret, are refused.
        let (s, e) = a.exchange_with(&c, !basic, &q["code"], &verifier).await;
        assert_eq!((s, e["error"].as_str()), (401, Some("invalid_client")), "{method}");
        let bad = Registered { secret: Some("nope".into()), ..c.clone() };
        assert_eq!(a.exchange_with(&bad, basic, &q["code"], &verifier).await.0, 401);
        let (s, t) = a.exchange_with(&c, basic, &q["code"], &verifier).await;
        assert_eq!(s, 200, "{method}: {t}");
    }
    // Pre-registered: any loopback port; a confidential one may use either secret method.
    let cfg = OAuthConfig {
        preregistered: vec![("pre-public".into(), None), ("pre-secret".into(), Some("s3cr3t".into()))],
        ..OAuthConfig::default()
    };
    let a = oauth_server(cfg);
    for (id, secret) in [("pre-public", None), ("pre-secret", Some("s3cr3t".to_string()))] {
        let c = Registered { id: id.into(), secret, redirect: "http://127.0.0.1:51234/cb/x".into() };
        let (verifier, challenge) = pkce();
        let q = a.code(&c, &challenge).await;
        assert_eq!(a.exchange_with(&c, false, &q["code"], &verifier).await.0, 200, "{id}");
    }
    assert_eq!(a.server.registrations(), 0);
}

#[tokio::test]
async fn refresh_rotation_and_reuse() {
    let a = oauth_server(OAuthConfig::default());
    let (c, t1) = a.login().await;
    let rt1 = t1["refresh_token"].as_str().expect("rt").to_string();
    let (s, t2) = a.refresh(&c, &rt1).await;
    assert_eq!(s, 200, "{t2}");
    let rt2 = t2["refresh_token"].as_str().expect("rotated").to_string();
    assert_ne!(rt1, rt2);
    assert!(!a.server.refresh_token_valid(&rt1) && a.server.refresh_token_valid(&rt2));
    let at2 = t2["access_token"].as_str().expect("at").to_string();
    assert!(a.server.access_token_valid(&at2));
    assert_eq!(a.server.token_requests("refresh_token"), 1);
    // Reusing the rotated token kills the grant.
    let (s, e) = a.refresh(&c, &rt1).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    assert!(!a.server.refresh_token_valid(&rt2) && !a.server.access_token_valid(&at2));
    // Without refresh tokens the response has none.
    let a = oauth_server(OAuthConfig { refresh: false, ..OAuthConfig::default() });
    let (_, t) = a.login().await;
    assert!(t.get("refresh_token").is_none(), "{t}");
}

#[tokio::test]
async fn revocation() {
    let a = oauth_server(OAuthConfig::default());
    let (c, t) = a.login().await;
    let (at, rt) = (t["access_token"].as_str().expect("at"), t["refresh_token"].as_str().expect("rt"));
    let revoke = |token: &str| {
        let body = form(&[("token", token), ("client_id", c.id.as_str())]);
        a.http.post(a.url("/revoke")).header("content-type", "application/x-www-form-urlencoded").body(body).send()
    };
    assert_eq!(revoke("at_unknown").await.expect("revoke").status().as_u16(), 200);
    assert_eq!(revoke(at).await.expect("revoke").status().as_u16(), 200);
    assert!(!a.server.access_token_valid(at) && a.server.refresh_token_valid(rt));
    let (_, t2) = a.refresh(&c, rt).await;
    let (at2, rt2) = (t2["access_token"].as_str().expect("at"), t2["refresh_token"].as_str().expect("rt"));
    assert_eq!(revoke(rt2).await.expect("revoke").status().as_u16(), 200);
    assert!(!a.server.refresh_token_valid(rt2) && !a.server.access_token_valid(at2));
    assert_eq!(a.server.revocations(), 3);
    assert_eq!(a.refresh(&c, rt2).await.1["error"], "invalid_grant");
    // Signed out on the server side.
    let (_, t) = a.login().await;
    a.server.revoke_all_grants();
    assert!(!a.server.access_token_valid(t["access_token"].as_str().expect("at")));
    assert!(!a.server.refresh_token_valid(t["refresh_token"].as_str().expect("rt")));
}

#[tokio::test]
async fn token_check_on_mcp() {
    let a = oauth_server(OAuthConfig::default());
    let (_, t) = a.login().await;
    let at = t["access_token"].as_str().expect("at");
    assert_eq!(a.mcp(None).await.0, 200, "agentView answers initialize without a token");
    assert_eq!(a.mcp(Some(at)).await.0, 200);
    let (status, www) = a.mcp(Some("at_forged")).await;
    assert_eq!(status, 401);
    let prm = a.server.prm_url();
    assert!(www.starts_with("Bearer ") && www.contains("error=\"invalid_token\""), "{www}");
    assert!(www.contains(&format!("resource_metadata=\"{prm}\"")) && www.contains("scope=\"mcp:read mcp:write\""));
    a.server.expire_access_tokens();
    assert!(!a.server.access_token_valid(at));
    assert_eq!(a.mcp(Some(at)).await.0, 401);
    assert_eq!(a.server.oauth_counts().rejected_on_mcp, 2);
    assert_eq!(a.server.requests().iter().filter(|r| r.status == 401).count(), 2, "401s are recorded");

    let a =
        oauth_server(OAuthConfig { require_token: true, access_ttl: Duration::from_secs(2), ..OAuthConfig::default() });
    let (status, www) = a.mcp(None).await;
    assert_eq!(status, 401);
    assert!(www.contains("resource_metadata=") && !www.contains("error="), "{www}");
    let (_, t) = a.login().await;
    assert_eq!(t["expires_in"], 2);
    assert_eq!(a.mcp(t["access_token"].as_str()).await.0, 200);
}

impl As {
    async fn exchange_with(&self, c: &Registered, basic: bool, code: &str, verifier: &str) -> (u16, Value) {
        let resource = self.server.resource();
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", c.redirect.as_str()),
            ("code_verifier", verifier),
            ("resource", resource.as_str()),
        ];
        self.token(c, basic, &pairs).await
    }
}
