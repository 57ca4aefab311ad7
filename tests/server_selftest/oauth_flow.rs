//! The authorization code flow end to end, token errors, refresh rotation, revocation, the /mcp check.
use super::oauth::*;
use super::*;

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
