//! Tokens that renew themselves: before use, once across processes, and what a dead grant or a
//! down token endpoint does to the stored credential.

use super::*;
use support::server::{OAuthEndpoint, OAuthFault};

#[test]
fn an_expired_token_is_renewed_and_the_old_refresh_token_dies() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let before = stored(&av);
    let old_access = before["token"].as_str().unwrap().to_string();
    let old_refresh = before["oauth"]["refresh_token"].as_str().unwrap().to_string();
    server.expire_access_tokens();
    expire_locally(&av);
    let run = av.run(&["token"]).expect_code(0);
    let token = run.stdout.trim().to_string();
    assert_ne!(token, old_access);
    assert!(server.access_token_valid(&token));
    assert_eq!(mcp_status_with(&server, &token), 200);
    assert!(!server.refresh_token_valid(&old_refresh), "rotated");
    let after = stored(&av);
    assert_eq!(after["token"], token.as_str());
    let new_refresh = after["oauth"]["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert!(server.refresh_token_valid(new_refresh));
    let refresh = &server.oauth_requests_to(OAuthEndpoint::Token)[1];
    assert_eq!(refresh.param("grant_type"), Some("refresh_token"));
    assert_eq!(refresh.param("resource"), Some(server.mcp_url().as_str()));
    run.assert_stderr_clean(&token);
    run.assert_no_leak(new_refresh);
}

/// Make the stored token one that was issued an hour ago and ends in 30 s: within a minute of
/// its end, so due.
fn expire_within_a_minute(av: &Agentview) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let mut entry = stored(av);
    entry["created_at"] = Value::from(now - 3_570);
    entry["expires_at"] = Value::from(now + 30);
    restore(av, entry);
}

#[test]
fn a_token_expiring_within_a_minute_is_renewed_by_status_and_exec() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    av.run(&["status"]).expect_code(0);
    assert_eq!(server.token_requests("refresh_token"), 0, "an hour's token just got is not due");
    expire_within_a_minute(&av);
    av.run(&["status"]).expect_code(0);
    assert_eq!(server.token_requests("refresh_token"), 1);
    // The child is agentview itself: `token` prints the AGENTVIEW_TOKEN it was given (on every
    // platform, where a shell would not be).
    expire_within_a_minute(&av);
    let child = support::cli::binary().display().to_string();
    let run = av.run(&["exec", "--", &child, "token"]).expect_code(0);
    assert_eq!(server.token_requests("refresh_token"), 2);
    assert!(server.access_token_valid(run.stdout.trim_end()), "exec got the renewed token");
}

#[test]
fn the_headers_helper_renews_too() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let old = stored(&av)["token"].as_str().unwrap().to_string();
    expire_locally(&av);
    let run = av.run(&["token", "--format", "headers"]).expect_code(0);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let header = doc["Authorization"].as_str().expect("the header");
    let token = header.strip_prefix("Bearer ").expect("Bearer");
    assert_ne!(token, old);
    assert!(server.access_token_valid(token));
    assert_eq!(server.token_requests("refresh_token"), 1);
}

#[test]
fn concurrent_readers_refresh_once_and_agree() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    expire_locally(&av);
    let children: Vec<_> =
        (0..8).map(|_| av.command(&["token"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    let runs: Vec<Run> =
        children.into_iter().map(|c| support::cli::wait_with_deadline(c, std::time::Duration::from_secs(60))).collect();
    let tokens: Vec<String> = runs.into_iter().map(|r| r.expect_code(0).stdout.trim().to_string()).collect();
    assert_eq!(server.token_requests("refresh_token"), 1, "one refresh for eight readers");
    assert!(tokens.iter().all(|t| t == &tokens[0]), "{tokens:?}");
    assert!(server.access_token_valid(&tokens[0]));
}

#[test]
fn a_dead_grant_exits_4_and_the_credential_is_removed() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    expire_locally(&av);
    server.push_oauth_fault(OAuthFault::RefreshInvalidGrant { count: 1 });
    let run = av.run(&["token"]).expect_code(4);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("log in again"), "{}", run.stderr);
    assert!(stored(&av).is_null(), "the dead credential is gone");
}

#[test]
fn a_down_token_endpoint_exits_7_and_keeps_the_credential() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    expire_locally(&av);
    let before = std::fs::read(av.credentials_file()).unwrap();
    server.push_oauth_fault(OAuthFault::Status { on: OAuthEndpoint::Token, status: 503, count: 1 });
    let run = av.run(&["token"]).expect_code(7);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("503"), "{}", run.stderr);
    assert_eq!(std::fs::read(av.credentials_file()).unwrap(), before, "the store is unchanged");
    // The next try, with the endpoint back, renews.
    av.run(&["token"]).expect_code(0);
    assert_eq!(server.token_requests("refresh_token"), 2);
}

