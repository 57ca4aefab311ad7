//! What people see: colours (`--color`, `NO_COLOR`), `-v` request lines, `--help`.

use super::approving_server;
use super::support::cli::Agentview;

const ESC: &str = "\u{1b}[";

#[test]
fn color_always_paints_errors_and_never_does_not() {
    let mut av = Agentview::new("http://127.0.0.1:9/mcp");
    av.unset("NO_COLOR");
    let run = av.run(&["--color", "always", "token"]).expect_code(4);
    assert!(run.stderr.contains(&format!("{ESC}31;1merror:")), "{:?}", run.stderr);
    let run = av.run(&["--color", "never", "token"]).expect_code(4);
    assert!(!run.stderr.contains(ESC), "{:?}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn color_always_also_paints_errors_found_in_the_environment() {
    let mut av = Agentview::new("http://127.0.0.1:9/mcp");
    av.set("AGENTVIEW_STORE", "cloud");
    let run = av.run(&["--color", "always", "token"]).expect_code(2);
    assert!(run.stderr.contains(&format!("{ESC}31;1merror:")), "{:?}", run.stderr);
}

/// Unix: the terminal is a pseudo-terminal from util-linux `script`.
#[cfg(unix)]
#[test]
fn no_color_turns_auto_off_on_a_terminal() {
    let mut av = Agentview::new("http://127.0.0.1:9/mcp");
    av.unset("NO_COLOR");
    let Some(run) = super::support::cli::run_in_terminal(&av, &["--color", "auto", "token"]) else { return skip() };
    assert!(run.expect_code(4).stdout.contains(ESC), "a terminal gets colours by default");
    av.set("NO_COLOR", "1");
    let run = super::support::cli::run_in_terminal(&av, &["--color", "auto", "token"])
        .expect("script ran before")
        .expect_code(4);
    assert!(!run.stdout.contains(ESC), "{:?}", run.stdout);
    assert!(run.stdout.contains("error: not logged in"), "{:?}", run.stdout);
}

#[cfg(unix)]
fn skip() {
    super::support::cli::skip(
        "AGENTVIEW_REQUIRE_TERMINAL",
        "util-linux `script` is not installed, so there is no terminal to test with",
    );
}

#[test]
fn verbose_shows_requests_and_responses_but_never_the_token() {
    let server = approving_server();
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["-v", "login", "--no-browser"]).expect_code(0);
    let id = &server.sessions()[0].id;
    let token = server.token_for(id).expect("token");
    run.assert_no_leak(&token);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let sent = lines.iter().filter(|l| l.starts_with("→ ")).count();
    let received = lines.iter().filter(|l| l.starts_with("← ")).count();
    assert!(lines.iter().any(|l| l.starts_with("→ POST ") && l.contains("/mcp")), "{}", run.stderr);
    assert!(lines.iter().any(|l| l.starts_with("← 200")), "{}", run.stderr);
    assert!(sent >= 4 && received >= 4, "initialize, create, polls, close:\n{}", run.stderr);
    assert_eq!(sent, received, "one status line per request:\n{}", run.stderr);

    av.run(&["-v", "status"]).expect_code(0).assert_no_leak(&token);
    let token_run = av.run(&["-v", "token"]).expect_code(0);
    token_run.assert_stderr_clean(&token);
}

#[test]
fn help_has_examples_and_exit_codes() {
    let av = Agentview::new("http://127.0.0.1:9/mcp");
    let run = av.run(&["--help"]).expect_code(0);
    for needle in ["Examples:", "agentview login", "Exit codes:", "4 not logged in", "8 credential store failure"] {
        assert!(run.stdout.contains(needle), "--help mentions {needle:?}:\n{}", run.stdout);
    }
    let run = av.run(&["login", "--help"]).expect_code(0);
    for needle in ["Examples:", "--no-wait --json", "--with-token", "--resume"] {
        assert!(run.stdout.contains(needle), "login --help mentions {needle:?}:\n{}", run.stdout);
    }
}

