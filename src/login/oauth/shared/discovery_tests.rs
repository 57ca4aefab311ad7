//! Tests of `discovery.rs`.

use super::*;
use crate::server_url::Reach;

fn url(s: &str) -> Url {
    Url::parse(s).expect("url")
}

#[test]
fn challenges_parse() {
    let c = parse_challenge(
        r#"Bearer resource_metadata="https://a.example/.well-known/oauth-protected-resource/mcp", scope="read write""#,
    )
    .expect("bearer");
    assert_eq!(c.resource_metadata.as_deref(), Some("https://a.example/.well-known/oauth-protected-resource/mcp"));
    assert_eq!(c.scope.as_deref(), Some("read write"));
    let c = parse_challenge(r#"Basic realm="x", Bearer error="insufficient_scope", scope=admin"#).expect("bearer");
    assert_eq!(c.error, Some(ErrorCode::InsufficientScope));
    assert_eq!(c.scope.as_deref(), Some("admin"));
    let c = parse_challenge("Bearer error=\"invalid_token\", error_description=\"for another audience\u{1b}[31m\"")
        .expect("bearer");
    assert_eq!(c.description.as_deref(), Some("for another audience[31m"), "sanitized");
    assert_eq!(parse_challenge("Basic realm=\"x\""), None);
    assert_eq!(parse_challenge("Bearer").expect("bare"), Challenge::default());
    let c = parse_challenge(r#"Bearer scope="a\"b"#).expect("escaped, unterminated");
    assert_eq!(c.scope.as_deref(), Some("a\"b"));
}

#[test]
fn well_known_urls_in_order() {
    let got: Vec<String> = resource_metadata_urls(&url("https://a.example/mcp")).iter().map(Url::to_string).collect();
    assert_eq!(
        got,
        [
            "https://a.example/.well-known/oauth-protected-resource/mcp",
            "https://a.example/.well-known/oauth-protected-resource"
        ]
    );
    assert_eq!(resource_metadata_urls(&url("https://a.example/")).len(), 1);
    let got: Vec<String> =
        auth_server_metadata_urls(&url("https://as.example/tenant1")).iter().map(Url::to_string).collect();
    assert_eq!(
        got,
        [
            "https://as.example/.well-known/oauth-authorization-server/tenant1",
            "https://as.example/.well-known/openid-configuration/tenant1",
            "https://as.example/tenant1/.well-known/openid-configuration"
        ]
    );
    let got: Vec<String> = auth_server_metadata_urls(&url("https://as.example")).iter().map(Url::to_string).collect();
    assert_eq!(
        got,
        [
            "https://as.example/.well-known/oauth-authorization-server",
            "https://as.example/.well-known/openid-configuration"
        ]
    );
}

#[test]
fn resources_cover_their_own_server_only() {
    let server = url("http://localhost:3000/mcp");
    assert!(covers("http://localhost:3000/mcp", &server));
    assert!(covers("http://localhost:3000/mcp/", &server));
    assert!(covers("http://localhost:3000", &server), "metadata for the whole origin");
    assert!(!covers("https://evil.example.com/mcp", &server));
    assert!(!covers("http://localhost:3001/mcp", &server));
    assert!(!covers("http://localhost:3000/mc", &server));
    assert!(!covers("http://localhost:3000/mcp/deeper", &server));
    assert!(!covers("not a url", &server));
}

#[test]
fn canonical_urls() {
    assert_eq!(canonical(&url("HTTPS://A.example:443/mcp/#x")), "https://a.example/mcp");
    assert_eq!(canonical(&url("https://a.example")), "https://a.example");
}

#[test]
fn metadata_without_s256_is_refused() {
    let doc = serde_json::json!({"issuer": "https://as.example", "authorization_endpoint": "https://as.example/a",
        "token_endpoint": "https://as.example/t", "code_challenge_methods_supported": ["plain"]});
    let Value::Object(doc) = doc else { unreachable!() };
    let err = parse_auth_server(&doc, "https://as.example", Reach::Public, Provider::Generic).expect_err("no S256");
    assert!(err.to_string().contains("S256"), "{err}");
    let err = parse_auth_server(&doc, "https://as.example", Reach::Public, Provider::Entra).expect_err("plain only");
    assert!(err.to_string().contains("S256"), "a list without S256 is refused at Entra too: {err}");
}

/// Entra's metadata lists no `code_challenge_methods_supported` although Entra does PKCE with
/// S256: its profile takes the document; any other server without the field is refused.
#[test]
fn entras_metadata_without_pkce_methods_is_taken_by_its_profile_only() {
    let doc = serde_json::json!({"issuer": "https://as.example/t/v2.0",
        "authorization_endpoint": "https://as.example/t/oauth2/v2.0/authorize",
        "token_endpoint": "https://as.example/t/oauth2/v2.0/token",
        "userinfo_endpoint": "https://graph.example/oidc/userinfo",
        "id_token_signing_alg_values_supported": ["RS256"]});
    let Value::Object(doc) = doc else { unreachable!() };
    let issuer = "https://as.example/t/v2.0";
    let err = parse_auth_server(&doc, issuer, Reach::Public, Provider::Generic).expect_err("no methods listed");
    assert!(err.to_string().contains("code_challenge_methods_supported: missing"), "{err}");
    let server = parse_auth_server(&doc, issuer, Reach::Public, Provider::Entra).expect("Entra's document");
    assert!(server.openid);
    assert_eq!(server.userinfo_endpoint.as_ref().map(Url::as_str), Some("https://graph.example/oidc/userinfo"));
    // A userinfo endpoint that fails the checks is left out; the login goes on.
    let mut doc = doc;
    doc.insert("userinfo_endpoint".into(), Value::String("http://127.0.0.1/userinfo".into()));
    let server = parse_auth_server(&doc, issuer, Reach::Public, Provider::Entra).expect("still usable");
    assert!(server.userinfo_endpoint.is_none());
}

#[test]
fn endpoints_must_be_https_or_loopback() {
    let ok = |raw: &str, reach| endpoint_url(raw, "token_endpoint", reach).is_ok();
    assert!(ok("https://as.example/token", Reach::Public));
    assert!(ok("https://as.example/token", Reach::Loopback));
    assert!(ok("http://127.0.0.1:9/token", Reach::Loopback), "a local server's local AS");
    assert!(ok("http://localhost:9/token", Reach::Loopback));
    assert!(!ok("http://127.0.0.1:9/token", Reach::Public), "a remote server sends agentview home");
    assert!(!ok("https://127.0.0.1:9/token", Reach::Public));
    assert!(!ok("https://[::1]/token", Reach::Private));
    assert!(!ok("https://169.254.169.254/token", Reach::Public), "link-local (cloud metadata)");
    assert!(!ok("https://10.0.0.1/token", Reach::Public));
    assert!(ok("https://10.0.0.1/token", Reach::Private), "a private server's private AS");
    assert!(!ok("http://10.0.0.1/token", Reach::Private));
    assert!(!ok("http://as.example/token", Reach::Public));
    assert!(!ok("http://as.example/token", Reach::Loopback), "plain http leaves the machine");
    assert!(!ok("http://reg.evil.localhost/token", Reach::Loopback), "*.localhost may go to DNS");
    assert!(!ok("javascript:alert(1)", Reach::Public));
    assert!(!ok("https://u:p@as.example/", Reach::Public));
}
