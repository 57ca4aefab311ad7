//! The Okta model at the HTTP level: a custom authorization server under /oauth2/default, refresh
//! tokens for offline_access, registration only with the admin's API token, tokens for
//! api://default (tests/peers/node/providers/okta.mjs cites the documentation).

use serde_json::{Value, json};

use super::person::{Browser, Pkce, Visit, jwt_claims, param, with_query};
use super::*;
use support::peers::{PeerKind, PeerOptions, curl, get_json, post_form, quoted};

const CLIENT: &str = "0oa1publicnative";
const REDIRECT: &str = "http://127.0.0.1:49155/callback";
const ADMIN_TOKEN: &str = "00okta-admin-api-token";

fn start() -> Option<Peer> {
    let client = json!({"client_id": CLIENT, "redirect_uris": ["http://127.0.0.1/callback"]});
    let env = vec![("PEER_ADMIN_TOKEN".to_string(), ADMIN_TOKEN.to_string())];
    Peer::start_with(PeerKind::Okta, PeerOptions { clients: vec![client], env, ..PeerOptions::default() })
}

fn metadata(peer: &Peer) -> Value {
    let (status, meta) = get_json(&format!("{}/.well-known/oauth-authorization-server", peer.issuer()));
    assert_eq!(status, 200, "{meta}");
    meta
}

/// Metadata at both of the custom server's paths, none at the org's root; the endpoints are the
/// server's own.
#[test]
fn the_custom_authorization_server_has_its_own_metadata() {
    let Some(peer) = start() else { return };
    assert!(peer.issuer().ends_with("/oauth2/default"), "{}", peer.issuer());
    let meta = metadata(&peer);
    assert_eq!(meta["issuer"], peer.issuer());
    assert_eq!(meta["authorization_endpoint"], format!("{}/v1/authorize", peer.issuer()));
    assert_eq!(meta["token_endpoint"], format!("{}/v1/token", peer.issuer()));
    let (status, oidc) = get_json(&format!("{}/.well-known/openid-configuration", peer.issuer()));
    assert_eq!((status, &oidc["issuer"]), (200, &meta["issuer"]));
    let org = peer.issuer().trim_end_matches("/oauth2/default");
    assert_eq!(get_json(&format!("{org}/.well-known/openid-configuration")).0, 404);
    assert_eq!(meta["registration_endpoint"], format!("{org}/oauth2/v1/clients"));
}

/// Registration needs `Authorization: SSWS <admin token>`: 401 E0000011 without it or with another.
#[test]
fn registration_needs_the_admin_token() {
    let Some(peer) = start() else { return };
    let endpoint = metadata(&peer)["registration_endpoint"].as_str().unwrap().to_string();
    let registration = json!({
        "client_name": "cli", "redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none",
        "application_type": "native", "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
    });
    let register = |authorization: Option<&str>| {
        let mut config =
            format!("header = \"Content-Type: application/json\"\ndata = {}\n", quoted(&registration.to_string()));
        if let Some(value) = authorization {
            config.push_str(&format!("header = {}\n", quoted(&format!("Authorization: {value}"))));
        }
        let (status, body) = curl(&endpoint, &config);
        (status, serde_json::from_str::<Value>(&body).unwrap_or(Value::Null))
    };
    let (status, answer) = register(None);
    assert_eq!((status, answer["errorCode"].as_str()), (401, Some("E0000011")), "{answer}");
    let (status, _) = register(Some("SSWS not-the-admin-token"));
    assert_eq!(status, 401);
    let (status, _) = register(Some(&format!("Bearer {ADMIN_TOKEN}")));
    assert_eq!(status, 401, "Okta's scheme is SSWS");
    let (status, client) = register(Some(&format!("SSWS {ADMIN_TOKEN}")));
    assert_eq!(status, 201, "{client}");
    let refused = peer.events("registration-refused");
    assert_eq!(refused.len(), 3, "{refused:?}");
}

