//! A reference client, written from the specifications with curl, that completes each peer's flow:
//! the 401 challenge, protected-resource metadata (RFC 9728), authorization-server metadata (RFC
//! 8414, else OpenID discovery), registration (RFC 7591) whose `scope` names only scopes the
//! server lists, with a client authentication the server lists (`none` first), PKCE S256, `resource` (RFC 8707), `prompt=consent`
//! with `offline_access` (OpenID Connect Core §11), the code exchange, the MCP endpoint, a rotated
//! refresh and revocation (RFC 7009). It shows the peer works, so when agentview fails against the
//! same peer the fault is agentview's.

use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::*;
use support::peers::{PeerKind, get_json, post_form, post_json};

fn random() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A parameter of a `WWW-Authenticate: Bearer` challenge.
fn challenge_param(challenge: &str, name: &str) -> Option<String> {
    let start = challenge.find(&format!("{name}=\""))? + name.len() + 2;
    let end = challenge[start..].find('"')?;
    Some(challenge[start..start + end].to_string())
}

/// Follow the authorization server's redirects with a cookie jar until one goes to
/// `redirect_uri`; that URL (with the code) is returned, not fetched.
fn follow(start: &str, redirect_uri: &str, jar: &std::path::Path) -> String {
    let mut url = start.to_string();
    for _ in 0..20 {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--max-time", "20"])
            .arg("-b")
            .arg(jar)
            .arg("-c")
            .arg(jar)
            .arg(&url)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (status, location) = text.split_once(' ').unwrap_or((&text, ""));
        assert!(status.starts_with('3'), "HTTP {status} from {url} instead of a redirect");
        if location.starts_with(redirect_uri) {
            return location.to_string();
        }
        url = location.to_string();
    }
    panic!("no redirect to {redirect_uri} within 20 steps");
}

fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub fn a_reference_client_completes_the_flow(kind: PeerKind) {
    let Some(peer) = Peer::start(kind) else { return };
    let dir = tempfile::tempdir().unwrap();

    // The challenge names the protected-resource metadata.
    assert_eq!(peer.mcp_status(""), 401);
    assert_eq!(peer.mcp_status("not-a-token"), kind.refusal_status());
    let challenge = peer.requests().into_iter().find(|r| r["status"] == 401).unwrap()["www_authenticate"]
        .as_str()
        .unwrap_or_else(|| panic!("a 401 without WWW-Authenticate\n{}", peer.log_text()))
        .to_string();
    let prm_url = challenge_param(&challenge, "resource_metadata").expect("resource_metadata in the challenge");
    let (status, prm) = get_json(&prm_url);
    assert_eq!(status, 200);
    assert_eq!(prm["resource"], peer.mcp_url());
    let issuer = prm["authorization_servers"][0].as_str().unwrap().to_string();
    assert_eq!(issuer, peer.issuer());

    // RFC 8414 first, then OpenID discovery; the document's issuer is the one asked for.
    let base = issuer.trim_end_matches('/');
    let meta = ["oauth-authorization-server", "openid-configuration"]
        .iter()
        .map(|doc| get_json(&format!("{base}/.well-known/{doc}")))
        .find(|(status, _)| *status == 200)
        .map(|(_, meta)| meta)
        .expect("authorization-server metadata");
    assert_eq!(meta["issuer"], issuer.as_str());
    assert!(meta["code_challenge_methods_supported"].as_array().unwrap().iter().any(|m| m == "S256"));
    let methods: Vec<&str> =
        meta["token_endpoint_auth_methods_supported"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let auth = ["none", "client_secret_post", "client_secret_basic"].into_iter().find(|m| methods.contains(m)).unwrap();

    // The scopes to ask for: the resource's, and offline_access where the server lists it.
    let listed: Vec<&str> =
        meta["scopes_supported"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut scopes: Vec<&str> =
        prm["scopes_supported"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let offline = listed.contains(&"offline_access");
    if offline {
        scopes.push("offline_access");
    }
    // Dynamic registration: `scope` names only scopes the server lists (the Python SDK lets a
    // client ask only for the scopes it registered; oidc-provider refuses unknown ones).
    let redirect_uri = "http://127.0.0.1:9/callback";
    let mut registration = json!({
        "client_name": "reference client",
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": auth,
        "application_type": "native",
    });
    let registered: Vec<&str> = scopes.iter().copied().filter(|s| listed.contains(s)).collect();
    if !registered.is_empty() {
        registration["scope"] = json!(registered.join(" "));
    }
    let (status, client) = post_json(meta["registration_endpoint"].as_str().unwrap(), &registration);
    assert_eq!(status, 201, "registration: {client}");
    let client_id = client["client_id"].as_str().unwrap().to_string();
    let secret = client["client_secret"].as_str().map(str::to_string);
    // Client authentication in the form (client_id always: the SDKs read it from there).
    let authenticate = |form: &mut Vec<(&str, String)>| {
        form.push(("client_id", client_id.clone()));
        if let (Some(secret), "client_secret_post") = (&secret, auth) {
            form.push(("client_secret", secret.clone()));
        }
    };
    let basic = || match (&secret, auth) {
        (Some(secret), "client_secret_basic") => Some((client_id.as_str(), secret.as_str())),
        _ => None,
    };
    let send = |url: &str, form: Vec<(&str, String)>| {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_form(url, &pairs, basic())
    };

    // The authorization request: PKCE, resource, the scopes.
    let verifier = random();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = random();
    let mut params = vec![
        ("response_type", "code".to_string()),
        ("client_id", client_id.clone()),
        ("redirect_uri", "http://127.0.0.1:8/callback".to_string()),
        ("state", state.clone()),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".into()),
        ("resource", peer.mcp_url().to_string()),
        ("scope", scopes.join(" ")),
    ];
    if offline {
        params.push(("prompt", "consent".into()));
    }
    // The Python SDK compares redirect URIs exactly: use the registered one there.
    if !kind.loopback_port_may_vary() {
        params[2].1 = redirect_uri.to_string();
    }
    let used_redirect = params[2].1.clone();
    let encoded: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
    let endpoint = meta["authorization_endpoint"].as_str().unwrap();
    let callback = follow(&format!("{endpoint}?{encoded}"), &used_redirect, &dir.path().join("jar"));
    assert_eq!(param(&callback, "state"), Some(state));
    if meta["authorization_response_iss_parameter_supported"] == true {
        assert_eq!(param(&callback, "iss").as_deref(), Some(issuer.as_str()));
    }
    let code = param(&callback, "code").unwrap_or_else(|| panic!("no code: {callback}"));

    let token_endpoint = meta["token_endpoint"].as_str().unwrap();
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code),
        ("redirect_uri", used_redirect),
        ("code_verifier", verifier),
        ("resource", peer.mcp_url().to_string()),
    ];
    authenticate(&mut form);
    let (status, tokens) = send(token_endpoint, form);
    assert_eq!(status, 200, "code exchange: {tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    assert!(accepted(&peer, &access), "{}", peer.log_text());

    let Some(refresh) = tokens["refresh_token"].as_str().map(str::to_string) else {
        assert!(!kind.refreshes(), "{} issued no refresh token: {tokens}", kind.name());
        assert_eq!(meta["revocation_endpoint"].is_string(), kind.revokes());
        return;
    };
    assert!(kind.refreshes());
    let refresh_form = |token: &str| {
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", token.to_string()),
            ("resource", peer.mcp_url().to_string()),
        ];
        authenticate(&mut form);
        form
    };
    let (status, renewed) = send(token_endpoint, refresh_form(&refresh));
    assert_eq!(status, 200, "refresh: {renewed}");
    let rotated = renewed["refresh_token"].as_str().expect("a rotated refresh token").to_string();
    assert_ne!(rotated, refresh);
    assert!(accepted(&peer, renewed["access_token"].as_str().unwrap()));

    // Revocation of the live refresh token; it is refused afterwards.
    let revocation = meta["revocation_endpoint"].as_str().expect("a revocation endpoint");
    let mut form = vec![("token", rotated.clone()), ("token_type_hint", "refresh_token".to_string())];
    authenticate(&mut form);
    let (status, answer) = send(revocation, form);
    assert_eq!(status, 200, "revocation: {answer}");
    let (status, after) = send(token_endpoint, refresh_form(&rotated));
    assert_eq!((status, after["error"].as_str()), (kind.invalid_grant_status(), Some("invalid_grant")), "{after}");
    // The refresh token used for the rotation is dead too.
    let (status, reused) = send(token_endpoint, refresh_form(&refresh));
    assert_eq!((status, reused["error"].as_str()), (kind.invalid_grant_status(), Some("invalid_grant")), "{reused}");
}
