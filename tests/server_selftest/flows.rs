//! Login flows: create -> approve -> get, deny, expiry, auto-approval, token modes, result shapes, the approval page.
use super::*;

fn is_token(t: &str) -> bool {
    t.len() == 44 && t.starts_with("avt_") && t[4..].chars().all(|c| c.is_ascii_hexdigit())
}

#[tokio::test]
async fn create_approve_get() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let result = rpc.call("create_auth_session", json!({"agent_identifier": "agentview/0.1.0", "scope": "read"})).await;
    assert_eq!(result["isError"], false);
    let created = &result["structuredContent"];
    let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(&text, created, "text block carries the same JSON");
    let id = created["sessionRequestId"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(created["loginUrl"], format!("{}/login/{id}", server.base_url()));
    assert_eq!(created["pollUrl"], format!("{}/login/{id}/status", server.base_url()));
    assert_eq!(created["expiresIn"], 600);
    let pending = rpc.get(&id).await;
    assert_eq!(pending["status"], "pending");
    assert!(pending.get("token").is_none());
    assert_eq!(server.sessions()[0].status, AuthStatus::Pending);
    assert!(server.approve(&id));
    assert!(!server.approve(&id), "only pending sessions can be approved");
    let active = rpc.get(&id).await;
    assert_eq!(active["status"], "active");
    let token = active["token"].as_str().unwrap();
    assert!(is_token(token), "{token}");
    assert_eq!(server.token_for(&id).as_deref(), Some(token));
    assert!(active["tokenExpiresAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(active["user"]["email"], "ada@example.com");
    let info = &server.sessions()[0];
    assert!(info.status == "active" && info.approved_at.is_some() && info.token.as_deref() == Some(token));
    assert_eq!(
        (info.agent_identifier.as_deref(), info.scope.as_deref(), info.polls),
        (Some("agentview/0.1.0"), Some("read"), 2)
    );
    // A second session gets a distinct id and token.
    let id2 = rpc.create().await["sessionRequestId"].as_str().unwrap().to_string();
    assert_ne!(id, id2);
    assert_eq!(server.approve_latest().as_deref(), Some(id2.as_str()));
    assert_ne!(server.token_for(&id2), server.token_for(&id));
    assert_eq!(server.approve_latest(), None);
    let calls = server.calls();
    assert_eq!((calls.create, calls.get, calls.get_times.len()), (2, 2, 2));
}

#[tokio::test]
async fn deny_unknown_and_http_endpoints() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let id = rpc.create().await["sessionRequestId"].as_str().unwrap().to_string();
    let http = super::http_client();
    let base = server.base_url();
    let r = http.post(format!("{base}/login/{id}/deny")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(r.text().await.unwrap().trim(), "Sign-in denied.");
    assert_eq!(rpc.get(&id).await["status"], "denied");
    let r = http.post(format!("{base}/login/{id}/approve")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 409);
    assert!(!server.deny(&id) && !server.approve(&id));
    let r = http.post(format!("{base}/login/nope/approve")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let status: Value = serde_json::from_str(
        &http.get(format!("{base}/login/{id}/status")).send().await.unwrap().text().await.unwrap(),
    )
    .unwrap();
    assert_eq!(status["status"], "denied");
    // Unknown session id: a tool error, not a JSON-RPC error.
    let r = rpc.call("get_auth_session", json!({"session_request_id": "does-not-exist"})).await;
    assert_eq!(r["isError"], true);
    assert_eq!(r["content"][0]["text"], "unknown session");
    assert!(!server.approve("does-not-exist"));
}

#[tokio::test]
async fn approval_page_and_form_posts() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let r = rpc.call("create_auth_session", json!({"agent_identifier": "<b>evil</b> agent"})).await;
    let url = r["structuredContent"]["loginUrl"].as_str().unwrap().to_string();
    let http = super::http_client();
    let page = http.get(&url).send().await.unwrap();
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Approve sign-in to agentView</title>"));
    assert!(html.contains("&lt;b&gt;evil&lt;/b&gt; agent") && !html.contains("<b>evil"));
    assert!(html.contains("id=\"approve\"") && html.contains("id=\"deny\""));
    assert!(html.contains(" UTC") && !html.contains("http://") && !html.contains("https://"));
    let id = url.rsplit('/').next().unwrap();
    assert!(html.contains(&format!("action=\"/login/{id}/approve\"")));
    let done = http
        .post(format!("{url}/approve"))
        .header("accept", "text/html")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert!(done.text().await.unwrap().contains("Signed in. You can close this tab and return to the terminal."));
    assert_eq!(server.sessions()[0].status, AuthStatus::Active);
    assert!(!http.get(&url).send().await.unwrap().text().await.unwrap().contains("id=\"approve\""));
    assert_eq!(http.get(format!("{}/login/zzz", server.base_url())).send().await.unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn expiry_window() {
    let (server, mut rpc) = start(ServerConfig { expires_in: Some(json!(1)), ..ServerConfig::default() });
    rpc.initialize().await;
    let created = rpc.create().await;
    assert_eq!(created["expiresIn"], 1);
    let id = created["sessionRequestId"].as_str().unwrap().to_string();
    assert_eq!(rpc.get(&id).await["status"], "pending");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(rpc.get(&id).await["status"], "expired");
    assert!(!server.approve(&id));
    assert_eq!(server.sessions()[0].status, AuthStatus::Expired);
    // Nonsense values are reported verbatim, the server keeps its 600 s window.
    for odd in [json!(-5), json!(0), json!("abc"), json!(1e12)] {
        let (server, mut rpc) = start(ServerConfig { expires_in: Some(odd.clone()), ..ServerConfig::default() });
        rpc.initialize().await;
        let created = rpc.create().await;
        assert_eq!(created["expiresIn"], odd);
        assert!(server.approve(created["sessionRequestId"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn auto_approval_and_hints() {
    let cfg =
        ServerConfig { auto_approve_after_polls: Some(2), poll_interval_hint: Some(3), ..ServerConfig::default() };
    let (server, mut rpc) = start(cfg);
    rpc.initialize().await;
    let id = rpc.create().await["sessionRequestId"].as_str().unwrap().to_string();
    let first = rpc.get(&id).await;
    assert_eq!((first["status"].as_str(), first["interval"].as_u64()), (Some("pending"), Some(3)));
    assert_eq!(rpc.get(&id).await["status"], "active");
    assert!(server.token_for(&id).is_some());

    let cfg = ServerConfig { auto_approve_after: Some(Duration::from_millis(300)), ..ServerConfig::default() };
    let (server, mut rpc) = start(cfg);
    rpc.initialize().await;
    let id = rpc.create().await["sessionRequestId"].as_str().unwrap().to_string();
    assert_eq!(rpc.get(&id).await["status"], "pending");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(rpc.get(&id).await["status"], "active");
    let s = &server.sessions()[0];
    assert!(s.approved_at.unwrap() - s.created >= Duration::from_millis(300));
}

#[tokio::test]
async fn session_only_token_mode() {
    let (server, mut rpc) = start(ServerConfig { token_mode: TokenMode::SessionOnly, ..ServerConfig::default() });
    rpc.initialize().await;
    let id = rpc.create().await["sessionRequestId"].as_str().unwrap().to_string();
    server.approve(&id);
    let active = rpc.get(&id).await;
    assert_eq!(active["status"], "active");
    for field in ["token", "accessToken", "access_token", "bearerToken", "tokenExpiresAt"] {
        assert!(active.get(field).is_none(), "{field}");
    }
    assert_eq!(active["sessionRequestId"], id);
    assert_eq!(server.token_for(&id), None);
}

#[tokio::test]
async fn result_shapes() {
    let shape = |shape| ServerConfig { shape, ..ServerConfig::default() };
    let (_s, mut rpc) = start(shape(ResultShape::Snake));
    rpc.initialize().await;
    let created = rpc.create().await;
    assert!(created["session_request_id"].is_string() && created["login_url"].is_string());
    assert!(created.get("sessionRequestId").is_none() && created["expires_in"] == 600);

    let (_s, mut rpc) = start(shape(ResultShape::Wrapped));
    rpc.initialize().await;
    let r = rpc.call("create_auth_session", json!({"agent_identifier": "a"})).await;
    assert!(r["structuredContent"]["result"]["sessionRequestId"].is_string());
    let text: Value = serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
    assert!(text["sessionRequestId"].is_string());

    for cfg in [shape(ResultShape::TextOnly), ServerConfig { structured: false, ..ServerConfig::default() }] {
        let (_s, mut rpc) = start(cfg);
        rpc.initialize().await;
        let r = rpc.call("create_auth_session", json!({"agent_identifier": "a"})).await;
        assert!(r.get("structuredContent").is_none());
        let text: Value = serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
        assert!(text["loginUrl"].is_string());
    }
}

#[tokio::test]
async fn login_host_changes_login_url_only() {
    let (server, mut rpc) = start(ServerConfig { login_host: Some("evil.example".into()), ..ServerConfig::default() });
    rpc.initialize().await;
    let created = rpc.create().await;
    let port = server.addr().port();
    assert!(created["loginUrl"].as_str().unwrap().starts_with(&format!("http://evil.example:{port}/login/")));
    assert!(created["pollUrl"].as_str().unwrap().starts_with(&server.base_url()));
}

#[tokio::test]
async fn missing_agent_identifier_is_invalid_params() {
    let (server, mut rpc) = start(ServerConfig::default());
    rpc.initialize().await;
    let (_, _, msg) = rpc.rpc("tools/call", json!({"name": "create_auth_session", "arguments": {}})).await;
    assert_eq!(msg["error"]["code"], -32602);
    assert!(server.sessions().is_empty());
    let _ = Instant::now();
}
