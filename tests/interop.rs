//! Interop: the login works against every server shape agentView-compatible servers take.

use crate::support;

use support::cli::Agentview;
use support::server::{IdArg, ResultShape, ServerConfig, TestServer, TokenMode};

/// Log in against a server with `config`; returns the token `token` printed.
fn logs_in(config: ServerConfig) -> (TestServer, Agentview, String) {
    let server = TestServer::start(ServerConfig { auto_approve_after_polls: Some(1), ..config });
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser"]).expect_code(0);
    assert_eq!(server.sessions().len(), 1);
    let token = av.token();
    if server.sessions()[0].token.is_some() {
        // A session-bound credential is the session id, which the login URL carries by design.
        run.assert_stderr_clean(&token);
    }
    (server, av, token)
}

#[test]
fn every_transport_mode_and_output_shape() {
    for sse in [false, true] {
        for stateful in [true, false] {
            for structured in [true, false] {
                let config = ServerConfig { sse, stateful, structured, ..ServerConfig::default() };
                let (server, _, token) = logs_in(config);
                let id = &server.sessions()[0].id;
                assert_eq!(Some(token), server.token_for(id), "sse={sse} stateful={stateful} structured={structured}");
                let with_session = server.requests().iter().filter(|r| r.session_id.is_some()).count();
                if stateful {
                    assert!(with_session > 0, "stateful servers get the session id back");
                } else {
                    assert_eq!(with_session, 0, "stateless: no session id invented");
                }
            }
        }
    }
}

#[test]
fn result_shapes_and_argument_spellings() {
    for shape in [ResultShape::Camel, ResultShape::Snake, ResultShape::Wrapped, ResultShape::TextOnly] {
        for id_arg in [IdArg::SnakeCase, IdArg::CamelCase] {
            let (server, _, token) = logs_in(ServerConfig { shape, id_arg, ..ServerConfig::default() });
            assert_eq!(Some(token), server.token_for(&server.sessions()[0].id), "{shape:?} {id_arg:?}");
            let get = server.requests().into_iter().find(|r| r.tool.as_deref() == Some("get_auth_session"));
            let args = get.and_then(|r| r.arguments).expect("polled with arguments");
            assert!(args.get(id_arg.name()).is_some(), "argument named as the schema says: {args}");
        }
    }
}

#[test]
fn paginated_tool_lists_are_followed() {
    let (server, _, token) = logs_in(ServerConfig { paginate_tools: true, ..ServerConfig::default() });
    assert_eq!(Some(token), server.token_for(&server.sessions()[0].id));
    assert!(server.calls().tools_list >= 2, "followed nextCursor");
}

#[test]
fn older_protocol_versions_work() {
    for version in ["2025-06-18", "2025-03-26"] {
        let (server, _, _) =
            logs_in(ServerConfig { protocol_version: Some(version.into()), ..ServerConfig::default() });
        let calls: Vec<_> =
            server.requests().into_iter().filter(|r| r.rpc_method.as_deref() == Some("tools/call")).collect();
        assert!(!calls.is_empty());
        for call in calls {
            assert_eq!(call.protocol_version.as_deref(), Some(version), "negotiated version in the header");
        }
    }
}

#[test]
fn unknown_protocol_version_fails_clearly() {
    let server =
        TestServer::start(ServerConfig { protocol_version: Some("1999-01-01".into()), ..ServerConfig::default() });
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser"]).expect_code(7);
    assert!(run.stderr.contains("1999-01-01") && run.stderr.contains("does not support"), "{}", run.stderr);
    assert!(server.sessions().is_empty(), "no login was started");
}

#[test]
fn session_bound_identity_is_stored_as_a_session_credential() {
    let (server, av, token) = logs_in(ServerConfig { token_mode: TokenMode::SessionOnly, ..ServerConfig::default() });
    assert_eq!(token, server.sessions()[0].id, "the session request id is the credential");
    let status = av.run(&["status", "--json"]).expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
    assert_eq!(doc["kind"], "session");
}

#[test]
fn session_bound_identity_without_an_echoed_id_is_our_session_id() {
    let server = TestServer::start(ServerConfig { auto_approve_after_polls: Some(2), ..ServerConfig::default() });
    // Active, with neither a token nor the session id: identity is bound to the id we created.
    server.push_fault(support::server::Fault::Patch {
        on: support::server::Match::Tool("get_auth_session".into()),
        patch: serde_json::json!({"status": "active", "token": null, "sessionRequestId": null, "user": null}),
        count: 100,
    });
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser"]).expect_code(0);
    assert!(run.stderr.contains("session id"), "{}", run.stderr);
    let id = server.sessions()[0].id.clone();
    assert_eq!(av.token(), id);
    let status = av.run(&["status", "--json"]).expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
    assert_eq!(doc["kind"], "session");
}

#[test]
fn not_an_agentview_server() {
    // An MCP endpoint whose tools/list lacks the two tools.
    let server = TestServer::start(ServerConfig::default());
    server.push_fault(support::server::Fault::Raw {
        on: support::server::Match::Method("tools/list".into()),
        status: 200,
        content_type: "application/json".into(),
        body: r#"{"jsonrpc":"2.0","id":{{id}},"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}}"#
            .into(),
        count: 1,
    });
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser"]).expect_code(7);
    assert!(run.stderr.contains("not an agentView server"), "{}", run.stderr);
}

/// A server that speaks only the stateless protocol (2026-07-28) refuses the handshake and names
/// the version it supports: agentview switches, and every later request is stateless.
#[test]
fn a_server_that_refuses_the_handshake_gets_the_stateless_protocol() {
    use support::server::{Fault, Match};
    let refusal = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2026-07-28"]}}}"#;
    for stateful in [true, false] {
        let server =
            TestServer::start(ServerConfig { auto_approve_after_polls: Some(1), stateful, ..ServerConfig::default() });
        server.push_fault(Fault::Raw {
            on: Match::Method("initialize".into()),
            status: 400,
            content_type: "application/json".into(),
            body: refusal.into(),
            count: 1000,
        });
        let av = Agentview::new(&server.mcp_url());
        av.run(&["login", "--no-browser"]).expect_code(0);
        let token = av.token();
        assert_eq!(Some(token), server.token_for(&server.sessions()[0].id), "stateful={stateful}");
        let requests = server.requests();
        let modern: Vec<_> = requests.iter().filter(|r| r.rpc_method.as_deref() != Some("initialize")).collect();
        assert!(modern.iter().any(|r| r.rpc_method.as_deref() == Some("server/discover")), "stateful={stateful}");
        for request in modern.iter().filter(|r| r.http_method == "POST") {
            assert_eq!(request.protocol_version.as_deref(), Some("2026-07-28"), "{request:?}");
            assert_eq!(request.session_id, None, "no session in the stateless protocol: {request:?}");
            assert_eq!(request.headers.get("mcp-method"), request.rpc_method.as_ref(), "{request:?}");
        }
        let call = modern.iter().find(|r| r.tool.as_deref() == Some("create_auth_session")).expect("create called");
        assert_eq!(call.headers.get("mcp-name").map(String::as_str), Some("create_auth_session"));
        assert_eq!(server.calls().initialized_notifications, 0, "no handshake");
    }
}
