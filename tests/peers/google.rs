//! The Google model at the HTTP level: each rule of Google's installed-app OAuth it enforces
//! (tests/peers/node/providers/google.mjs cites the documentation) refuses what Google refuses.

use serde_json::{Value, json};

use super::person::{Browser, last_challenge, param, whoami, with_query};
use super::*;
use support::peers::{PeerKind, PeerOptions, get_json, post_form};

const CLIENT: &str = "1234567890-desktop.apps.googleusercontent.example";
const SECRET: &str = "GOCSPX-desktop-secret";
const OTHER: &str = "9876543210-other.apps.googleusercontent.example";
const OTHER_SECRET: &str = "GOCSPX-other-secret";
const EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
const REDIRECT: &str = "http://127.0.0.1:49153/oauth2callback";

/// The model with two desktop clients; its API trusts only the first.
fn start() -> Option<Peer> {
    let clients = vec![
        json!({"client_id": CLIENT, "client_secret": SECRET, "redirect_uris": ["http://localhost"]}),
        json!({"client_id": OTHER, "client_secret": OTHER_SECRET, "redirect_uris": ["http://localhost"]}),
    ];
    let args = vec!["--accept-clients".to_string(), CLIENT.to_string()];
    Peer::start_with(PeerKind::Google, PeerOptions { clients, args, ..PeerOptions::default() })
}

/// A code for `client` after an authorization request with `scope` and `extra`.
fn code(peer: &Peer, browser: &Browser, client: &str, scope: &str, extra: &[(&str, &str)]) -> String {
    let callback = authorize(peer, browser, client, scope, extra);
    param(&callback, "code").unwrap_or_else(|| panic!("no code: {callback}"))
}

fn authorize(peer: &Peer, browser: &Browser, client: &str, scope: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", REDIRECT),
        ("state", "s"),
        ("scope", scope),
    ];
    params.extend_from_slice(extra);
    browser.authorize(&with_query(&format!("{}/o/oauth2/v2/auth", peer.issuer()), &params), REDIRECT).callback()
}

/// The code exchange, the secret in the form.
fn redeem(peer: &Peer, client: &str, secret: &str, code: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", client),
        ("client_secret", secret),
    ];
    post_form(&format!("{}/token", peer.issuer()), &form, None)
}

/// Google's discovery document: no registration, no RFC 8414 document; the API names the issuer.
#[test]
fn the_metadata_is_googles() {
    let Some(peer) = start() else { return };
    let (status, meta) = get_json(&format!("{}/.well-known/openid-configuration", peer.issuer()));
    assert_eq!(status, 200);
    assert_eq!(meta["issuer"], peer.issuer());
    assert!(meta.get("registration_endpoint").is_none(), "{meta}");
    assert_eq!(meta["revocation_endpoint"], format!("{}/revoke", peer.issuer()));
    assert_eq!(meta["scopes_supported"], json!(["openid", "email", "profile"]));
    assert_eq!(get_json(&format!("{}/.well-known/oauth-authorization-server", peer.issuer())).0, 404);
    let origin = peer.mcp_url().trim_end_matches("/mcp");
    let (_, prm) = get_json(&format!("{origin}/.well-known/oauth-protected-resource/mcp"));
    assert_eq!(prm["authorization_servers"], json!([peer.issuer()]));
}

/// offline_access is refused as invalid_scope (at the client's redirect URI, any loopback port).
#[test]
fn offline_access_is_an_invalid_scope() {
    let Some(peer) = start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let callback = authorize(&peer, &Browser::new(dir.path(), "alice"), CLIENT, "openid offline_access", &[]);
    assert_eq!(param(&callback, "error").as_deref(), Some("invalid_scope"), "{callback}");
    assert!(param(&callback, "error_description").unwrap().contains("invalid=[offline_access]"), "{callback}");
    let callback = authorize(&peer, &Browser::new(dir.path(), "alice"), CLIENT, &format!("openid {EMAIL}"), &[]);
    assert!(param(&callback, "code").is_some(), "{callback}");
}

