//! Tests of `grant.rs`.

use super::*;
use crate::store::ClientAuth;

fn server(iss_supported: bool) -> AuthServer {
    AuthServer { iss_supported, ..AuthServer::example() }
}

fn client() -> Client {
    Client { client_id: "c-1".into(), client_secret: None, auth: ClientAuth::None, redirect_uri: None }
}

fn request(resource: Option<&str>, params: &[(&str, &str)]) -> Request {
    Request {
        resource: resource.map(str::to_string),
        scope: Some("read".into()),
        params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

fn auth(iss_supported: bool) -> Authorization {
    Authorization::new(
        &server(iss_supported),
        &client(),
        "http://127.0.0.1:9/cb",
        &request(Some("https://a.example/mcp"), &[]),
    )
    .expect("authorization")
}

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn the_request_carries_pkce_state_and_resource() {
    let a = auth(true);
    let q: Params = a.url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"], super::super::pkce::s256(a.pkce.verifier.expose()));
    assert_eq!(q["state"], a.state);
    assert_eq!(q["resource"], "https://a.example/mcp");
    assert_eq!(q["redirect_uri"], "http://127.0.0.1:9/cb");
    assert_eq!(q["scope"], "read");
    assert!(!a.url.as_str().contains(a.pkce.verifier.expose()));
}

#[test]
fn callbacks_follow_rfc9207() {
    let a = auth(true);
    let s = a.state.clone();
    let iss = "https://as.example";
    assert_eq!(a.check_callback(&params(&[("code", "c"), ("state", &s), ("iss", iss)])).expect("ok"), "c");
    assert!(matches!(a.check_callback(&params(&[("code", "c"), ("state", &s)])), Err(OAuthError::Callback(_))));
    let wrong = params(&[("code", "c"), ("state", &s), ("iss", "https://evil.example")]);
    assert!(matches!(a.check_callback(&wrong), Err(OAuthError::Callback(_))));
    assert!(matches!(
        a.check_callback(&params(&[("code", "c"), ("state", "other"), ("iss", iss)])),
        Err(OAuthError::Callback(_))
    ));
    let b = auth(false);
    let s = b.state.clone();
    assert!(b.check_callback(&params(&[("code", "c"), ("state", &s)])).is_ok(), "neither: proceed");
    assert!(b.check_callback(&params(&[("code", "c"), ("state", &s), ("iss", iss)])).is_ok(), "present: equal");
    let wrong = params(&[("code", "c"), ("state", &s), ("iss", "https://evil.example")]);
    assert!(b.check_callback(&wrong).is_err(), "present but not advertised: must still equal");
    let denied = params(&[("error", "access_denied"), ("error_description", "no\x1b[31m way"), ("state", &s)]);
    match b.check_callback(&denied) {
        Err(OAuthError::Denied { error, description }) => {
            assert_eq!(error, ErrorCode::AccessDenied);
            assert_eq!(description.as_deref(), Some("no[31m way"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_profiles_choices_are_in_the_request() {
    let a = Authorization::new(
        &server(false),
        &client(),
        "http://127.0.0.1:9/cb",
        &request(None, &[("audience", "https://api.example"), ("prompt", "consent")]),
    )
    .expect("authorization");
    let q: Params = a.url.query_pairs().into_owned().collect();
    assert!(!q.contains_key("resource"), "no resource when none is chosen: {q:?}");
    assert_eq!(a.resource, None);
    assert_eq!(q["audience"], "https://api.example");
    assert_eq!(q["prompt"], "consent");
}
