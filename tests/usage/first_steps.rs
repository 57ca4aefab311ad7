//! What someone new meets in the first minutes: a `--server` typed without a scheme, https
//! against a local server that speaks plain HTTP, `bridge` typed in a terminal, its help, and
//! the durations `status` shows.

use super::support::cli::Agentview;
use super::support::server::{ServerConfig, TestServer};

/// The first `error:` line and its hint, for messages that must say what to do.
fn error_and_hint(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| l.starts_with("error:") || l.trim_start().starts_with("hint:"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_loopback_server_without_a_scheme_is_suggested_as_http() {
    let av = Agentview::new("http://127.0.0.1:9/mcp");
    for (given, suggested) in [
        ("localhost:8931/mcp", "http://localhost:8931/mcp"),
        ("127.0.0.1:8931/mcp", "http://127.0.0.1:8931/mcp"),
        ("[::1]:8931/mcp", "http://[::1]:8931/mcp"),
    ] {
        let run = av.run(&["--server", given, "status"]).expect_code(2);
        let said = error_and_hint(&run.stderr);
        assert!(said.contains(&format!("did you mean {suggested}?")), "{given}: {said}");
        assert!(said.contains("plain HTTP"), "{given}: says why http: {said}");
    }
    // A server elsewhere is still https, and only https.
    let run = av.run(&["--server", "agentview.de/mcp", "status"]).expect_code(2);
    assert!(run.stderr.contains("did you mean https://agentview.de/mcp?"), "{}", run.stderr);
    assert!(!run.stderr.contains("http://"), "{}", run.stderr);
}

#[test]
fn https_to_a_local_server_that_speaks_plain_http_says_to_use_http() {
    let server = TestServer::start(ServerConfig::default());
    let plain = server.mcp_url();
    let tls = plain.replacen("http://", "https://", 1);
    let av = Agentview::new(&tls);
    for args in [&["login", "--method", "session", "--no-browser"][..], &["login", "--no-browser"][..]] {
        let run = av.run(args).expect_code(7);
        let said = error_and_hint(&run.stderr);
        assert!(said.contains(&format!("this server speaks plain HTTP: use {plain}")), "{args:?}:\n{}", run.stderr);
        assert!(!run.stderr.contains("InvalidContentType"), "no TLS jargon:\n{}", run.stderr);
        assert!(!run.stderr.contains("trying again"), "no retry of what cannot work:\n{}", run.stderr);
    }
    // The same server over http works: the advice is right.
    let mut av = Agentview::new(&plain);
    av.set("AGENTVIEW_REQUEST_TIMEOUT", "5");
    let run = av.run(&["status", "--check"]);
    assert!(!run.stderr.contains("plain HTTP"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn bridge_typed_in_a_terminal_says_what_it_is_and_still_bridges() {
    let server = TestServer::start(ServerConfig::default());
    let av = Agentview::new(&server.mcp_url());
    // `script` gives agentview a terminal for stdin; its own stdin is empty, so the terminal
    // sends an end of file: the bridge ends as it does when a client closes stdin.
    let Some(run) = super::support::cli::run_in_terminal(&av, &["bridge"]) else {
        return super::support::cli::skip(
            "AGENTVIEW_REQUIRE_TERMINAL",
            "util-linux `script` is not installed, so there is no terminal to test with",
        );
    };
    let run = run.expect_code(0);
    for needle in ["MCP clients start", "mcp-config", "JSON-RPC", "Ctrl-D"] {
        assert!(run.stdout.contains(needle), "the notice mentions {needle:?}:\n{}", run.stdout);
    }
    assert!(server.requests().is_empty(), "nothing sent without a message");
    // A message typed in the terminal is bridged: the server's answer comes back on stdout.
    let typed = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"typed","version":"1"}}}"#;
    let out = typed_in_terminal(&av, &["bridge"], &format!("{typed}\n")).expect("script ran before");
    assert!(out.contains(r#""id":1"#) && out.contains(r#""result""#), "the answer: {out}");
    assert!(server.requests().iter().any(|r| r.rpc_method.as_deref() == Some("initialize")), "{out}");
    // On a pipe (how clients start it) the bridge stays silent.
    let run = av.run_with_stdin(&["bridge"], b"").expect_code(0);
    assert_eq!(run.stderr, "", "no notice for a client");
}

/// agentview with a terminal for stdin (util-linux `script`) on which `typed` is typed, then
/// the end of input; what the terminal showed.
#[cfg(unix)]
fn typed_in_terminal(av: &Agentview, args: &[&str], typed: &str) -> Option<String> {
    use std::io::Write;
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = quote(&super::support::cli::binary().display().to_string());
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    let mut script = av.wrapper("script");
    script.args(["-q", "-e", "-c", &line, "/dev/null"]).stdin(std::process::Stdio::piped());
    let mut child = script.spawn().ok()?;
    let mut stdin = child.stdin.take()?;
    stdin.write_all(typed.as_bytes()).expect("type");
    drop(stdin);
    let run = super::support::cli::wait_with_deadline(child, std::time::Duration::from_secs(60));
    Some(run.stdout)
}

#[test]
fn bridge_help_shows_how_it_is_started_and_tried() {
    let av = Agentview::new("http://127.0.0.1:9/mcp");
    for flag in ["--help", "-h"] {
        let help = av.run(&["bridge", flag]).expect_code(0).stdout;
        for needle in ["agentview mcp-config", "npx @modelcontextprotocol/inspector agentview bridge", "not typed"] {
            assert!(help.contains(needle), "bridge {flag} mentions {needle:?}:\n{help}");
        }
    }
}

#[test]
fn durations_name_their_units() {
    let av = Agentview::new("https://agentview.example/mcp");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    for (ahead, shown) in [(3725 + 30, "(in 1h02m"), (62 + 30, "(in 1m"), (3 * 86_400 + 7200 + 30, "(in 3d02h")] {
        store(&av, "https://agentview.example/mcp", now + ahead);
        let run = av.run(&["status"]).expect_code(0);
        let expires = run.stdout.lines().find(|l| l.trim_start().starts_with("expires:")).unwrap_or_default();
        assert!(expires.contains(shown), "{ahead} s ahead: {expires}");
        let inside = expires.split("(in ").nth(1).unwrap_or_default();
        assert!(!inside.contains(':'), "a unit for every number, never 1:02: {expires}");
    }
}

/// A credentials file (0600) with one live bearer token for `server` that expires at `expires_at`.
fn store(av: &Agentview, server: &str, expires_at: u64) {
    let entry = serde_json::json!({"kind": "bearer", "token": "avt_first_steps", "expires_at": expires_at,
        "created_at": 1_700_000_000u64});
    let doc = serde_json::json!({"version": 1, "credentials": {server: entry}});
    std::fs::create_dir_all(av.config_dir()).expect("config dir");
    let path = av.credentials_file();
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write credentials");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

/// `agentview login https://host/mcp`, as `npx mcp-remote URL` takes it: the URL is the server
/// (said on stderr); a word that is no URL, or a second server beside --server, says to use
/// --server URL.
#[test]
fn a_url_as_the_argument_is_taken_as_the_server() {
    let other = "https://other.example/mcp";
    let av = Agentview::new("https://agentview.example/mcp");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    store(&av, other, now + 3_600);
    let run = av.run(&["status", other]).expect_code(0);
    assert!(run.stdout.contains(&format!("Logged in to {other}")), "{}", run.stdout);
    assert!(run.stderr.contains(&format!("Taking {other} as the server (--server).")), "{}", run.stderr);
    let run = av.run(&["token", other]).expect_code(0);
    assert_eq!(run.stdout, "avt_first_steps\n", "the token alone on stdout");
    for args in [&["login", "oauth"][..], &["token", "json"][..]] {
        let run = av.run(args).expect_code(2);
        assert!(run.stderr.contains(&format!("unexpected argument '{}'", args[1])), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("use --server URL"), "{args:?}: {}", run.stderr);
    }
    let run = av.run(&["--server", "https://agentview.example/mcp", "status", other]).expect_code(2);
    assert!(run.stderr.contains("two servers given"), "{}", run.stderr);
    assert!(run.stderr.contains("--server URL"), "{}", run.stderr);
    let help = av.run(&["login", "-h"]).expect_code(0).stdout;
    assert!(help.contains("[SERVER_URL]"), "the help says so:\n{help}");
}

/// `login -h` is the common options and a few examples; `--help` has every option.
#[test]
fn login_short_help_is_short_and_long_help_has_every_option() {
    let av = Agentview::new("https://agentview.example/mcp");
    let short = av.run(&["login", "-h"]).expect_code(0).stdout;
    let long = av.run(&["login", "--help"]).expect_code(0).stdout;
    assert!(short.lines().count() <= 60, "{} lines:\n{short}", short.lines().count());
    for common in
        ["--no-browser", "--timeout", "--force", "--method", "--client-id", "--server", "agentview login --help"]
    {
        assert!(short.contains(common), "-h shows {common}:\n{short}");
    }
    for rare in ["--client-assertion-file", "--id-token-file", "--resume", "--color"] {
        assert!(!short.contains(rare), "-h leaves out {rare}:\n{short}");
        assert!(long.contains(rare), "--help has {rare}:\n{long}");
    }
    assert!(long.lines().count() > short.lines().count() * 2, "{long}");
}
