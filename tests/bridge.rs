//! `agentview bridge` between real MCP clients on stdio (the TypeScript SDK's client, the MCP
//! Inspector's CLI mode, a test writing raw JSON-RPC lines) and the bundled server: tokens that
//! renew during a session, sessions that the server forgets, requests from the server to the
//! client, notification streams, batches, the stdio rules, and a server that misbehaves.
#![allow(clippy::unwrap_used)]

pub mod support;

#[path = "bridge/support.rs"]
pub mod bridge_support;
#[path = "bridge/first_use.rs"]
mod first_use;
#[path = "bridge/hostile.rs"]
mod hostile;
#[path = "bridge/hostile_server.rs"]
pub mod hostile_server;
#[path = "bridge/independent.rs"]
mod independent;
#[path = "bridge/inspector.rs"]
mod inspector;
#[path = "bridge/relay.rs"]
mod relay;
#[path = "bridge/session.rs"]
mod session;
#[path = "bridge/stdio.rs"]
mod stdio;
#[path = "bridge/step_up.rs"]
mod step_up;
#[path = "bridge/tokens.rs"]
mod tokens;
