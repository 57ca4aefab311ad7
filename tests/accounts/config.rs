//! config.toml through the real binary: its settings used by a login, flags and environment
//! variables winning over it, `config show` saying where each came from, an account it pins,
//! and every kind of file refused with the file, the line and the key named.

use super::*;
use support::server::OAuthEndpoint;

/// Write `config.toml` (mode 0600) for `av`.
fn write_config(av: &Agentview, text: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = av.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn last_scope(server: &TestServer) -> String {
    let authorize = server.oauth_requests_to(OAuthEndpoint::Authorize);
    authorize.last().and_then(|a| a.param("scope")).unwrap_or_default().to_string()
}

#[test]
fn a_login_uses_the_file_and_a_flag_or_variable_wins_over_it() {
    let server = oauth_server();
    let mut av = Agentview::new(&server.mcp_url());
    as_person(&mut av, "alice");
    write_config(&av, &format!("[servers.\"{}\"]\nscope = \"mcp:read\"\nmethod = \"session\"\n", server.mcp_url()));

    // The file says session; the variable says oauth and wins.
    av.set("AGENTVIEW_LOGIN_METHOD", "oauth");
    av.run(&["login"]).expect_code(0);
    let scope = last_scope(&server);
    assert!(scope.split(' ').any(|s| s == "mcp:read") && !scope.contains("mcp:write"), "from the file: {scope}");
    let shown = json(&av.run(&["config", "show", "--json"]).expect_code(0).stdout);
    let of = |key: &str| shown["settings"].as_array().unwrap().iter().find(|s| s["key"] == key).unwrap().clone();
    assert_eq!(of("scope")["value"], "mcp:read");
    assert!(of("scope")["from"].as_str().unwrap().ends_with("config.toml line 2"), "{shown}");
    assert_eq!(
        (of("method")["value"].as_str(), of("method")["from"].as_str()),
        (Some("oauth"), Some("env AGENTVIEW_LOGIN_METHOD"))
    );

    // The flag wins over the file.
    av.run(&["login", "--force", "--scope", "mcp:write"]).expect_code(0);
    let scope = last_scope(&server);
    assert!(scope.contains("mcp:write") && !scope.contains("mcp:read"), "from the flag: {scope}");

    // Without the variable, the file's method is the one used: the session login is chosen.
    av.unset("AGENTVIEW_LOGIN_METHOD");
    let text = av.run(&["config", "show"]).expect_code(0).stdout;
    assert!(
        text.lines().any(|l| l.starts_with("method") && l.contains("session") && l.contains("config.toml line 3")),
        "{text}"
    );
}

#[test]
fn an_account_the_file_pins_is_used_and_switch_says_the_file_wins() {
    let av = Agentview::new("https://mcp.example.com/mcp");
    av.run_with_stdin(&["--account", "home", "login", "--with-token"], b"tok-home").expect_code(0);
    write_config(&av, "[servers.\"https://mcp.example.com/mcp\"]\naccount = \"work\"\n");
    av.run_with_stdin(&["login", "--with-token"], b"tok-work").expect_code(0);
    assert_eq!(token(&av, &[]), "tok-work", "the pinned account");
    assert_eq!(token(&av, &["--account", "home"]), "tok-home", "--account wins over the file");
    let switched = av.run(&["switch", "home"]).expect_code(0);
    assert!(switched.stderr.contains("config.toml line 2 pins the account work"), "{}", switched.stderr);
    assert_eq!(token(&av, &[]), "tok-work");
}

#[test]
fn a_bad_file_is_refused_naming_the_file_the_line_and_the_key() {
    let av = Agentview::new("https://mcp.example.com/mcp");
    let head = "[servers.\"https://mcp.example.com/mcp\"]\nclient_id = \"desktop\"\n";
    for (body, key) in [
        ("scopes = \"mcp\"\n", "`scopes`"),
        ("scope = 5\n", "`scope`"),
        ("client_secret = \"s3cr3t-in-the-file\"\n", "`client_secret`"),
        ("resource = \"somewhere\"\n", "`resource`"),
    ] {
        let path = write_config(&av, &format!("{head}{body}"));
        let run = av.run(&["token"]).expect_code(2);
        let said = format!("{}", path.display());
        assert!(run.stderr.contains(&format!("{said} line 3")) && run.stderr.contains(key), "{body}: {}", run.stderr);
        run.assert_no_leak("s3cr3t-in-the-file");
    }
    let path = write_config(&av, head);
    av.run(&["config", "show"]).expect_code(0);

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o620)).unwrap();
    let run = av.run(&["config", "show"]).expect_code(2);
    assert!(run.stderr.contains("writable by other users") && run.stderr.contains("chmod 600"), "{}", run.stderr);

    std::fs::remove_file(&path).unwrap();
    let elsewhere = av.dir.path().join("planted.toml");
    std::fs::write(&elsewhere, head).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
    let run = av.run(&["config", "show"]).expect_code(2);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);

    std::fs::remove_file(&path).unwrap();
    let path = write_config(&av, head);
    if support::cli::require_root("giving the file to another owner") {
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        let run = av.run(&["config", "show"]).expect_code(2);
        assert!(run.stderr.contains("owned by uid 65534"), "{}", run.stderr);
    }
}

#[test]
fn a_client_secret_given_once_at_login_serves_every_later_refresh() {
    let server = TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig {
            auto_approve: true,
            dcr: false,
            preregistered: vec![("desktop".into(), Some("secret-given-once".into()))],
            ..OAuthConfig::default()
        }),
        ..ServerConfig::default()
    });
    let mut av = Agentview::new(&server.mcp_url());
    as_person(&mut av, "alice");
    write_config(&av, &format!("[servers.\"{}\"]\nclient_id = \"desktop\"\n", server.mcp_url()));
    av.set("AGENTVIEW_CLIENT_SECRET", "secret-given-once");
    av.run(&["login", "--method", "oauth"]).expect_code(0).assert_no_leak("secret-given-once");
    av.unset("AGENTVIEW_CLIENT_SECRET");
    assert_eq!(server.registrations(), 0, "the file's pre-registered client was used");

    // Long after: the access token has expired, no secret is in the environment or the file.
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["credentials"][server.mcp_url().as_str()]["expires_at"] = Value::from(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let refreshed = av.run(&["token"]).expect_code(0);
    refreshed.assert_no_leak("secret-given-once");
    let token = refreshed.stdout.trim_end().to_string();
    assert!(server.access_token_valid(&token));
    let refresh = server.oauth_requests_to(OAuthEndpoint::Token);
    let refresh = refresh.iter().find(|t| t.param("grant_type") == Some("refresh_token")).expect("a refresh");
    assert!(refresh.authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")), "{refresh:?}");
}
