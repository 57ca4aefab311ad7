//! The MCP session expiring (HTTP 404) at each step, and SSE streams closing before the response.

use std::time::Duration;

use super::support::cli::wait_until;
use super::support::fixture::approving;
use super::support::server::{Fault, Match, ServerConfig};
use super::{CREATE, Case, GET, method, requests_of, tool};

/// A stand-in answer for the initialized notification, so a queued fault skips it.
fn pass_notification() -> Fault {
    Fault::Raw {
        on: method("notifications/initialized"),
        status: 202,
        content_type: "text/plain".into(),
        body: String::new(),
        count: 1,
    }
}

/// A stand-in tools/list answer with the server's schemas, so a queued fault skips it.
fn pass_tools_list() -> Fault {
    let body = r#"{"jsonrpc":"2.0","id":{{id}},"result":{"tools":[
        {"name":"create_auth_session","inputSchema":{"type":"object","properties":{"agent_identifier":{"type":"string"},"scope":{"type":"string"}}}},
        {"name":"get_auth_session","inputSchema":{"type":"object","properties":{"session_request_id":{"type":"string"}}}}]}}"#;
    Fault::Raw {
        on: method("tools/list"),
        status: 200,
        content_type: "application/json".into(),
        body: body.into(),
        count: 1,
    }
}

fn expired_at(server: &super::TestServer) -> String {
    let expired = requests_of(server, |r| r.fault.as_deref() == Some("ExpireMcpSession"));
    assert_eq!(expired.len(), 1, "exactly one request hit the expired session");
    let r = &expired[0];
    r.tool.clone().or(r.rpc_method.clone()).unwrap_or_default()
}

#[test]
fn session_expires_before_the_initialized_notification() {
    let case = Case::with(vec![Fault::ExpireMcpSession]);
    case.survives();
    assert_eq!(expired_at(&case.server), "notifications/initialized");
    assert_eq!(case.server.calls().initialize, 2, "initialized again");
}

#[test]
fn session_expires_before_tools_list() {
    let case = Case::with(vec![pass_notification(), Fault::ExpireMcpSession]);
    case.survives();
    assert_eq!(expired_at(&case.server), "tools/list");
    assert_eq!(case.server.calls().initialize, 2, "initialized again");
}

#[test]
fn session_expires_before_create() {
    let case = Case::with(vec![pass_notification(), pass_tools_list(), Fault::ExpireMcpSession]);
    case.survives();
    assert_eq!(expired_at(&case.server), CREATE);
    assert_eq!(case.server.calls().initialize, 2, "initialized again");
}

#[test]
fn session_expires_while_polling() {
    let case = Case::new(super::support::server::ServerConfig {
        auto_approve_after_polls: Some(4),
        ..ServerConfig::default()
    });
    let run = std::thread::scope(|scope| {
        scope.spawn(|| {
            wait_until("a login session", Duration::from_secs(4), || {
                (!case.server.sessions().is_empty()).then_some(())
            });
            case.server.push_fault(Fault::ExpireMcpSession);
        });
        case.survives()
    });
    assert_eq!(expired_at(&case.server), GET, "{}", run.stderr);
    assert_eq!(case.server.calls().initialize, 2, "initialized again");
}

fn sse() -> ServerConfig {
    ServerConfig { sse: true, ..approving() }
}

/// The stream closed after the priming event; the response came on a GET with Last-Event-ID
/// sent no earlier than the server's `retry`.
fn resumed_after_retry(case: &Case, retry: Duration) {
    let gets = requests_of(&case.server, |r| r.http_method == "GET");
    assert_eq!(gets.len(), 1, "one resumed stream");
    let last = gets[0].last_event_id.as_deref().expect("the GET carried Last-Event-ID");
    assert!(!last.is_empty());
    let post = requests_of(&case.server, |r| r.fault.as_deref() == Some("SseCloseEarly"));
    assert_eq!(post.len(), 1);
    let waited = gets[0].at.duration_since(post[0].at);
    assert!(waited >= retry, "reconnected after {waited:?}, before the server's retry of {retry:?}");
}

fn sse_case(on: Match) -> Case {
    let case = Case::new(sse());
    case.server.push_fault(Fault::SseCloseEarly { on, retry_ms: 300, count: 1 });
    case
}

#[test]
fn sse_stream_closes_early_at_initialize() {
    let case = sse_case(method("initialize"));
    case.survives();
    resumed_after_retry(&case, Duration::from_millis(300));
}

#[test]
fn sse_stream_closes_early_at_tools_list() {
    let case = sse_case(method("tools/list"));
    case.survives();
    resumed_after_retry(&case, Duration::from_millis(300));
}

#[test]
fn sse_stream_closes_early_at_create() {
    let case = sse_case(tool(CREATE));
    case.survives();
    resumed_after_retry(&case, Duration::from_millis(300));
}

#[test]
fn sse_stream_closes_early_while_polling() {
    let case = sse_case(tool(GET));
    case.survives();
    resumed_after_retry(&case, Duration::from_millis(300));
}
