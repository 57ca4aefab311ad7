//! Whole responses that are not what MCP promises: not JSON, HTML, JSON-RPC errors, wrong ids,
//! event streams without a response.

use super::support::server::{Match, ServerConfig};
use super::{CREATE, GET, Hostile, check_all, hostile, method, raw, tool};

const JSON: &str = "application/json";
const SSE: &str = "text/event-stream";

fn rpc_error(code: i64, message: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":{{{{id}}}},"error":{{"code":{code},"message":"{message}"}}}}"#)
}

#[test]
fn bodies_that_are_not_json_rpc() {
    let html = "<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>";
    let cases = vec![
        hostile("non-JSON 200 at create", vec![raw(tool(CREATE), 200, JSON, "ok!")], 7, "the response is not JSON"),
        hostile("non-JSON 200 at initialize", vec![raw(method("initialize"), 200, JSON, "{")], 7, "not JSON"),
        hostile("empty JSON body", vec![raw(tool(CREATE), 200, JSON, "")], 7, "the response body is empty"),
        hostile("HTML 200 at create", vec![raw(tool(CREATE), 200, "text/html", html)], 7, "is text/html instead"),
        hostile("HTML 200 at tools/list", vec![raw(method("tools/list"), 200, "text/html", html)], 7, "text/html"),
        hostile("HTML 500 at create", vec![raw(tool(CREATE), 500, "text/html", html)], 7, "HTTP 500"),
        hostile(
            "HTML 404 at initialize",
            vec![raw(method("initialize"), 404, "text/html", html)],
            7,
            "no MCP endpoint",
        ),
        hostile("405 at initialize", vec![raw(method("initialize"), 405, "text/html", html)], 7, "HTTP+SSE"),
        hostile("401 at initialize", vec![raw(method("initialize"), 401, "text/plain", "no")], 7, "HTTP 401"),
        hostile("no content type", vec![raw(tool(CREATE), 200, "", "{}")], 7, "no Content-Type"),
        hostile("a JSON number", vec![raw(tool(CREATE), 200, JSON, "[7]")], 7, "expected a JSON-RPC object"),
        hostile(
            "neither result nor error",
            vec![raw(tool(CREATE), 200, JSON, r#"{"jsonrpc":"2.0","id":{{id}}}"#)],
            7,
            "neither \"result\" nor \"error\"",
        ),
        hostile(
            "wrong response id",
            vec![raw(tool(CREATE), 200, JSON, r#"{"jsonrpc":"2.0","id":424242,"result":{}}"#)],
            7,
            "does not answer request id",
        ),
        hostile(
            "response id as a string",
            vec![raw(tool(CREATE), 200, JSON, r#"{"jsonrpc":"2.0","id":"{{id}}","result":{}}"#)],
            7,
            "does not answer request id",
        ),
        hostile(
            "tools/list without tools",
            vec![raw(method("tools/list"), 200, JSON, r#"{"jsonrpc":"2.0","id":{{id}},"result":{}}"#)],
            7,
            "no \"tools\" array",
        ),
        hostile(
            "not an agentView server",
            vec![raw(method("tools/list"), 200, JSON, r#"{"jsonrpc":"2.0","id":{{id}},"result":{"tools":[]}}"#)],
            7,
            "not an agentView server",
        ),
        Hostile {
            name: "unsupported protocol version with ANSI",
            config: ServerConfig { protocol_version: Some("1999-\u{1b}[31m01".into()), ..ServerConfig::default() },
            faults: vec![],
            code: 7,
            says: "protocol version \"1999-[31m01\"",
        },
    ];
    check_all(cases);
}

#[test]
fn json_rpc_errors_on_each_step() {
    let cases = vec![
        hostile(
            "-32602 on create",
            vec![raw(tool(CREATE), 200, JSON, &rpc_error(-32602, "Unknown tool"))],
            7,
            "JSON-RPC error -32602: Unknown tool",
        ),
        hostile(
            "-32601 on create",
            vec![raw(tool(CREATE), 200, JSON, &rpc_error(-32601, "Method not found"))],
            7,
            "JSON-RPC error -32601",
        ),
        hostile(
            "-32602 on get",
            vec![raw(tool(GET), 200, JSON, &rpc_error(-32602, "bad params"))],
            7,
            "JSON-RPC error -32602: bad params",
        ),
        hostile(
            "-32601 on get",
            vec![raw(tool(GET), 200, JSON, &rpc_error(-32601, "Method not found"))],
            7,
            "JSON-RPC error -32601",
        ),
        hostile(
            "-32601 on tools/list",
            vec![raw(method("tools/list"), 200, JSON, &rpc_error(-32601, "nope"))],
            7,
            "JSON-RPC error -32601",
        ),
        hostile(
            "-32600 on initialize, and no stateless protocol either",
            vec![
                raw(method("initialize"), 200, JSON, &rpc_error(-32600, "bad")),
                raw(method("server/discover"), 200, JSON, &rpc_error(-32601, "Method not found")),
            ],
            7,
            "JSON-RPC error -32600",
        ),
        hostile(
            "error message with ANSI",
            vec![raw(tool(CREATE), 200, JSON, &rpc_error(-32000, "\\u001b[31mred\\u001b]8;;x\\u0007\\u202e"))],
            7,
            "JSON-RPC error -32000: [31mred]8;;x",
        ),
    ];
    check_all(cases);
}

#[test]
fn event_streams_without_the_response() {
    let sse_raw = |on: Match, body: &str| raw(on, 200, SSE, body);
    let cases = vec![
        hostile(
            "only comments, then close",
            vec![sse_raw(tool(CREATE), ": hello\n\n: still working\n\n")],
            7,
            "the event stream closed before the response arrived",
        ),
        hostile(
            "only other ids, then close",
            vec![sse_raw(tool(CREATE), "data: {\"jsonrpc\":\"2.0\",\"id\":999,\"result\":{}}\n\n")],
            7,
            "closed before the response arrived",
        ),
        hostile(
            "data that is not JSON",
            vec![sse_raw(tool(CREATE), "data: hello\u{1b}[31m\n\n")],
            7,
            "an event in the stream is not JSON",
        ),
        hostile(
            "JSON-RPC error in a stream",
            vec![sse_raw(tool(GET), &format!("data: {}\n\n", rpc_error(-32602, "gone")))],
            7,
            "JSON-RPC error -32602: gone",
        ),
        hostile(
            "priming event, then close, resume not allowed",
            vec![sse_raw(tool(CREATE), "id: p1\nretry: 10\ndata:\n\n"), raw(Match::HttpGet, 405, "text/plain", "")],
            7,
            "does not allow resuming",
        ),
        hostile(
            "priming event, resume answers HTML",
            vec![sse_raw(tool(CREATE), "id: p1\nretry: 10\ndata:\n\n"), raw(Match::HttpGet, 200, "text/html", "<p>")],
            7,
            "the resumed stream is not text/event-stream",
        ),
        hostile(
            "priming events forever",
            vec![
                sse_raw(tool(CREATE), "id: p1\nretry: 10\ndata:\n\n"),
                raw(Match::HttpGet, 200, SSE, "id: p2\ndata:\n\n"),
            ],
            7,
            "closed before the response arrived",
        ),
    ];
    check_all(cases);
}
