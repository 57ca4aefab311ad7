//! The integration tests, one binary (`cargo test --test integration`): the real `agentview`
//! binary against the local server (`support/server`), real MCP clients, a real browser, a real
//! Secret Service and independent servers. One binary compiles the support code once and runs
//! every test beside every other, so the slow ones (the peers, the bridge) overlap with the rest.
//! Each module is a group with a file of its own (`oauth.rs`) and, where it has several, its
//! files in a directory of the same name (`oauth/`): `cargo test --test integration oauth::`
//! runs one group, `cargo test login_flow` any test whose path names it.
//!
//! `tests/fuzz/main.rs` is the other test binary: it calls the library alone, and `.ci/fuzz` builds it
//! (optimized on request) and runs it alone within a time budget.

pub mod support;

mod accounts;
mod bridge;
mod browser;
mod demo;
mod docs;
mod faults;
mod fit;
mod grants;
mod hardening;
mod hostile;
mod interop;
mod interrupt;
mod layout;
mod login_flow;
mod oauth;
mod peers;
mod secrets;
mod server_selftest;
mod store_keyring;
mod store_race;
mod usage;
