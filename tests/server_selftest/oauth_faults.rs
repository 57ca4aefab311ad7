//! Every authorization-server fault, once.
use std::time::{Duration, Instant};

use super::oauth::*;
use super::*;

#[tokio::test]
async fn token_endpoint_status_slow_and_raw() {
    let a = oauth_server(OAuthConfig::default());
    let (c, t) = a.login().await;
    let rt = t["refresh_token"].as_str().expect("rt").to_string();
    a.server.push_oauth_fault(OAuthFault::Status { on: OAuthEndpoint::Token, status: 503, count: 2 });
    assert_eq!(a.refresh(&c, &rt).await.0, 503);
    assert_eq!(a.refresh(&c, &rt).await.0, 503);
    assert!(a.server.refresh_token_valid(&rt), "a faulted request changes nothing");
    a.server.push_oauth_fault(OAuthFault::Slow {
        on: OAuthEndpoint::Token,
        delay: Duration::from_millis(300),
        count: 1,
    });
    let started = Instant::now();
    let (s, t) = a.refresh(&c, &rt).await;
    assert!(s == 200 && started.elapsed() >= Duration::from_millis(300), "{t}");
    let rt = t["refresh_token"].as_str().expect("rt").to_string();
    let bodies = [
        ("text/html", "<html><body>Sign in</body></html>".to_string()),
        ("application/json", format!("{{\"access_token\":\"{}\"}}", "a".repeat(1 << 21))),
        ("application/json", r#"{"access_token":"x","token_type":"mac"}"#.into()),
        ("application/json", r#"{"token_type":"Bearer"}"#.into()),
        ("application/json", r#"{"error":"invalid_grant","error_description":"with 200"}"#.into()),
    ];
    for (ct, body) in &bodies {
        let on = OAuthEndpoint::Token;
        a.server.push_oauth_fault(OAuthFault::Raw {
            on,
            status: 200,
            content_type: ct.to_string(),
            body: body.clone(),
            count: 1,
        });
        let r = a
            .http
            .post(a.url("/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("grant_type", "refresh_token"), ("refresh_token", &rt), ("client_id", &c.id)]))
            .send()
            .await
            .expect("POST");
        assert_eq!((r.status().as_u16(), header(&r, "content-type")), (200, ct.to_string()));
        assert_eq!(r.text().await.expect("body").len(), body.len());
    }
    assert!(a.server.refresh_token_valid(&rt));
    let recs = a.server.oauth_requests_to(OAuthEndpoint::Token);
    let faults: Vec<_> = recs.iter().filter_map(|r| r.fault.as_deref()).collect();
    assert_eq!(faults, ["Status", "Status", "Slow", "Raw", "Raw", "Raw", "Raw", "Raw"]);
    assert_eq!(a.server.token_requests("refresh_token"), 8);
}

#[tokio::test]
async fn metadata_faults() {
    let a = oauth_server(OAuthConfig::default());
    let base = a.server.base_url();
    let md_url = a.server.as_metadata_url();
    a.server.push_oauth_fault(OAuthFault::PrmWrongResource { resource: "https://other.example/mcp".into() });
    assert_eq!(a.get_json(&a.server.prm_url()).await.1["resource"], "https://other.example/mcp");
    assert_eq!(a.get_json(&a.server.prm_url()).await.1["resource"], format!("{base}/mcp"));
    a.server.push_oauth_fault(OAuthFault::MetadataWithoutS256);
    assert_eq!(a.get_json(&md_url).await.1["code_challenge_methods_supported"], json!(["plain"]));
    a.server.push_oauth_fault(OAuthFault::MetadataWithoutChallengeMethods);
    let (_, md) = a.get_json(&md_url).await;
    assert!(md.get("code_challenge_methods_supported").is_none() && md["token_endpoint"].is_string(), "{md}");
    a.server.push_oauth_fault(OAuthFault::MetadataWrongIssuer { issuer: format!("{base}/") });
    assert_eq!(a.get_json(&md_url).await.1["issuer"], format!("{base}/"));
    let (_, md) = a.get_json(&md_url).await;
    assert_eq!(
        (md["issuer"].as_str(), md["code_challenge_methods_supported"][0].as_str()),
        (Some(base.as_str()), Some("S256"))
    );
    // A 404 on the path-suffixed PRM leaves the root one.
    a.server.push_oauth_fault(OAuthFault::Status {
        on: OAuthEndpoint::ProtectedResourceMetadata,
        status: 404,
        count: 1,
    });
    assert_eq!(a.get_json(&a.server.prm_url()).await.0, 404);
    assert_eq!(a.get_json(&format!("{base}/.well-known/oauth-protected-resource")).await.0, 200);
}

#[tokio::test]
async fn registration_faults() {
    let a = oauth_server(OAuthConfig::default());
    a.server.push_oauth_fault(OAuthFault::Status { on: OAuthEndpoint::Register, status: 500, count: 1 });
    a.server.push_oauth_fault(OAuthFault::RegistrationRejected {
        error: "invalid_redirect_uri".into(),
        description: "loopback not allowed".into(),
    });
    let body = json!({"redirect_uris": ["http://127.0.0.1:9/cb"], "token_endpoint_auth_method": "none"});
    assert_eq!(a.register_raw(body.clone()).await.0, 500);
    let (s, e) = a.register_raw(body.clone()).await;
    assert_eq!(
        (s, e["error"].as_str(), e["error_description"].as_str()),
        (400, Some("invalid_redirect_uri"), Some("loopback not allowed"))
    );
    assert_eq!(a.register_raw(body).await.0, 201);
    assert_eq!(a.server.registrations(), 1);
    // A forgotten client is refused at /authorize (register again).
    let c = a.register("none").await;
    assert!(a.server.forget_client(&c.id));
    let r = a.http.get(a.authorize_url(&c, &pkce().1, "s")).send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn insufficient_scope_until_granted() {
    let a = oauth_server(OAuthConfig::default());
    let c = a.register("none").await;
    let (verifier, challenge) = pkce();
    // A token for mcp:read only.
    let url = a
        .authorize_url(&c, &challenge, "st-1")
        .replace("scope=mcp%3Aread+mcp%3Awrite+offline_access", "scope=mcp%3Aread");
    a.http.get(url).send().await.expect("GET");
    let q = query(&a.server.approve_pending_authorization().expect("pending"));
    let (_, t) = a.exchange(&c, &q["code"], &verifier).await;
    assert_eq!(t["scope"], "mcp:read");
    a.server.push_oauth_fault(OAuthFault::InsufficientScope { required: "mcp:write".into(), count: u32::MAX });
    let (status, www) = a.mcp(t["access_token"].as_str()).await;
    assert_eq!(status, 403);
    assert!(www.contains("error=\"insufficient_scope\"") && www.contains("scope=\"mcp:write\""), "{www}");
    let (_, t) = a.login().await;
    assert_eq!(a.mcp(t["access_token"].as_str()).await.0, 200, "a token with mcp:write passes");
    a.server.clear_faults();
}
