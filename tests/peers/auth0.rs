//! The Auth0 model at the HTTP level: `audience` decides whether the API gets a token it takes,
//! refresh tokens rotate with reuse detection, and registration depends on the tenant setting
//! (tests/peers/node/providers/auth0.mjs cites the documentation).

use serde_json::{Value, json};

use super::person::{Browser, Pkce, jwt_claims, last_challenge, param, whoami, with_query};
use super::*;
use support::peers::{PeerKind, PeerOptions, get_json, post_form, post_json};

const CLIENT: &str = "auth0-native-app";
const REDIRECT: &str = "http://127.0.0.1:49154/callback";

fn start(args: &[&str]) -> Option<Peer> {
    let client = json!({"client_id": CLIENT, "redirect_uris": ["http://127.0.0.1/callback"]});
    let args = args.iter().map(|a| a.to_string()).collect();
    Peer::start_with(PeerKind::Auth0, PeerOptions { clients: vec![client], args, ..PeerOptions::default() })
}

/// The token answer after an authorization request with `scope` and `extra` (as alice).
fn login(peer: &Peer, dir: &std::path::Path, scope: &str, extra: &[(&str, &str)]) -> Value {
    let pkce = Pkce::new();
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("state", "s"),
        ("scope", scope),
        ("code_challenge", &pkce.challenge),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    let callback =
        Browser::new(dir, "alice").authorize(&with_query(&format!("{}authorize", peer.issuer()), &params), REDIRECT);
    let callback = callback.callback();
    let code = param(&callback, "code").unwrap_or_else(|| panic!("no code: {callback}"));
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &pkce.verifier),
    ];
    let (status, answer) = post_form(&format!("{}oauth/token", peer.issuer()), &form, None);
    assert_eq!(status, 200, "{answer}");
    answer
}

fn refresh(peer: &Peer, token: &str) -> (u16, Value) {
    let form = [("grant_type", "refresh_token"), ("client_id", CLIENT), ("refresh_token", token)];
    post_form(&format!("{}oauth/token", peer.issuer()), &form, None)
}

/// Without `audience` (and with `resource`, which Auth0 ignores) the token is opaque and the API
/// refuses it with invalid_token; with `audience` it is a JWT for the API that the API takes; an
/// audience no API has is access_denied.
#[test]
fn only_an_audience_gets_a_token_the_api_takes() {
    let Some(peer) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let opaque = login(&peer, dir.path(), "openid read:tools", &[("resource", peer.mcp_url())]);
    let opaque = opaque["access_token"].as_str().unwrap();
    assert_ne!(opaque.split('.').count(), 3, "not a JWT");
    assert_eq!(peer.mcp_status(opaque), 401);
    assert!(last_challenge(&peer).contains("error=\"invalid_token\""), "{}", last_challenge(&peer));

    let answer = login(&peer, dir.path(), "openid read:tools", &[("audience", peer.mcp_url())]);
    let token = answer["access_token"].as_str().unwrap();
    let claims = jwt_claims(token);
    assert_eq!(claims["aud"], peer.mcp_url());
    assert_eq!(claims["iss"], peer.issuer());
    assert_eq!(claims["scope"], "read:tools");
    assert!(claims["sub"].as_str().unwrap().starts_with("auth0|"));
    assert!(whoami(&peer, token).ends_with(&format!("via {CLIENT}")));
    let authorizations = peer.requests_to("/authorize");
    assert_eq!(authorizations[1]["audience"], peer.mcp_url(), "the log names the audience");

    let pkce = Pkce::new();
    let params = [
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("audience", "https://api.unknown.example"),
        ("code_challenge", &pkce.challenge),
        ("code_challenge_method", "S256"),
    ];
    let url = with_query(&format!("{}authorize", peer.issuer()), &params);
    let refused = Browser::new(dir.path(), "alice").authorize(&url, REDIRECT).callback();
    assert_eq!(param(&refused, "error").as_deref(), Some("access_denied"), "{refused}");
    assert_eq!(param(&refused, "error_description").as_deref(), Some("Service not found: https://api.unknown.example"));
}

/// Refresh tokens only with offline_access; rotated; the old one used again revokes the family, so
/// the newest one is dead too.
#[test]
fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let Some(peer) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let audience = [("audience", peer.mcp_url())];
    assert!(login(&peer, dir.path(), "openid read:tools", &audience).get("refresh_token").is_none());
    let answer = login(&peer, dir.path(), "openid read:tools offline_access", &audience);
    let first = answer["refresh_token"].as_str().unwrap().to_string();
    let (status, renewed) = refresh(&peer, &first);
    assert_eq!(status, 200, "{renewed}");
    let second = renewed["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second, "rotated");
    assert!(accepted(&peer, renewed["access_token"].as_str().unwrap()));
    let (status, reused) = refresh(&peer, &first);
    assert_eq!((status, reused["error"].as_str()), (400, Some("invalid_grant")), "{reused}");
    let (status, family) = refresh(&peer, &second);
    assert_eq!((status, family["error"].as_str()), (400, Some("invalid_grant")), "the family is revoked: {family}");
    assert_eq!(peer.events("grant-revoked").len(), 1, "{}", peer.log_text());
}

/// The issuer keeps Auth0's trailing slash; registration is off unless the tenant enables it.
#[test]
fn registration_only_where_the_tenant_enables_it() {
    let Some(peer) = start(&[]) else { return };
    assert!(peer.issuer().ends_with('/'), "{}", peer.issuer());
    let (status, meta) = get_json(&format!("{}.well-known/openid-configuration", peer.issuer()));
    assert_eq!(status, 200);
    assert_eq!(meta["issuer"], peer.issuer());
    assert!(meta.get("registration_endpoint").is_none(), "{meta}");
    let registration =
        json!({"client_name": "x", "redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "none"});
    let (status, answer) = post_json(&format!("{}oidc/register", peer.issuer()), &registration);
    assert_eq!(status, 403, "{answer}");
    drop(peer);

    let Some(peer) = start(&["--dcr"]) else { return };
    let (_, meta) = get_json(&format!("{}.well-known/oauth-authorization-server", peer.issuer()));
    let endpoint = meta["registration_endpoint"].as_str().unwrap_or_else(|| panic!("--dcr: {meta}"));
    assert_eq!(endpoint, format!("{}oidc/register", peer.issuer()));
    let (status, client) = post_json(endpoint, &registration);
    assert_eq!(status, 201, "{client}");
    assert!(client["client_id"].is_string());
}
