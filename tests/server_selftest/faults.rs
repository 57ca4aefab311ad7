//! HTTP-level faults (status, 429, reset, slow, session expiry, raw, huge) for exactly their count.
use super::*;

fn tool(name: &str) -> Match {
    Match::Tool(name.into())
}

#[tokio::test]
async fn status_burst_then_success() {
    let (server, mut rpc) = start(ServerConfig::default());
    server.push_fault(Fault::Status { on: Match::Method("initialize".into()), status: 503, count: 2 });
    for _ in 0..2 {
        let r = rpc.send("initialize", init_params()).await;
        assert_eq!(r.status().as_u16(), 503);
        assert!(r.headers().get("mcp-session-id").is_none());
    }
    rpc.initialize().await;
    assert!(rpc.session.is_some());
    assert_eq!(server.calls().initialize, 3);
    let recs = server.requests();
    assert_eq!(recs.iter().filter(|r| r.fault.as_deref() == Some("Status")).count(), 2);
    // Filters: a 401 on tools/list leaves other methods alone.
    server.push_fault(Fault::Status { on: Match::Method("tools/list".into()), status: 401, count: 1 });
    assert!(rpc.create().await["sessionRequestId"].is_string());
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 401);
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 200);
}

#[tokio::test]
async fn rate_limit_with_retry_after_forms() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let on = tool("create_auth_session");
    server.push_fault(Fault::RateLimit { on: on.clone(), retry_after: Some(RetryAfter::Seconds(7)), count: 1 });
    server.push_fault(Fault::RateLimit { on: on.clone(), retry_after: Some(RetryAfter::HttpDate(30)), count: 1 });
    server.push_fault(Fault::RateLimit { on, retry_after: None, count: 1 });
    let args = json!({"name": "create_auth_session", "arguments": {"agent_identifier": "a"}});
    let r = rpc.send("tools/call", args.clone()).await;
    assert_eq!((r.status().as_u16(), header(&r, "retry-after").as_str()), (429, "7"));
    let r = rpc.send("tools/call", args.clone()).await;
    assert_eq!(r.status().as_u16(), 429);
    let date = httpdate::parse_http_date(&header(&r, "retry-after")).unwrap();
    let ahead = date.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(ahead > Duration::from_secs(25) && ahead <= Duration::from_secs(31), "{ahead:?}");
    let r = rpc.send("tools/call", args.clone()).await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(rpc.send("tools/call", args).await.status().as_u16(), 200);
    assert_eq!(server.calls().create, 4);
    assert_eq!(server.sessions().len(), 1, "rate-limited calls never reach the tool");
}

#[tokio::test]
async fn reset_aborts_mid_body() {
    for sse in [false, true] {
        let (server, mut rpc) = start(ServerConfig { sse, ..ServerConfig::default() });
        rpc.initialize().await;
        server.push_fault(Fault::Reset { on: tool("get_auth_session"), count: 1 });
        let r =
            rpc.send("tools/call", json!({"name": "get_auth_session", "arguments": {"session_request_id": "x"}})).await;
        assert_eq!(r.status().as_u16(), 200, "headers arrive");
        assert!(r.text().await.is_err(), "the body must fail mid-way");
        let ok = rpc.call("get_auth_session", json!({"session_request_id": "x"})).await;
        assert_eq!(ok["isError"], true, "next call is normal");
    }
}

#[tokio::test]
async fn slow_makes_client_timeouts_fire() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    server.push_fault(Fault::Slow { on: tool("get_auth_session"), delay: Duration::from_millis(800), count: 1 });
    let body = json!({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"get_auth_session","arguments":{"session_request_id":"x"}}});
    let r = rpc
        .request(reqwest::Method::POST)
        .header("content-type", "application/json")
        .body(body.to_string())
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(r.is_err_and(|e| e.is_timeout()));
    rpc.call("get_auth_session", json!({"session_request_id": "x"})).await;
    let last = server.requests().pop().expect("a record");
    assert_eq!(last.fault, None, "count 1 only: the second call was not slowed");
    // A slow request that is waited for succeeds.
    server.push_fault(Fault::Slow { on: Match::Any, delay: Duration::from_millis(300), count: 1 });
    let started = Instant::now();
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let recs = server.requests();
    assert_eq!(recs.iter().filter(|r| r.fault.as_deref() == Some("Slow")).count(), 1);
}

