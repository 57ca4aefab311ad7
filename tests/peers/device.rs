//! The device authorization grant (RFC 8628) of oidc-provider and of Authlib at the HTTP level:
//! registration for the grant, unauthorized_client without it, pending, slow_down, approval by a
//! scripted person and a token the MCP server takes, denial, expiry, and refresh tokens. Intervals
//! and lifetimes are a second or two, passed by moving the peer's clock: no scenario waits for them.

use serde_json::{Value, json};

use super::person::{Browser, enter_user_code, whoami};
use super::*;
use support::peers::{PeerKind, PeerOptions, get_json, post_form, post_json};

const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The peer with codes living `expires_in` seconds, polled every second, slow_down adding `step`.
fn start(kind: PeerKind, expires_in: u64, step: u64) -> Option<Peer> {
    let args = [
        "--device-expires-in",
        &expires_in.to_string(),
        "--device-interval",
        "1",
        "--slow-down-step",
        &step.to_string(),
    ];
    Peer::start_with(kind, PeerOptions { args: args.iter().map(|a| a.to_string()).collect(), ..PeerOptions::default() })
}

/// The authorization server's metadata (RFC 8414, else OpenID discovery).
fn metadata(peer: &Peer) -> Value {
    ["oauth-authorization-server", "openid-configuration"]
        .iter()
        .map(|doc| get_json(&format!("{}/.well-known/{doc}", peer.issuer())))
        .find(|(status, _)| *status == 200)
        .map(|(_, meta)| meta)
        .unwrap_or_else(|| panic!("no metadata\n{}", peer.log_text()))
}

/// A public client registered for `grant_types`; its client_id.
fn register(meta: &Value, grant_types: &[&str]) -> String {
    let registration = json!({
        "client_name": "device client", "grant_types": grant_types, "response_types": [], "redirect_uris": [],
        "token_endpoint_auth_method": "none", "application_type": "native",
    });
    let (status, client) = post_json(meta["registration_endpoint"].as_str().unwrap(), &registration);
    assert_eq!(status, 201, "registration for {grant_types:?}: {client}");
    client["client_id"].as_str().unwrap().to_string()
}

/// A device login in progress: the device endpoint's answer.
struct Login<'a> {
    peer: &'a Peer,
    meta: &'a Value,
    client_id: String,
    answer: Value,
}

impl<'a> Login<'a> {
    /// A device authorization request for the resource's scope, and offline_access where the
    /// server lists it (OAUTH.md §5).
    fn start(peer: &'a Peer, meta: &'a Value, client_id: &str) -> Login<'a> {
        let offline = meta["scopes_supported"].as_array().is_some_and(|s| s.iter().any(|s| s == "offline_access"));
        let scope = if offline { "mcp:tools offline_access" } else { "mcp:tools" };
        let form = [("client_id", client_id), ("scope", scope), ("resource", peer.mcp_url())];
        let (status, answer) = post_form(meta["device_authorization_endpoint"].as_str().unwrap(), &form, None);
        assert_eq!(status, 200, "{answer}");
        Login { peer, meta, client_id: client_id.to_string(), answer }
    }

    /// One poll of the token endpoint: the status and the answer.
    fn poll(&self) -> (u16, Value) {
        let form = [
            ("grant_type", DEVICE_CODE),
            ("device_code", self.answer["device_code"].as_str().unwrap()),
            ("client_id", &self.client_id),
            ("resource", self.peer.mcp_url()),
        ];
        post_form(self.meta["token_endpoint"].as_str().unwrap(), &form, None)
    }

    fn error(&self) -> Option<String> {
        self.poll().1["error"].as_str().map(str::to_string)
    }

    /// The person at the verification page, as `user`.
    fn person(&self, dir: &std::path::Path, user: &str, approve: bool) -> String {
        let page = enter_user_code(
            &Browser::new(dir, user),
            self.answer["verification_uri"].as_str().unwrap(),
            self.answer["user_code"].as_str().unwrap(),
            approve,
        );
        assert_eq!(page.status, 200, "{}", page.text);
        page.text
    }
}

/// The interval the RFC lets the server set, passed between two polls on the server's clock (what
/// is tested here), which moves instead of being waited for.
fn wait_interval(peer: &Peer, seconds: f64) {
    peer.advance_clock(seconds + 0.15);
}

/// The metadata lists the device endpoint; a client registered for the grant gets codes, one
/// registered without it gets unauthorized_client.
pub fn registration_decides_who_may_use_the_device_endpoint(kind: PeerKind) {
    let Some(peer) = start(kind, 30, 0) else { return };
    let meta = metadata(&peer);
    assert!(meta["device_authorization_endpoint"].is_string(), "{meta}");
    assert!(meta["grant_types_supported"].as_array().unwrap().iter().any(|g| g == DEVICE_CODE), "{meta}");
    let device = register(&meta, &[DEVICE_CODE, "refresh_token"]);
    let login = Login::start(&peer, &meta, &device);
    for field in ["device_code", "user_code", "verification_uri", "verification_uri_complete"] {
        assert!(login.answer[field].is_string(), "{field}: {}", login.answer);
    }
    assert_eq!((login.answer["expires_in"].as_u64(), login.answer["interval"].as_u64()), (Some(30), Some(1)));

    // A client of another grant: Authlib registers only its own grants, oidc-provider the code flow.
    let other = if kind == PeerKind::AuthlibDevice {
        register(&meta, &["refresh_token"])
    } else {
        let registration = json!({
            "client_name": "browser client", "grant_types": ["authorization_code"], "response_types": ["code"],
            "redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "application_type": "native",
        });
        let (status, client) = post_json(meta["registration_endpoint"].as_str().unwrap(), &registration);
        assert_eq!(status, 201, "{client}");
        client["client_id"].as_str().unwrap().to_string()
    };
    let (status, answer) = post_form(
        meta["device_authorization_endpoint"].as_str().unwrap(),
        &[("client_id", &other), ("scope", "mcp:tools")],
        None,
    );
    assert_eq!((status, answer["error"].as_str()), (400, Some("unauthorized_client")), "{answer}");
}

