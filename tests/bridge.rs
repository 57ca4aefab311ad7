//! `agentview bridge` between real MCP clients on stdio (the TypeScript SDK's client, the MCP
//! Inspector's CLI mode, a test writing raw JSON-RPC lines) and the bundled server: tokens that
//! renew during a session, sessions that the server forgets, requests from the server to the
//! client, notification streams, batches, the stdio rules, and a server that misbehaves.
#![allow(clippy::unwrap_used)]

mod first_use;
mod hostile;
mod hostile_server;
mod independent;
mod inspector;
mod relay;
mod session;
mod stdio;
mod step_up;
pub mod support;
mod tokens;
