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

fn registered(client: Client, grants: &[&str]) -> Registered {
    Registered { client, grant_types: grants.iter().map(|g| g.to_string()).collect() }
}

#[test]
fn cache_keeps_one_registration_per_issuer() {
    let dir = tempfile::tempdir().expect("tmp");
    let cache = RegistrationCache::new(dir.path());
    assert_eq!(cache.load("https://as.example"), None);
    cache.save("https://as.example", &registered(client(None), &[])).expect("save");
    cache.save("https://other.example", &registered(client(Some("s3cret")), &[])).expect("save");
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
    cache.save("https://as.example", &registered(client(None), &[])).expect("save");
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

#[test]
fn the_cache_keeps_what_a_registration_was_for_and_older_entries_were_for_the_browser() {
    let dir = tempfile::tempdir().expect("tmp");
    let cache = RegistrationCache::new(dir.path());
    let device = crate::login::oauth::device::GRANT_TYPE;
    let device_only = Client { redirect_uri: None, ..client(None) };
    cache.save("https://as.example", &registered(device_only.clone(), &[device, "refresh_token"])).expect("save");
    let kept = cache.load_registered("https://as.example").expect("kept");
    assert_eq!(kept.client, device_only);
    assert!(kept.allows(device) && !kept.allows("authorization_code"));
    // Written before the device grant: a redirect URI and no grant types.
    let older = r#"{"clients":{"https://old.example":{"client_id":"c-0","client_auth":"none",
        "redirect_uri":"http://127.0.0.1:5000/callback/x"}}}"#;
    fs::write(dir.path().join(RegistrationCache::FILE_NAME), older).expect("write");
    let kept = cache.load_registered("https://old.example").expect("an older entry still reads");
    assert!(kept.client.redirect_uri.is_some() && !kept.allows(device));
}

#[test]
fn a_registration_asks_for_the_device_grant_where_the_server_offers_it() {
    let url = |p: &str| reqwest::Url::parse(&format!("https://as.example{p}")).expect("url");
    let mut server = crate::login::oauth::shared::discovery::AuthServer {
        registration_endpoint: Some(url("/register")),
        ..crate::login::oauth::shared::discovery::AuthServer::example()
    };
    let device = crate::login::oauth::device::GRANT_TYPE;
    assert_eq!(grant_types(&server, true), ["authorization_code", "refresh_token"]);
    server.device_authorization_endpoint = Some(url("/device"));
    assert_eq!(grant_types(&server, true), ["authorization_code", device, "refresh_token"]);
    assert_eq!(grant_types(&server, false), [device, "refresh_token"], "no redirect URI: the device grant alone");
    server.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
    assert_eq!(grant_types(&server, true), ["authorization_code", "refresh_token"], "not listed: not asked for");
}
