//! Tests of `pending.rs`.

use std::time::Duration;

use super::*;

fn login(server: &str, expires_at: u64) -> PendingLogin {
    let url = |p: &str| Url::parse(&format!("https://as.example{p}")).expect("url");
    let auth = AuthServer {
        issuer: "https://as.example".into(),
        authorization_endpoint: None,
        token_endpoint: url("/token"),
        registration_endpoint: None,
        revocation_endpoint: Some(url("/revoke")),
        userinfo_endpoint: None,
        device_authorization_endpoint: Some(url("/device")),
        grant_types: None,
        pkce_methods: None,
        scopes_supported: Vec::new(),
        token_auth_methods: Default::default(),
        iss_supported: false,
        cimd_supported: false,
        openid: false,
        prompt_values: Vec::new(),
    };
    let client = Client {
        client_id: "c-1".into(),
        client_secret: Some(Secret::new("s3cret")),
        auth: ClientAuth::ClientSecretBasic,
        redirect_uri: None,
    };
    let code = DeviceCode {
        device_code: Secret::new("the-device-code"),
        user_code: "WDJB-MJHT".into(),
        verification_uri: url("/activate"),
        verification_uri_complete: None,
        expires_in: Some(Duration::from_secs(600)),
        interval: Duration::from_secs(5),
        warnings: Vec::new(),
    };
    PendingLogin::new(server, &auth, &client, Some("https://a.example/mcp"), Some("mcp"), &code, expires_at, false)
}

#[test]
fn a_login_is_kept_under_a_handle_that_is_not_its_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let logins = PendingLogins::new(dir.path());
    let (now, later) = (1_000_000, 1_000_600);
    let handle = logins.add(login("https://a.example/mcp", later), now).expect("kept");
    assert!(!handle.contains("the-device-code") && handle.len() >= 20, "{handle}");
    assert!(logins.has(&handle, "https://a.example/mcp"));
    assert!(!logins.has(&handle, "https://b.example/mcp"), "another server's login is not this one");
    let kept = logins.get(&handle, "https://a.example/mcp").expect("kept");
    let parts = kept.parts().expect("usable");
    assert_eq!(parts.device_code.expose(), "the-device-code");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.path().join(PendingLogins::FILE_NAME);
        assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("s3cret"), "a client secret is kept only with --store file");
    }
    logins.remove(&handle).expect("removed");
    assert!(!logins.has(&handle, "https://a.example/mcp"));
    assert!(!dir.path().join(PendingLogins::FILE_NAME).exists(), "nothing waiting: no file");
}

#[test]
fn expired_logins_go_and_the_file_stays_small() {
    let dir = tempfile::tempdir().expect("tmp");
    let logins = PendingLogins::new(dir.path());
    let (now, later) = (1_000_000, 1_000_600);
    let old = logins.add(login("https://a.example/mcp", 10), now).expect("kept");
    let handles: Vec<String> =
        (0..MAX_LOGINS + 3).map(|_| logins.add(login("https://a.example/mcp", later), now).expect("kept")).collect();
    assert!(!logins.has(&old, "https://a.example/mcp"), "expired before the next one started");
    assert_eq!(logins.read().logins.len(), MAX_LOGINS);
    assert!(logins.has(handles.last().expect("one"), "https://a.example/mcp"));
}

#[test]
fn a_client_secret_not_kept_comes_from_the_resume() {
    let kept = login("https://a.example/mcp", 10);
    let parts = kept.parts().expect("usable");
    assert!(parts.client(&ClientChoice::Dynamic).is_err(), "a confidential client without its secret");
    let other = ClientChoice::PreRegistered { client_id: "c-2".into(), client_secret: Some(Secret::new("x")) };
    assert!(parts.client(&other).is_err(), "another client's secret is not this one's");
    let given = ClientChoice::PreRegistered { client_id: "c-1".into(), client_secret: Some(Secret::new("s3cret")) };
    let client = parts.client(&given).expect("client");
    assert_eq!(client.client_secret.map(|s| s.expose().to_string()).as_deref(), Some("s3cret"));
}