/// offline_access brings a refresh token; the token is for api://default whatever `resource`
/// says, with `scp`, `cid` and the user's login; unknown scopes are invalid_scope; a public client
/// must use PKCE.
#[test]
fn tokens_are_for_the_servers_audience_and_refresh_needs_offline_access() {
    let Some(peer) = start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let meta = metadata(&peer);
    let authorize = meta["authorization_endpoint"].as_str().unwrap();
    let login = |scope: &str| {
        let pkce = Pkce::new();
        let params = [
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
            ("scope", scope),
            ("resource", peer.mcp_url()),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ];
        let callback = Browser::new(dir.path(), "bob").authorize(&with_query(authorize, &params), REDIRECT).callback();
        let Some(code) = param(&callback, "code") else { return Err(callback) };
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &pkce.verifier),
        ];
        let (status, answer) = post_form(meta["token_endpoint"].as_str().unwrap(), &form, None);
        assert_eq!(status, 200, "{answer}");
        Ok(answer)
    };
    let without = login("openid mcp:tools").unwrap();
    assert!(without.get("refresh_token").is_none(), "{without}");
    let with = login("openid mcp:tools offline_access").unwrap();
    assert!(with["refresh_token"].is_string(), "{with}");
    let token = with["access_token"].as_str().unwrap();
    let claims = jwt_claims(token);
    assert_eq!(claims["aud"], "api://default", "not the MCP URL the request named");
    assert_eq!(claims["scp"], json!(["mcp:tools"]));
    assert_eq!(claims["cid"], CLIENT);
    assert_eq!(claims["sub"], "bob@example.com");
    assert!(accepted(&peer, token));

    let refused = login("openid mcp:everything").unwrap_err();
    assert_eq!(param(&refused, "error").as_deref(), Some("invalid_scope"), "{refused}");

    let no_pkce = with_query(
        authorize,
        &[("response_type", "code"), ("client_id", CLIENT), ("redirect_uri", REDIRECT), ("scope", "openid mcp:tools")],
    );
    match Browser::new(dir.path(), "bob").authorize(&no_pkce, REDIRECT) {
        Visit::Redirected(url) => assert_eq!(param(&url, "error").as_deref(), Some("invalid_request"), "{url}"),
        Visit::Page(status, body) => panic!("{status} {body}"),
    }
}

/// agentview itself against the model, with an app integration the admin created: its browser
/// signs in as alice, then (another configuration) as bob; each stored token is for api://default
/// and names its account at the MCP server.
#[test]
fn agentview_signs_in_as_either_account() {
    let Some(peer) = start() else { return };
    for (user, login_name) in [("alice", "alice@example.com"), ("bob", "bob@example.com")] {
        let av = peer.agentview_as(user);
        let run = login(&av, &peer, &["--client-id", CLIENT, "--redirect-uri", "http://127.0.0.1/callback"]);
        let token = av.token();
        run.assert_no_leak(&token);
        assert_eq!(jwt_claims(&token)["aud"], "api://default");
        assert_eq!(super::person::whoami(&peer, &token), format!("{login_name} via {CLIENT}"));
    }
    let users: Vec<Value> = peer.events("sign-in").into_iter().map(|e| e["user"].clone()).collect();
    assert_eq!(users, ["alice", "bob"]);
}

/// Two accounts at one server, each a person of the Okta model: alice as the first account, bob
/// as `work` (asked to pick an identity where the model lists `select_account`), each token
/// naming its person at the MCP server; `status` names each account's person; a third account
/// signed in as alice again is kept, with a warning that it is the same person.
#[test]
fn two_accounts_at_one_server_are_two_people() {
    let Some(peer) = start() else { return };
    let mut av = peer.agentview_as("alice");
    let flags = ["--client-id", CLIENT, "--redirect-uri", "http://127.0.0.1/callback"];
    login(&av, &peer, &flags);
    let browse_as = |av: &mut Agentview, user: &str| {
        let jar = av.dir.path().join(format!("cookies-{user}.txt"));
        let browser = format!(
            "curl -sS -L --max-redirs 20 --max-time 20 -H 'X-Peer-User: {user}' -b '{0}' -c '{0}' -o {1}",
            jar.display(),
            support::cli::NULL_DEVICE
        );
        av.set("AGENTVIEW_BROWSER", &browser);
    };
    browse_as(&mut av, "bob");
    let mut work = vec!["--account", "work"];
    work.extend_from_slice(&flags);
    let second = login(&av, &peer, &work);
    assert!(!second.stderr.contains("same person"), "{}", second.stderr);
    let alice = av.token();
    let bob = av.run(&["--account", "work", "token"]).expect_code(0).stdout.trim_end().to_string();
    assert_eq!(super::person::whoami(&peer, &alice), format!("alice@example.com via {CLIENT}"));
    assert_eq!(super::person::whoami(&peer, &bob), format!("bob@example.com via {CLIENT}"));
    let status = av.run(&["--account", "work", "status"]).expect_code(0).stdout;
    assert!(status.contains("bob@example.com") && status.contains("login:   work; also default"), "{status}");

    browse_as(&mut av, "alice");
    let mut again = vec!["--account", "again"];
    again.extend_from_slice(&flags);
    let third = login(&av, &peer, &again);
    assert!(third.stderr.contains("same person as the account default"), "{}", third.stderr);
    let listed = av.run(&["switch"]).expect_code(0).stdout;
    assert!(["default", "work", "again"].iter().all(|a| listed.contains(a)), "{listed}");
}
