//! `agentview bridge` between real MCP clients on stdio (the TypeScript SDK's client, the MCP
//! Inspector's CLI mode, a test writing raw JSON-RPC lines) and the bundled server: tokens that
//! renew during a session, sessions that the server forgets, requests from the server to the
//! client, notification streams, batches, and the stdio rules.
#![allow(clippy::unwrap_used)]

mod independent;
mod inspector;
mod relay;
mod session;
mod stdio;
mod support;
mod tokens;
