//! Shared test support: the local agentView server, running the binary, fixtures.
//!
//! Every test crate declares it `pub mod support;`: what it offers is public, so the test crates
//! that use only part of it do not call the rest dead, while anything private and unused still is.

pub mod cli;
pub mod fixture;
pub mod idp;
pub mod peers;
pub mod ports;
pub mod server;
