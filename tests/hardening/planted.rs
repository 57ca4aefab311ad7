//! Planted files on a shared machine: like ssh's StrictModes, a config dir or credentials file
//! that someone else could have put there is refused (exit 8, naming the path and the problem).
#![cfg(unix)]

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use super::no_panic;
use super::support::cli::{Agentview, Run, mode, require_root, wait_with_deadline};
use super::support::fixture::{OLD_TOKEN, seed};
use super::support::server::jwt::TestKey;
use super::support::server::{OAuthConfig, OAuthEndpoint, ServerConfig, TestServer};
use serde_json::{Value, json};

const SERVER: &str = "https://agentview.example/mcp";
const NEW_TOKEN: &str = "avt_new_token_from_stdin";
/// Another account's uid for the ownership cases.
const NOBODY: u32 = 65534;
/// A CI client with a secret, and one that signs with a key, known to the authorization server.
const CLIENT: &str = "ci-pipeline";
const SECRET: &str = "ci-secret-never-shown-77b1";
const KEY_CLIENT: &str = "ci-signer";

/// An MCP server with its authorization server: client credentials for the two clients.
fn oauth_server(keys: &[&TestKey]) -> TestServer {
    TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig {
            client_credentials: true,
            token_auth_methods: ["client_secret_basic", "private_key_jwt"].map(String::from).to_vec(),
            preregistered: vec![(CLIENT.into(), Some(SECRET.into()))],
            key_clients: vec![(KEY_CLIENT.into(), keys.iter().map(|k| k.jwk.clone()).collect())],
            ..OAuthConfig::default()
        }),
        ..ServerConfig::default()
    })
}

