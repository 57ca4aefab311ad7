//! Transport basics: JSON and SSE modes, session ids, stateless mode, tools/list, records and counters.
use super::*;

#[tokio::test]
async fn json_mode_initialize_session_and_counters() {
    let (server, mut rpc) = start(ServerConfig::default());
    let resp = rpc.send("initialize", init_params()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(header(&resp, "content-type").starts_with("application/json"));
    let sid = header(&resp, "mcp-session-id");
    assert!(!sid.is_empty(), "stateful mode issues Mcp-Session-Id");
    let msg: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(msg["id"], 1);
    assert_eq!(msg["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(msg["result"]["serverInfo"]["name"], "agentview-local");
    assert!(msg["result"]["capabilities"]["tools"].is_object());
    rpc.session = Some(sid.clone());
    let (status, ct, list) = rpc.rpc("tools/list", json!({})).await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    assert_eq!(list["result"]["tools"].as_array().unwrap().len(), 2);
    let del = rpc.request(reqwest::Method::DELETE).send().await.unwrap();
    assert!(del.status().is_success());
    // The session is gone: rmcp answers 404.
    let (status, _, _) = rpc.rpc("tools/list", json!({})).await;
    assert_eq!(status, 404);
    let calls = server.calls();
    assert_eq!((calls.initialize, calls.tools_list, calls.deletes), (1, 2, 1));
    assert_eq!((calls.initialized_notifications, calls.create, calls.get, calls.gets_sse), (0, 0, 0, 0));
}

#[tokio::test]
async fn sse_mode_has_priming_event_then_response() {
    let (server, mut rpc) = start(sse());
    let resp = rpc.send("initialize", init_params()).await;
    assert!(header(&resp, "content-type").starts_with("text/event-stream"));
    assert!(!header(&resp, "mcp-session-id").is_empty());
    rpc.session = Some(header(&resp, "mcp-session-id"));
    let events = parse_sse(&resp.text().await.unwrap());
    let (id, retry, data) = &events[0];
    assert!(id.is_some() && data.is_empty() && retry.is_some(), "priming first: {events:?}");
    let msg: Value = serde_json::from_str(&events[1].2).unwrap();
    assert_eq!(msg["result"]["protocolVersion"], "2025-11-25");
    // Later requests too.
    let resp = rpc.send("tools/list", json!({})).await;
    let events = parse_sse(&resp.text().await.unwrap());
    assert!(events[0].0.is_some() && events[0].2.is_empty());
    let msg: Value = serde_json::from_str(&events.last().unwrap().2).unwrap();
    assert_eq!(msg["id"], 2);
    assert_eq!(server.calls().tools_list, 1);
}

#[tokio::test]
async fn session_id_rules() {
    let (_server, mut rpc) = start(ServerConfig::default());
    // No session id on a non-initialize request: 400 from rmcp.
    let (status, _, _) = rpc.rpc("tools/list", json!({})).await;
    assert_eq!(status, 400);
    rpc.session = Some("not-a-session".into());
    let (status, _, _) = rpc.rpc("tools/list", json!({})).await;
    assert_eq!(status, 404);
    // Missing Accept alternatives: 406.
    let r = rpc
        .http
        .post(&rpc.url)
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .body(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":init_params()}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 406);
}

#[tokio::test]
async fn stateless_mode_json_and_sse() {
    for sse in [false, true] {
        let (server, mut rpc) = start(ServerConfig { stateful: false, sse, ..ServerConfig::default() });
        let resp = rpc.send("initialize", init_params()).await;
        assert!(resp.headers().get("mcp-session-id").is_none());
        let ct = header(&resp, "content-type");
        assert_eq!(ct.starts_with("text/event-stream"), sse);
        let body = resp.text().await.unwrap();
        if sse {
            let ev = parse_sse(&body);
            assert!(ev[0].0.is_some() && ev[0].2.is_empty(), "priming added in stateless SSE: {body}");
        }
        assert_eq!(message_of(&ct, &body)["result"]["protocolVersion"], "2025-11-25");
        let created = rpc.create().await;
        assert_eq!(rpc.get(created["sessionRequestId"].as_str().unwrap()).await["status"], "pending");
        let del = rpc.request(reqwest::Method::DELETE).send().await.unwrap();
        assert_eq!(del.status().as_u16(), 405);
        assert_eq!(server.calls().deletes, 1);
    }
}

#[tokio::test]
async fn tools_list_schemas_follow_id_arg() {
    for (id_arg, name) in [(IdArg::SnakeCase, "session_request_id"), (IdArg::CamelCase, "sessionRequestId")] {
        let (_server, mut rpc) = start(ServerConfig { id_arg, ..ServerConfig::default() });
        rpc.initialize().await;
        let (_, _, list) = rpc.rpc("tools/list", json!({})).await;
        let tools = list["result"]["tools"].as_array().unwrap();
        let create = tools.iter().find(|t| t["name"] == "create_auth_session").unwrap();
        let props = &create["inputSchema"]["properties"];
        assert_eq!(props["agent_identifier"]["type"], "string");
        assert_eq!(props["scope"]["type"], "string");
        let get = tools.iter().find(|t| t["name"] == "get_auth_session").unwrap();
        assert_eq!(get["inputSchema"]["properties"][name]["type"], "string");
        assert_eq!(get["inputSchema"]["required"], json!([name]));
        // The other spelling is a JSON-RPC invalid-params error.
        let other = if name == "sessionRequestId" { "session_request_id" } else { "sessionRequestId" };
        let (_, _, msg) = rpc.rpc("tools/call", json!({"name": "get_auth_session", "arguments": {other: "x"}})).await;
        assert_eq!(msg["error"]["code"], -32602, "{msg}");
    }
}

#[tokio::test]
async fn paginated_tools_list() {
    let (_server, mut rpc) = start(ServerConfig { paginate_tools: true, ..ServerConfig::default() });
    rpc.initialize().await;
    let (_, _, first) = rpc.rpc("tools/list", json!({})).await;
    assert_eq!(first["result"]["tools"].as_array().unwrap().len(), 1);
    let cursor = first["result"]["nextCursor"].as_str().unwrap().to_string();
    let (_, _, second) = rpc.rpc("tools/list", json!({"cursor": cursor})).await;
    assert_eq!(second["result"]["tools"][0]["name"], "get_auth_session");
    assert!(second["result"].get("nextCursor").is_none_or(Value::is_null));
}

#[tokio::test]
async fn unknown_tool_is_a_jsonrpc_error() {
    let (_server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let (status, _, msg) = rpc.rpc("tools/call", json!({"name": "nope", "arguments": {}})).await;
    assert_eq!(status, 200);
    assert_eq!(msg["error"]["code"], -32602);
}

#[tokio::test]
async fn records_capture_headers() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let r = rpc
        .request(reqwest::Method::POST)
        .header("content-type", "application/json")
        .header("authorization", "Bearer grant-1")
        .header("x-custom", "hello")
        .body(json!({"jsonrpc":"2.0","id":"abc","method":"tools/call","params":{"name":"create_auth_session","arguments":{"agent_identifier":"a/1"}}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let recs = server.requests();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0].rpc_method.as_deref(), Some("initialize"));
    assert!(recs[0].session_id.is_none() && !recs[0].authorization);
    assert_eq!(recs[1].rpc_method.as_deref(), Some("notifications/initialized"));
    assert_eq!(recs[1].status, 202);
    let call = &recs[2];
    assert_eq!((call.http_method.as_str(), call.tool.as_deref()), ("POST", Some("create_auth_session")));
    assert_eq!(call.rpc_id, Some(json!("abc")));
    assert_eq!(call.arguments.as_ref().unwrap()["agent_identifier"], "a/1");
    assert!(call.authorization);
    assert_eq!(call.headers.get("x-custom").map(String::as_str), Some("hello"));
    assert_eq!(call.protocol_version.as_deref(), Some("2025-11-25"));
    assert_eq!(call.accept.as_deref(), Some(ACCEPT));
    assert_eq!(call.content_type.as_deref(), Some("application/json"));
    assert_eq!(call.session_id, rpc.session);
    assert_eq!(call.status, 200);
    assert!(call.at >= recs[0].at);
}

#[tokio::test]
async fn protocol_version_override() {
    let cfg = ServerConfig { protocol_version: Some("2025-06-18".into()), ..ServerConfig::default() };
    for sse in [false, true] {
        let (_server, mut rpc) = start(ServerConfig { sse, ..cfg.clone() });
        assert_eq!(rpc.initialize().await["result"]["protocolVersion"], "2025-06-18");
    }
    let (_server, mut rpc) =
        start(ServerConfig { protocol_version: Some("1999-01-01".into()), stateful: false, ..cfg });
    assert_eq!(rpc.initialize().await["result"]["protocolVersion"], "1999-01-01");
}

#[tokio::test]
async fn odd_requests_get_4xx_and_the_server_keeps_working() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let post =
        |body: &'static str, ct: &'static str| rpc.request(reqwest::Method::POST).header("content-type", ct).body(body);
    let cases = [
        post("", "application/json"),
        post("{not json", "application/json"),
        post("[]", "application/json"),
        post(r#"{"jsonrpc":"2.0","id":1}"#, "application/json"),
        post(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, "text/plain"),
        rpc.request(reqwest::Method::PUT),
    ];
    for req in cases {
        let status = req.send().await.unwrap().status().as_u16();
        assert!((400..500).contains(&status), "{status}");
    }
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 200);
    assert_eq!(server.requests().len(), 2 + 6 + 1);
    assert!(server.requests().iter().all(|r| r.status != 0));
}
