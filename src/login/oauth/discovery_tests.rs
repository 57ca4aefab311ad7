//! Tests of `discovery.rs`.

use super::*;

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
    let err = parse_auth_server(&doc, "https://as.example").expect_err("no S256");
    assert!(err.to_string().contains("S256"), "{err}");
}

#[test]
fn endpoints_must_be_https_or_loopback() {
    assert!(endpoint_url("https://as.example/token", "token_endpoint").is_ok());
    assert!(endpoint_url("http://127.0.0.1:9/token", "token_endpoint").is_ok());
    assert!(endpoint_url("http://as.example/token", "token_endpoint").is_err());
    assert!(endpoint_url("javascript:alert(1)", "token_endpoint").is_err());
    assert!(endpoint_url("https://u:p@as.example/", "token_endpoint").is_err());
}
