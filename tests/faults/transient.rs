//! 5xx bursts, resets, hangs and 429s: retried, and the login succeeds.

use std::time::Duration;

use super::support::server::{Fault, RetryAfter};
use super::{CREATE, Case, GET, gap_after_fault, method, tool};

#[test]
fn burst_of_503_at_initialize() {
    Case::with(vec![Fault::Status { on: method("initialize"), status: 503, count: 2 }]).survives();
}

#[test]
fn burst_of_503_at_initialized_notification() {
    Case::with(vec![Fault::Status { on: method("notifications/initialized"), status: 503, count: 1 }]).survives();
}

#[test]
fn burst_of_503_at_tools_list() {
    Case::with(vec![Fault::Status { on: method("tools/list"), status: 503, count: 2 }]).survives();
}

#[test]
fn burst_of_503_while_polling() {
    let case = Case::with(vec![Fault::Status { on: tool(GET), status: 503, count: 4 }]);
    case.survives();
    assert!(case.server.calls().get >= 6, "kept polling through the burst");
}

#[test]
fn burst_of_502_at_create_is_retried_once_unprocessed() {
    Case::with(vec![Fault::Status { on: tool(CREATE), status: 502, count: 1 }]).survives();
}

#[test]
fn connection_resets_mid_response_while_polling() {
    Case::with(vec![Fault::Reset { on: tool(GET), count: 3 }]).survives();
}

#[test]
fn connection_reset_mid_response_at_initialize() {
    Case::with(vec![Fault::Reset { on: method("initialize"), count: 1 }]).survives();
}

#[test]
fn poll_hanging_past_the_request_timeout() {
    let mut case = Case::with(vec![Fault::Slow { on: tool(GET), delay: Duration::from_secs(4), count: 1 }]);
    case.av.set("AGENTVIEW_REQUEST_TIMEOUT", "1");
    case.survives();
    let gets: Vec<_> = super::requests_of(&case.server, |r| r.tool.as_deref() == Some(GET));
    let hung = gets.iter().position(|r| r.status == 0).expect("a poll the client gave up on");
    let gap = gets[hung + 1].at.duration_since(gets[hung].at);
    // Its status 0 says the server never got to answer it: the client gave up first.
    assert!(gap >= Duration::from_millis(950), "the hung poll was given up after the timeout, not before: {gap:?}");
}

#[test]
fn rate_limited_poll_with_retry_after_seconds() {
    let case =
        Case::with(vec![Fault::RateLimit { on: tool(GET), retry_after: Some(RetryAfter::Seconds(1)), count: 1 }]);
    case.survives();
    let gap = gap_after_fault(&case.server, |r| r.tool.as_deref() == Some(GET));
    assert!(gap >= Duration::from_millis(950), "Retry-After: 1 was honoured: {gap:?}");
}

#[test]
fn rate_limited_poll_with_retry_after_date() {
    let case =
        Case::with(vec![Fault::RateLimit { on: tool(GET), retry_after: Some(RetryAfter::HttpDate(2)), count: 1 }]);
    case.survives();
    let gap = gap_after_fault(&case.server, |r| r.tool.as_deref() == Some(GET));
    // The date has one-second resolution: two seconds ahead is at least one second away.
    assert!(gap >= Duration::from_millis(900), "the Retry-After date was honoured: {gap:?}");
}

#[test]
fn rate_limited_create_with_retry_after_seconds() {
    let case =
        Case::with(vec![Fault::RateLimit { on: tool(CREATE), retry_after: Some(RetryAfter::Seconds(1)), count: 1 }]);
    case.survives();
    let gap = gap_after_fault(&case.server, |r| r.tool.as_deref() == Some(CREATE));
    assert!(gap >= Duration::from_millis(950), "Retry-After: 1 was honoured: {gap:?}");
}

#[test]
fn rate_limited_create_with_retry_after_date() {
    let case =
        Case::with(vec![Fault::RateLimit { on: tool(CREATE), retry_after: Some(RetryAfter::HttpDate(2)), count: 1 }]);
    case.survives();
    let gap = gap_after_fault(&case.server, |r| r.tool.as_deref() == Some(CREATE));
    assert!(gap >= Duration::from_millis(900), "the Retry-After date was honoured: {gap:?}");
}

#[test]
fn rate_limited_initialize() {
    let case = Case::with(vec![Fault::RateLimit {
        on: method("initialize"),
        retry_after: Some(RetryAfter::Seconds(1)),
        count: 1,
    }]);
    case.survives();
    let gap = gap_after_fault(&case.server, |r| r.rpc_method.as_deref() == Some("initialize"));
    assert!(gap >= Duration::from_millis(950), "Retry-After: 1 was honoured: {gap:?}");
}

#[test]
fn policy_denied_polls_back_off_and_keep_polling() {
    let message = "[INTERCEPT POLICY DENIED] rate limit exceeded: 30/min for get_auth_session";
    let mut case = Case::with(vec![Fault::PolicyDeny { on: tool(GET), message: message.into(), count: 2 }]);
    case.av.set("AGENTVIEW_POLICY_WAIT", "0.6");
    case.survives();
    let gets: Vec<_> =
        case.server.requests().into_iter().filter(|r| r.tool.as_deref() == Some(GET)).map(|r| r.at).collect();
    assert!(gets.len() >= 4, "two denied polls, then polling went on: {}", gets.len());
    // The first two polls were denied: each next poll waited at least the policy wait.
    for pair in gets[..3].windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(gap >= Duration::from_millis(590), "a poll after a policy denial came after {gap:?}");
    }
    // That polling returns to the normal interval afterwards is shown on a fake clock
    // (session_tests.rs); a wall-clock upper bound here would flake on a busy machine.
}
