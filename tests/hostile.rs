//! Hostile and broken servers: each answer must end in one clear error line naming what was
//! wrong, the documented exit code, no panic, nothing stored, and nothing from the server
//! reaching the terminal unsanitized.
#![allow(clippy::unwrap_used)]

use crate::support;

mod bodies;
mod create_fields;
mod login_urls;
mod poll_fields;
mod raw_server;
mod transport;
mod withstood;

use serde_json::Value;
use support::cli::{Agentview, Run};
use support::fixture::{approving, assert_terminal_safe, stored_tokens};
use support::server::{Fault, Match, ServerConfig, TestServer};

/// One hostile answer and what agentview must make of it.
#[derive(Debug)]
pub struct Hostile {
    pub name: &'static str,
    pub config: ServerConfig,
    pub faults: Vec<Fault>,
    pub code: i32,
    /// Part of the `error:` line (or, for exit 0, of a `warning:` line).
    pub says: &'static str,
}

pub fn hostile(name: &'static str, faults: Vec<Fault>, code: i32, says: &'static str) -> Hostile {
    Hostile { name, config: ServerConfig::default(), faults, code, says }
}

pub fn patch(on: &str, patch: Value) -> Fault {
    Fault::Patch { on: Match::Tool(on.into()), patch, count: 1000 }
}

pub fn raw(on: Match, status: u16, content_type: &str, body: &str) -> Fault {
    Fault::Raw { on, status, content_type: content_type.into(), body: body.into(), count: 1000 }
}

pub fn tool(name: &str) -> Match {
    Match::Tool(name.into())
}

pub fn method(name: &str) -> Match {
    Match::Method(name.into())
}

pub const CREATE: &str = "create_auth_session";
pub const GET: &str = "get_auth_session";

/// Run every case of a table; returns how many ran.
pub fn check_all(cases: Vec<Hostile>) -> usize {
    let n = cases.len();
    for case in cases {
        let server = TestServer::start(case.config.clone());
        for fault in case.faults.clone() {
            server.push_fault(fault);
        }
        let av = Agentview::new(&server.mcp_url());
        let run = av.run(&["login", "--no-browser"]);
        check_run(case.name, &run, case.code, case.says);
        if case.code == 0 {
            let token = server.sessions().first().and_then(|s| server.token_for(&s.id)).expect("a token was issued");
            assert_eq!(stored_tokens(&av), vec![(server.mcp_url(), token)], "{}: what was stored", case.name);
        } else {
            assert!(!av.credentials_file().exists(), "{}: something was stored\n{}", case.name, run.stderr);
        }
    }
    n
}

/// The exit code, the message, and a terminal-safe output.
pub fn check_run(name: &str, run: &Run, code: i32, says: &str) {
    assert_eq!(run.code, code, "{name}: exit code\n--- stderr\n{}", run.stderr);
    let prefix = if code == 0 { "warning:" } else { "error:" };
    assert!(
        run.stderr.lines().any(|l| l.starts_with(prefix) && l.contains(says)),
        "{name}: no {prefix} line saying {says:?}\n--- stderr\n{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().filter(|l| l.starts_with("error:")).count(), usize::from(code != 0), "{name}");
    assert_terminal_safe(&run.stderr);
    assert_terminal_safe(&run.stdout);
    assert!(run.stdout.is_empty(), "{name}: nothing on stdout: {:?}", run.stdout);
}

/// A config whose logins are approved on the second poll.
pub fn approved() -> ServerConfig {
    approving()
}
