//! Microsoft Entra ID: no `resource` beside its scopes, the API's scope, `offline_access`, its
//! metadata without `code_challenge_methods_supported` taken (tests/peers/node/providers/entra.mjs
//! cites the documentation of each rule).

use serde_json::json;

use super::super::person::jwt_claims;
use super::*;
use support::peers::{PeerKind, PeerOptions, stored};

const TENANT: &str = "5c1f0d2e-8a7b-4c3d-9e6f-1a2b3c4d5e6f";
const APP: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const CLIENT: &str = "3e2d1c0b-aaaa-4bbb-8ccc-0d1e2f3a4b5c";
/// The redirect URI registered in the portal (Entra lets its port vary).
const REDIRECT: &str = "http://localhost/callback";

fn start() -> Option<Peer> {
    let args = ["--tenant", TENANT, "--app-id", APP].map(str::to_string).to_vec();
    let client = json!({"client_id": CLIENT, "redirect_uris": [REDIRECT]});
    Peer::start_with(PeerKind::Entra, PeerOptions { clients: vec![client], args, ..PeerOptions::default() })
}

fn path(endpoint: &str) -> String {
    format!("/{TENANT}/oauth2/v2.0/{endpoint}")
}

/// An Entra login as the MCP specification alone would make it (`resource` beside the API's
/// scope: AADSTS9010010; and no login at all for metadata without PKCE methods), now a login: no `resource` anywhere, the API's scope from the server's metadata with `openid` and
/// `offline_access`; the token (for api://<app>, not the MCP URL) is checked by the login and
/// taken by the API; `status` names the person; renewal sends no `resource` either; logout says
/// Entra revokes nothing.
#[test]
fn entra_logs_in_without_a_resource_and_the_api_takes_the_token() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "entra");
    let run = login(&av, &peer, &["--client-id", CLIENT, "--redirect-uri", REDIRECT]);
    assert!(run.stderr.contains("The authorization server is Microsoft Entra ID (as set)"), "{}", run.stderr);
    let authorizations = peer.requests_to(&path("authorize"));
    let asked = authorizations.first().unwrap_or_else(|| panic!("no authorization request\n{}", peer.log_text()));
    assert!(asked.get("resource").is_none(), "no resource at the authorization endpoint: {asked}");
    let scope = asked["scope"].as_str().unwrap_or_default();
    for wanted in [format!("api://{APP}/user_impersonation").as_str(), "openid", "offline_access"] {
        assert!(scope.split(' ').any(|s| s == wanted), "{wanted} in {scope}");
    }
    let exchanges: Vec<Value> =
        peer.requests_to(&path("token")).into_iter().filter(|r| r["grant_type"] == "authorization_code").collect();
    assert_eq!(exchanges.len(), 1, "{exchanges:?}");
    assert!(exchanges[0].get("resource").is_none() && exchanges[0]["status"] == 200, "{exchanges:?}");
    assert_checked_by_the_login(&peer);

    let entry = stored(&av);
    assert!(entry["oauth"].get("resource").is_none(), "the grant keeps sending none: {entry}");
    assert!(entry["oauth"]["refresh_token"].is_string(), "offline_access brought a refresh token");
    let token = av.token();
    run.assert_no_leak(&token);
    assert_eq!(jwt_claims(&token)["aud"], format!("api://{APP}"));
    assert!(super::super::person::whoami(&peer, &token).ends_with(&format!("via {CLIENT}")));
    assert!(run.stderr.contains("Logged in to") && run.stderr.contains(" as "), "who: {}", run.stderr);
    let status = av.run(&["status"]);
    assert!(status.stdout.contains("  account: "), "{}", status.stdout);

    let renewed = renewed(&av, &peer);
    let refreshes: Vec<Value> =
        peer.requests_to(&path("token")).into_iter().filter(|r| r["grant_type"] == "refresh_token").collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert!(refreshes[0].get("resource").is_none() && refreshes[0]["status"] == 200, "{refreshes:?}");

    let logout = av.run(&["logout"]);
    assert_eq!(logout.code, 0, "{}", explain(&logout, &peer));
    logout.assert_no_leak(&renewed);
    assert!(logout.stderr.contains("offers no revocation"), "{}", logout.stderr);
    assert!(stored(&av).is_null());
}

/// A `resource` set by hand over the profile's choice: Entra refuses it (AADSTS9010010), and the
/// login says in one line which parameter it refused, and in a hint which setting changes it.
#[test]
fn a_refused_resource_names_resource_omit() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "entra");
    let run = av.run(&[
        "login",
        "--method",
        "oauth",
        "--timeout",
        LOGIN_TIMEOUT,
        "--client-id",
        CLIENT,
        "--redirect-uri",
        REDIRECT,
        "--resource",
        peer.mcp_url(),
    ]);
    assert_eq!(run.code, 5, "{}", explain(&run, &peer));
    let (error, hint) = error_and_hint(&run);
    assert!(
        error.starts_with(
            "error: the authorization server refused the resource parameter: invalid_target (AADSTS9010010:"
        ),
        "{}",
        run.stderr
    );
    assert!(!error.contains("Trace ID"), "one line, without Entra's trace stamps: {error}");
    assert!(hint.contains("--resource omit") && hint.contains("resource = \"omit\""), "{}", run.stderr);
    assert!(!av.credentials_file().exists(), "nothing stored");
}

/// Without Entra's profile its metadata is what it is: no PKCE methods listed, so no login (the
/// MCP specification's rule), before anything is sent to the authorization endpoint.
#[test]
fn without_the_profile_entras_metadata_is_refused() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "generic");
    let run = av.run(&["login", "--method", "oauth", "--timeout", LOGIN_TIMEOUT, "--client-id", CLIENT]);
    assert_eq!(run.code, 7, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("S256"), "{}", run.stderr);
    assert!(peer.requests_to(&path("authorize")).is_empty());
    assert!(!av.credentials_file().exists());
}

/// Entra has no dynamic registration: without --client-id the login says what to register in
/// the portal and the command that then logs in.
#[test]
fn without_a_client_the_error_says_what_to_register() {
    let Some(peer) = start() else { return };
    let av = agentview_with(&peer, "alice", "entra");
    let run = av.run(&["login", "--method", "oauth", "--timeout", LOGIN_TIMEOUT]);
    assert_eq!(run.code, 7, "{}", explain(&run, &peer));
    let (error, hint) = error_and_hint(&run);
    assert!(error.contains("no dynamic client registration"), "{}", run.stderr);
    assert!(hint.contains("Microsoft Entra admin center") && hint.contains("--client-id"), "{}", run.stderr);
    assert!(peer.requests_to(&path("authorize")).is_empty());
}
