//! The Entra ID model at the HTTP level: each rule it enforces refuses what Entra refuses and
//! takes what Entra takes (tests/peers/node/providers/entra.mjs cites the documentation).

use serde_json::{Value, json};

use super::person::{Browser, Pkce, Visit, jwt_claims, last_challenge, param, whoami, with_query};
use super::*;
use support::peers::{PeerKind, PeerOptions, get_json, post_form};

const TENANT: &str = "5c1f0d2e-8a7b-4c3d-9e6f-1a2b3c4d5e6f";
const APP: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const CLIENT: &str = "3e2d1c0b-aaaa-4bbb-8ccc-0d1e2f3a4b5c";
const REDIRECT: &str = "http://localhost/callback";

fn start(extra: &[&str]) -> Option<Peer> {
    let mut args = vec!["--tenant".to_string(), TENANT.to_string(), "--app-id".to_string(), APP.to_string()];
    args.extend(extra.iter().map(|a| a.to_string()));
    // A public client registered in the portal with the localhost redirect URI.
    let client = json!({"client_id": CLIENT, "redirect_uris": [REDIRECT]});
    Peer::start_with(PeerKind::Entra, PeerOptions { clients: vec![client], args, ..PeerOptions::default() })
}

fn endpoint(peer: &Peer, path: &str) -> String {
    let origin = peer.issuer().trim_end_matches(&format!("/{TENANT}/v2.0")).to_string();
    format!("{origin}/{TENANT}/oauth2/v2.0/{path}")
}

/// An authorization request for `scope` (and `extra`), PKCE, the redirect URI on `port`.
fn authorize(peer: &Peer, browser: &Browser, pkce: &Pkce, scope: &str, extra: &[(&str, &str)]) -> Visit {
    let redirect = "http://localhost:49152/callback";
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", redirect),
        ("state", "the-state"),
        ("code_challenge", &pkce.challenge),
        ("code_challenge_method", "S256"),
        ("scope", scope),
    ];
    params.extend_from_slice(extra);
    browser.authorize(&with_query(&endpoint(peer, "authorize"), &params), redirect)
}

fn redeem(peer: &Peer, code: &str, pkce: &Pkce, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT),
        ("code", code),
        ("redirect_uri", "http://localhost:49152/callback"),
        ("code_verifier", &pkce.verifier),
    ];
    form.extend_from_slice(extra);
    post_form(&endpoint(peer, "token"), &form, None)
}

fn api_scope() -> String {
    format!("api://{APP}/.default")
}

/// Entra's discovery document: at the v2.0 issuer's path only, no registration, revocation or PKCE
/// methods listed; the `common` document's issuer holds `{tenantid}`. The API's metadata names
/// the issuer and the API's scope.
#[test]
fn the_metadata_is_entras() {
    let Some(peer) = start(&[]) else { return };
    let (status, meta) = get_json(&format!("{}/.well-known/openid-configuration", peer.issuer()));
    assert_eq!(status, 200);
    assert_eq!(meta["issuer"], peer.issuer());
    assert!(peer.issuer().ends_with(&format!("/{TENANT}/v2.0")), "{}", peer.issuer());
    for absent in ["registration_endpoint", "revocation_endpoint", "code_challenge_methods_supported"] {
        assert!(meta.get(absent).is_none(), "{absent} in {meta}");
    }
    assert_eq!(meta["authorization_endpoint"], endpoint(&peer, "authorize"));
    let origin = peer.issuer().trim_end_matches(&format!("/{TENANT}/v2.0")).to_string();
    let (status, common) = get_json(&format!("{origin}/common/v2.0/.well-known/openid-configuration"));
    assert_eq!(status, 200);
    assert_eq!(common["issuer"], format!("{origin}/{{tenantid}}/v2.0"));
    for path in [
        format!("/.well-known/oauth-authorization-server/{TENANT}/v2.0"),
        format!("/.well-known/openid-configuration/{TENANT}/v2.0"),
        format!("/{TENANT}/v2.0/.well-known/oauth-authorization-server"),
    ] {
        assert_eq!(get_json(&format!("{origin}{path}")).0, 404, "{path}");
    }
    let (status, prm) =
        get_json(&format!("{}/.well-known/oauth-protected-resource/mcp", peer.mcp_url().trim_end_matches("/mcp")));
    assert_eq!(status, 200);
    assert_eq!(prm["authorization_servers"], json!([peer.issuer()]));
    assert_eq!(prm["scopes_supported"], json!([format!("api://{APP}/user_impersonation")]));
}

