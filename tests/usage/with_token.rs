//! `login --with-token`: a token piped in on stdin is stored; a terminal or bad input is refused.

use super::support::cli::{self, Agentview};
use super::support::server::{ServerConfig, TestServer};

const TOKEN: &str = "ci-token.abc123_-~";

#[test]
fn piped_token_is_stored() {
    let server = TestServer::start(ServerConfig::default());
    let av = Agentview::new(&server.mcp_url());
    let run = av.run_with_stdin(&["login", "--with-token"], format!("{TOKEN}\n").as_bytes()).expect_code(0);
    run.assert_no_leak(TOKEN);
    assert_eq!(av.token(), TOKEN);
    assert!(server.requests().is_empty(), "--with-token makes no server call");
}

#[test]
fn empty_stdin_is_a_usage_error() {
    let av = Agentview::new("http://127.0.0.1:9/mcp");
    let run = av.run_with_stdin(&["login", "--with-token"], b"").expect_code(2);
    assert!(run.stderr.contains("error:") && run.stderr.contains("empty"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}

#[test]
fn token_with_a_line_break_inside_is_refused() {
    let av = Agentview::new("http://127.0.0.1:9/mcp");
    let run = av.run_with_stdin(&["login", "--with-token"], b"first-half\nsecond-half\n").expect_code(2);
    assert!(run.stderr.contains("refusing the token"), "{}", run.stderr);
    assert!(!run.stderr.contains("first-half"), "the rejected input is not echoed:\n{}", run.stderr);
    assert!(!av.credentials_file().exists());
}

#[cfg(unix)]
#[test]
#[allow(clippy::print_stderr)]
fn terminal_stdin_is_refused_with_a_hint() {
    let av = Agentview::new("http://127.0.0.1:9/mcp");
    let Some(run) = cli::run_in_terminal(&av, &["login", "--with-token"]) else {
        return cli::skip("AGENTVIEW_REQUIRE_TERMINAL", "util-linux `script` is not installed");
    };
    let run = run.expect_code(2);
    assert!(run.stdout.contains("stdin is a terminal"), "{}", run.stdout);
    assert!(run.stdout.contains("hint:") && run.stdout.contains("--with-token"), "{}", run.stdout);
    assert!(!av.credentials_file().exists());
}

#[test]
fn silent_open_stdin_ends_with_an_error_instead_of_hanging() {
    let mut av = Agentview::new("http://127.0.0.1:9/mcp");
    av.set("AGENTVIEW_STDIN_TIMEOUT", "0.5");
    // stdin is a pipe whose writer stays open and never writes.
    let mut child = av
        .command(&["login", "--with-token"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("agentview starts");
    let writer = child.stdin.take().expect("piped stdin");
    let run = cli::wait_with_deadline(child, std::time::Duration::from_secs(30)).expect_code(2);
    drop(writer);
    assert!(run.stderr.contains("no input arrived on stdin"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}
