//! `--method auto|oauth|session` on the real binary: the matrix of what the server offers and
//! whether a browser can open, and the paste-back that completes a login with no browser at all.

use std::io::Write;
use std::time::Duration;

use super::*;
use support::server::{Fault, Match, OAuthEndpoint};

/// tools/list answers without agentView's login tools (once: one login's worth).
fn hide_tools(server: &TestServer) {
    server.push_fault(Fault::Raw {
        on: Match::Method("tools/list".into()),
        status: 200,
        content_type: "application/json".into(),
        body: r#"{"jsonrpc":"2.0","id":{{id}},"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}}"#
            .into(),
        count: 1,
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Picked {
    OAuth,
    Session,
    OAuthPaste,
    Fails,
}

/// Run `login` (auto) against a server with or without OAuth and tools, with or without a
/// browser; say which method ran. The session server approves on the second poll.
fn pick(oauth: bool, tools: bool, browser: bool) -> Picked {
    let config = ServerConfig {
        oauth: oauth.then(|| OAuthConfig { auto_approve: true, ..OAuthConfig::default() }),
        auto_approve_after_polls: Some(2),
        ..ServerConfig::default()
    };
    let server = TestServer::start(config);
    if !tools {
        hide_tools(&server);
    }
    let av = if browser { with_browser(&server) } else { Agentview::new(&server.mcp_url()) };
    // A login that must wait for a pasted redirect ends at this limit (stdin is empty here).
    let run = av.run(&["login", "--timeout", "1"]);
    let authorized = !server.oauth_requests_to(OAuthEndpoint::Authorize).is_empty() || !oauth;
    match run.code {
        0 if run.stderr.contains("Logging in with OAuth") && authorized => Picked::OAuth,
        0 if run.stderr.contains("login tools") && server.calls().create == 1 => Picked::Session,
        0 => panic!("logged in without saying how:\n{}", run.stderr),
        _ if run.stderr.contains("paste the redirect back") => Picked::OAuthPaste,
        _ => Picked::Fails,
    }
}

#[test]
fn the_auto_rule_on_the_real_binary() {
    use Picked::*;
    let table = [
        ((true, true, true), OAuth),
        ((true, false, true), OAuth),
        ((true, true, false), Session),
        ((true, false, false), OAuthPaste),
        ((false, true, true), Session),
        ((false, true, false), Session),
        ((false, false, true), Fails),
        ((false, false, false), Fails),
    ];
    for ((oauth, tools, browser), want) in table {
        assert_eq!(pick(oauth, tools, browser), want, "oauth={oauth} tools={tools} browser={browser}");
    }
}

#[test]
fn method_oauth_without_oauth_exits_7_and_says_what_is_offered() {
    let server = TestServer::start(ServerConfig::default());
    let av = with_browser(&server);
    let run = av.run(&["login", "--method", "oauth"]).expect_code(7);
    assert!(run.stderr.contains("offers no OAuth"), "{}", run.stderr);
    assert!(run.stderr.contains("--method session"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}

#[test]
fn method_session_without_tools_exits_7_and_says_what_is_offered() {
    let server = oauth_server(OAuthConfig::default());
    hide_tools(&server);
    let av = with_browser(&server);
    let run = av.run(&["login", "--method", "session"]).expect_code(7);
    assert!(run.stderr.contains("not an agentView server"), "{}", run.stderr);
    assert!(run.stderr.contains("--method oauth"), "{}", run.stderr);
    assert!(server.oauth_requests_to(OAuthEndpoint::Authorize).is_empty());
}

#[test]
fn the_method_comes_from_the_environment_too() {
    let config = ServerConfig {
        oauth: Some(OAuthConfig { auto_approve: true, ..OAuthConfig::default() }),
        auto_approve_after_polls: Some(2),
        ..ServerConfig::default()
    };
    let server = TestServer::start(config);
    let mut av = with_browser(&server);
    av.set("AGENTVIEW_LOGIN_METHOD", "session");
    let run = av.run(&["login"]).expect_code(0);
    assert!(run.stderr.contains("login tools"), "{}", run.stderr);
    assert_eq!(server.calls().create, 1);
    assert!(server.oauth_requests_to(OAuthEndpoint::Authorize).is_empty());
    av.set("AGENTVIEW_LOGIN_METHOD", "carrier-pigeon");
    let run = av.run(&["login", "--force"]).expect_code(2);
    assert!(run.stderr.contains("AGENTVIEW_LOGIN_METHOD"), "{}", run.stderr);
}

#[test]
fn a_pasted_redirect_completes_a_login_without_any_browser() {
    let server = TestServer::start(ServerConfig { oauth: Some(OAuthConfig::default()), ..ServerConfig::default() });
    let av = Agentview::new(&server.mcp_url());
    let mut child = av
        .command(&["login", "--method", "oauth", "--no-browser"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The person opens the printed URL on another machine and approves there; that browser
    // ends at an address it cannot reach, which the person pastes.
    let mut seen = String::new();
    let url = loop {
        let line = rx.recv_timeout(Duration::from_secs(20)).expect("agentview prints the URL");
        seen.push_str(&line);
        seen.push('\n');
        if let Some(url) = line.trim().strip_prefix("http://").filter(|u| u.contains("/authorize?")) {
            break format!("http://{url}");
        }
    };
    let page = Command::new("curl").args(["-fsS", "-o", NULL_DEVICE, &url]).status().unwrap();
    assert!(page.success());
    let redirect = server.approve_pending_authorization().expect("the page created an authorization");
    writeln!(stdin, "not the address").unwrap();
    writeln!(stdin, "{redirect}").unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    seen.extend(rx.try_iter().map(|l| l + "\n"));
    assert!(status.success(), "{seen}");
    assert!(seen.contains("paste"), "{seen}");
    assert!(seen.contains("warning:"), "the bad line was answered: {seen}");
    assert_eq!(stored(&av)["kind"], "oauth");
    assert!(server.access_token_valid(stored(&av)["token"].as_str().unwrap()));
}

#[test]
fn auto_uses_the_login_tools_when_the_oauth_setup_is_unusable() {
    let config = ServerConfig {
        oauth: Some(OAuthConfig { auto_approve: true, ..OAuthConfig::default() }),
        auto_approve_after_polls: Some(2),
        ..ServerConfig::default()
    };
    let server = TestServer::start(config);
    server.push_oauth_fault(support::server::OAuthFault::MetadataWithoutS256);
    let av = with_browser(&server);
    let run = av.run(&["login"]).expect_code(0);
    assert!(run.stderr.contains("warning: the server's OAuth setup cannot be used"), "{}", run.stderr);
    assert!(run.stderr.contains("S256"), "says why: {}", run.stderr);
    assert_eq!(server.calls().create, 1, "the login tools did the login");
    assert!(server.oauth_requests_to(OAuthEndpoint::Authorize).is_empty());
}

#[test]
fn auto_without_login_tools_reports_why_oauth_is_unusable() {
    let server = oauth_server(OAuthConfig::default());
    server.push_oauth_fault(support::server::OAuthFault::MetadataWithoutS256);
    hide_tools(&server);
    let av = with_browser(&server);
    let run = av.run(&["login"]).expect_code(7);
    let error = run.stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default().to_string();
    assert!(error.contains("S256"), "{}", run.stderr);
}
