//! The fault matrix: every transient failure of section 3 of the protocol, at each step of a
//! login, against the real binary. Each case checks the exit code, what the credentials file
//! holds afterwards, and that create_auth_session reached the tool exactly once.
#![allow(clippy::unwrap_used)]

use crate::support;

mod down;
mod expiry;
mod transient;

use std::time::Duration;

use support::cli::{Agentview, Run};
use support::fixture::{approving, assert_created_once, assert_replaced, assert_untouched, seed};
use support::server::{Fault, Match, RequestRecord, ServerConfig, TestServer};

/// A login with `--force` over a credentials file that already holds this server's and
/// another server's entries.
struct Case {
    server: TestServer,
    av: Agentview,
    before: Vec<u8>,
}

impl Case {
    fn new(config: ServerConfig) -> Case {
        let server = TestServer::start(config);
        let av = Agentview::new(&server.mcp_url());
        let before = seed(&av, &server.mcp_url());
        Case { server, av, before }
    }

    fn with(faults: Vec<Fault>) -> Case {
        let case = Case::new(approving());
        for fault in faults {
            case.server.push_fault(fault);
        }
        case
    }

    fn login(&self) -> Run {
        self.av.run(&["login", "--no-browser", "--force"])
    }

    /// The login succeeds, replaces this server's entry only, and created one session.
    fn survives(&self) -> Run {
        let run = self.login();
        assert_eq!(run.code, 0, "exit code\n--- stderr\n{}", run.stderr);
        assert_replaced(&self.av, &self.server, &run);
        assert_created_once(&self.server);
        run
    }

    /// The login fails with `code` and leaves the file as it was.
    fn fails(&self, code: i32) -> Run {
        let run = self.login();
        assert_eq!(run.code, code, "exit code\n--- stderr\n{}", run.stderr);
        assert_untouched(&self.av, &self.before, &run);
        run
    }
}

fn tool(name: &str) -> Match {
    Match::Tool(name.into())
}

fn method(name: &str) -> Match {
    Match::Method(name.into())
}

const CREATE: &str = "create_auth_session";
const GET: &str = "get_auth_session";

/// Requests of one kind, in arrival order.
fn requests_of(server: &TestServer, pick: impl Fn(&RequestRecord) -> bool) -> Vec<RequestRecord> {
    server.requests().into_iter().filter(|r| pick(r)).collect()
}

/// The gap between the first faulted request of a kind and the next one of that kind.
fn gap_after_fault(server: &TestServer, pick: impl Fn(&RequestRecord) -> bool) -> Duration {
    let list = requests_of(server, pick);
    let at = list.iter().position(|r| r.fault.is_some()).expect("a faulted request");
    let next = list.get(at + 1).expect("a request after the faulted one");
    next.at.duration_since(list[at].at)
}

#[test]
fn seeded_credentials_are_readable() {
    let case = Case::new(ServerConfig::default());
    assert_eq!(case.av.token(), support::fixture::OLD_TOKEN);
}
