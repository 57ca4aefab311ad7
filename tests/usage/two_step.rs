//! `login --no-wait --json`, then the `resume_command` it prints.

use serde_json::Value;

use super::support::cli::{Agentview, Run};
use super::support::server::{ServerConfig, TestServer};
use super::{broken_keyring, logged_in};

/// Start a login without waiting; the parsed handshake.
fn start(av: &Agentview) -> Value {
    let run = av.run(&["login", "--no-wait", "--json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&run.stdout).expect("one JSON document on stdout");
    for key in ["server", "session_request_id", "login_url", "expires_at", "expires_in", "resume_command"] {
        assert!(doc.get(key).is_some(), "handshake has {key}: {doc}");
    }
    assert!(!run.stderr.contains('{'), "the document is on stdout only:\n{}", run.stderr);
    doc
}

/// Run the handshake's `resume_command` exactly as printed.
fn resume(av: &Agentview, doc: &Value) -> Run {
    let command = doc["resume_command"].as_str().expect("resume_command is a string");
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[0], "agentview", "{command}");
    av.run(&words[1..])
}

#[test]
fn no_wait_then_resume_stores_the_token() {
    let server = TestServer::start(ServerConfig::default());
    let av = Agentview::new(&server.mcp_url());
    let doc = start(&av);
    let id = doc["session_request_id"].as_str().expect("id").to_string();
    assert_eq!(doc["server"], server.mcp_url());
    assert_eq!(doc["login_url"], format!("{}/login/{id}", server.base_url()));
    assert!(doc["expires_in"].as_u64().is_some_and(|s| s > 0), "{doc}");
    assert!(doc["expires_at"].as_str().is_some_and(|s| s.ends_with('Z')), "{doc}");
    assert_eq!(server.sessions().len(), 1);
    assert!(!av.credentials_file().exists(), "nothing is stored before approval");

    assert!(server.approve(&id));
    let token = server.token_for(&id).expect("token");
    let run = resume(&av, &doc).expect_code(0);
    run.assert_no_leak(&token);
    assert_eq!(av.token(), token);
    assert_eq!(server.calls().create, 1, "resuming does not start a new login");
}

#[test]
fn resume_of_a_denied_login_exits_5() {
    let server = TestServer::start(ServerConfig::default());
    let av = Agentview::new(&server.mcp_url());
    let doc = start(&av);
    assert!(server.deny(doc["session_request_id"].as_str().expect("id")));
    let run = resume(&av, &doc).expect_code(5);
    assert!(run.stderr.contains("denied"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}

#[test]
fn resume_reads_the_id_from_stdin() {
    let server = TestServer::start(ServerConfig::default());
    let av = Agentview::new(&server.mcp_url());
    let id = start(&av)["session_request_id"].as_str().expect("id").to_string();
    assert!(server.approve(&id));
    av.run_with_stdin(&["login", "--resume", "-"], format!("{id}\n").as_bytes()).expect_code(0);
    assert_eq!(av.token(), server.token_for(&id).expect("token"));
}

#[test]
fn resume_finishes_even_when_already_logged_in() {
    let server = TestServer::start(ServerConfig { auto_approve_after_polls: Some(1), ..ServerConfig::default() });
    let av = Agentview::new(&server.mcp_url());
    let old = logged_in(&server, &av);
    let doc = start(&av);
    let id = doc["session_request_id"].as_str().expect("id").to_string();
    assert!(server.approve(&id));
    resume(&av, &doc).expect_code(0);
    let new = server.token_for(&id).expect("token");
    assert_ne!(old, new);
    assert_eq!(av.token(), new, "the resumed login replaced the old credential");
}

#[test]
fn both_steps_check_the_store_before_calling_the_server() {
    let server = TestServer::start(ServerConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    broken_keyring(&mut av);
    let run = av.run(&["login", "--no-wait", "--json", "--store", "keyring"]).expect_code(8);
    assert!(run.stdout.is_empty(), "no handshake for a login that could not be stored:\n{}", run.stdout);
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    let run = av.run(&["login", "--resume", "0f1e2d3c-unused", "--store", "keyring"]).expect_code(8);
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert!(server.requests().is_empty(), "no request reached the server");
}

#[cfg(unix)]
#[test]
fn resume_command_keeps_the_store_flags_and_runs_in_a_shell() {
    let server = TestServer::start(ServerConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    av.unset("AGENTVIEW_STORE").unset("AGENTVIEW_CONFIG_DIR");
    broken_keyring(&mut av);
    let dir = av.dir.path().join("my config");
    let dir_arg = dir.display().to_string();
    let run = av.run(&["--store", "file", "--config-dir", &dir_arg, "login", "--no-wait", "--json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&run.stdout).expect("handshake");
    let command = doc["resume_command"].as_str().expect("resume_command");
    assert!(command.contains("--store file --config-dir '"), "{command}");
    assert!(server.approve(doc["session_request_id"].as_str().expect("id")));

    // Paste it into a shell, as a person would.
    let bin_dir = super::support::cli::binary().parent().expect("binary dir").display().to_string();
    let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let child = std::process::Command::new("sh")
        .args(["-c", command])
        .env_clear()
        .envs(av.env_pairs().iter().map(|(k, v)| (k, v)))
        .env("PATH", path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sh starts");
    super::support::cli::wait_with_deadline(child, std::time::Duration::from_secs(60)).expect_code(0);
    assert!(dir.join("credentials.json").is_file(), "stored where the first step checked");
}

#[cfg(unix)]
#[test]
fn resume_command_repeats_env_headers_but_never_literal_ones() {
    let server = TestServer::start(ServerConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    av.set("PL_GRANT", "grant-from-env");
    let run = av
        .run(&[
            "-H",
            "Authorization: Bearer {env:PL_GRANT}",
            "-H",
            "X-Secret: literal-secret-value",
            "login",
            "--no-wait",
            "--json",
        ])
        .expect_code(0);
    assert!(!run.stdout.contains("literal-secret-value") && !run.stderr.contains("literal-secret-value"));
    assert!(!run.stdout.contains("grant-from-env") && !run.stderr.contains("grant-from-env"));
    let doc: Value = serde_json::from_str(&run.stdout).expect("handshake");
    let command = doc["resume_command"].as_str().expect("resume_command");
    assert!(command.contains("--header 'Authorization: Bearer {env:PL_GRANT}'"), "{command}");
    assert_eq!(doc["resume_needs_headers"], serde_json::json!(["X-Secret"]));
    assert!(run.stderr.contains("X-Secret") && run.stderr.contains("not printed"), "{}", run.stderr);
    let sent =
        server.requests().into_iter().find(|r| r.tool.as_deref() == Some("create_auth_session")).expect("create");
    assert_eq!(sent.headers.get("authorization").map(String::as_str), Some("Bearer grant-from-env"));
}

#[test]
fn no_wait_does_not_claim_a_method_nobody_named() {
    let server = super::approving_server();
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-wait", "--json"]).expect_code(0);
    assert!(!run.stderr.contains("--method session"), "{}", run.stderr);
    assert!(run.stderr.contains("--no-wait"), "{}", run.stderr);
}