/// `resource` beside the API's scope is refused with AADSTS9010010 at /authorize (to the client,
/// with its state) and at /token; without it the login works and the API takes the token; a
/// `resource` that is the API's identifier URI is taken.
#[test]
fn resource_beside_a_v2_scope_is_refused() {
    let Some(peer) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::new(dir.path(), "alice");
    let pkce = Pkce::new();
    let refused = authorize(&peer, &browser, &pkce, &api_scope(), &[("resource", peer.mcp_url())]).callback();
    assert_eq!(param(&refused, "error").as_deref(), Some("invalid_target"), "{refused}");
    let description = param(&refused, "error_description").unwrap();
    assert!(
        description.starts_with(
            "AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes."
        ),
        "{description}"
    );
    assert_eq!(param(&refused, "state").as_deref(), Some("the-state"));
    assert!(param(&refused, "code").is_none());

    let callback = authorize(&peer, &browser, &pkce, &api_scope(), &[]).callback();
    let code = param(&callback, "code").unwrap_or_else(|| panic!("no code: {callback}"));
    assert!(param(&callback, "iss").is_none(), "Entra sends no iss: {callback}");
    let (status, answer) = redeem(&peer, &code, &pkce, &[("resource", peer.mcp_url())]);
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_target")), "{answer}");
    assert_eq!(answer["error_codes"], json!([9010010]));
    let (status, answer) = redeem(&peer, &code, &pkce, &[]);
    assert_eq!(status, 200, "{answer}");
    let token = answer["access_token"].as_str().unwrap();
    assert!(accepted(&peer, token), "{}", peer.log_text());

    let identifier = format!("api://{APP}");
    let callback = authorize(&peer, &browser, &pkce, &api_scope(), &[("resource", &identifier)]).callback();
    assert!(param(&callback, "code").is_some(), "the identifier URI as resource: {callback}");
    // What the log tells a test: the refused request carried `resource`, the redirect the error.
    let authorizations = peer.requests_to(&format!("/{TENANT}/oauth2/v2.0/authorize"));
    assert_eq!(authorizations[0]["resource"], peer.mcp_url());
    assert_eq!(authorizations[0]["redirect_error"]["error"], "invalid_target");
}

/// Missing and unknown scopes are refused the way Entra refuses them.
#[test]
fn scopes_are_required_and_must_exist() {
    let Some(peer) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::new(dir.path(), "alice");
    let pkce = Pkce::new();
    let missing = authorize(&peer, &browser, &pkce, "", &[]).callback();
    assert_eq!(param(&missing, "error").as_deref(), Some("invalid_request"), "{missing}");
    assert!(param(&missing, "error_description").unwrap().starts_with("AADSTS900144:"));
    let unknown = authorize(&peer, &browser, &pkce, &format!("api://{APP}/mcp:tools"), &[]).callback();
    assert_eq!(param(&unknown, "error").as_deref(), Some("invalid_scope"), "{unknown}");
    assert!(param(&unknown, "error_description").unwrap().starts_with("AADSTS70011:"));
}

