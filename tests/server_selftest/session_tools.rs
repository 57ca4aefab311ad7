//! The session tools' switches: approval after polls or on a timer, poll hints, result shapes,
//! and a create without its required argument.
use std::time::Duration;

use super::*;

#[tokio::test]
async fn auto_approval_and_hints() {
    let cfg =
        ServerConfig { auto_approve_after_polls: Some(2), poll_interval_hint: Some(3), ..ServerConfig::default() };
    let server = TestServer::start(cfg);
    let mut client = connect(&server).await;
    let id = create(&mut client).await["sessionRequestId"].as_str().unwrap().to_string();
    let first = get(&mut client, &id).await;
    assert_eq!((first["status"].as_str(), first["interval"].as_u64()), (Some("pending"), Some(3)));
    assert_eq!(get(&mut client, &id).await["status"], "active");
    assert!(server.token_for(&id).is_some());

    let cfg = ServerConfig { auto_approve_after: Some(Duration::from_millis(300)), ..ServerConfig::default() };
    let server = TestServer::start(cfg);
    let mut client = connect(&server).await;
    let id = create(&mut client).await["sessionRequestId"].as_str().unwrap().to_string();
    assert_eq!(get(&mut client, &id).await["status"], "pending");
    let active = support::cli::try_wait_until(Duration::from_secs(5), || {
        server.sessions()[0].approved_at.map(|at| at - server.sessions()[0].created)
    });
    assert!(active.expect("approved on its timer") >= Duration::from_millis(300));
    assert_eq!(get(&mut client, &id).await["status"], "active");
}

#[tokio::test]
async fn result_shapes() {
    let shape = |shape| ServerConfig { shape, ..ServerConfig::default() };
    let server = TestServer::start(shape(ResultShape::Snake));
    let created = create(&mut connect(&server).await).await;
    assert!(created["session_request_id"].is_string() && created["login_url"].is_string());
    assert!(created.get("sessionRequestId").is_none() && created["expires_in"] == 600);

    let server = TestServer::start(shape(ResultShape::Wrapped));
    let r = connect(&server).await.call_tool("create_auth_session", json!({"agent_identifier": "a"})).await.unwrap();
    assert!(r["structuredContent"]["result"]["sessionRequestId"].is_string());
    let text: Value = serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
    assert!(text["sessionRequestId"].is_string());

    for cfg in [shape(ResultShape::TextOnly), ServerConfig { structured: false, ..ServerConfig::default() }] {
        let server = TestServer::start(cfg);
        let r =
            connect(&server).await.call_tool("create_auth_session", json!({"agent_identifier": "a"})).await.unwrap();
        assert!(r.get("structuredContent").is_none());
        let text: Value = serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
        assert!(text["loginUrl"].is_string());
    }
}

#[tokio::test]
async fn missing_agent_identifier_is_invalid_params() {
    let server = TestServer::start(ServerConfig::default());
    let refused = connect(&server).await.call_tool("create_auth_session", json!({})).await;
    assert!(matches!(refused, Err(McpError::Rpc { code: -32602, .. })), "{refused:?}");
    assert!(server.sessions().is_empty());
}
