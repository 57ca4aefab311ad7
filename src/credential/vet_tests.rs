use std::time::Duration;

use super::*;
use crate::store::{Flow, GrantAuth};

fn http() -> Http {
    Http::new("agentview-test", Duration::from_secs(2), None).expect("http")
}

fn url(raw: &str) -> Url {
    Url::parse(raw).expect("url")
}

fn stored(issuer: &str, token_endpoint: &str) -> OAuthGrant {
    OAuthGrant {
        refresh_token: None,
        issuer: issuer.into(),
        client_id: "c".into(),
        client_secret: None,
        client_auth: GrantAuth::None,
        token_endpoint: url(token_endpoint),
        revocation_endpoint: None,
        resource: Some("https://mcp.example/mcp".into()),
        scope: None,
        flow: Flow::AuthorizationCode,
        from_environment: false,
    }
}

#[tokio::test]
async fn an_endpoint_on_its_issuers_origin_needs_no_confirmation() {
    let server = url("https://mcp.example/mcp");
    // No request is made: as.example does not exist.
    for (issuer, endpoint) in [
        ("https://as.example", "https://as.example/token"),
        ("https://as.example/tenant", "https://as.example/oauth2/token"),
        ("https://AS.example:443", "https://as.example/token"),
    ] {
        grant(&http(), &stored(issuer, endpoint), &server, None).await.expect(endpoint);
    }
    let local = url("http://127.0.0.1:8931/mcp");
    grant(&http(), &stored("http://127.0.0.1:8931", "http://127.0.0.1:8931/token"), &local, None).await.expect("local");
}

#[tokio::test]
async fn an_issuer_or_endpoint_no_login_would_use_is_refused_unsent() {
    let server = url("https://mcp.example/mcp");
    for (issuer, endpoint) in [
        ("http://as.example", "http://as.example/token"),
        ("https://as.example", "http://127.0.0.1:9/token"),
        ("https://127.0.0.1", "https://127.0.0.1/token"),
        ("https://10.0.0.1", "https://10.0.0.1/token"),
        ("as.example", "https://as.example/token"),
    ] {
        let refused = grant(&http(), &stored(issuer, endpoint), &server, None).await.expect_err(endpoint);
        assert!(matches!(refused, Distrust::Record(_)), "{issuer} {endpoint}: {refused:?}");
        assert!(refused.to_string().contains("no login would use"), "{refused}");
    }
}

#[tokio::test]
async fn a_pin_applies_to_a_kept_grant() {
    let server = url("https://mcp.example/mcp");
    let kept = stored("https://b.example", "https://b.example/token");
    let refused = grant(&http(), &kept, &server, Some("https://a.example")).await.expect_err("pinned elsewhere");
    let said = refused.to_string();
    assert!(matches!(refused, Distrust::Pinned(_)), "{refused:?}");
    assert!(said.contains("https://b.example") && said.contains("pins https://a.example"), "{said}");
    grant(&http(), &kept, &server, Some("HTTPS://B.example:443")).await.expect("the same issuer");
    // A sign-in at an identity provider is not held to the MCP server's pin.
    let mut sign_in = stored("https://idp.example", "https://idp.example/token");
    sign_in.flow = Flow::IdpSignIn;
    grant(&http(), &sign_in, &url("https://idp.example/"), Some("https://a.example")).await.expect("a sign-in");
}

#[tokio::test]
async fn an_endpoint_elsewhere_is_confirmed_by_the_issuers_metadata_first() {
    // Another origin: the issuer's metadata would have to publish it; an issuer that cannot be
    // asked confirms nothing, and nothing is sent to the endpoint.
    let server = url("http://127.0.0.1:9/mcp");
    let kept = stored("http://127.0.0.1:9", "http://127.0.0.1:10/token");
    let refused = grant(&http(), &kept, &server, None).await.expect_err("unconfirmed");
    assert!(matches!(refused, Distrust::Unconfirmed(_)), "{refused:?}");
}