/// The token is a v1.0 JWT for the API (aud api://<app>, scp user_impersonation), not for the MCP
/// URL; a token for Microsoft Graph (OpenID scopes alone) is refused with invalid_token; the
/// refresh token comes only with offline_access.
#[test]
fn tokens_are_for_the_api_and_refresh_needs_offline_access() {
    let Some(peer) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::new(dir.path(), "alice");
    let pkce = Pkce::new();
    let code = param(&authorize(&peer, &browser, &pkce, &api_scope(), &[]).callback(), "code").unwrap();
    let (_, answer) = redeem(&peer, &code, &pkce, &[]);
    assert!(answer.get("refresh_token").is_none(), "no offline_access, no refresh token: {answer}");
    let claims = jwt_claims(answer["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], format!("api://{APP}"));
    assert_eq!(claims["scp"], "user_impersonation");
    assert_eq!(claims["iss"], format!("https://sts.windows.net/{TENANT}/"));
    assert_eq!(claims["ver"], "1.0");

    let scope = format!("{} openid offline_access", api_scope());
    let code = param(&authorize(&peer, &browser, &pkce, &scope, &[]).callback(), "code").unwrap();
    let (_, answer) = redeem(&peer, &code, &pkce, &[]);
    let refresh = answer["refresh_token"].as_str().unwrap_or_else(|| panic!("offline_access: {answer}"));
    let form = [("grant_type", "refresh_token"), ("client_id", CLIENT), ("refresh_token", refresh)];
    let (status, renewed) = post_form(&endpoint(&peer, "token"), &form, None);
    assert_eq!(status, 200, "{renewed}");
    assert!(accepted(&peer, renewed["access_token"].as_str().unwrap()));

    let code = param(&authorize(&peer, &browser, &pkce, "openid profile", &[]).callback(), "code").unwrap();
    let (_, answer) = redeem(&peer, &code, &pkce, &[]);
    let graph = answer["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(graph)["aud"], "00000003-0000-0000-c000-000000000000");
    assert_eq!(peer.mcp_status(graph), 401);
    let challenge = last_challenge(&peer);
    assert!(challenge.contains("error=\"invalid_token\"") && challenge.contains("another audience"), "{challenge}");
    assert!(challenge.contains("resource_metadata="), "{challenge}");
}

/// With --access-token-version 2: aud is the app id, iss the v2.0 issuer, and the API takes it.
#[test]
fn v2_tokens_carry_the_app_id() {
    let Some(peer) = start(&["--access-token-version", "2"]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::new(dir.path(), "alice");
    let pkce = Pkce::new();
    let code = param(&authorize(&peer, &browser, &pkce, &api_scope(), &[]).callback(), "code").unwrap();
    let token = redeem(&peer, &code, &pkce, &[]).1["access_token"].as_str().unwrap().to_string();
    let claims = jwt_claims(&token);
    assert_eq!((claims["aud"].as_str(), claims["iss"].as_str()), (Some(APP), Some(peer.issuer())));
    assert!(accepted(&peer, &token));
}

/// The registered http://localhost redirect takes any port, not another path; two accounts sign
/// in as two subjects; a declined sign-in is access_denied.
#[test]
fn loopback_ports_vary_and_two_accounts_are_two_subjects() {
    let Some(peer) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let pkce = Pkce::new();
    let other_path = with_query(
        &endpoint(&peer, "authorize"),
        &[
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", "http://localhost:49152/elsewhere"),
            ("scope", &api_scope()),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    match Browser::new(dir.path(), "alice").authorize(&other_path, "http://localhost:49152/elsewhere") {
        Visit::Page(status, body) => assert!(status == 400 && body.contains("redirect_uri"), "{status} {body}"),
        Visit::Redirected(url) => panic!("another path was taken: {url}"),
    }
    let mut subjects = Vec::new();
    for user in ["alice", "bob"] {
        let browser = Browser::new(dir.path(), user);
        let code = param(&authorize(&peer, &browser, &pkce, &api_scope(), &[]).callback(), "code").unwrap();
        let token = redeem(&peer, &code, &pkce, &[]).1["access_token"].as_str().unwrap().to_string();
        subjects.push(jwt_claims(&token)["oid"].as_str().unwrap().to_string());
        assert!(whoami(&peer, &token).ends_with(&format!("via {CLIENT}")));
    }
    assert_ne!(subjects[0], subjects[1]);
    let declined =
        authorize(&peer, &Browser::new(dir.path(), "alice").declining(), &pkce, &api_scope(), &[]).callback();
    assert_eq!(param(&declined, "error").as_deref(), Some("access_denied"), "{declined}");
    let events = peer.events("sign-in");
    assert_eq!(events.iter().map(|e| e["user"].as_str().unwrap()).collect::<Vec<_>>(), ["alice", "bob", "alice"]);
}
