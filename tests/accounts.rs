//! Several accounts at one server, on the real binary against the local authorization server,
//! which signs in as the person the browser's `user` cookie names: two logins as two people,
//! each kept on its own (credentials file and OS keyring), `switch`, `--account` on `token`,
//! `exec`, `status`, `bridge` and `mcp-config`, a logout of one that leaves the other; and a
//! store the previous release wrote, which is the server's `default` account with nothing lost.
#![allow(clippy::unwrap_used)]

use crate::support;

#[cfg(unix)]
mod config;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use serde_json::Value;
use support::cli::{Agentview, NULL_DEVICE, require_secret_service};
use support::server::{OAuthConfig, ServerConfig, TestServer};

fn oauth_server() -> TestServer {
    TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig { auto_approve: true, ..OAuthConfig::default() }),
        ..ServerConfig::default()
    })
}

/// agentview whose "browser" approves at once, signed in at the authorization server as `person`.
fn as_person(av: &mut Agentview, person: &str) {
    av.set("BROWSER", &format!("curl -fsSL -b user={person} -o {NULL_DEVICE}"));
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The token `agentview ARGS token` prints.
fn token(av: &Agentview, flags: &[&str]) -> String {
    let mut args = flags.to_vec();
    args.push("token");
    av.run(&args).expect_code(0).stdout.trim_end().to_string()
}

/// The Authorization header the server saw on the bridge's `initialize`, sent by
/// `agentview FLAGS bridge`.
fn bridge_bearer(av: &Agentview, server: &TestServer, flags: &[&str]) -> String {
    let mut args = flags.to_vec();
    args.push("bridge");
    let mut child =
        av.command(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let initialize = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    writeln!(stdin, "{initialize}").unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    drop(stdin);
    let _ = child.wait();
    assert_eq!(json(&line)["id"], 1, "the bridge answered initialize: {line}");
    let seen = server.requests().into_iter().rev().find(|r| r.rpc_method.as_deref() == Some("initialize")).unwrap();
    seen.headers.get("authorization").cloned().unwrap_or_default()
}

/// Everything a person does with two accounts at one server, in `av`'s store.
fn two_people_at_one_server(av: &mut Agentview, server: &TestServer) {
    as_person(av, "alice");
    let first = av.run(&["login", "--method", "oauth"]).expect_code(0);
    assert!(first.stderr.contains("Logged in to") && !first.stderr.contains("(account"), "{}", first.stderr);
    as_person(av, "bob");
    let second = av.run(&["--account", "work", "login", "--method", "oauth"]).expect_code(0);
    assert!(second.stderr.contains("(account work)"), "{}", second.stderr);
    assert!(second.stderr.contains("active account") && second.stderr.contains("stays default"), "{}", second.stderr);

    let prompts: Vec<Option<String>> = server
        .oauth_requests_to(support::server::OAuthEndpoint::Authorize)
        .iter()
        .map(|a| a.param("prompt").map(str::to_string))
        .collect();
    assert_eq!(prompts.first(), Some(&None), "the first account: nobody else to pick from");
    assert!(
        prompts.last().and_then(|p| p.as_deref()).is_some_and(|p| p.split(' ').any(|v| v == "select_account")),
        "the second account lets the person pick another identity: {prompts:?}"
    );
    let (alice, bob) = (token(av, &[]), token(av, &["--account", "work"]));
    assert_eq!(server.access_token_user(&alice).as_deref(), Some("alice"));
    assert_eq!(server.access_token_user(&bob).as_deref(), Some("bob"), "the second login did not overwrite the first");
    av.set("AGENTVIEW_ACCOUNT", "work");
    assert_eq!(token(av, &[]), bob);
    av.unset("AGENTVIEW_ACCOUNT");

    let listed = av.run(&["switch"]).expect_code(0);
    assert!(listed.stdout.contains("default") && listed.stdout.contains("work"), "{}", listed.stdout);
    let doc = json(&av.run(&["switch", "--json"]).expect_code(0).stdout);
    assert_eq!(doc["active"], "default");
    assert_eq!(doc["accounts"].as_array().map(Vec::len), Some(2), "{doc}");

    let switched = av.run(&["switch", "work"]).expect_code(0);
    assert!(switched.stderr.contains("work") && switched.stderr.contains("active account"), "{}", switched.stderr);
    assert_eq!(token(av, &[]), bob, "the active account is used without --account");
    let missing = av.run(&["switch", "nobody"]).expect_code(4);
    assert!(missing.stderr.contains("no account nobody") && missing.stderr.contains("--account nobody login"));
    av.run(&["--account", "no/slash", "token"]).expect_code(2);

    let exec = av.run(&["--account", "default", "exec", "--", "sh", "-c", "printf %s \"$AGENTVIEW_TOKEN\""]);
    assert_eq!(exec.expect_code(0).stdout, alice);
    av.set("AGENTVIEW_BIN", &support::cli::binary().display().to_string());
    let nested = av.run(&["--account", "default", "exec", "--", "sh", "-c", "\"$AGENTVIEW_BIN\" status --json"]);
    let nested = json(&nested.expect_code(0).stdout);
    assert_eq!(nested["account"], "default", "an agentview the command runs uses the same account: {nested}");

    let status = av.run(&["status"]).expect_code(0);
    assert!(status.stdout.contains("login:   work (active); also default"), "{}", status.stdout);
    let doc = json(&av.run(&["--account", "default", "status", "--json"]).expect_code(0).stdout);
    assert_eq!((doc["account"].as_str(), doc["active"].as_bool()), (Some("default"), Some(false)), "{doc}");
    let all = json(&av.run(&["status", "--all", "--json"]).expect_code(0).stdout);
    let accounts: Vec<(&str, bool)> = all["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["server"] == server.mcp_url().as_str())
        .map(|c| (c["account"].as_str().unwrap(), c["active"].as_bool().unwrap()))
        .collect();
    assert_eq!(accounts, [("default", false), ("work", true)], "{all}");

    assert_eq!(bridge_bearer(av, server, &[]), format!("Bearer {bob}"));
    assert_eq!(bridge_bearer(av, server, &["--account", "default"]), format!("Bearer {alice}"));

    let config = av.run(&["--account", "default", "mcp-config", "vscode"]).expect_code(0);
    let args = json(&config.stdout)["servers"]["agentview"]["args"].clone();
    let args: Vec<&str> = args.as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(args.windows(2).any(|w| w == ["--account", "default"]), "{}", config.stdout);
    let plain = av.run(&["mcp-config", "vscode"]).expect_code(0);
    assert!(!plain.stdout.contains("--account"), "without --account the config follows switch: {}", plain.stdout);

    for secret in [&alice, &bob] {
        for run in [&first, &second, &listed, &status] {
            run.assert_no_leak(secret);
        }
    }

    let out = av.run(&["logout"]).expect_code(0);
    assert!(out.stderr.contains("(account work)"), "{}", out.stderr);
    assert!(out.stderr.contains("active account") && out.stderr.contains("is now default"), "{}", out.stderr);
    assert!(!server.access_token_valid(&bob), "the work account's tokens were revoked");
    assert!(server.access_token_valid(&alice), "the other account's tokens were not");
    assert_eq!(token(av, &[]), alice);
    av.run(&["--account", "work", "token"]).expect_code(4);
    let listed = av.run(&["switch"]).expect_code(0);
    assert!(listed.stdout.contains("default") && !listed.stdout.contains("work"), "{}", listed.stdout);
}

#[test]
fn two_people_at_one_server_in_the_credentials_file() {
    let server = oauth_server();
    two_people_at_one_server(&mut Agentview::new(&server.mcp_url()), &server);
}

#[test]
fn two_people_at_one_server_in_the_keyring() {
    if !require_secret_service() {
        return;
    }
    let server = oauth_server();
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_STORE", "keyring").set("AGENTVIEW_KEYRING_BACKEND", "secret-service").with_session_bus();
    two_people_at_one_server(&mut av, &server);
    assert!(!av.credentials_file().exists(), "nothing went to the file");
}

/// A credentials file exactly as the previous release wrote it: one entry, under the server URL.
fn previous_release_file(server: &str) -> Value {
    serde_json::json!({
        "version": 1,
        "credentials": {
            server: {
                "kind": "bearer",
                "token": "tok-from-the-previous-release",
                "expires_at": 4_000_000_000u64,
                "user": {"name": "Ada", "email": "ada@example.org"},
                "created_at": 1_700_000_000u64
            }
        }
    })
}

#[cfg(unix)]
#[test]
fn a_store_of_the_previous_release_is_the_default_account_with_nothing_lost() {
    let server = "https://mcp.example.com/mcp";
    let av = Agentview::new(server);
    std::fs::create_dir_all(av.config_dir()).unwrap();
    let old = previous_release_file(server);
    let path = av.credentials_file();
    std::fs::write(&path, serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();

    assert_eq!(token(&av, &[]), "tok-from-the-previous-release", "no new login");
    assert_eq!(token(&av, &["--account", "default"]), "tok-from-the-previous-release");
    let status = av.run(&["status"]).expect_code(0);
    assert!(status.stdout.contains("Logged in to") && status.stdout.contains("Ada"), "{}", status.stdout);
    let listed = av.run(&["switch"]).expect_code(0);
    assert!(listed.stdout.contains("default") && listed.stdout.contains("(active)"), "{}", listed.stdout);

    // A second account joins it; the previous release's entry stays as it was, and active.
    av.run_with_stdin(&["--account", "bot", "login", "--with-token"], b"tok-of-the-bot").expect_code(0);
    assert_eq!(token(&av, &[]), "tok-from-the-previous-release", "the older account stays active");
    assert_eq!(token(&av, &["--account", "bot"]), "tok-of-the-bot");

    // What the previous release reads of the file now (its rules: version 1, and the entry under
    // the server URL it asks for, as it wrote it; entries under other keys are kept untouched
    // by its writes, which change only their own key).
    let now: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(now["version"], 1);
    assert_eq!(now["credentials"][server], old["credentials"][server], "byte for byte the same entry");
    let keys: Vec<&String> = now["credentials"].as_object().unwrap().keys().collect();
    assert_eq!(keys, [server, &format!("{server}#account=bot")]);

    // Its logout (of the default account) leaves the other account; a switch shows so.
    av.run(&["logout", "--local"]).expect_code(0);
    av.run(&["--account", "default", "token"]).expect_code(4);
    assert_eq!(token(&av, &[]), "tok-of-the-bot", "the remaining account became active");
}

#[test]
fn switch_with_a_server_remembers_it_until_another_is_named() {
    let mut av = Agentview::new("https://mcp.example.com/mcp");
    av.unset("AGENTVIEW_SERVER");
    let remember = av.run(&["--server", "https://mcp.example.com/mcp/", "switch"]).expect_code(0);
    assert!(remember.stderr.contains("use https://mcp.example.com/mcp from now on"), "{}", remember.stderr);
    av.run_with_stdin(&["login", "--with-token"], b"tok-remembered").expect_code(0);
    assert_eq!(token(&av, &[]), "tok-remembered");
    let doc = json(&av.run(&["status", "--json"]).expect_code(0).stdout);
    assert_eq!(
        (doc["server"].as_str(), doc["server_from"].as_str()),
        (Some("https://mcp.example.com/mcp"), Some("remembered"))
    );
    let text = av.run(&["status"]).expect_code(0).stdout;
    assert!(text.contains("remembered by `switch --server`"), "{text}");

    // An explicit server wins, the flag and the variable alike.
    let other = av.run(&["--server", "https://other.example.com/mcp", "status", "--json"]).expect_code(4);
    assert_eq!(json(&other.stdout)["server_from"], "flag");
    av.set("AGENTVIEW_SERVER", "https://other.example.com/mcp");
    assert_eq!(json(&av.run(&["status", "--json"]).expect_code(4).stdout)["server_from"], "env");
    av.unset("AGENTVIEW_SERVER");

    // Naming the built-in server forgets the remembered one.
    let forget = av.run(&["--server", "https://agentview.de/mcp", "switch"]).expect_code(0);
    assert!(forget.stderr.contains("use https://agentview.de/mcp again"), "{}", forget.stderr);
    let doc = json(&av.run(&["status", "--json"]).expect_code(4).stdout);
    assert_eq!(
        (doc["server"].as_str(), doc["server_from"].as_str()),
        (Some("https://agentview.de/mcp"), Some("default"))
    );
}