/// A refresh token only with access_type=offline; for the same user and client again only with
/// prompt=consent; the model says why in its log.
#[test]
fn refresh_tokens_need_access_type_offline_and_again_prompt_consent() {
    let Some(peer) = start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::new(dir.path(), "bob");
    let scope = format!("openid {EMAIL}");
    let issued = |extra: &[(&str, &str)]| {
        let (status, answer) = redeem(&peer, CLIENT, SECRET, &code(&peer, &browser, CLIENT, &scope, extra));
        assert_eq!(status, 200, "{answer}");
        answer.get("refresh_token").is_some()
    };
    assert!(!issued(&[]), "online access");
    assert!(issued(&[("access_type", "offline")]), "the first offline consent");
    assert!(!issued(&[("access_type", "offline")]), "offline again, no prompt=consent");
    assert!(issued(&[("access_type", "offline"), ("prompt", "consent")]), "prompt=consent");
    let reasons: Vec<Value> = peer.events("refresh-token").into_iter().map(|e| e["reason"].clone()).collect();
    assert_eq!(
        reasons,
        [
            "access_type is not offline",
            "the first offline consent",
            "offline access was granted before and prompt is not consent",
            "prompt=consent"
        ]
    );
    let callback = authorize(&peer, &browser, CLIENT, &scope, &[("access_type", "forever")]);
    assert_eq!(param(&callback, "error").as_deref(), Some("invalid_request"), "{callback}");
}

/// The desktop client's secret must be sent, in the form or by HTTP Basic.
#[test]
fn the_client_secret_is_required_by_either_method() {
    let Some(peer) = start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::new(dir.path(), "alice");
    let scope = format!("openid {EMAIL}");
    let token = format!("{}/token", peer.issuer());
    fn exchange(code: &str) -> Vec<(&'static str, &str)> {
        vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT)]
    }

    let code1 = code(&peer, &browser, CLIENT, &scope, &[]);
    let mut form = exchange(&code1);
    form.push(("client_id", CLIENT));
    let (status, answer) = post_form(&token, &form, None);
    assert_eq!((status, answer["error"].as_str()), (401, Some("invalid_client")), "{answer}");

    let code2 = code(&peer, &browser, CLIENT, &scope, &[]);
    let (status, answer) = post_form(&token, &exchange(&code2), Some((CLIENT, SECRET)));
    assert_eq!(status, 200, "by HTTP Basic: {answer}");
    let (status, answer) = redeem(&peer, CLIENT, SECRET, &code(&peer, &browser, CLIENT, &scope, &[]));
    assert_eq!(status, 200, "in the form: {answer}");
    let (status, answer) = redeem(&peer, CLIENT, "wrong", &code(&peer, &browser, CLIENT, &scope, &[]));
    assert_eq!((status, answer["error"].as_str()), (401, Some("invalid_client")), "{answer}");
}

/// Refresh tokens do not rotate; revocation takes `token` in the form and ends the grant; the API
/// (by tokeninfo) refuses a revoked token, and a token issued to a client it does not trust.
#[test]
fn refresh_tokens_do_not_rotate_and_revocation_ends_the_grant() {
    let Some(peer) = start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::new(dir.path(), "alice");
    let scope = format!("openid {EMAIL}");
    let (_, answer) =
        redeem(&peer, CLIENT, SECRET, &code(&peer, &browser, CLIENT, &scope, &[("access_type", "offline")]));
    let refresh = answer["refresh_token"].as_str().unwrap().to_string();
    let renew = || {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ];
        post_form(&format!("{}/token", peer.issuer()), &form, None)
    };
    let (status, first) = renew();
    assert_eq!(status, 200, "{first}");
    assert!(first.get("refresh_token").is_none(), "Google's refresh answer has no refresh token: {first}");
    let (status, second) = renew();
    assert_eq!(status, 200, "the same refresh token again: {second}");
    let access = second["access_token"].as_str().unwrap();
    assert!(whoami(&peer, access).ends_with(&format!("via {CLIENT}")));

    let (status, _) = post_form(&format!("{}/revoke", peer.issuer()), &[("token", access)], None);
    assert_eq!(status, 200);
    assert_eq!(peer.mcp_status(access), 401);
    assert!(last_challenge(&peer).contains("error=\"invalid_token\""));
    let (status, after) = renew();
    assert_eq!((status, after["error"].as_str()), (400, Some("invalid_grant")), "the grant ended: {after}");
    let (status, unknown) = post_form(&format!("{}/revoke", peer.issuer()), &[("token", access)], None);
    assert_eq!((status, unknown["error"].as_str()), (400, Some("invalid_token")), "{unknown}");

    // A token of a client the API does not trust.
    let (_, answer) = redeem(&peer, OTHER, OTHER_SECRET, &code(&peer, &browser, OTHER, &scope, &[]));
    assert_eq!(peer.mcp_status(answer["access_token"].as_str().unwrap()), 401);
    let challenge = last_challenge(&peer);
    assert!(challenge.contains("error=\"invalid_token\"") && challenge.contains("another client"), "{challenge}");
}
