//! Shared test support: the local agentView server, running the binary, fixtures, the peers, a
//! browser over the DevTools Protocol, and the generated docs and README the docs tests read.
//!
//! Public from the root of the test binary, so what only some tests use is not called dead.

pub mod cdp;
pub mod cli;
pub mod docs;
pub mod fixture;
#[cfg(unix)]
pub mod forkserver;
pub mod idp;
#[cfg(unix)]
pub mod nodehost;
pub mod peers;
pub mod ports;
pub mod readme;
pub mod server;
