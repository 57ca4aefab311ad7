//! Faults that shape tool results and SSE streams: PolicyDeny, Patch, SseCloseEarly, SseChunks.
use super::*;

fn tool(name: &str) -> Match {
    Match::Tool(name.into())
}

#[tokio::test]
async fn policy_deny_is_a_tool_error() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let message = "[INTERCEPT POLICY DENIED] rate limit exceeded: 30/min";
    server.push_fault(Fault::PolicyDeny { on: tool("create_auth_session"), message: message.into(), count: 1 });
    let r = rpc.call("create_auth_session", json!({"agent_identifier": "a"})).await;
    assert_eq!((r["isError"].as_bool(), r["content"][0]["text"].as_str()), (Some(true), Some(message)));
    assert!(server.sessions().is_empty());
    assert_eq!(rpc.create().await["expiresIn"], 600);
    assert_eq!(server.requests().iter().filter(|r| r.tool.is_some()).count(), 2);
}

#[tokio::test]
async fn sse_close_early_then_resume_with_get() {
    for stateful in [true, false] {
        let (server, mut rpc) = start(ServerConfig { stateful, ..sse() });
        rpc.initialize().await;
        let on = tool("create_auth_session");
        server.push_fault(Fault::SseCloseEarly { on, retry_ms: 50, count: 1 });
        let args = json!({"name": "create_auth_session", "arguments": {"agent_identifier": "a"}});
        let r = rpc.send("tools/call", args).await;
        let events = parse_sse(&r.text().await.unwrap());
        assert_eq!(events.len(), 1, "only the priming event: {events:?}");
        let (id, retry, data) = events[0].clone();
        assert!(data.is_empty() && retry == Some(50));
        let last = id.clone().unwrap();
        let resumed = rpc.request(reqwest::Method::GET).header("last-event-id", &last);
        let resumed = resumed.send().await.unwrap();
        assert_eq!(resumed.status().as_u16(), 200);
        assert!(header(&resumed, "content-type").starts_with("text/event-stream"));
        let msg = message_of("text/event-stream", &resumed.text().await.unwrap());
        assert_eq!(msg["id"], rpc.next_id);
        assert!(msg["result"]["structuredContent"]["sessionRequestId"].is_string());
        let calls = server.calls();
        assert_eq!((calls.create, calls.gets_sse), (1, 1));
        assert_eq!(server.sessions().len(), 1);
        assert_eq!(server.requests().last().unwrap().last_event_id, id);
        // Count 1: the next call streams normally.
        assert!(rpc.create().await["sessionRequestId"].is_string());
    }
}

#[tokio::test]
async fn sse_chunks_split_lines_and_add_noise() {
    let (server, mut rpc) = start(sse());
    rpc.initialize().await;
    server.push_fault(Fault::SseChunks { size: 7, crlf: true });
    let r = rpc.send("tools/list", json!({})).await;
    let mut body = Vec::new();
    let mut chunks = 0;
    let mut r = r;
    while let Some(chunk) = r.chunk().await.unwrap() {
        assert!(chunk.len() <= 7);
        chunks += 1;
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).unwrap();
    assert!(chunks > 10 && text.contains("\r\n\r\n") && text.contains("\r\n: "));
    let events = parse_sse(&text);
    let methods: Vec<Value> = events.iter().filter_map(|e| serde_json::from_str::<Value>(&e.2).ok()).collect();
    assert_eq!(methods[0]["method"], "notifications/message", "a notification before the response");
    assert_eq!(methods[1]["result"]["tools"].as_array().unwrap().len(), 2);
    server.clear_faults();
    let r = rpc.send("tools/list", json!({})).await;
    assert!(!r.text().await.unwrap().contains('\r'));
}

#[tokio::test]
async fn patch_overrides_result_fields() {
    for sse in [false, true] {
        let (server, mut rpc) = start(ServerConfig { sse, ..ServerConfig::default() });
        rpc.initialize().await;
        let patch = json!({"loginUrl": "javascript:alert(1)", "pollUrl": null});
        server.push_fault(Fault::Patch { on: tool("create_auth_session"), patch, count: 1 });
        let r = rpc.call("create_auth_session", json!({"agent_identifier": "a"})).await;
        let text: Value = serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
        for v in [&r["structuredContent"], &text] {
            assert_eq!(v["loginUrl"], "javascript:alert(1)");
            assert!(v.get("pollUrl").is_none() && v["sessionRequestId"].is_string());
        }
        assert!(rpc.create().await["loginUrl"].as_str().unwrap().starts_with("http://127.0.0.1:"));
        let id = rpc.create().await["sessionRequestId"].as_str().unwrap().to_string();
        server.approve(&id);
        server.push_fault(Fault::Patch { on: Match::Any, patch: json!({"token": "a\nb"}), count: 2 });
        assert_eq!(rpc.get(&id).await["token"], "a\nb");
        assert_eq!(rpc.get(&id).await["token"], "a\nb");
        assert_eq!(rpc.get(&id).await["token"].as_str(), server.token_for(&id).as_deref());
    }
}