#[tokio::test]
async fn expire_mcp_session_forces_reinitialize() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let old = rpc.session.clone();
    server.push_fault(Fault::ExpireMcpSession);
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 404);
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 404, "the id stays dead");
    rpc.session = None;
    rpc.initialize().await;
    assert_ne!(rpc.session, old);
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 200);
    assert_eq!(server.calls().initialize, 2);
}

#[tokio::test]
async fn raw_replaces_response_with_id() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    server.push_fault(Fault::Raw {
        on: Match::Method("tools/list".into()),
        status: 200,
        content_type: "application/json".into(),
        body: r#"{"jsonrpc":"2.0","id":{{id}},"result":{"tools":"oops"}}"#.into(),
        count: 2,
    });
    for _ in 0..2 {
        let (status, _, msg) = rpc.rpc("tools/list", json!({})).await;
        assert_eq!((status, msg["id"].as_u64()), (200, Some(rpc.next_id)));
        assert_eq!(msg["result"]["tools"], "oops");
    }
    assert!(rpc.rpc("tools/list", json!({})).await.2["result"]["tools"].is_array());
    server.push_fault(Fault::Raw {
        on: Match::Any,
        status: 200,
        content_type: "text/html".into(),
        body: "<html>hi</html>".into(),
        count: 1,
    });
    let r = rpc.send("tools/list", json!({})).await;
    assert_eq!(header(&r, "content-type"), "text/html");
    assert_eq!(r.text().await.unwrap(), "<html>hi</html>");
}

#[tokio::test]
async fn huge_body_is_exactly_len_bytes() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let len = 3 * 1024 * 1024 + 17;
    server.push_fault(Fault::Huge {
        on: tool("get_auth_session"),
        content_type: "application/json".into(),
        len,
        count: 1,
    });
    let r = rpc.send("tools/call", json!({"name": "get_auth_session", "arguments": {"session_request_id": "x"}})).await;
    assert!(r.headers().get("content-length").is_none(), "streamed");
    let body = r.bytes().await.unwrap();
    assert_eq!(body.len(), len);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["id"].as_u64(), Some(rpc.next_id));
}

#[tokio::test]
async fn http_get_and_delete_filters() {
    let (server, mut rpc) = start(sse());
    rpc.initialize().await;
    server.push_fault(Fault::Status { on: Match::HttpDelete, status: 500, count: 1 });
    server.push_fault(Fault::Status { on: Match::HttpGet, status: 503, count: 1 });
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 200);
    let get = rpc.request(reqwest::Method::GET).header("last-event-id", "nope").send().await.unwrap();
    assert_eq!(get.status().as_u16(), 503);
    assert_eq!(rpc.request(reqwest::Method::DELETE).send().await.unwrap().status().as_u16(), 500);
    assert!(rpc.request(reqwest::Method::DELETE).send().await.unwrap().status().is_success());
    let calls = server.calls();
    assert_eq!((calls.gets_sse, calls.deletes), (1, 2));
}

#[tokio::test]
async fn fault_queue_order_and_clear() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    server.push_fault(Fault::Status { on: Match::Any, status: 502, count: 1 });
    server.push_fault(Fault::Status { on: Match::Any, status: 504, count: 1 });
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 502);
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 504);
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 200);
    server.push_fault(Fault::Status { on: Match::Any, status: 500, count: 5 });
    server.clear_faults();
    assert_eq!(rpc.rpc("tools/list", json!({})).await.0, 200);
}