/// pending → slow_down (polled at once again) → the person approves → a token the MCP server takes,
/// naming the person; a refresh token for the grant, rotated.
pub fn a_person_approves_and_the_token_works(kind: PeerKind) {
    let Some(peer) = start(kind, 30, 0) else { return };
    let dir = tempfile::tempdir().unwrap();
    let meta = metadata(&peer);
    let client = register(&meta, &[DEVICE_CODE, "refresh_token"]);
    let login = Login::start(&peer, &meta, &client);
    assert_eq!(login.error().as_deref(), Some("authorization_pending"));
    assert_eq!(login.error().as_deref(), Some("slow_down"), "polled sooner than the interval");
    login.person(dir.path(), "alice", true);
    wait_interval(&peer, 1.0);
    let (status, tokens) = login.poll();
    assert_eq!(status, 200, "{tokens}\n{}", peer.log_text());
    let access = tokens["access_token"].as_str().unwrap();
    assert!(whoami(&peer, access).starts_with("alice"), "{}", whoami(&peer, access));
    assert_eq!(peer.mcp_status("a-token-nobody-issued"), 401);
    let refresh = tokens["refresh_token"].as_str().unwrap_or_else(|| panic!("no refresh token: {tokens}"));
    let renew = |token: &str| {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", &client),
            ("resource", peer.mcp_url()),
        ];
        post_form(meta["token_endpoint"].as_str().unwrap(), &form, None)
    };
    let (status, renewed) = renew(refresh);
    assert_eq!(status, 200, "{renewed}");
    let rotated = renewed["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, refresh);
    assert!(accepted(&peer, renewed["access_token"].as_str().unwrap()));
    let (status, reused) = renew(refresh);
    assert_eq!((status, reused["error"].as_str()), (400, Some("invalid_grant")), "{reused}");
    let (status, family) = renew(rotated);
    assert_eq!((status, family["error"].as_str()), (400, Some("invalid_grant")), "reuse ended the family: {family}");
    // One token answer per device code (oidc-provider also revokes what the code gave).
    let (status, again) = login.poll();
    assert!(status >= 400 && again["error"].is_string(), "{again}");
}

/// A slow_down adds the step to the interval for good: a poll one interval later is still too soon
/// (the interval is 3 s then; the margin keeps a loaded machine from passing it).
pub fn slow_down_lengthens_the_interval(kind: PeerKind) {
    let Some(peer) = start(kind, 30, 2) else { return };
    let meta = metadata(&peer);
    let client = register(&meta, &[DEVICE_CODE]);
    let login = Login::start(&peer, &meta, &client);
    assert_eq!(login.error().as_deref(), Some("authorization_pending"));
    assert_eq!(login.error().as_deref(), Some("slow_down"));
    wait_interval(&peer, 1.0);
    assert_eq!(login.error().as_deref(), Some("slow_down"), "the interval is 3 s now");
    assert_eq!(peer.events("slow-down").len(), 2, "{}", peer.log_text());
}

/// The person aborts: access_denied, and no token for anyone.
pub fn a_person_denies(kind: PeerKind) {
    let Some(peer) = start(kind, 30, 0) else { return };
    let dir = tempfile::tempdir().unwrap();
    let meta = metadata(&peer);
    let client = register(&meta, &[DEVICE_CODE]);
    let login = Login::start(&peer, &meta, &client);
    login.person(dir.path(), "bob", false);
    assert_eq!(login.error().as_deref(), Some("access_denied"));
}

/// A code nobody approved in time: expired_token (a lifetime of two seconds, polled every second:
/// oidc-provider counts whole seconds, so its code ends between one and two seconds after it began).
pub fn an_unapproved_code_expires(kind: PeerKind) {
    let Some(peer) = start(kind, 2, 0) else { return };
    let meta = metadata(&peer);
    let client = register(&meta, &[DEVICE_CODE]);
    let login = Login::start(&peer, &meta, &client);
    let mut errors = Vec::new();
    for _ in 0..4 {
        let error = login.error().unwrap_or_default();
        errors.push(error.clone());
        if error == "expired_token" {
            break;
        }
        wait_interval(&peer, 1.0);
    }
    assert_eq!(errors.last().map(String::as_str), Some("expired_token"), "{errors:?}");
    assert_eq!(errors[0], "authorization_pending", "{errors:?}");
}
