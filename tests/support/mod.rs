//! Shared test support: the local agentView server, running the binary, fixtures.

pub mod cli;
pub mod fixture;
pub mod peers;
pub mod ports;
pub mod server;