#[test]
fn a_response_without_a_refresh_token_keeps_the_old_one() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let old_refresh = stored(&av)["oauth"]["refresh_token"].clone();
    expire_locally(&av);
    let body = r#"{"access_token":"at_without_rotation","token_type":"Bearer","expires_in":3600}"#;
    server.push_oauth_fault(OAuthFault::Raw {
        on: OAuthEndpoint::Token,
        status: 200,
        content_type: "application/json".into(),
        body: body.into(),
        count: 1,
    });
    assert_eq!(av.token(), "at_without_rotation");
    assert_eq!(stored(&av)["oauth"]["refresh_token"], old_refresh);
}

#[test]
fn an_environment_token_is_never_refreshed() {
    let server = oauth_server(OAuthConfig::default());
    let mut av = with_browser(&server);
    login(&av);
    expire_locally(&av);
    av.set("AGENTVIEW_TOKEN", "from-the-environment");
    assert_eq!(av.token(), "from-the-environment");
    assert_eq!(server.token_requests("refresh_token"), 0);
}

#[test]
fn status_does_not_promise_renewal_when_the_expiry_is_unknown() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let report = |av: &Agentview| {
        let run = av.run(&["status"]).expect_code(0);
        let text = format!("{}{}", run.stdout, run.stderr);
        text.lines().find(|l| l.trim_start().starts_with("renews:")).unwrap_or_default().to_string()
    };
    assert!(report(&av).contains("automatically"), "a known expiry and a refresh token: renewed");
    // An expires_in the server sent that was absurd (dropped at login) leaves the expiry unknown.
    let mut entry = stored(&av);
    entry.as_object_mut().unwrap().remove("expires_at");
    restore(&av, entry);
    let line = report(&av);
    assert!(!line.contains("automatically"), "{line}");
    assert!(line.contains("unknown"), "{line}");
    let json = av.run(&["status", "--json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["renews"], false, "{doc}");
}

/// With the keyring store the config dir holds no credential, but renewal takes its lock there
/// and a login keeps its registration there. A co-user who can write the dir (or once could)
/// plants links: nothing may be created or read through them, whatever the store.
#[cfg(unix)]
#[test]
fn files_planted_in_the_config_dir_are_refused_whatever_the_store() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    if !support::cli::require_secret_service() {
        return;
    }
    // Tokens that live a second: due a second after they are issued (the keyring entry cannot
    // be made due by hand as the file's can).
    let server = oauth_server(OAuthConfig { access_ttl: std::time::Duration::from_secs(1), ..OAuthConfig::default() });
    // `token` until a run finds the token due: the run that tried to renew it (or failed).
    let once_due = |av: &Agentview| {
        let before = server.token_requests("refresh_token");
        support::cli::wait_until("the token to be due", std::time::Duration::from_secs(20), || {
            let run = av.run(&["token"]);
            (run.code != 0 || server.token_requests("refresh_token") > before).then_some(run)
        })
    };
    let mut av = with_browser(&server);
    av.set("AGENTVIEW_STORE", "keyring").set("AGENTVIEW_KEYRING_BACKEND", "secret-service").with_session_bus();
    login(&av);
    let dir = av.config_dir();
    let lock = dir.join("refresh.lock");
    let planted = av.dir.path().join("planted");
    let _ = std::fs::remove_file(&lock);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    symlink(&planted, &lock).unwrap();
    let run = once_due(&av);
    assert!(!planted.exists(), "the lock was created through the link\n{}", run.stderr);
    assert_eq!(run.code, 8, "a store failure\n{}", run.stderr);
    assert!(run.stderr.contains(&lock.display().to_string()), "the error names the file\n{}", run.stderr);
    assert!(run.stderr.contains("writable by other users"), "{}", run.stderr);
    assert_eq!(server.token_requests("refresh_token"), 0, "no renewal without the lock");

    // A login in that dir neither reads nor writes its registration cache through a link.
    let cache = dir.join("oauth-clients.json");
    std::fs::rename(&cache, av.dir.path().join("kept-cache")).unwrap();
    symlink(&planted, &cache).unwrap();
    av.run(&["login", "--method", "oauth", "--force"]).expect_code(0);
    assert!(!planted.exists(), "the registration cache was written through the link");

    // The dir made private again: the link where the lock goes is still refused, by name.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let run = once_due(&av).expect_code(8);
    assert!(run.stderr.contains(&lock.display().to_string()) && run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert!(!planted.exists());
    std::fs::remove_file(&lock).unwrap();
    let renewals = server.token_requests("refresh_token");
    once_due(&av).expect_code(0);
    assert_eq!(server.token_requests("refresh_token"), renewals + 1, "renewed once the link is gone");
    av.run(&["logout"]).expect_code(0);
}

/// Six readers at once while the token endpoint hangs: one asks it and times out; the others,
/// queued behind it for the refresh lock, learn its outcome and fail the same way at once,
/// instead of each waiting a full request timeout (or giving up on the lock as if the store
/// were at fault).
#[test]
fn readers_queued_behind_a_hanging_token_endpoint_fail_with_it_at_once() {
    let server = oauth_server(OAuthConfig::default());
    let mut av = with_browser(&server);
    login(&av);
    expire_locally(&av);
    av.set("AGENTVIEW_REQUEST_TIMEOUT", "2");
    let before = std::fs::read(av.credentials_file()).unwrap();
    // Far longer than the request timeout (2 s here), for as many requests as there are readers.
    let hang = std::time::Duration::from_secs(120);
    server.push_oauth_fault(OAuthFault::Slow { on: OAuthEndpoint::Token, delay: hang, count: 6 });
    let children: Vec<_> =
        (0..6).map(|_| av.command(&["token"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    let runs: Vec<Run> =
        children.into_iter().map(|c| support::cli::wait_with_deadline(c, std::time::Duration::from_secs(90))).collect();
    let codes: Vec<i32> = runs.iter().map(|r| r.code).collect();
    let stderr: Vec<&str> = runs.iter().map(|r| r.stderr.as_str()).collect();
    assert_eq!(codes, [7; 6], "the server is the slow part, not the store: {stderr:#?}");
    assert_eq!(server.token_requests("refresh_token"), 1, "one request to the hanging endpoint: {stderr:#?}");
    assert!(runs.iter().all(|r| r.stdout.is_empty()));
    let told = runs.iter().filter(|r| r.stderr.contains("another agentview process")).count();
    assert_eq!(told, 5, "the readers that did not ask were told why: {stderr:#?}");
    assert_eq!(std::fs::read(av.credentials_file()).unwrap(), before, "the stored credential is kept");
}

/// The authorization server forgot agentview's client (a restart of an in-memory server): no
/// retry helps, only a login, which registers again. `token`, `exec` and `status` say so with
/// exit 4 (not logged in) and the login command, not a "try again later" exit 7.
#[test]
fn a_forgotten_client_at_renewal_is_not_logged_in_with_the_login_command() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    let client_id = stored(&av)["oauth"]["client_id"].as_str().unwrap().to_string();
    assert!(server.forget_client(&client_id));
    expire_locally(&av);
    let issuer = stored(&av)["oauth"]["issuer"].as_str().unwrap().to_string();
    let login_command = "log in again (agentview registers itself anew where the server allows it): agentview";
    for args in [&["token"][..], &["exec", "--", "true"][..]] {
        let run = av.run(args);
        assert_eq!(run.code, 4, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("invalid_client"), "{args:?}: names the server's reason: {}", run.stderr);
        assert!(run.stderr.contains(login_command), "{args:?}: the login command: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: no token: {}", run.stdout);
    }
    // status still says what it knows locally, then why it could not renew.
    let run = av.run(&["status"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("The credential has EXPIRED for {}", server.mcp_url())), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("issuer:  {issuer}")), "{}", run.stdout);
    assert!(run.stdout.contains("renewal: FAILED"), "{}", run.stdout);
    assert!(run.stderr.contains("invalid_client") && run.stderr.contains(login_command), "{}", run.stderr);
    let json = av.run(&["status", "--json"]);
    assert_eq!(json.code, 4, "{}", json.stderr);
    let doc: Value = serde_json::from_str(&json.stdout).expect("status --json is JSON");
    assert_eq!(doc["logged_in"], false);
    assert!(doc["renewal_error"].as_str().unwrap().contains("invalid_client"), "{doc}");
    // The login the hint names gets a new registration and a token at once.
    let run = av.run(&["login", "--method", "oauth"]).expect_code(0);
    assert!(run.stderr.contains("Logged in to"), "{}", run.stderr);
    assert_ne!(stored(&av)["oauth"]["client_id"].as_str().unwrap(), client_id, "registered again");
}

/// An authorization server that does not answer: `status` still reports who, where and until
/// when from the store, says the renewal failed, and exits 7 (try again later).
#[test]
fn status_reports_what_it_knows_when_the_authorization_server_is_down() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    expire_locally(&av);
    server.push_oauth_fault(OAuthFault::Status { on: OAuthEndpoint::Token, status: 503, count: 5 });
    let run = av.run(&["status"]);
    assert_eq!(run.code, 7, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("The credential has EXPIRED for"), "{}", run.stdout);
    assert!(run.stdout.contains("source:  file ("), "{}", run.stdout);
    assert!(run.stdout.contains("renewal: FAILED"), "{}", run.stdout);
    assert!(run.stderr.contains("503"), "{}", run.stderr);
}
