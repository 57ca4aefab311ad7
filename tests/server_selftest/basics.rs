//! basics
use super::*;

#[tokio::test]
async fn json_initialize() {
    let (server, mut rpc) = start(ServerConfig::default());
    let msg = rpc.initialize().await;
    assert_eq!(msg["result"]["protocolVersion"], "2025-11-25", "{msg}");
    assert!(rpc.session.is_some());
    let _ = server.calls();
}
