//! Tests of `registration.rs`.

use super::*;
use std::fs;

fn client(secret: Option<&str>) -> Client {
    Client {
        client_id: "c-1".into(),
        client_secret: secret.map(Secret::new),
        auth: if secret.is_some() { ClientAuth::ClientSecretBasic } else { ClientAuth::None },
        redirect_uri: Some("http://127.0.0.1:5000/callback/x".into()),
    }
}

#[test]
fn cache_keeps_one_registration_per_issuer() {
    let dir = tempfile::tempdir().expect("tmp");
    let cache = RegistrationCache::new(dir.path());
    assert_eq!(cache.load("https://as.example"), None);
    cache.save("https://as.example", &client(None)).expect("save");
    cache.save("https://other.example", &client(Some("s3cret"))).expect("save");
    assert_eq!(cache.load("https://as.example"), Some(client(None)));
    assert_eq!(cache.load("https://other.example"), Some(client(Some("s3cret"))));
    cache.forget("https://as.example").expect("forget");
    assert_eq!(cache.load("https://as.example"), None);
    assert!(cache.load("https://other.example").is_some());
}

#[cfg(unix)]
#[test]
fn a_cache_others_can_write_is_ignored() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let cache = RegistrationCache::new(dir.path());
    cache.save("https://as.example", &client(None)).expect("save");
    let path = dir.path().join(RegistrationCache::FILE_NAME);
    assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).expect("chmod");
    assert_eq!(cache.load("https://as.example"), None);
    // Readable by others is not private either: its secrets may be known, the file not ours.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
    assert_eq!(cache.load("https://as.example"), None);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    assert!(cache.load("https://as.example").is_some());
}

#[test]
fn the_registered_method() {
    let none = AuthMethods::parse(&["none"]);
    let nothing = AuthMethods::default();
    let basic = ClientAuth::ClientSecretBasic;
    assert_eq!(
        registered_method(Some(ClientAuth::ClientSecretPost), ClientAuth::None, true, &none),
        ClientAuth::ClientSecretPost
    );
    assert_eq!(registered_method(None, ClientAuth::None, true, &none), ClientAuth::None, "a server that lists none");
    assert_eq!(registered_method(None, ClientAuth::None, true, &nothing), basic, "RFC 7591's default");
    assert_eq!(registered_method(None, ClientAuth::None, false, &nothing), ClientAuth::None);
    assert_eq!(registered_method(None, basic, true, &AuthMethods::parse(&["client_secret_basic"])), basic);
}

#[test]
fn secret_methods() {
    assert_eq!(secret_method(&AuthMethods::default()), ClientAuth::ClientSecretBasic);
    assert_eq!(secret_method(&AuthMethods::parse(&["client_secret_post"])), ClientAuth::ClientSecretPost);
    // The server's order decides (the MCP Python SDK lists post first, and wants it).
    assert_eq!(
        secret_method(&AuthMethods::parse(&["client_secret_post", "client_secret_basic"])),
        ClientAuth::ClientSecretPost
    );
    assert_eq!(
        secret_method(&AuthMethods::parse(&["none", "client_secret_basic", "client_secret_post"])),
        ClientAuth::ClientSecretBasic
    );
    // Only methods agentview does not use: not "nothing listed", and still Basic with a secret.
    let others = AuthMethods::parse(&["private_key_jwt"]);
    assert!(!others.is_empty() && !others.supports(ClientAuth::None));
    assert_eq!(secret_method(&others), ClientAuth::ClientSecretBasic);
}

#[test]
fn basic_authentication_names_the_client_in_the_form_too() {
    let client = client(Some("s3cret"));
    let mut form = vec![("grant_type", "refresh_token")];
    let basic = client.authenticate(&mut form);
    assert_eq!(basic, Some(("c-1", "s3cret")));
    assert!(form.contains(&("client_id", "c-1")), "{form:?}");
    assert!(!form.iter().any(|(k, _)| *k == "client_secret"), "the secret only once, in the header");
}

#[test]
fn a_registration_asks_only_for_scopes_the_server_lists() {
    let listed = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(registration_scope(None, &listed(&["a"])), None);
    assert_eq!(registration_scope(Some("mcp:tools"), &[]).as_deref(), Some("mcp:tools"), "nothing listed");
    let oidc = listed(&["openid", "offline_access"]);
    assert_eq!(registration_scope(Some("mcp:tools offline_access"), &oidc).as_deref(), Some("offline_access"));
    assert_eq!(registration_scope(Some("mcp:tools"), &oidc), None, "nothing of it listed: no scope");
    let python = listed(&["mcp:tools"]);
    assert_eq!(registration_scope(Some("mcp:tools"), &python).as_deref(), Some("mcp:tools"));
}