/// Plant `record` as the (0600, the user's own) credential for `av`'s server.
fn plant(av: &Agentview, record: Value) {
    std::fs::create_dir_all(av.config_dir()).unwrap();
    chmod(&av.config_dir(), 0o700);
    let doc = json!({"version": 1, "credentials": {av.server.as_str(): record}});
    std::fs::write(av.credentials_file(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    chmod(&av.credentials_file(), 0o600);
}

fn with_token(av: &Agentview, token: &str) -> Run {
    av.run_with_stdin(&["login", "--with-token"], format!("{token}\n").as_bytes())
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `token` and `login --with-token` both refuse with exit 8, naming `path` and saying `what`.
fn refused(av: &Agentview, path: &Path, what: &str) {
    for run in [av.run(&["token"]), with_token(av, NEW_TOKEN)] {
        no_panic("a planted file", &run);
        assert_eq!(run.code, 8, "{what}\n--- stderr\n{}", run.stderr);
        assert!(run.stderr.contains(&path.display().to_string()), "names {}: {}", path.display(), run.stderr);
        assert!(run.stderr.contains(what), "says {what:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "prints no token: {:?}", run.stdout);
    }
}

/// Skip (or, with AGENTVIEW_REQUIRE_ROOT=1, fail) when files cannot be given to another user.
fn can_chown() -> bool {
    require_root("giving a file to another user needs root")
}

#[test]
fn a_symlinked_credentials_file_is_refused() {
    let av = Agentview::new(SERVER);
    let elsewhere = tempfile::tempdir().unwrap();
    let victim = Agentview::new(SERVER);
    seed(&victim, SERVER);
    std::fs::create_dir_all(av.config_dir()).unwrap();
    chmod(&av.config_dir(), 0o700);
    symlink(victim.credentials_file(), av.credentials_file()).unwrap();
    refused(&av, &av.credentials_file(), "symbolic link");
    let login = av.run(&["login", "--no-browser"]);
    assert!(!login.stderr.contains("Already logged in"), "{}", login.stderr);
    assert_eq!(login.code, 8, "{}", login.stderr);
    // The file is already the store (AGENTVIEW_STORE=file): no hint to use it.
    assert!(!login.stderr.contains("use --store file"), "{}", login.stderr);
    drop(elsewhere);
}

#[test]
fn a_symlinked_lock_file_creates_nothing_where_it_points() {
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    let target = av.dir.path().join("planted-target");
    symlink(&target, av.config_dir().join("credentials.json.lock")).unwrap();
    let run = with_token(&av, NEW_TOKEN);
    no_panic("lock symlink", &run);
    assert_eq!(run.code, 8, "{}", run.stderr);
    assert!(run.stderr.contains("credentials.json.lock"), "{}", run.stderr);
    assert!(!target.exists(), "a file was created where the lock symlink points");
}

#[test]
fn a_fifo_is_refused_without_hanging() {
    let av = Agentview::new(SERVER);
    std::fs::create_dir_all(av.config_dir()).unwrap();
    chmod(&av.config_dir(), 0o700);
    let made = std::process::Command::new("mkfifo").arg(av.credentials_file()).status().unwrap();
    assert!(made.success());
    refused(&av, &av.credentials_file(), "not a regular file");
}

#[test]
fn a_writable_config_dir_or_file_is_refused() {
    for dir_mode in [0o777, 0o770, 0o1777] {
        let av = Agentview::new(SERVER);
        seed(&av, SERVER);
        chmod(&av.config_dir(), dir_mode);
        refused(&av, &av.config_dir(), "writable by");
        refused(&av, &av.config_dir(), &format!("chmod 700 {}", av.config_dir().display()));
    }
    for file_mode in [0o666, 0o620, 0o602] {
        let av = Agentview::new(SERVER);
        seed(&av, SERVER);
        chmod(&av.config_dir(), 0o700);
        chmod(&av.credentials_file(), file_mode);
        refused(&av, &av.credentials_file(), "writable by");
        refused(&av, &av.credentials_file(), &format!("chmod 600 {}", av.credentials_file().display()));
    }
}

#[test]
fn a_symlinked_config_dir_is_refused() {
    let av = Agentview::new(SERVER);
    let real = av.dir.path().join("real-config");
    std::fs::create_dir_all(&real).unwrap();
    chmod(&real, 0o700);
    symlink(&real, av.config_dir()).unwrap();
    refused(&av, &av.config_dir(), "symbolic link");
}

#[test]
fn files_of_another_user_are_refused() {
    if !can_chown() {
        return;
    }
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    chmod(&av.config_dir(), 0o700);
    std::os::unix::fs::chown(av.credentials_file(), Some(NOBODY), None).unwrap();
    refused(&av, &av.credentials_file(), "owned by");
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    chmod(&av.config_dir(), 0o700);
    std::os::unix::fs::chown(av.config_dir(), Some(NOBODY), None).unwrap();
    refused(&av, &av.config_dir(), "owned by");
}

#[test]
fn a_credentials_file_others_can_read_is_refused() {
    for file_mode in [0o644, 0o640, 0o604] {
        let av = Agentview::new(SERVER);
        seed(&av, SERVER);
        chmod(&av.config_dir(), 0o700);
        chmod(&av.credentials_file(), file_mode);
        refused(&av, &av.credentials_file(), "readable by other users");
        let run = av.run(&["token"]);
        let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "one clear error: {}", run.stderr);
        let fix = format!("chmod 600 {}", av.credentials_file().display());
        assert!(errors[0].contains(&fix), "names the chmod that fixes it: {}", run.stderr);
        assert_eq!(mode(&av.credentials_file()), file_mode, "nothing was changed");
        chmod(&av.credentials_file(), 0o600);
        assert_eq!(av.run(&["token"]).expect_code(0).stdout.trim(), OLD_TOKEN);
    }
}

/// A credentials file others can read, in the config dir of a CI job whose client is in the
/// environment (the README's GitLab layout, committed to the repository): nothing is sent anywhere.
#[test]
fn a_readable_credentials_file_stops_the_environments_client_before_anything_is_sent() {
    let server = oauth_server(&[]);
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_CLIENT_ID", CLIENT).set("AGENTVIEW_CLIENT_SECRET", SECRET);
    seed(&av, "https://other.example/mcp");
    chmod(&av.config_dir(), 0o700);
    chmod(&av.credentials_file(), 0o644);
    let run = av.run(&["token"]);
    no_panic("a readable credentials file", &run);
    assert_eq!(run.code, 8, "{}", run.stderr);
    assert!(run.stderr.contains("readable by other users") && run.stderr.contains("chmod 600"), "{}", run.stderr);
    run.assert_no_leak(SECRET);
    assert!(server.oauth_requests().is_empty(), "nothing was sent: {:?}", server.oauth_requests());
}

/// Every byte of every file in `dir`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if std::fs::read(&path).is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle)) {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn writers_killed_mid_save_leave_no_token_after_logout() {
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    chmod(&av.config_dir(), 0o700);
    // What a writer killed between writing and renaming leaves: a full copy under a dead pid.
    let stale = av.config_dir().join(".credentials.json.4194303-0-1.tmp");
    std::fs::copy(av.credentials_file(), &stale).unwrap();
    for i in 0..30u64 {
        let token = format!("avt_killed_writer_{i}");
        let mut child = av
            .command(&["login", "--with-token", "--force"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(format!("{token}\n").as_bytes());
        std::thread::sleep(Duration::from_micros(500 + (i * 7919) % 6000));
        let _ = child.kill();
        let _ = child.wait();
    }
    let logout = av.command(&["logout"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let run = wait_with_deadline(logout, Duration::from_secs(60)).expect_code(0);
    let _ = run;
    for needle in ["avt_killed_writer_", OLD_TOKEN] {
        let left = files_holding(&av.config_dir(), needle);
        assert!(left.is_empty(), "{needle} is still in {left:?}");
    }
}

/// A record that names the real issuer but another token endpoint (a planted file, or one
/// committed to a repository): no secret, assertion or token goes there. The client in the
/// environment gets its token where a fresh login would; a stored login is refused.
#[test]
fn a_planted_token_endpoint_is_sent_nothing() {
    let key = TestKey::ec_p256("ci-key");
    let server = oauth_server(&[&key]);
    let planted = oauth_server(&[]);
    let mut av = Agentview::new(&server.mcp_url());
    let key_file = av.dir.path().join("ci.pem");
    std::fs::write(&key_file, &key.pkcs8_pem).unwrap();
    chmod(&key_file, 0o600);
    let record = json!({
        "kind": "oauth", "token": "planted-access-token", "expires_at": 1_000_000_000u64, "created_at": 999_999_000u64,
        "oauth": {
            "issuer": server.oauth_issuer().unwrap(), "client_id": KEY_CLIENT, "client_auth": "private_key_jwt",
            "token_endpoint": format!("{}/token", planted.base_url()), "resource": server.resource(),
            "revocation_endpoint": format!("{}/revoke", planted.base_url()),
            "unattended": {"grant": "client_credentials",
                "client_jwt": {"kind": "key", "path": key_file.display().to_string(), "alg": "ES256"}},
        },
    });
    plant(&av, record.clone());
    // The client in the environment: a fresh grant at the server's own authorization server.
    av.set("AGENTVIEW_CLIENT_ID", KEY_CLIENT).set("AGENTVIEW_CLIENT_KEY", &key_file.display().to_string());
    let run = av.run(&["token"]);
    no_panic("a planted token endpoint", &run);
    assert!(planted.oauth_requests().is_empty(), "the planted endpoint got {:?}", planted.oauth_requests());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(server.access_token_valid(run.stdout.trim()));
    assert_eq!(server.oauth_requests_to(OAuthEndpoint::Token).len(), 1);
    // A stored login (no client in the environment) that names it: refused, nothing sent.
    av.unset("AGENTVIEW_CLIENT_ID").unset("AGENTVIEW_CLIENT_KEY");
    plant(&av, record);
    for args in [&["token"][..], &["logout"]] {
        let run = av.run(args);
        no_panic("a planted token endpoint", &run);
        assert!(
            planted.oauth_requests().is_empty(),
            "{args:?}: the planted endpoint got {:?}",
            planted.oauth_requests()
        );
        assert!(run.stderr.contains(&planted.base_url()), "{args:?} names where it would have gone: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    assert_eq!(server.oauth_requests_to(OAuthEndpoint::Token).len(), 1);
}
