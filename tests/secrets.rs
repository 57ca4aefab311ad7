//! The token and a proxy grant never reach any output with `-v`, except stdout of `token` and
//! `login --print-token`; and `-v` really traces the requests.
#![allow(clippy::unwrap_used)]

use crate::support;

use serde_json::json;
use support::cli::{Agentview, Run};
use support::fixture::approving;
use support::server::{Fault, Match, ServerConfig, TestServer};

const GRANT: &str = "plg_grant_value_that_must_stay_private";

/// agentview with -v and a proxy grant passed through the environment.
fn verbose(server: &TestServer) -> Agentview {
    let mut av = Agentview::new(&server.mcp_url());
    av.set("PL_GRANT", GRANT);
    av
}

fn v<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["-v", "--header", "Authorization: Bearer {env:PL_GRANT}"];
    all.extend_from_slice(args);
    all
}

/// The run ended with `code` (so it got as far as it should), and nothing secret is anywhere
/// in its output.
fn clean(what: &str, run: &Run, code: i32, secrets: &[&str]) {
    assert_eq!(run.code, code, "{what}: exit code\n{}", run.stderr);
    for secret in secrets {
        assert!(!run.stderr.contains(secret), "{what}: a secret reached stderr:\n{}", run.stderr);
        assert!(!run.stdout.contains(secret), "{what}: a secret reached stdout:\n{}", run.stdout);
    }
}

fn token_of(server: &TestServer) -> String {
    let sessions = server.sessions();
    server.token_for(&sessions.last().expect("a session").id).expect("a token")
}

#[test]
fn successful_logins_and_reads_with_verbose_output() {
    for config in [approving(), ServerConfig { sse: true, ..approving() }] {
        let server = TestServer::start(config);
        server.push_fault(Fault::SseChunks { size: 5, crlf: true });
        let av = verbose(&server);

        let login = av.run(&v(&["login", "--no-browser"]));
        assert_eq!(login.code, 0, "{}", login.stderr);
        let token = token_of(&server);
        clean("login -v", &login, 0, &[&token, GRANT]);
        assert!(login.stderr.contains("→ POST"), "-v traces requests:\n{}", login.stderr);
        assert!(login.stderr.contains("tools/call get_auth_session"), "{}", login.stderr);
        assert!(login.stderr.contains("→ DELETE"), "{}", login.stderr);
        let grant_sent = server
            .requests()
            .iter()
            .all(|r| r.headers.get("authorization").map(String::as_str) == Some(&format!("Bearer {GRANT}")));
        assert!(grant_sent, "the grant went to the server in the header, and only there");

        let printed = av.run(&v(&["login", "--no-browser", "--force", "--print-token"]));
        assert_eq!(printed.code, 0, "{}", printed.stderr);
        let token = token_of(&server);
        assert_eq!(printed.stdout, format!("{token}\n"), "--print-token prints the token alone");
        clean("login --print-token -v (stderr)", &Run { stdout: String::new(), ..printed }, 0, &[&token, GRANT]);

        let json = av.run(&v(&["login", "--no-browser", "--force", "--json"]));
        assert_eq!(json.code, 0, "{}", json.stderr);
        let token = token_of(&server);
        clean("login --json -v", &json, 0, &[&token, GRANT]);

        let read = av.run(&v(&["token"]));
        assert_eq!(read.stdout, format!("{token}\n"));
        clean("token -v (stderr)", &Run { stdout: String::new(), ..read }, 0, &[&token, GRANT]);
        for args in [&["status"][..], &["status", "--json"], &["logout"]] {
            let r = av.run(&v(args));
            clean(&format!("{args:?} -v"), &r, 0, &[&token, GRANT]);
        }
    }
}

#[test]
fn env_token_stays_private_in_status() {
    let server = TestServer::start(ServerConfig::default());
    let mut av = verbose(&server);
    av.set("AGENTVIEW_TOKEN", "avt_from_the_environment_0123456789");
    let r = av.run(&v(&["status"]));
    clean("status -v with AGENTVIEW_TOKEN", &r, 0, &["avt_from_the_environment_0123456789", GRANT]);
}

/// Failed logins where the server did send a token (or the grant was in play).
#[test]
fn failed_logins_with_verbose_output() {
    let tool = |name: &str| Match::Tool(name.into());
    let cases: Vec<(&str, Vec<Fault>, &str, i32)> = vec![
        (
            "token with a control character",
            vec![Fault::Patch {
                on: tool("get_auth_session"),
                patch: json!({"status": "active", "token": "avt_leaky_secret_value\u{1b}[0m"}),
                count: 100,
            }],
            "avt_leaky_secret_value",
            7,
        ),
        (
            "token with a newline",
            vec![Fault::Patch {
                on: tool("get_auth_session"),
                patch: json!({"status": "active", "token": "avt_line_one_secret\nline_two"}),
                count: 100,
            }],
            "avt_line_one_secret",
            7,
        ),
        (
            "token of the wrong type",
            vec![Fault::Patch {
                on: tool("get_auth_session"),
                patch: json!({"status": "active", "token": ["avt_in_an_array_secret"]}),
                count: 100,
            }],
            "avt_in_an_array_secret",
            7,
        ),
        (
            "expiry that is the token",
            vec![Fault::Patch {
                on: tool("get_auth_session"),
                patch: json!({"status": "active", "token": "avt_expiry_secret_value", "tokenExpiresAt": "avt_expiry_secret_value", "sessionRequestId": null}),
                count: 100,
            }],
            "avt_expiry_secret_value",
            0,
        ),
        (
            "JSON-RPC error after approval",
            vec![Fault::Raw {
                on: tool("get_auth_session"),
                status: 200,
                content_type: "application/json".into(),
                body: r#"{"jsonrpc":"2.0","id":{{id}},"error":{"code":-32603,"message":"internal"}}"#.into(),
                count: 100,
            }],
            GRANT,
            7,
        ),
        ("server down", vec![Fault::Status { on: tool("get_auth_session"), status: 503, count: 100_000 }], GRANT, 7),
    ];
    for (name, faults, secret, code) in cases {
        let server = TestServer::start(ServerConfig { expires_in: Some(json!(1)), ..approving() });
        for fault in faults {
            server.push_fault(fault);
        }
        let av = verbose(&server);
        let r = av.run(&v(&["login", "--no-browser"]));
        assert!(r.stderr.contains("→ POST"), "{name}: -v traces requests");
        clean(name, &r, code, &[secret, GRANT]);
        // The odd expiry is only a warning; every other case fails and stores nothing.
        if r.code != 0 {
            assert!(!av.credentials_file().exists(), "{name}: nothing stored");
        } else {
            assert!(r.stderr.contains("ignoring the token expiry"), "{name}: {}", r.stderr);
        }
    }
}

/// The store cannot take the write after approval (another process holds its lock for longer
/// than the store waits): the token was in memory, never in any output.
#[test]
fn store_failure_after_approval() {
    let server = TestServer::start(approving());
    let mut av = verbose(&server);
    av.set("AGENTVIEW_LOCK_TIMEOUT", "0.3");
    std::fs::create_dir_all(av.config_dir()).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(av.config_dir().join("credentials.json.lock"))
        .unwrap();
    lock.lock().unwrap();
    let r = av.run(&v(&["login", "--no-browser"]));
    lock.unlock().unwrap();
    assert_eq!(r.code, 8, "{}", r.stderr);
    assert!(r.stderr.contains("approved but the credential could not be stored"), "{}", r.stderr);
    let token = token_of(&server);
    clean("store failure", &r, 8, &[&token, GRANT]);
    assert!(!av.credentials_file().exists());
}
