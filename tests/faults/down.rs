//! Failures that outlast the login window: nothing changes in the store.

use serde_json::json;

use super::support::cli::wait_until;
use super::support::server::{Fault, RetryAfter, ServerConfig};
use super::{Case, GET, tool};

#[test]
fn server_down_until_the_window_closes() {
    let case = Case::new(ServerConfig { expires_in: Some(json!(1)), ..ServerConfig::default() });
    case.server.push_fault(Fault::Status { on: tool(GET), status: 503, count: 100_000 });
    let run = case.fails(7);
    assert!(run.stderr.contains("the server kept failing until the login window closed"), "{}", run.stderr);
    assert!(run.stderr.contains("HTTP 503"), "names the last error: {}", run.stderr);
    super::assert_created_once(&case.server);
}

#[test]
fn connection_resets_until_timeout() {
    let case = Case::new(ServerConfig::default());
    case.server.push_fault(Fault::Reset { on: tool(GET), count: 100_000 });
    let run = case.av.run(&["login", "--no-browser", "--force", "--timeout", "1"]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("kept failing"), "{}", run.stderr);
    super::assert_untouched(&case.av, &case.before, &run);
    super::assert_created_once(&case.server);
}

#[test]
fn rate_limited_until_the_window_closes() {
    let case = Case::new(ServerConfig { expires_in: Some(json!(1)), ..ServerConfig::default() });
    case.server.push_fault(Fault::RateLimit {
        on: tool(GET),
        retry_after: Some(RetryAfter::Seconds(1)),
        count: 100_000,
    });
    let run = case.fails(7);
    assert!(run.stderr.contains("kept failing") && run.stderr.contains("429"), "{}", run.stderr);
    super::assert_created_once(&case.server);
}

#[test]
fn policy_denying_every_poll_until_the_window_closes() {
    let mut case = Case::new(ServerConfig { expires_in: Some(json!(1)), ..ServerConfig::default() });
    case.av.set("AGENTVIEW_POLICY_WAIT", "0.5");
    let message = "[INTERCEPT POLICY DENIED] rate limit exceeded";
    case.server.push_fault(Fault::PolicyDeny { on: tool(GET), message: message.into(), count: 100_000 });
    let run = case.fails(6);
    assert!(run.stderr.contains("refused by policy"), "{}", run.stderr);
    super::assert_created_once(&case.server);
}

#[test]
fn denied_login_keeps_the_previous_credential() {
    let case = Case::new(ServerConfig::default());
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let wait = std::time::Duration::from_secs(10);
            let s = wait_until("a login session", wait, || case.server.sessions().first().cloned());
            assert!(case.server.deny(&s.id));
        });
        case.fails(5);
    });
    assert_eq!(case.av.token(), super::support::fixture::OLD_TOKEN);
}
