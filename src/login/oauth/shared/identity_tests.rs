//! Tests of `identity.rs`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::*;

fn jwt(claims: Value) -> Secret {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    Secret::new(format!("{}.{}.c2ln", part(json!({"alg": "RS256"})), part(claims)))
}

fn server(issuer: &str, token: &str, userinfo: Option<&str>) -> AuthServer {
    let url = |u: &str| reqwest::Url::parse(u).expect("url");
    AuthServer {
        issuer: issuer.into(),
        authorization_endpoint: Some(url(&format!("{issuer}/authorize"))),
        token_endpoint: url(token),
        userinfo_endpoint: userinfo.map(url),
        openid: true,
        ..AuthServer::example()
    }
}

#[test]
fn an_id_token_names_the_person_for_its_client_only() {
    let token = jwt(json!({"sub": "248289761001", "aud": ["cli", "other"], "name": "Ada", "email": "ada@example.com"}));
    let user = from_id_token(&token, "cli").expect("claims");
    assert_eq!(
        user,
        UserInfo { name: Some("Ada".into()), email: Some("ada@example.com".into()), id: Some("248289761001".into()) }
    );
    assert_eq!(user.describe().as_deref(), Some("Ada <ada@example.com>"));
    assert_eq!(from_id_token(&token, "someone-else"), None, "an ID token for another client says nothing");
    assert_eq!(from_id_token(&Secret::new("opaque"), "cli"), None);
}

#[test]
fn microsoft_and_okta_name_people_their_own_way() {
    let entra = json!({"oid": "x", "sub": "s", "upn": "ada@contoso.example", "name": "Ada Lovelace"});
    let Value::Object(entra) = entra else { unreachable!() };
    assert_eq!(from_claims(&entra).and_then(|u| u.email).as_deref(), Some("ada@contoso.example"));
    let okta = json!({"sub": "00u1", "preferred_username": "bob@example.com"});
    let Value::Object(okta) = okta else { unreachable!() };
    assert_eq!(from_claims(&okta).and_then(|u| u.email).as_deref(), Some("bob@example.com"));
    let handle = json!({"sub": "00u1", "preferred_username": "bob"});
    let Value::Object(handle) = handle else { unreachable!() };
    assert_eq!(from_claims(&handle).and_then(|u| u.email), None, "a user name is no address");
    let hostile = json!({"name": "\u{1b}]8;;https://evil\u{7}Ada", "sub": ""});
    let Value::Object(hostile) = hostile else { unreachable!() };
    let user = from_claims(&hostile).expect("a name");
    assert!(!user.name.unwrap_or_default().contains('\u{1b}'), "sanitized");
    assert_eq!(user.id, None, "an empty subject is none");
    assert_eq!(from_claims(&Map::new()), None);
}

#[test]
fn the_access_tokens_subject_is_the_last_resort() {
    assert_eq!(from_access_token(&jwt(json!({"sub": "client-7"}))).and_then(|u| u.id).as_deref(), Some("client-7"));
    assert_eq!(from_access_token(&Secret::new("an-opaque-token")), None);
}

#[test]
fn userinfo_is_asked_only_at_the_issuers_hosts() {
    let auth0 = server("https://acme.auth0.com/", "https://acme.auth0.com/oauth/token", None);
    let at = |u: &str| userinfo_allowed(&reqwest::Url::parse(u).expect("url"), &auth0);
    assert!(at("https://acme.auth0.com/userinfo"));
    assert!(!at("https://graph.microsoft.com/oidc/userinfo"), "another host gets no token");
    let google = server("https://accounts.google.com", "https://oauth2.googleapis.com/token", None);
    let url = reqwest::Url::parse("https://oauth2.googleapis.com/userinfo").expect("url");
    assert!(userinfo_allowed(&url, &google), "the token endpoint's host");
}