#[cfg(unix)]
#[test]
#[allow(clippy::print_stderr)]
fn terminal_gets_a_countdown_bar_and_a_pipe_gets_plain_lines() {
    use super::support::server::{ServerConfig, TestServer};
    // Approve after a few polls so the bar is drawn at least once.
    let server = TestServer::start(ServerConfig { auto_approve_after_polls: Some(6), ..ServerConfig::default() });
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_POLL_INTERVAL", "0.2");
    let Some(run) = super::support::cli::run_in_terminal(&av, &["login", "--no-browser"]) else {
        return skip();
    };
    assert_eq!(run.code, 0, "{}", run.stdout);
    // A terminal with TERM unset cannot redraw: plain lines, never silence.
    assert!(run.stdout.contains("Waiting for approval (the login window closes at"), "{:?}", run.stdout);

    let server = TestServer::start(ServerConfig { auto_approve_after_polls: Some(6), ..ServerConfig::default() });
    let mut av = Agentview::new(&server.mcp_url());
    av.set("AGENTVIEW_POLL_INTERVAL", "0.2").set("TERM", "xterm");
    let run = super::support::cli::run_in_terminal(&av, &["login", "--no-browser"]).expect("script ran before");
    assert_eq!(run.code, 0, "{}", run.stdout);
    // `script` puts the terminal's output on its stdout: the bar, redrawn in place.
    assert!(run.stdout.contains("Waiting for approval ") && run.stdout.contains(" left "), "{:?}", run.stdout);
    assert!(run.stdout.contains("\u{1b}[2K"), "the bar redraws with escape codes on a terminal");

    let server = TestServer::start(ServerConfig { auto_approve_after_polls: Some(2), ..ServerConfig::default() });
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser"]).expect_code(0);
    assert!(run.stderr.contains("Waiting for approval (the login window closes at"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "no escape codes without a terminal: {:?}", run.stderr);
}

#[test]
fn login_help_lists_its_own_options_before_the_global_ones() {
    let av = Agentview::new("http://127.0.0.1:9/mcp");
    let help = av.run(&["login", "--help"]).expect_code(0).stdout;
    let at = |flag: &str| help.find(flag).unwrap_or_else(|| panic!("{flag} in login --help:\n{help}"));
    let globals = ["--server <URL>", "--store <STORE>", "--config-dir <DIR>", "-H, --header <H>", "-v, --verbose"];
    let first_global = globals.iter().map(|g| at(g)).min().expect("globals");
    for own in ["--no-browser", "--timeout <DURATION>", "--json", "--method <METHOD>", "--callback-port <PORT>"] {
        assert!(at(own) < first_global, "{own} comes before the global options:\n{help}");
    }
}

#[test]
#[allow(clippy::unwrap_used)]
fn a_server_root_that_refuses_posts_is_called_a_wrong_path() {
    use std::io::{Read, Write};
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in socket.incoming().flatten() {
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            let _ =
                stream.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let av = Agentview::new(&format!("http://127.0.0.1:{port}/"));
    let run = av.run(&["login", "--method", "session", "--no-browser"]).expect_code(7);
    let error = run.stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(error.contains("root") && error.contains("/mcp"), "{}", run.stderr);
    assert!(!error.contains("HTTP+SSE"), "{}", run.stderr);
}

/// `--client-secret-stdin` speaks of the client secret and of its own flag, not of a token and
/// `--with-token`.
#[test]
fn client_secret_stdin_errors_speak_of_the_secret() {
    let mut av = Agentview::new("http://127.0.0.1:9/mcp");
    av.set("AGENTVIEW_STDIN_TIMEOUT", "0.2");
    let flows: [&[&str]; 2] = [
        &["login", "--client-credentials", "--client-id", "ci", "--client-secret-stdin"],
        &["login", "--client-id", "ci", "--client-secret-stdin"],
    ];
    for args in flows {
        for input in [&b""[..], b"two words", b"\xff\xfe"] {
            let run = av.run_with_stdin(args, input).expect_code(2);
            assert!(run.stderr.contains("client secret"), "{input:?}: {}", run.stderr);
            assert!(!run.stderr.contains("token") && !run.stderr.contains("--with-token"), "{input:?}: {}", run.stderr);
        }
    }
}

/// Every hint says something: a refused config dir, whatever the command and the store.
#[cfg(unix)]
#[test]
fn no_hint_line_is_empty() {
    use std::os::unix::fs::PermissionsExt;
    let mut av = Agentview::new("http://127.0.0.1:9/mcp");
    std::fs::create_dir_all(av.config_dir()).expect("config dir");
    std::fs::set_permissions(av.config_dir(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    av.set("AGENTVIEW_KEYRING_BACKEND", "secret-service").set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    let commands: [&[&str]; 7] = [
        &["token"],
        &["status"],
        &["status", "--all"],
        &["exec", "--", "true"],
        &["logout"],
        &["login", "--no-browser"],
        &["login", "--with-token"],
    ];
    for store in ["file", "auto", "keyring"] {
        av.set("AGENTVIEW_STORE", store);
        for args in commands {
            let run = av.run_with_stdin(args, b"avt_token\n");
            for line in run.stderr.lines().filter(|l| l.trim_start().starts_with("hint:")) {
                assert!(line.trim().len() > "hint:".len(), "{store} {args:?}: an empty hint\n{}", run.stderr);
                assert!(!line.contains("--store auto") || store != "auto", "{store} {args:?}: {}", run.stderr);
            }
        }
    }
}

/// A config dir others can write is refused by `logout` as by `token` (exit 8, naming it), not
/// "nothing to remove"; and `login` under `--store auto` with no keyring does not suggest
/// `--store file`, the refused part.
#[cfg(unix)]
#[test]
fn a_refused_config_dir_is_said_by_logout_and_login() {
    use std::os::unix::fs::PermissionsExt;
    let mut av = Agentview::new("http://127.0.0.1:9/mcp");
    std::fs::create_dir_all(av.config_dir()).expect("config dir");
    std::fs::set_permissions(av.config_dir(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    av.set("AGENTVIEW_KEYRING_BACKEND", "secret-service").set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    for store in ["file", "auto"] {
        av.set("AGENTVIEW_STORE", store);
        for args in [&["logout"][..], &["logout", "--local"][..]] {
            let run = av.run(args);
            assert_eq!(run.code, 8, "{store} {args:?}: {}", run.stderr);
            assert!(run.stderr.contains("writable by other users"), "{store} {args:?}: {}", run.stderr);
            assert!(!run.stderr.contains("nothing to remove"), "{store} {args:?}: {}", run.stderr);
        }
    }
    av.set("AGENTVIEW_STORE", "auto");
    let run = av.run(&["login", "--no-browser"]);
    assert_eq!(run.code, 8, "{}", run.stderr);
    assert!(run.stderr.contains("writable by other users"), "{}", run.stderr);
    assert!(!run.stderr.contains("--store file"), "the file is the refused part: {}", run.stderr);
}

/// Without a keyring, the plain-text warning comes once the server proved usable, before the
/// login URL (nothing is approved yet); a login that fails on a bad server says nothing of it.
#[cfg(target_os = "linux")]
#[test]
fn the_plain_text_warning_waits_for_a_usable_server_and_comes_before_the_url() {
    let no_keyring = |av: &mut Agentview| {
        av.set("AGENTVIEW_STORE", "auto")
            .set("AGENTVIEW_KEYRING_BACKEND", "secret-service")
            .set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    };
    let held = super::support::ports::held_port();
    let mut av = Agentview::new(&held.dead_server());
    no_keyring(&mut av);
    let run = av.run(&["login", "--no-browser"]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(!run.stderr.contains("no usable OS keyring"), "no warning before a failed login:\n{}", run.stderr);
    let server = approving_server();
    let mut av = Agentview::new(&server.mcp_url());
    no_keyring(&mut av);
    let run = av.run(&["login", "--no-browser"]).expect_code(0);
    let warning = run.stderr.find("warning: no usable OS keyring").unwrap_or_else(|| panic!("{}", run.stderr));
    let url = run.stderr.find(", open:").unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(warning < url, "the warning comes before the login URL:\n{}", run.stderr);
}
